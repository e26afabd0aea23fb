"""Decks: the built-in one, user CSV/TSV files, and the questions made from them."""

import random
import re
from collections import Counter

import pytest

from scorer.deck import (
    CONFUSABLE,
    MAX_EXAMPLE,
    DeckError,
    Entry,
    builtin_names,
    confusable,
    entries_at_level,
    forms,
    levels,
    load_builtin,
    parse_deck,
    term_span,
)
from scorer.questions import make_questions

BUILTIN = load_builtin("everyday")
BUILTIN_LEVELS = ("A2", "B1", "B2", "C1")
# Endings whose removal leaves a word's stem ("careless" -> "care"), longest first: a
# definition that uses the stem gives its word away.
SUFFIXES = ("ation", "ition", "tion", "sion", "ment", "ness", "less", "ence", "ance", "able",
            "ible", "ity", "ous", "ive", "ful", "ize", "ise", "ing", "est", "ent", "ant", "ly",
            "al", "ed", "er", "y", "e", "s")


def stem(term: str) -> str:
    for suffix in SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= 4:
            return term.removesuffix(suffix)
    return term


def test_the_builtin_deck_has_600_plus_words_over_four_levels() -> None:
    assert len(BUILTIN) >= 600
    assert "everyday" in builtin_names()
    counts = levels(BUILTIN)
    assert list(counts) == list(BUILTIN_LEVELS)
    assert all(counts[level] >= 100 for level in BUILTIN_LEVELS), counts
    assert sum(counts.values()) == len(BUILTIN)


def test_every_builtin_entry_has_all_its_fields() -> None:
    incomplete = [e.term for e in BUILTIN
                  if not (e.term and e.definition and e.example)
                  or e.pos not in {"noun", "verb", "adjective", "adverb"}
                  or e.level not in BUILTIN_LEVELS]
    assert incomplete == []


def test_no_builtin_term_appears_twice() -> None:
    assert len({e.term.casefold() for e in BUILTIN}) == len(BUILTIN)


def test_every_builtin_example_uses_its_word() -> None:
    assert [(e.term, e.example) for e in BUILTIN if term_span(e.example, e.term) is None] == []


def test_no_builtin_definition_gives_its_word_away() -> None:
    giveaways = [(e.term, e.definition) for e in BUILTIN
                 if term_span(e.definition, e.term) is not None
                 or any(word.startswith(stem(e.term.lower()))
                        for word in re.findall(r"[a-z]+", e.definition.lower()))]
    assert giveaways == []


def test_questions_have_four_distinct_choices_sharing_the_part_of_speech() -> None:
    entries = load_builtin("everyday")
    pos_of = {e.term: e.pos for e in entries}
    definition_of = {e.term: e.definition for e in entries}
    questions = make_questions(entries, 50, random.Random(7))
    assert len({q.term for q in questions}) == 50
    for q in questions:
        assert len(set(q.choices)) == 4
        assert {pos_of[c] for c in q.choices} == {q.pos}
        assert definition_of[q.term] == q.prompt
    assert Counter(q.correct for q in questions).keys() <= {0, 1, 2, 3}


def test_csv_with_header_and_quotes_as_anki_and_quizlet_export() -> None:
    text = ('term,definition,part of speech\n"brave","ready to face danger, not afraid",adj\n'
            "calm,not worried,adj\nrun,move fast on foot,verb\nhouse,a building to live in,noun\n")
    entries = parse_deck(text)
    assert [e.term for e in entries] == ["brave", "calm", "run", "house"]
    assert entries[0].definition == "ready to face danger, not afraid"


def test_tsv_without_part_of_speech() -> None:
    entries = parse_deck("a\tone\nb\ttwo\nc\tthree\nd\tfour\n")
    assert [e.pos for e in entries] == ["", "", "", ""]
    assert len(make_questions(entries, 4, random.Random(1))) == 4


@pytest.mark.parametrize(("text", "line"), [
    ("a,one\nb,two\nc\nd,four\n", 3),
    ("a,one\nb,two\nc,three\na,again\n", 4),
    ("a,one\n,missing term\n", 2),
])
def test_a_broken_deck_names_the_line(text: str, line: int) -> None:
    with pytest.raises(DeckError, match=f"line {line}"):
        parse_deck(text, source="mine.csv")


def test_too_small_decks_and_too_many_questions_are_refused() -> None:
    with pytest.raises(DeckError, match="at least 4"):
        parse_deck("a,1\nb,2\n")
    with pytest.raises(DeckError, match="fewer than 9"):
        make_questions(parse_deck("a,1\nb,2\nc,3\nd,4\n"), 9, random.Random(1))


def test_unknown_builtin_deck() -> None:
    with pytest.raises(DeckError, match="no built-in deck"):
        load_builtin("klingon")


def test_a_broken_line_is_explained_as_a_person_would() -> None:
    with pytest.raises(DeckError) as broken:
        parse_deck("term,definition\ncat,a small animal\nbird\n", source="my-words.csv")
    assert str(broken.value) == (
        "my-words.csv, line 3: expected a term and its definition separated by ',' "
        "(a part of speech may follow), got 'bird'")


def test_an_entry_made_from_three_fields_has_no_example_or_level() -> None:
    entry = Entry("calm", "not worried", "adjective")
    assert (entry.example, entry.level) == ("", "")


def test_tsv_without_header_reads_example_and_level_after_part_of_speech() -> None:
    text = ("brave\tready to face danger\tADJ\tShe was brave at the dentist.\tb1\n"
            "calm\tnot worried\tadjective\n"
            "run\tmove fast on foot\tverb\tWe ran home.\n"
            "house\ta building to live in\tnoun\t\tA1\n")
    entries = parse_deck(text)
    assert entries[0] == Entry("brave", "ready to face danger", "adj",
                               "She was brave at the dentist.", "B1")
    assert [(e.example, e.level) for e in entries[1:]] == [
        ("", ""), ("We ran home.", ""), ("", "A1")]


def test_a_header_names_the_columns_in_any_order_and_other_columns_are_ignored() -> None:
    text = ("Front,Tags,Back,Level,Example,Part of Speech\n"
            'brave,fun,"ready to face danger, not afraid",B2,"He was brave, they said.",adj\n'
            "calm,,not worried,,,\nrun,x,move fast on foot\nhouse,,a building to live in,A1\n")
    entries = parse_deck(text)
    assert entries[0] == Entry("brave", "ready to face danger, not afraid", "adj",
                               "He was brave, they said.", "B2")
    assert entries[2] == Entry("run", "move fast on foot")
    assert entries[3].level == "A1"


def test_a_quizlet_style_export_with_an_example_column() -> None:
    text = ("word\tdefinition\texample\n"
            "borrow\tto take something you will give back\tCan I borrow your pen?\n"
            "lend\tto give something for a while\tShe lent me a pen.\n"
            "pen\ta tool for writing in ink\tMy pen is blue.\n"
            "ink\tcoloured liquid for writing\tThe ink ran out.\n")
    entries = parse_deck(text)
    assert [e.example for e in entries][:2] == ["Can I borrow your pen?", "She lent me a pen."]
    assert {e.pos for e in entries} == {""}


def test_anki_text_export_names_its_columns_in_a_comment() -> None:
    text = ("#separator:tab\n#html:false\n#columns:Spanish\tEnglish\tExample\n"
            "perro\tdog\tEl perro come.\ngato\tcat\tEl gato duerme.\n"
            "casa\thouse\tMi casa.\nsol\tsun\tHace sol.\n")
    entries = parse_deck(text, delimiter="\t")
    assert entries[0] == Entry("perro", "dog", "", "El perro come.")
    assert len(entries) == 4


@pytest.mark.parametrize(("text", "line", "says"), [
    ("a,one,,,A1\nb,two,,,B3\nc,three\nd,four\n", 2, "'B3' is not one of A1, A2, B1, B2, C1, C2"),
    ("a,one\nb,two\nc,three,noun," + "x" * (MAX_EXAMPLE + 1) + "\nd,four\n", 3,
     f"an example has at most {MAX_EXAMPLE} characters"),
    ("term,example,definition\na,an a,one\nb,a b\nc,a c,three\n", 3,
     "expected a term and its definition"),
    ("\n# my words\nterm,definition,level\na,one,A2\nb,two,A2\nc,three,A2\nd,four,X\n", 7,
     "'X' is not one of"),
])
def test_a_broken_example_or_level_names_the_line(text: str, line: int, says: str) -> None:
    with pytest.raises(DeckError, match=f"^mine.csv, line {line}: ") as broken:
        parse_deck(text, source="mine.csv")
    assert says in str(broken.value)


def test_an_example_of_the_longest_length_is_kept() -> None:
    example = "x" * MAX_EXAMPLE
    entries = parse_deck(f"a,one,,{example}\nb,two\nc,three\nd,four\n")
    assert entries[0].example == example


@pytest.mark.parametrize(("text", "term", "found"), [
    ("She never forgave him.", "forgive", "forgave"),
    ("He nodded slowly.", "nod", "nodded"),
    ("I replied at once.", "reply", "replied"),
    ("Salaries are low.", "salary", "Salaries"),
    ("Everyone was breathing hard.", "breathe", "breathing"),
    ("He tied a knot.", "tie", "tied"),
    ("It was the cheapest.", "cheap", "cheapest"),
    ("Luckily, nobody saw.", "lucky", "Luckily"),
    ("We read the catalogue.", "cat", None),
    ("An ostrich ran past.", "rich", None),
])
def test_a_term_is_found_in_a_sentence_as_a_whole_word_or_inflection(
        text: str, term: str, found: str | None) -> None:
    span = term_span(text, term)
    assert (text[span[0]:span[1]] if span else None) == found
    if found:
        assert found.lower() in forms(term)


def test_confusable_words_are_never_each_others_wrong_answer() -> None:
    assert confusable("begin", "BEGIN")
    assert confusable("angry", "furious")
    assert confusable("furious", "angry")
    assert confusable("tedious", "dull")
    assert confusable("probably", "perhaps")
    assert not confusable("angry", "calm")
    assert not confusable("usually", "presumably")  # each is in groups, but not the same one
    assert not confusable("angry", "unknown-word")


def test_every_confusable_group_is_built_in_words_of_one_part_of_speech() -> None:
    pos_of = {e.term: e.pos for e in BUILTIN}
    for group in CONFUSABLE:
        words = group.split()
        assert len(words) >= 2, group
        assert [word for word in words if word not in pos_of] == [], group
        assert len({pos_of[word] for word in words}) == 1, group


def test_levels_counts_each_level_easiest_first() -> None:
    entries = [Entry("a", "1", level="B2"), Entry("b", "2", level="A1"),
               Entry("c", "3", level="B2"), Entry("d", "4")]
    assert levels(entries) == {"A1": 1, "B2": 2}
    assert list(levels(entries)) == ["A1", "B2"]
    assert levels(parse_deck("a,1\nb,2\nc,3\nd,4\n")) == {}


def test_entries_at_level_picks_one_level() -> None:
    chosen = entries_at_level(BUILTIN, "b1")
    assert {e.level for e in chosen} == {"B1"}
    assert len(chosen) == levels(BUILTIN)["B1"]


@pytest.mark.parametrize(("level", "says"), [
    ("C2", "the deck has 0 terms at level C2, fewer than the 4 needed; its levels: "
           "A2 (177 words), B1 (173 words), B2 (157 words), C1 (162 words)"),
    ("a1", "the deck has 0 terms at level A1, fewer than the 4 needed; its levels: "
           "A2 (177 words), B1 (173 words), B2 (157 words), C1 (162 words)"),
    ("Z9", "'Z9' is not a level; the levels are A1, A2, B1, B2, C1, C2"),
])
def test_a_level_with_too_few_words_is_refused_with_a_sentence(level: str, says: str) -> None:
    with pytest.raises(DeckError) as refused:
        entries_at_level(BUILTIN, level)
    assert str(refused.value) == says


def test_a_deck_with_no_levels_says_so_when_a_level_is_asked() -> None:
    with pytest.raises(DeckError, match="it gives no level"):
        entries_at_level(parse_deck("a,1\nb,2\nc,3\nd,4\n"), "B1")


def test_a_level_must_have_as_many_words_as_asked() -> None:
    count = levels(BUILTIN)["A2"]
    assert len(entries_at_level(BUILTIN, "A2", at_least=count)) == count
    with pytest.raises(DeckError, match=f"fewer than the {count + 1} needed"):
        entries_at_level(BUILTIN, "A2", at_least=count + 1)


def test_a_header_may_name_the_columns_in_any_order() -> None:
    entries = parse_deck("definition,term,pos\na large animal,elephant,noun\n"
                         "a small animal,mouse,noun\na bird,robin,noun\na fish,trout,noun\n")
    assert entries[0] == Entry("elephant", "a large animal", "noun")
    assert len(entries) == 4  # the header is no entry
