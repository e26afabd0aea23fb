"""The sound-alike groups of listen-choice questions: checked like code, and heard by espeak-ng."""

from __future__ import annotations

import subprocess

import pytest

from scorer import soundcheck, sounds
from scorer.deck import load_builtin
from tests.conftest import require_espeak

# The voices a group must sound different in: the board's (American) and a British ear.
VOICES = ("en-us", "en-gb")
# Words of the built-in deck that stand in a group: a quiz of listen-choice questions on
# it takes them (10 per kind in a 60-question quiz of all six kinds needs far fewer).
DECK_WORDS_AT_LEAST = 100


def test_the_builtin_list_has_at_least_100_groups_and_passes_its_check() -> None:
    groups = sounds.builtin_groups()
    assert len(groups) >= 100
    assert soundcheck.check_text(sounds.builtin_text()) == []


def test_many_words_of_the_builtin_deck_stand_in_a_group() -> None:
    grouped = [e.term for e in load_builtin("everyday") if sounds.groups_of(e.term)]
    assert len(grouped) >= DECK_WORDS_AT_LEAST, grouped


@pytest.mark.parametrize(("line", "kind"), [
    ("ship sheep chip", "size"),
    ("ship sheep chip cheap cheat", "size"),
    ("ship sheep chip ship", "repeated"),
    ("colour color collar caller", "repeated"),  # two spellings of one word
    ("ship sheep chip chepa", "not-real"),
    ("their there three tree", "homophones"),
    ("sea see say sigh", "homophones"),
    ("right write light white", "homophones"),
    ("steal steel still style", "homophones"),
    ("caught court cot cut", "homophones"),  # British: court; American: cot
    ("marry merry hurry worry", "homophones"),  # said alike in most of America
    ("live leave love life", "two-ways"),  # to live, a live show
    ("read reed rid red", "two-ways"),
    ("beach bitch peach pitch", "offensive"),
])
def test_a_bad_group_is_found(line: str, kind: str) -> None:
    found = soundcheck.check_text(line)
    assert kind in {problem.kind for problem in found}, found
    assert all(problem.line == 1 for problem in found)


def test_a_group_twice_is_found_on_its_second_line() -> None:
    found = soundcheck.check_text("ship sheep chip cheap\n# again\ncheap chip sheep ship\n")
    assert [(p.kind, p.line) for p in found] == [("same-group", 3)]


def test_a_fair_group_has_no_problem_and_comments_are_not_words() -> None:
    text = "# vowels\nship sheep chip cheap  # ʃ and tʃ, short and long i\n\n"
    assert sounds.parse_groups(text) == [(2, ("ship", "sheep", "chip", "cheap"))]
    assert soundcheck.check_text(text) == []


def test_a_word_is_found_in_either_spelling_and_a_phrase_in_no_group() -> None:
    groups = (("colour", "collar", "caller", "cooler"),)
    assert sounds.groups_of("color", groups) == groups
    assert sounds.groups_of("Colour", groups) == groups
    assert sounds.choices_for("color", groups[0]) == ["color", "collar", "caller", "cooler"]
    assert sounds.groups_of("look after") == ()
    assert sounds.groups_of("ship") and ("ship", "sheep", "chip", "cheap") in \
        sounds.groups_of("ship")


def test_homophones_of_a_word() -> None:
    assert soundcheck.homophones("steal") == {"steel"}
    assert soundcheck.homophones("there") == {"their", "they're"}
    assert soundcheck.homophones("ship") == frozenset()


def _said(binary: str, voice: str, words: list[str]) -> dict[str, str]:
    """Each word's IPA in a voice: one espeak-ng run, a word per sentence, a line each."""
    run = subprocess.run([binary, "-q", "--ipa", "-v", voice],
                         input="\n".join(f"{word}." for word in words), capture_output=True,
                         text=True, check=True, timeout=60)
    lines = [line.strip() for line in run.stdout.splitlines() if line.strip()]
    assert len(lines) == len(words), run.stdout
    return dict(zip(words, lines, strict=True))


@pytest.mark.parametrize("voice", VOICES)
def test_every_group_is_four_pronunciations_for_espeak(voice: str) -> None:
    binary = require_espeak()
    groups = sounds.builtin_groups()
    said = _said(binary, voice, sorted({word for group in groups for word in group}))
    alike = [(group, [said[word] for word in group]) for group in groups
             if len({said[word] for word in group}) < len(group)]
    assert alike == []


def test_espeak_tells_homophones_apart_as_the_list_says() -> None:
    """The espeak check can fail: words the homophone list names are one sound for it too."""
    binary = require_espeak()
    said = _said(binary, "en-us", ["their", "there", "steal", "steel", "ship", "sheep"])
    assert said["their"] == said["there"] and said["steal"] == said["steel"]
    assert said["ship"] != said["sheep"]
