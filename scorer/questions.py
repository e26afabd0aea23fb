"""The questions of a quiz, made from a deck (pure): four kinds, and fair wrong choices.

- choice: a definition; pick the word out of four.
- reverse: a word; pick its definition out of four.
- cloze: an example sentence with the word blanked out; pick the word that fits. Only
  entries whose example holds the word itself (not an inflection) and that have three
  distractors written for that sentence make cloze questions, and those distractors are
  the wrong choices: a word drawn from the deck may fit the blank as well as the answer
  ("My piano teacher was very ___": strict, patient, honest).
- typed: a definition; type the word (judged by scorer.spelling).

The wrong choices of choice and reverse questions share the answer's part of speech when
the deck has enough of them, are never a word confusable with the answer (two words that
both answer a definition make one right answer look wrong), come from the answer's level
first and lean towards its length so the odd one out is not the answer, and do not
repeat the same set across questions where the deck allows.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from protocol.messages import QuestionKind as Kind
from scorer import spelling
from scorer.alike import interchangeable
from scorer.deck import CHOICES, LEVELS, DeckError, Entry

BLANK = "_____"
# Wrong choices are drawn from this many candidates closest in length to the answer
# (at least): enough variety between questions, still no obvious odd one out.
CANDIDATES = 8
# Draws tried before accepting a set of wrong choices that an earlier question had.
REDRAWS = 12

Confusable = Callable[[str, str], bool]


@dataclass(frozen=True, slots=True)
class Question:
    """One question; `correct` indexes `choices` (-1 and no choices for typed)."""

    kind: Kind
    prompt: str
    pos: str
    choices: tuple[str, ...]
    correct: int
    word: str
    definition: str
    example: str = ""
    near: tuple[str, ...] = ()  # deck words never accepted as a typo of `word`
    accept: tuple[str, ...] = ()  # other answers a typed question takes as right

    @property
    def term(self) -> str:
        """The word this question is about (the answer, except for reverse)."""
        return self.word

    @property
    def answer(self) -> str:
        """The right answer as shown: the word, or for reverse its definition."""
        return self.choices[self.correct] if self.choices else self.word


def _never(_a: str, _b: str) -> bool:
    return False


def cloze_prompt(entry: Entry) -> str | None:
    """The entry's example with its word blanked out, or None when the word is not in it."""
    if not entry.example:
        return None
    blanked, found = _whole_word(entry.term).subn(BLANK, entry.example)
    return blanked if found else None


@functools.lru_cache(maxsize=8192)
def _whole_word(term: str) -> re.Pattern[str]:
    # Made once per term: checking a deck of thousands would compile each pattern again.
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)


def cloze_ready(entry: Entry) -> bool:
    """Whether the entry makes a safe cloze: its example holds the word, and distractors.

    It needs CHOICES - 1 written distractors, none of them the word: a wrong choice guessed
    from the deck may fit the blank, so a cloze uses only those written for its sentence.
    """
    term = entry.term.casefold()
    usable = {d.casefold() for d in entry.distractors} - {term}
    return cloze_prompt(entry) is not None and len(usable) >= CHOICES - 1


def kinds_in_order(kinds: Sequence[Kind], count: int, rng: random.Random) -> list[Kind]:
    """Each question's kind: the chosen kinds in turn, shuffled into a mixed order."""
    order = [kinds[i % len(kinds)] for i in range(count)]
    rng.shuffle(order)
    return order


def make_questions(entries: Sequence[Entry], count: int, rng: random.Random,
                   kinds: Sequence[Kind] = ("choice",),
                   confusable: Confusable = _never,
                   vocabulary: Sequence[Entry] | None = None) -> list[Question]:
    """Pick `count` distinct entries and build a question of the given kinds for each.

    `vocabulary` is the whole deck when `entries` are part of it (one level): no word of
    it is ever taken for a typo of a typed answer. Besides the pairs `confusable` names,
    two entries that answer each other's questions (scorer/alike.py: the same or nearly
    the same definition, one defining the other, one accepting the other) are never each
    other's wrong choice.
    """
    if count > len(entries):
        raise DeckError(f"the deck has {len(entries)} terms, fewer than {count} questions")
    order = kinds_in_order(kinds or ("choice",), count, rng)
    answers = _pick_answers(entries, order, rng)
    apart = interchangeable(entries) if any(k != "cloze" for k in order) else set()

    def either(a: str, b: str) -> bool:
        return confusable(a, b) or frozenset({a.casefold(), b.casefold()}) in apart

    maker = _Maker(entries, rng, either, vocabulary or entries)
    return [maker.question(kind, answer) for kind, answer in zip(order, answers, strict=True)]


def _pick_answers(entries: Sequence[Entry], order: list[Kind],
                  rng: random.Random) -> list[Entry]:
    clozes = order.count("cloze")
    usable = [e for e in entries if cloze_ready(e)]
    if clozes > len(usable):
        raise DeckError(f"{clozes} cloze questions need as many entries whose example "
                        f"sentence holds the word and that have three distractors written "
                        f"for it; the deck has {len(usable)}")
    for_cloze = rng.sample(usable, clozes)
    taken = {id(e) for e in for_cloze}
    rest = rng.sample([e for e in entries if id(e) not in taken], len(order) - clozes)
    cloze_iter, rest_iter = iter(for_cloze), iter(rest)
    return [next(cloze_iter) if kind == "cloze" else next(rest_iter) for kind in order]


class _Maker:
    """Builds questions one at a time, remembering the wrong-choice sets used."""

    def __init__(self, entries: Sequence[Entry], rng: random.Random,
                 confusable: Confusable, vocabulary: Sequence[Entry]) -> None:
        self.entries, self.rng, self.confusable = entries, rng, confusable
        self.vocabulary = vocabulary
        self._normalized: frozenset[str] | None = None  # the vocabulary, for typed questions
        self.by_pos: dict[str, list[Entry]] = {}
        for entry in entries:
            self.by_pos.setdefault(entry.pos, []).append(entry)
        self.used: set[frozenset[str]] = set()

    def question(self, kind: Kind, answer: Entry) -> Question:
        if kind == "typed":
            if self._normalized is None:  # once per quiz, not once per typed question
                self._normalized = frozenset(spelling.normalize(e.term) for e in self.vocabulary)
            near = spelling.near_normalized(answer.term, self._normalized)
            return Question(kind=kind, prompt=answer.definition, pos=answer.pos, choices=(),
                            correct=-1, word=answer.term, definition=answer.definition,
                            example=answer.example, near=near, accept=answer.accept)
        if kind == "cloze":
            return self.cloze(answer)
        wrong = self.wrong_choices(answer, by_definition=kind == "reverse")
        options = [answer, *wrong]
        self.rng.shuffle(options)
        if kind == "reverse":
            prompt, shown = answer.term, [e.definition for e in options]
        else:
            prompt, shown = answer.definition, [e.term for e in options]
        return Question(kind=kind, prompt=prompt, pos=answer.pos, choices=tuple(shown),
                        correct=options.index(answer), word=answer.term,
                        definition=answer.definition, example=answer.example)

    def cloze(self, answer: Entry) -> Question:
        """The example with its word blanked out; the wrong choices are its distractors."""
        prompt = cloze_prompt(answer)
        if prompt is None or not cloze_ready(answer):
            raise DeckError(f"{answer.term!r} cannot make a cloze question")
        term = answer.term.casefold()
        distractors = list(dict.fromkeys(d for d in answer.distractors if d.casefold() != term))
        shown = [answer.term, *self.rng.sample(distractors, CHOICES - 1)]
        self.rng.shuffle(shown)
        return Question(kind="cloze", prompt=prompt, pos=answer.pos, choices=tuple(shown),
                        correct=shown.index(answer.term), word=answer.term,
                        definition=answer.definition, example=answer.example)

    def wrong_choices(self, answer: Entry, *, by_definition: bool) -> list[Entry]:
        """Three wrong choices for `answer` by the rules in the module docstring."""
        def fair(pool: list[Entry]) -> list[Entry]:
            return [e for e in pool if e is not answer
                    and e.term.casefold() != answer.term.casefold()
                    and e.definition != answer.definition
                    and not self.confusable(e.term, answer.term)]

        pool = fair(self.by_pos.get(answer.pos, []))
        if len(pool) < CHOICES - 1:
            pool = fair(list(self.entries))
        if len(pool) < CHOICES - 1:
            raise DeckError(f"not enough words unlike {answer.term!r} for its wrong choices")

        def size(entry: Entry) -> int:
            return len(entry.definition if by_definition else entry.term)

        target = size(answer)
        ranked = sorted(pool, key=lambda e: (_level_gap(e, answer), abs(size(e) - target),
                                             self.rng.random()))
        candidates = ranked[:max(CANDIDATES, len(ranked) // 4)]
        picked = self.rng.sample(candidates, CHOICES - 1)
        for _ in range(REDRAWS):
            if frozenset(e.term for e in picked) not in self.used:
                break
            picked = self.rng.sample(candidates, CHOICES - 1)
        self.used.add(frozenset(e.term for e in picked))
        return picked


def _level_gap(entry: Entry, answer: Entry) -> int:
    """How many CEFR levels apart two entries are (0 when either has none)."""
    if entry.level not in LEVELS or answer.level not in LEVELS:
        return 0
    return abs(LEVELS.index(entry.level) - LEVELS.index(answer.level))
