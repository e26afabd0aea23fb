"""The deck check: entries that answer each other's questions, and what a teacher should fix."""

from __future__ import annotations

import pytest

from scorer.alike import alike, interchangeable
from scorer.deck import Entry, builtin_text, load_builtin, parse_deck_lines
from scorer.deckcheck import Finding, check, check_builtin, check_text, describe, for_quiz

FILLER = [Entry("table", "a piece of furniture with a flat top", "noun"),
          Entry("river", "a natural flow of water across land", "noun"),
          Entry("window", "an opening in a wall that lets in light", "noun"),
          Entry("cheap", "costing little money", "adjective")]


def reasons(*entries: Entry) -> dict[frozenset[str], str]:
    deck = [*entries, *FILLER]
    return {frozenset({deck[p.first].term, deck[p.second].term}): p.reason for p in alike(deck)}


@pytest.mark.parametrize(("first", "second", "reason"), [
    # the same definition, case, punctuation and spacing aside
    (Entry("begin", "To start.", "verb"), Entry("commence", "to  start", "verb"), "same"),
    # all of one's content words are in the other's: the other is narrower
    (Entry("solution", "a way of dealing with a problem", "noun"),
     Entry("approach", "a way of dealing with a problem or situation", "noun"), "similar"),
    (Entry("refrain", "to stop yourself from doing something", "verb"),
     Entry("resist", "to stop yourself from doing something that you want to do", "verb"),
     "similar"),
    (Entry("consequently", "as a result", "adverb"),
     Entry("therefore", "for that reason, or as a result of this", "adverb"), "similar"),
    # a plural is its singular; intensifiers carry nothing
    (Entry("huge", "extremely large in size", "adjective"),
     Entry("enormous", "very large in sizes", "adjective"), "similar"),
    # the overlap is high though neither holds the other
    (Entry("tower block", "a tall building where many people live in small flats near "
                          "the city centre", "noun"),
     Entry("high-rise", "a tall building where many people live in small apartments near "
                        "the city centre", "noun"), "similar"),
    # one definition is the other word
    (Entry("big", "large in size", "adjective"), Entry("vast", "very big", "adjective"),
     "defines"),
    (Entry("begin", "to start doing something", "verb"),
     Entry("start", "to begin something new", "verb"), "defines"),
    # the teacher lists one as the other's accepted answer
    (Entry("outside", "not in a building", "adverb", accept=("outdoors",)),
     Entry("outdoors", "in the open air", "adverb"), "accepted"),
    (Entry("film", "a story shown in a cinema", "noun", accept=("movie",)),
     Entry("picture", "an image drawn or painted", "noun", accept=("Movie",)), "accepted"),
])
def test_entries_that_answer_each_others_questions(first: Entry, second: Entry,
                                                   reason: str) -> None:
    assert reasons(first, second).get(frozenset({first.term, second.term})) == reason


@pytest.mark.parametrize(("first", "second"), [
    # a negation makes the narrower meaning an opposite
    (Entry("large", "big in size", "adjective"), Entry("small", "not big in size", "adjective")),
    # one shared content word in a long definition is no likeness
    (Entry("constitute", "to be or form something", "verb"),
     Entry("infer", "to form an opinion from facts, rather than being told directly", "verb")),
    # a definition built on a broader word of the deck: that word is a fair wrong choice
    (Entry("famous", "known by many people", "adjective"),
     Entry("notorious", "famous for something bad", "adjective")),
    # another part of speech never answers the definition
    (Entry("perceive", "to notice or understand something in a particular way", "verb"),
     Entry("perception", "the way that you notice or understand something", "noun")),
    (Entry("competition", "an event in which people try to win a prize", "noun"),
     Entry("prize", "something that you get for winning a competition", "noun")),
])
def test_entries_that_do_not(first: Entry, second: Entry) -> None:
    assert frozenset({first.term, second.term}) not in reasons(first, second)


def test_interchangeable_gives_casefolded_term_pairs() -> None:
    deck = [Entry("Solution", "a way of dealing with a problem", "noun"),
            Entry("approach", "A way of dealing with a problem, or situation", "noun"),
            *FILLER]
    assert interchangeable(deck) == {frozenset({"solution", "approach"})}


def test_interchangeable_on_the_builtin_deck_is_quick_once_read() -> None:
    entries = load_builtin("everyday")
    first = interchangeable(entries)
    assert interchangeable(list(entries)) == first  # the same pairs from the cache


TEACHER = (
    "term,definition,pos,example,level,accept,distractors\n"      # line 1
    "solution,a way of dealing with a problem,noun,We found a solution.,B1,,"
    "idea; answer; meal\n"                                        # 2
    "approach,a way of dealing with a problem or situation,noun,A new approach.,B1,,"
    "way; plan; approach\n"                                       # 3
    "refrain,to stop yourself from doing something,verb,Please refrain.,B1,resist,"
    "go; stay; wait\n"                                            # 4
    "resist,to stop yourself from doing something you want,verb,I can't resist.,B1,refrain,"
    "eat; sleep; try\n"                                           # 5
    "outside,not in a building,adverb,Let's eat outside.,B1,outdoors,outdoors; inside; away\n"  # 6
    "table,a piece of furniture with a flat top,noun,Sit at the table.,B1,,chair; desk; bed\n"  # 7
    "river,a natural flow of water,noun,,B1,,\n"                  # 8
    "window,an opening that lets in light,noun,Open windows.,C1,,door; wall; roof\n"  # 9
    "quickly,at speed,adverb,He ran quickly.,B1,,slowly; softly\n"  # 10
)


def findings_of(text: str) -> dict[str, list[Finding]]:
    report = check_text(text, source="mine.csv")
    found: dict[str, list[Finding]] = {}
    for finding in report.findings:
        found.setdefault(finding.kind, []).append(finding)
    return found


def test_a_teachers_deck_shows_what_to_fix_with_its_lines() -> None:
    found = findings_of(TEACHER)
    # refrain and resist accept each other: nothing to fix, still kept apart
    assert [(f.lines, f.terms) for f in found["similar-definitions"]] == [
        ((2, 3), ("solution", "approach"))]
    assert [(f.lines, f.terms) for f in found["distractor-is-answer"]] == [
        ((3,), ("approach",)), ((6,), ("outside",))]
    assert {f.lines: f.terms for f in found["no-cloze"]} == {
        (8,): ("river",),                       # no example
        (9,): ("window",),                      # "windows" is not the word itself
        (3, 10): ("approach", "quickly")}       # fewer than 3 distractors (once its word is out)
    assert [(f.about, f.lines) for f in found["few-at-level"]] == [("C1", (9,))]
    assert [(f.about, f.lines) for f in found["few-of-pos"]] == [
        ("verb", (4, 5)), ("adverb", (6, 10))]
    assert "no-wrong-choices" not in found
    assert check_text(TEACHER, source="mine.csv").quiz_possible


def test_a_deck_whose_words_all_answer_each_other_makes_no_quiz() -> None:
    text = "".join(f"{word},to start something\n"
                   for word in ("begin", "start", "commence", "launch", "open"))
    report = check_text(text, source="same.csv")
    assert not report.quiz_possible
    errors = [f for f in report.findings if f.severity == "error"]
    assert [(f.kind, f.lines) for f in errors] == [("no-wrong-choices", (1, 2, 3, 4, 5))]
    assert "no quiz can be made" in errors[0].message
    assert report.findings[0] is errors[0]  # errors come first


def test_words_without_enough_others_unlike_them_are_a_warning() -> None:
    text = ("big,large in size\nlarge,big in size\nhuge,very large\ncat,a small animal\n"
            "dog,an animal that barks\n")
    report = check_text(text, source="mine.csv")
    assert report.quiz_possible  # a question about cat or dog can still be made
    stuck = [f for f in report.findings if f.kind == "no-wrong-choices"]
    assert [(f.severity, f.lines, f.terms) for f in stuck] == [
        ("warning", (1, 2, 3), ("big", "large", "huge"))]


@pytest.mark.parametrize(("lines", "where"), [
    ((7,), "line 7"), ((3, 9), "lines 3 and 9"), ((4, 5, 6), "lines 4\u20136"),
    ((1, 2, 5, 7, 8, 9, 12), "lines 1, 2, 5, 7\u20139 and 12"),
])
def test_a_finding_is_one_line_naming_its_lines(lines: tuple[int, ...], where: str) -> None:
    finding = Finding("no-cloze", "warning", lines, ("x",), "fix it")
    assert describe(finding, "mine.csv") == f"mine.csv, {where}: fix it"


def test_entries_sent_without_a_file_are_counted_from_one() -> None:
    deck = [Entry("solution", "a way of dealing with a problem", "noun"),
            Entry("approach", "a way of dealing with a problem or situation", "noun"),
            *FILLER]
    pair = [f for f in check(deck) if f.kind == "similar-definitions"]
    assert describe(pair[0], "deck", "entry").startswith("deck, entries 1 and 2: ")


def test_create_warns_only_of_what_touches_its_quiz() -> None:
    findings = check_text(TEACHER, source="mine.csv").findings
    kinds = {f.kind for f in for_quiz(findings, ["choice"], None)}
    assert "no-cloze" not in kinds and "few-at-level" not in kinds
    assert "similar-definitions" in kinds
    assert "no-cloze" in {f.kind for f in for_quiz(findings, ["choice", "cloze"], None)}
    assert [f.about for f in for_quiz(findings, ["choice"], "c1")
            if f.kind == "few-at-level"] == ["C1"]


def test_the_check_names_the_lines_of_the_builtin_file() -> None:
    report = check_builtin("everyday")
    entries, lines = parse_deck_lines(builtin_text("everyday"), delimiter="\t")
    assert report.words == len(entries) == len(load_builtin("everyday"))
    where = dict(zip((e.term for e in entries), lines, strict=True))
    for finding in report.findings:
        if len(finding.terms) == len(finding.lines):
            assert [where[t] for t in finding.terms] == list(finding.lines)


def test_the_builtin_deck_passes_its_own_check() -> None:
    report = check_builtin("everyday")
    assert [describe(f, report.source) for f in report.findings] == []
