"""Vocabulary decks: entries, checking, levels and confusable words (pure).

A deck file (CSV, TSV, an Anki or Quizlet export) is read into rows by
scorer/deckfile.py; `parse_deck` makes entries of them and refuses a deck no quiz can be
made from. The questions made from a deck are scorer/questions.py's, and what a teacher
should fix in a deck, scorer/deckcheck.py's.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

from protocol.messages import LEVELS
from scorer import deckfile

# Defined beside the file formats, which raise it too; raised and caught as deck.DeckError.
DeckError = deckfile.DeckError

CHOICES = 4
# The wire contract's bounds (protocol.messages.DeckEntry), checked for files too.
MAX_TERM = 80
MAX_DEFINITION = 500
# An example is one sentence; 500 characters is the definition's bound, room for a long one.
MAX_EXAMPLE = 500
BUILTIN_DEFAULT = "everyday"
# Several answers or distractors in one cell are separated by this.
LIST_SEPARATOR = ";"
# The regular endings forms() adds to a word or its stem.
_ENDINGS = ("", "s", "es", "d", "ed", "ing", "er", "est", "ly", "y")
# Forms the regular endings do not make, for the built-in deck's words.
_IRREGULAR: dict[str, tuple[str, ...]] = {
    "choose": ("chose", "chosen"), "feed": ("fed",), "forgive": ("forgave", "forgiven"),
    "hide": ("hid", "hidden"), "lend": ("lent",), "overcome": ("overcame",),
    "shrink": ("shrank", "shrunk"), "spell": ("spelt",), "steal": ("stole", "stolen"),
    "tie": ("tying",), "withdraw": ("withdrew", "withdrawn"),
}
# Groups of the built-in deck's words whose meanings overlap so much that a sentence for
# one often takes the other (big and large): one must never be a wrong choice for the
# other. Near-synonyms only, not every word that fits a sentence's grammar.
CONFUSABLE: tuple[str, ...] = (
    # nouns
    "adventure journey", "agreement compromise", "agreement contract",
    "ancestor relative", "attitude behaviour", "attitude opinion", "authority mandate",
    "accountability transparency", "autonomy freedom", "awareness knowledge",
    "bill receipt", "burden responsibility", "catastrophe disaster",
    "commitment responsibility", "compassion empathy", "consequence outcome",
    "crowd queue", "customer guest", "disaster emergency", "drawback obstacle setback",
    "goal purpose", "habit tendency", "habit tradition", "hypothesis premise",
    "incentive reward", "income profit", "income salary", "instruction rule",
    "opinion perception", "outlook prospect", "prize reward", "turmoil upheaval",
    # verbs
    "accumulate collect gather", "acknowledge admit concede", "alleviate mitigate",
    "announce disclose reveal", "anticipate predict", "assume infer", "assume suspect",
    "avoid prevent", "blame criticize", "bother interrupt", "bother worry",
    "comply obey", "consider contemplate", "convince persuade", "damage destroy",
    "demand insist", "describe explain", "diminish reduce", "discover invent",
    "dismiss ignore", "dismiss reject", "encourage foster", "endorse recommend",
    "enhance improve", "estimate guess speculate", "exploit manipulate", "hire rent",
    "hinder inhibit prevent", "ignore neglect", "imply suggest", "recommend suggest",
    "refuse reject", "replace substitute", "reply respond", "scream shout",
    # adjectives
    "aggressive hostile violent", "ambiguous vague", "ambitious competitive",
    "angry furious", "accurate precise", "articulate eloquent", "authentic genuine",
    "awful terrible", "bitter sour", "boring dull tedious", "calm quiet",
    "complicated intricate", "confident optimistic", "conscientious diligent meticulous",
    "crazy silly", "credible plausible", "curious strange", "disappointed upset",
    "dramatic significant", "embarrassed shy", "exhausted tired", "explicit obvious",
    "fair impartial", "famous notorious", "famous popular prominent",
    "fragile vulnerable", "generous kind", "homesick lonely", "humid wet",
    "anxious nervous", "ordinary typical", "permanent stable", "pleased proud",
    "practical pragmatic", "rare scarce", "robust tough", "sensitive vulnerable",
    # adverbs
    "almost virtually", "anyway nevertheless", "apparently allegedly",
    "apparently presumably", "barely hardly", "completely thoroughly",
    "consequently hence therefore", "especially notably", "eventually finally",
    "frequently usually", "invariably usually", "later subsequently",
    "perhaps presumably probably", "quite relatively",
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One word of a deck."""

    term: str
    definition: str
    pos: str = ""
    example: str = ""  # a sentence using the term or one of its forms, if the deck has one
    level: str = ""  # one of LEVELS, if the deck says
    # Other answers a typed question accepts as right (outside: outdoors).
    accept: tuple[str, ...] = ()
    # Wrong choices written for this entry's example sentence, each checked not to fit its
    # blank: a cloze question is made only from an entry that has them (questions.py).
    distractors: tuple[str, ...] = ()


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


def builtin_text(name: str) -> str:
    """The file of a built-in deck (TSV); raise DeckError for an unknown name."""
    if name not in _builtin_names():
        raise DeckError(f"no built-in deck {name!r}; built-in decks: {', '.join(builtin_names())}")
    return (resources.files("scorer") / "decks" / f"{name}.tsv").read_text(encoding="utf-8")


@functools.cache
def _builtin(name: str) -> tuple[Entry, ...]:
    # Parsed once per process: creating a quiz re-read and re-parsed the file each time
    # (8% of the scorer's samples while a bench created 1,000 quizzes).
    return tuple(parse_deck(builtin_text(name), delimiter="\t", source=name))


def parse_deck(text: str, *, delimiter: str | None = None, source: str = "deck",
               row_separator: str | None = None) -> list[Entry]:
    """Parse a deck file's text into entries; raise DeckError naming the broken line.

    `delimiter` and `row_separator` are the file's separators when the caller knows them
    (`quiz create --separator`); scorer/deckfile.py reads or guesses them otherwise.
    """
    return parse_deck_lines(text, delimiter=delimiter, source=source,
                            row_separator=row_separator)[0]


def parse_deck_lines(text: str, *, delimiter: str | None = None, source: str = "deck",
                     row_separator: str | None = None) -> tuple[list[Entry], list[int]]:
    """The entries of a deck file and the line each comes from (for what to fix where)."""
    table = deckfile.read_rows(text, separator=delimiter, row_separator=row_separator)
    entries: list[Entry] = []
    for row in table.rows:
        cell = row.cells
        if not cell.get("term") or not cell.get("definition"):
            separator = "a tab" if table.separator == "\t" else repr(table.separator)
            raise DeckError(f"{source}, line {row.line}: expected a term and its definition "
                            f"separated by {separator} (a part of speech may follow), "
                            f"got {row.text!r}")
        level = cell.get("level", "") or level_in_tags(cell.get("tags", ""))
        entries.append(Entry(cell["term"], cell["definition"], cell.get("pos", "").lower(),
                             cell.get("example", ""), level.upper(),
                             split_list(cell.get("accept", "")),
                             split_list(cell.get("distractors", ""))))
    lines = [row.line for row in table.rows]
    return check_entries(entries, source=source, lines=lines), lines


def level_in_tags(tags: str) -> str:
    """The CEFR level among an Anki note's tags (`B1`, or `CEFR::B1`), or ''."""
    for tag in tags.split():
        last = tag.rsplit("::", 1)[-1].upper()
        if last in LEVELS:
            return last
    return ""


def check_entries(entries: Sequence[Entry], *, source: str = "deck",
                  lines: Sequence[int] | None = None) -> list[Entry]:
    """Refuse a deck no quiz can be made from; the one check for files and the wire alike.

    Every term and definition is present and short enough, so is every example, a level
    is one of LEVELS, no term appears twice (letter case aside: two equal choices would
    make one of them wrong), and there are enough terms for a question's choices. `lines`
    names where each entry came from, if known.
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
        if len(entry.example.strip()) > MAX_EXAMPLE:
            raise DeckError(f"{where}: an example has at most {MAX_EXAMPLE} characters")
        if entry.level.strip() and entry.level.strip().upper() not in LEVELS:
            raise DeckError(f"{where}: the level {entry.level.strip()!r} is not one of "
                            f"{', '.join(LEVELS)}")
        key = term.casefold()
        if key in seen:
            raise DeckError(f"{where}: {term!r} appears twice")
        seen.add(key)
    if len(entries) < CHOICES:
        raise DeckError(f"{source}: a deck needs at least {CHOICES} terms, found {len(entries)}")
    return [Entry(e.term.strip(), e.definition.strip(), e.pos.strip().lower(),
                  e.example.strip(), e.level.strip().upper(),
                  tuple(a.strip() for a in e.accept if a.strip()),
                  tuple(d.strip() for d in e.distractors if d.strip())) for e in entries]


def split_list(cell: str) -> tuple[str, ...]:
    """The items of a cell that lists several (`a; b; c`), each stripped, empty ones dropped."""
    return tuple(item.strip() for item in cell.split(LIST_SEPARATOR) if item.strip())


def levels(entries: Iterable[Entry]) -> dict[str, int]:
    """How many entries each level has, easiest level first; entries with no level are left out."""
    counts = Counter(entry.level for entry in entries)
    return {level: counts[level] for level in LEVELS if counts[level]}


def entries_at_level(entries: Iterable[Entry], level: str, *,
                     at_least: int = CHOICES) -> list[Entry]:
    """The entries of one level; raise DeckError if it is no level or has fewer than `at_least`."""
    wanted = level.strip().upper()
    if wanted not in LEVELS:
        raise DeckError(f"{level!r} is not a level; the levels are {', '.join(LEVELS)}")
    entries = list(entries)
    chosen = [entry for entry in entries if entry.level == wanted]
    if len(chosen) < at_least:
        # name the levels there are, so the teacher picks one instead of guessing again
        has = levels(entries)
        there = (f"its levels: {', '.join(f'{lv} ({n} words)' for lv, n in has.items())}"
                 if has else "it gives no level (the deck file's level column)")
        raise DeckError(f"the deck has {len(chosen)} terms at level {wanted}, "
                        f"fewer than the {at_least} needed; {there}")
    return chosen


def forms(term: str) -> frozenset[str]:
    """The term in lower case and the inflections a sentence may use instead.

    Regular endings (-s, -es, -ed, -d, -ing, -er, -est, -ly, y to -ies/-ied/-ily, a
    doubled last consonant, a dropped final e) are made; irregular ones are listed.
    """
    word = term.strip().lower()
    stems = {word}
    if word.endswith("e"):
        stems.add(word[:-1])  # breathe: breathing; gentle: gently
    if word.endswith("y"):
        stems.add(word[:-1] + "i")  # rely: relies, relied; happy: happily
    if re.search(r"(?:^|[^aeiou])[aeiou][bdgklmnprt]$", word):
        stems.add(word + word[-1])  # nod: nodded; big: bigger
    made = {stem + ending for stem in stems for ending in _ENDINGS}
    return frozenset({word, *made, *_IRREGULAR.get(word, ())})


def term_span(text: str, term: str) -> tuple[int, int] | None:
    """Where the term or one of its forms() stands as a whole word in `text`, if it does."""
    alternatives = "|".join(re.escape(form) for form in sorted(forms(term), key=len, reverse=True))
    found = re.search(rf"\b(?:{alternatives})\b", text, flags=re.IGNORECASE)
    return found.span() if found else None


def confusable(a: str, b: str) -> bool:
    """Whether `b` could take the place of `a` in some sentence, so neither is a wrong answer.

    True for the same word (letter case aside) and for two words of one group in
    CONFUSABLE: either would be right for the other's definition in some context.
    """
    first, second = a.strip().casefold(), b.strip().casefold()
    groups = _groups_of()
    return first == second or bool(groups.get(first, set()) & groups.get(second, set()))


@functools.cache
def _groups_of() -> dict[str, frozenset[int]]:
    # Which CONFUSABLE groups each word belongs to, built once.
    found: dict[str, set[int]] = {}
    for number, group in enumerate(CONFUSABLE):
        for word in group.split():
            found.setdefault(word.casefold(), set()).add(number)
    return {word: frozenset(numbers) for word, numbers in found.items()}
