"""What a teacher should fix in a deck (pure): findings, each naming the lines at fault.

A finding is a warning, or an error where no quiz can be made from the deck:

- same-definition, similar-definitions, defines-the-other (error only as below): two
  entries that answer each other's questions (scorer/alike.py says how they are found).
  Question making keeps them apart; a typed question still marks the other word wrong.
  Not reported when each lists the other in its `accept` column.
- no-cloze: entries that make no cloze question (scorer.questions.cloze_ready), one
  finding for each reason: no example, an example that does not hold the word itself,
  fewer than CHOICES - 1 distractors.
- distractor-is-answer: a distractor that is the word itself or one of its accepted
  answers.
- few-at-level: a level with fewer than CHOICES entries: no `--level` quiz of it.
- few-of-pos: a part of speech with fewer than CHOICES entries: their wrong choices are
  words of another part of speech, which give the answer away.
- no-wrong-choices: entries with fewer than CHOICES - 1 others that do not answer their
  question; an error when no entry has enough (no quiz can be made).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from protocol.messages import LEVELS
from scorer import questions
from scorer.alike import Alike, alike, interchangeable
from scorer.deck import CHOICES, Entry, builtin_text, parse_deck_lines

# What to do about two entries that answer each other's questions.
_FIX = ("reword a definition so each fits only its word, or list the words in each other's "
        "accept column")
# How many terms a finding names in its line before "and N more".
NAMED_TERMS = 5

Severity = Literal["error", "warning"]
Kind = Literal["no-wrong-choices", "same-definition", "similar-definitions",
               "defines-the-other", "distractor-is-answer", "few-of-pos", "few-at-level",
               "no-cloze"]
# Findings are listed errors first, then in this order: what makes wrong questions first.
_ORDER: tuple[Kind, ...] = get_args(Kind)
_PAIR_KINDS: dict[str, Kind] = {"same": "same-definition", "similar": "similar-definitions",
                                "defines": "defines-the-other"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing to fix: what, how bad, where (lines or entry numbers) and which terms."""

    kind: Kind
    severity: Severity
    lines: tuple[int, ...]
    terms: tuple[str, ...]
    message: str
    about: str = ""  # the level of few-at-level, the part of speech of few-of-pos


@dataclass(frozen=True, slots=True)
class Report:
    """The check of one deck: its size and its findings, in the order of its lines."""

    source: str
    words: int
    findings: tuple[Finding, ...]
    unit: str = "line"  # what `lines` count: the file's lines, or the entries ("entry")

    @property
    def quiz_possible(self) -> bool:
        """Whether some quiz can be made from the deck (no finding is an error)."""
        return all(finding.severity != "error" for finding in self.findings)

    def to_json(self) -> dict[str, Any]:
        """The report for scripts (`quiz decks check --json`)."""
        return {"deck": self.source, "words": self.words, "quiz_possible": self.quiz_possible,
                "unit": self.unit,
                "findings": [{"kind": f.kind, "severity": f.severity, "lines": list(f.lines),
                              "terms": list(f.terms), "about": f.about, "message": f.message}
                             for f in self.findings]}


__all__ = ["Finding", "Report", "check", "check_builtin", "check_text", "describe",
           "for_quiz", "interchangeable", "report"]


def check_text(text: str, *, source: str, separator: str | None = None,
               row_separator: str | None = None) -> Report:
    """Read a deck file (raising DeckError as parse_deck does) and check it."""
    entries, lines = parse_deck_lines(text, delimiter=separator, source=source,
                                      row_separator=row_separator)
    return report(entries, lines, source=source)


def report(entries: Sequence[Entry], lines: Sequence[int], *, source: str) -> Report:
    """The check of entries read from a file (parse_deck_lines gives both)."""
    return Report(source, len(entries), tuple(check(entries, lines)))


def check_builtin(name: str) -> Report:
    """Check a built-in deck, naming the lines of its file."""
    return check_text(builtin_text(name), source=name, separator="\t")


def check(entries: Sequence[Entry], lines: Sequence[int] | None = None) -> list[Finding]:
    """Every finding on `entries`; `lines` says where each is (else its number from 1)."""
    where = list(lines) if lines is not None else list(range(1, len(entries) + 1))
    found = [*_pairs(entries, where), *_distractors(entries, where), *_clozes(entries, where),
             *_few(entries, where), *_unaskable(entries, where)]
    return sorted(found, key=lambda f: (f.severity != "error", _ORDER.index(f.kind), f.lines))


def for_quiz(findings: Sequence[Finding], kinds: Sequence[str],
             level: str | None) -> list[Finding]:
    """The findings that touch a quiz of these kinds (and level): what `quiz create` warns of.

    Cloze findings only matter to a quiz with cloze questions, a level's only to a quiz of
    that level.
    """
    return [f for f in findings
            if (f.kind != "no-cloze" or "cloze" in kinds)
            and (f.kind != "few-at-level" or f.about == (level or "").upper())]


def describe(finding: Finding, source: str, unit: str = "line") -> str:
    """One line for people: `source, lines 3 and 9: message`."""
    many = len(set(finding.lines)) > 1  # rows of a Quizlet export may share a line
    plural = "entries" if unit == "entry" else unit + "s"
    return f"{source}, {plural if many else unit} {_spans(finding.lines)}: {finding.message}"


def _spans(numbers: Sequence[int]) -> str:
    """3, 5-7 and 9: runs of consecutive numbers as ranges."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [f"{run[0]}\u2013{run[-1]}" if len(run) > 2 else ", ".join(map(str, run))
             for run in runs]
    text = ", ".join(parts)
    head, comma, last = text.rpartition(", ")
    return f"{head} and {last}" if comma else text


def _named(terms: Sequence[str]) -> str:
    shown = ", ".join(repr(term) for term in terms[:NAMED_TERMS])
    more = len(terms) - NAMED_TERMS
    return shown + (f" and {more} more" if more > 0 else "")


def _accept_each_other(first: Entry, second: Entry) -> bool:
    return (second.term.casefold() in {a.casefold() for a in first.accept}
            and first.term.casefold() in {a.casefold() for a in second.accept})


def _pairs(entries: Sequence[Entry], where: Sequence[int]) -> list[Finding]:
    found = []
    same: dict[int, set[int]] = {}  # each entry's group of entries with its very definition
    for pair in alike(entries):
        first, second = entries[pair.first], entries[pair.second]
        if pair.reason == "accepted" or _accept_each_other(first, second):
            continue
        if pair.reason == "same":
            group = same.get(pair.first, {pair.first}) | same.get(pair.second, {pair.second})
            same.update(dict.fromkeys(group, group))
            continue
        found.append(Finding(_PAIR_KINDS[pair.reason], "warning",
                             (where[pair.first], where[pair.second]),
                             (first.term, second.term), _pair_message(pair, first, second)))
    for ats in {min(group): sorted(group) for group in same.values()}.values():
        terms = [entries[at].term for at in ats]
        found.append(Finding(
            "same-definition", "warning", tuple(where[at] for at in ats), tuple(terms),
            f"{_listed(terms)} have the same definition ({entries[ats[0]].definition!r}): "
            f"a question for one has {len(ats)} right answers; {_FIX}"))
    return found


def _listed(terms: Sequence[str]) -> str:
    quoted = [repr(term) for term in terms]
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def _pair_message(pair: Alike, first: Entry, second: Entry) -> str:
    both = f"{first.term!r} and {second.term!r}"
    if pair.reason == "similar":
        return (f"{both} have near-identical definitions ({first.definition!r}; "
                f"{second.definition!r}): either word answers both; {_FIX}")
    return (f"{both} define each other ({first.definition!r}; {second.definition!r}): "
            f"either word answers both; {_FIX}")


def _distractors(entries: Sequence[Entry], where: Sequence[int]) -> list[Finding]:
    found = []
    for at, entry in enumerate(entries):
        answers = {entry.term.casefold(), *(a.casefold() for a in entry.accept)}
        for distractor in entry.distractors:
            if distractor.casefold() in answers:
                what = ("the word itself" if distractor.casefold() == entry.term.casefold()
                        else "one of its accepted answers")
                found.append(Finding(
                    "distractor-is-answer", "warning", (where[at],), (entry.term,),
                    f"{entry.term!r} lists {distractor!r} as a distractor, but it is {what}: "
                    f"a wrong choice must be wrong"))
    return found


def _clozes(entries: Sequence[Entry], where: Sequence[int]) -> list[Finding]:
    reasons = {
        "example": "make no cloze question: they have no example sentence (the example "
                   "column, a sentence holding the word)",
        "word": "make no cloze question: the example does not hold the word itself (an "
                "inflection, such as 'brought' for 'bring', cannot be blanked)",
        "distractors": f"make no cloze question: fewer than {CHOICES - 1} distractors "
                       f"written for the example (the distractors column, ';' between "
                       f"them, each a word that does not fit the blank)",
    }
    missing: dict[str, list[int]] = defaultdict(list)
    for at, entry in enumerate(entries):
        if questions.cloze_ready(entry):
            continue
        if not entry.example:
            missing["example"].append(at)
        elif questions.cloze_prompt(entry) is None:
            missing["word"].append(at)
        else:
            missing["distractors"].append(at)
    return [Finding("no-cloze", "warning", tuple(where[at] for at in ats),
                    tuple(entries[at].term for at in ats),
                    f"{len(ats)} {'entry' if len(ats) == 1 else 'entries'} "
                    f"({_named([entries[at].term for at in ats])}) {reasons[reason]}")
            for reason, ats in missing.items()]


def _few(entries: Sequence[Entry], where: Sequence[int]) -> list[Finding]:
    found = []
    at_level: dict[str, list[int]] = defaultdict(list)
    of_pos: dict[str, list[int]] = defaultdict(list)
    for at, entry in enumerate(entries):
        if entry.level:
            at_level[entry.level].append(at)
        if entry.pos:
            of_pos[entry.pos].append(at)
    for level in sorted(at_level, key=LEVELS.index):
        ats = at_level[level]
        if len(ats) < CHOICES:
            found.append(Finding(
                "few-at-level", "warning", tuple(where[at] for at in ats),
                tuple(entries[at].term for at in ats),
                f"level {level} has {len(ats)} of the {CHOICES} entries a `--level {level}` "
                f"quiz needs", about=level))
    if len(of_pos) > 1:  # with one part of speech (or none) there is nothing to tell apart
        for pos, ats in sorted(of_pos.items()):
            if len(ats) < CHOICES:
                found.append(Finding(
                    "few-of-pos", "warning", tuple(where[at] for at in ats),
                    tuple(entries[at].term for at in ats),
                    f"only {len(ats)} {pos} {'entry' if len(ats) == 1 else 'entries'} "
                    f"({_named([entries[at].term for at in ats])}): their wrong choices "
                    f"are words of another part of speech, which give the answer away",
                    about=pos))
    return found


def _unaskable(entries: Sequence[Entry], where: Sequence[int]) -> list[Finding]:
    """Entries without CHOICES - 1 others unlike them: no question about them can be made."""
    unlike = Counter({at: len(entries) - 1 for at in range(len(entries))})
    for pair in alike(entries):
        unlike[pair.first] -= 1
        unlike[pair.second] -= 1
    stuck = [at for at in range(len(entries)) if unlike[at] < CHOICES - 1]
    if not stuck:
        return []
    none_left = len(stuck) == len(entries)
    return [Finding(
        "no-wrong-choices", "error" if none_left else "warning",
        tuple(where[at] for at in stuck), tuple(entries[at].term for at in stuck),
        f"{_named([entries[at].term for at in stuck])}: fewer than {CHOICES - 1} other "
        f"entries are unlike {'it' if len(stuck) == 1 else 'each'}, so no question about "
        f"{'it' if len(stuck) == 1 else 'them'} can be made"
        + ("; no quiz can be made from this deck" if none_left else ""))]
