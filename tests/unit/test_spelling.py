"""The typed-answer judge: what counts as right, as a near miss, and as wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorer.spelling import judge, near_words, normalize


@pytest.mark.parametrize("typed", ["receive", "Receive", "  RECEIVE ", "receive!", "recéive"])
def test_case_spaces_punctuation_and_accents_never_matter(typed: str) -> None:
    assert judge(typed, "receive") == "right"


@pytest.mark.parametrize(("typed", "word"), [
    ("recieve", "receive"),  # two letters swapped: one edit
    ("recive", "receive"),  # one letter missing
    ("receeve", "receive"),  # one letter wrong
    ("acommodation", "accommodation"),  # long word: one missing
    ("acomodation", "accommodation"),  # long word: two missing
])
def test_near_misses_are_accepted_as_near(typed: str, word: str) -> None:
    assert judge(typed, word) == "near"


@pytest.mark.parametrize(("typed", "word"), [
    ("recve", "receive"),  # two edits in a 7-letter word
    ("acmodation", "accommodation"),  # three edits in a long word
    ("banana", "receive"),
    ("", "receive"),
    ("!!!", "receive"),
])
def test_far_answers_are_wrong(typed: str, word: str) -> None:
    assert judge(typed, word) == "wrong"


def test_another_word_of_the_deck_is_never_a_typo() -> None:
    deck = ["affect", "effect", "receive", "banana"]
    others = near_words("effect", deck)
    assert "affect" in others and "banana" not in others
    assert judge("affect", "effect", others) == "wrong"
    assert judge("efect", "effect", others) == "near"


def test_near_words_leave_out_the_word_itself() -> None:
    assert near_words("Effect", ["effect", "EFFECT", "affect"]) == ("affect",)


@given(st.text(max_size=30))
def test_normalize_is_idempotent_and_judges_itself_right(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    if once:
        assert judge(text, once) == "right"


# A learner who types another real word meant that word: a teacher marks it wrong, however
# close its spelling (issue 22). (typed, answer)
REAL_WORD_CONFUSIONS = [
    ("bag", "beg"), ("bed", "beg"), ("aware", "awake"), ("learn", "earn"),
    ("effect", "affect"), ("affect", "effect"), ("lose", "loose"), ("loose", "lose"),
    ("desert", "dessert"), ("dessert", "desert"), ("form", "from"), ("the", "tie"),
    ("lie", "tie"), ("die", "tie"), ("quite", "quiet"), ("quiet", "quite"),
    ("then", "than"), ("than", "then"), ("principle", "principal"),
    ("principal", "principle"), ("stationary", "stationery"), ("stationery", "stationary"),
    ("compliment", "complement"), ("complement", "compliment"), ("advise", "advice"),
    ("advice", "advise"), ("device", "devise"), ("devise", "device"), ("dairy", "diary"),
    ("diary", "dairy"), ("angle", "angel"), ("angel", "angle"), ("trail", "trial"),
    ("trial", "trail"), ("accept", "except"), ("except", "accept"), ("breath", "breathe"),
    ("cloth", "clothes"), ("weather", "whether"), ("where", "were"), ("their", "there"),
    ("though", "through"), ("through", "thorough"), ("latter", "later"),
    ("personal", "personnel"), ("moral", "morale"), ("council", "counsel"),
    ("sight", "site"), ("site", "cite"), ("excess", "access"), ("adopt", "adapt"),
    ("formally", "formerly"), ("insure", "ensure"), ("emigrate", "immigrate"),
    ("illicit", "elicit"), ("bear", "bare"), ("piece", "peace"), ("hole", "whole"),
    ("break", "brake"), ("plain", "plane"), ("quit", "quite"), ("big", "bag"),
    ("fell", "feel"), ("live", "leave"), ("sheep", "ship"), ("won", "own"),
    ("cook", "cock"), ("form", "farm"), ("three", "tree"), ("wonder", "wander"),
    ("look at", "look after"), ("get in with", "get on with"), ("filed", "filled"),
]

# Genuine misspellings: near misses, however often people make them (frequency lists
# contain some of them). (typed, answer)
MISSPELLINGS = [
    ("recieve", "receive"), ("seperate", "separate"), ("definately", "definitely"),
    ("neccessary", "necessary"), ("enviroment", "environment"), ("goverment", "government"),
    ("tommorow", "tomorrow"), ("adress", "address"), ("beleive", "believe"),
    ("freind", "friend"), ("accomodate", "accommodate"), ("calender", "calendar"),
    ("libary", "library"), ("knowlege", "knowledge"), ("occured", "occurred"),
    ("untill", "until"), ("wich", "which"), ("becuase", "because"), ("truely", "truly"),
    ("arguement", "argument"), ("begining", "beginning"), ("bussiness", "business"),
    ("existance", "existence"), ("foriegn", "foreign"), ("grammer", "grammar"),
    ("independant", "independent"), ("noticable", "noticeable"), ("occassion", "occasion"),
    ("posession", "possession"), ("prefered", "preferred"), ("publically", "publicly"),
    ("reccomend", "recommend"), ("relevent", "relevant"), ("succesful", "successful"),
    ("suprise", "surprise"), ("togther", "together"), ("wierd", "weird"),
    ("writting", "writing"), ("acheive", "achieve"), ("lookafter", "look after"),
    ("ceilling", "ceiling"),  # a doubled l is British only where the stem is a word
    ("look afer", "look after"),
]


@pytest.mark.parametrize(("typed", "word"), REAL_WORD_CONFUSIONS)
def test_another_real_word_is_wrong_however_close(typed: str, word: str) -> None:
    assert judge(typed, word) == "wrong"


@pytest.mark.parametrize(("typed", "word"), MISSPELLINGS)
def test_a_misspelling_is_a_near_miss(typed: str, word: str) -> None:
    assert judge(typed, word) == "near"


def test_the_tables_are_as_long_as_the_issue_asks() -> None:
    assert len(set(REAL_WORD_CONFUSIONS)) >= 60 and len(set(MISSPELLINGS)) >= 30


@pytest.mark.parametrize(("typed", "word"), [
    ("color", "colour"), ("colour", "color"), ("realize", "realise"),
    ("organisation", "organization"), ("centre", "center"), ("analyse", "analyze"),
    ("behavior", "behaviour"), ("traveled", "travelled"), ("travelled", "traveled"),
    ("counseling", "counselling"),
])
def test_the_other_spelling_of_the_same_word_is_right(typed: str, word: str) -> None:
    assert judge(typed, word) == "right"


@pytest.mark.parametrize(("typed", "word"), [("ties", "tie"), ("tying", "tie"),
                                             ("looked after", "look after"),
                                             ("bigger", "big")])
def test_an_inflection_of_the_word_is_a_near_miss(typed: str, word: str) -> None:
    assert judge(typed, word) == "near"


def test_an_accepted_answer_is_right_and_its_misspelling_near() -> None:
    assert judge("outdoors", "outside", accept=["outdoors"]) == "right"
    assert judge("outdors", "outside", accept=["outdoors"]) == "near"
    assert judge("outdoors", "outside") == "wrong"  # not listed: another word
