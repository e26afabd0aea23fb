"""Vocabulary decks and the multiple-choice questions made from them (pure).

A deck is CSV or TSV with the columns term, definition[, part of speech]: the
format Anki and Quizlet export. A header row is optional. Each question shows a
definition and four words; the three distractors share the answer's part of
speech whenever the deck has enough of them.
"""

from __future__ import annotations

import csv
import functools
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

CHOICES = 4
# The wire contract's bounds (protocol.messages.DeckEntry), checked for files too.
MAX_TERM = 80
MAX_DEFINITION = 500
BUILTIN_DEFAULT = "everyday"
_HEADER_WORDS = frozenset({"term", "word", "front"})


class DeckError(ValueError):
    """A deck that cannot be used, with the line at fault when there is one."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One word of a deck."""

    term: str
    definition: str
    pos: str = ""


@dataclass(frozen=True, slots=True)
class Question:
    """A definition-to-word question; `correct` indexes `choices`."""

    prompt: str
    pos: str
    choices: tuple[str, ...]
    correct: int

    @property
    def term(self) -> str:
        """The right answer."""
        return self.choices[self.correct]


def builtin_names() -> list[str]:
    """Names of the decks shipped with the scorer."""
    return list(_builtin_names())


@functools.cache
def _builtin_names() -> tuple[str, ...]:
    # The shipped files do not change while the process runs: list them once.
    folder = resources.files("scorer") / "decks"
    return tuple(sorted(p.name.removesuffix(".tsv") for p in folder.iterdir()
                        if p.name.endswith(".tsv")))


def load_builtin(name: str) -> list[Entry]:
    """Entries of a built-in deck; raise DeckError for an unknown name."""
    if name not in _builtin_names():
        raise DeckError(f"no built-in deck {name!r}; built-in decks: {', '.join(builtin_names())}")
    return list(_builtin(name))


@functools.cache
def _builtin(name: str) -> tuple[Entry, ...]:
    # Parsed once per process: creating a quiz re-read and re-parsed the file each time
    # (8% of the scorer's samples while a bench created 1,000 quizzes).
    text = (resources.files("scorer") / "decks" / f"{name}.tsv").read_text(encoding="utf-8")
    return tuple(parse_deck(text, delimiter="\t", source=name))


def parse_deck(text: str, *, delimiter: str | None = None, source: str = "deck") -> list[Entry]:
    """Parse CSV/TSV text into entries; raise DeckError naming the broken line."""
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = "\t" if "\t" in first else ","
    entries: list[Entry] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    first_row = True
    for row in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if first_row and cells[0].lower() in _HEADER_WORDS:
            first_row = False  # an optional header row
            continue
        first_row = False
        if len(cells) < 2 or not cells[0] or not cells[1]:
            separator = "a tab" if delimiter == "\t" else repr(delimiter)
            raise DeckError(f"{source}, line {line}: expected a term and its definition "
                            f"separated by {separator} (a part of speech may follow), "
                            f"got {delimiter.join(row)!r}")
        entries.append(Entry(cells[0], cells[1], cells[2].lower() if len(cells) > 2 else ""))
        lines.append(line)
    return check_entries(entries, source=source, lines=lines)


def check_entries(entries: Sequence[Entry], *, source: str = "deck",
                  lines: Sequence[int] | None = None) -> list[Entry]:
    """Refuse a deck no quiz can be made from; the one check for files and the wire alike.

    Every term and definition is present and short enough, no term appears twice (letter
    case aside: two equal choices would make one of them wrong), and there are enough
    terms for a question's choices. `lines` names where each entry came from, if known.
    """
    seen: set[str] = set()
    for number, entry in enumerate(entries):
        where = f"{source}, line {lines[number]}" if lines else f"{source}, entry {number + 1}"
        term, definition = entry.term.strip(), entry.definition.strip()
        if not term or not definition:
            raise DeckError(f"{where}: a term and its definition are both needed")
        if len(term) > MAX_TERM or len(definition) > MAX_DEFINITION:
            raise DeckError(f"{where}: a term has at most {MAX_TERM} characters and a "
                            f"definition at most {MAX_DEFINITION}")
        key = term.casefold()
        if key in seen:
            raise DeckError(f"{where}: {term!r} appears twice")
        seen.add(key)
    if len(entries) < CHOICES:
        raise DeckError(f"{source}: a deck needs at least {CHOICES} terms, found {len(entries)}")
    return [Entry(e.term.strip(), e.definition.strip(), e.pos.strip().lower()) for e in entries]


def make_questions(entries: list[Entry], count: int, rng: random.Random) -> list[Question]:
    """Pick `count` distinct terms and build a question for each."""
    if count > len(entries):
        raise DeckError(f"the deck has {len(entries)} terms, fewer than {count} questions")
    by_pos: dict[str, list[Entry]] = {}
    for entry in entries:
        by_pos.setdefault(entry.pos, []).append(entry)
    questions = []
    for answer in rng.sample(entries, count):
        pool = [e for e in by_pos[answer.pos] if e is not answer]
        if len(pool) < CHOICES - 1:
            pool = [e for e in entries if e is not answer]
        distractors = [e.term for e in rng.sample(pool, CHOICES - 1)]
        choices = [answer.term, *distractors]
        rng.shuffle(choices)
        questions.append(Question(answer.definition, answer.pos, tuple(choices),
                                  choices.index(answer.term)))
    return questions
