"""The questions of a quiz, made from a deck (pure): six kinds, and fair wrong choices.

- choice: a definition; pick the word out of four.
- reverse: a word; pick its definition out of four.
- cloze: an example sentence with the word blanked out; pick the word that fits. Only
  entries whose example holds the word itself (not an inflection) and that have three
  distractors written for that sentence make cloze questions, and those distractors are
  the wrong choices: a word drawn from the deck may fit the blank as well as the answer
  ("My piano teacher was very ___": strict, patient, honest).
- typed: a definition; type the word (judged by scorer.spelling).
- listen: the word is heard; type it (judged as typed). Any entry whose term is a word or
  a short phrase (at most LISTEN_WORDS words). The prompt gives the meaning as well when
  the definition does not hold the word: a dictation without context cannot be fair to
  homophones (steal, steel), and a player with no sound still has a clue. Where the
  definition holds the word it is left out, and the word's homophones are taken as right.
  The deck's other answers for the definition (`accept`) are not: they were not heard.
- listen-choice: the word is heard; pick it out of four words that sound alike. Only
  entries whose term stands in a group of scorer/sounds.py; the group's other words are
  the wrong choices. The prompt gives no meaning: it would tell the four apart unheard.

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from protocol.messages import LEVELS
from protocol.messages import QuestionKind as Kind
from scorer import sounds, spelling
from scorer.alike import interchangeable
from scorer.deck import CHOICES, DeckError, Entry, term_span
from scorer.soundcheck import homophones

BLANK = "_____"
# Wrong choices are drawn from this many candidates closest in length to the answer
# (at least): enough variety between questions, still no obvious odd one out.
CANDIDATES = 8
# Draws tried before accepting a set of wrong choices that an earlier question had.
REDRAWS = 12
# A listen question says a word or a short phrase (look after); a longer one is a sentence
# to take down, not a word to spell.
LISTEN_WORDS = 3
LISTEN_PROMPT = "Listen, then type the word you hear."
LISTEN_MEANING = "Listen, then type the word you hear. It means: {definition}"
LISTEN_CHOICE_PROMPT = "Listen, then pick the word you hear."
# Kinds whose wrong choices are drawn from the deck (the others bring their own or none).
_DRAWN = frozenset({"choice", "reverse"})

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


def listen_ready(entry: Entry) -> bool:
    """Whether the entry makes a listen question: a word or a phrase of few words."""
    return 0 < len(entry.term.split()) <= LISTEN_WORDS and not any(
        ch.isdigit() for ch in entry.term)


def listen_choice_ready(entry: Entry) -> bool:
    """Whether the entry makes a listen-choice question: its word is in a sound-alike group."""
    return bool(sounds.groups_of(entry.term))


def listen_prompt(entry: Entry) -> str:
    """A listen question's prompt: the meaning too, unless the definition holds the word."""
    if term_span(entry.definition, entry.term) is not None:
        return LISTEN_PROMPT
    return LISTEN_MEANING.format(definition=entry.definition)


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
    apart = interchangeable(entries) if any(k in _DRAWN or k == "typed" for k in order) \
        else set()

    def either(a: str, b: str) -> bool:
        return confusable(a, b) or frozenset({a.casefold(), b.casefold()}) in apart

    maker = _Maker(entries, rng, either, vocabulary or entries)
    return [maker.question(kind, answer) for kind, answer in zip(order, answers, strict=True)]


# The kinds only some entries make, most demanding first: what each needs, in words.
_NEEDS: tuple[tuple[Kind, Callable[[Entry], bool], str], ...] = (
    ("cloze", cloze_ready, "entries whose example sentence holds the word and that have "
                           "three distractors written for it"),
    ("listen-choice", listen_choice_ready, "entries whose word stands in a group of "
                                           "words that sound alike (the built-in list of "
                                           "sound-alike groups: ship, sheep, chip, cheap)"),
    ("listen", listen_ready, f"entries that are a word or a phrase of at most "
                             f"{LISTEN_WORDS} words"),
)


def _pick_answers(entries: Sequence[Entry], order: list[Kind],
                  rng: random.Random) -> list[Entry]:
    taken: set[int] = set()
    picked: dict[Kind, Iterator[Entry]] = {}
    for kind, ready, needs in _NEEDS:
        wanted = order.count(kind)
        if not wanted:
            continue
        usable = [e for e in entries if ready(e) and id(e) not in taken]
        if wanted > len(usable):
            raise DeckError(f"{wanted} {kind} questions need as many {needs}; the deck has "
                            f"{len(usable)}")
        chosen = rng.sample(usable, wanted)
        taken.update(id(e) for e in chosen)
        picked[kind] = iter(chosen)
    special = {kind for kind, _, _ in _NEEDS}
    rest = iter(rng.sample([e for e in entries if id(e) not in taken],
                           sum(kind not in special for kind in order)))
    return [next(picked[kind]) if kind in special else next(rest) for kind in order]


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
        if kind in ("typed", "listen"):
            return self.typed(kind, answer)
        if kind == "cloze":
            return self.cloze(answer)
        if kind == "listen-choice":
            return self.listen_choice(answer)
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

    def typed(self, kind: Kind, answer: Entry) -> Question:
        """Type the word: for its definition (typed), or heard (listen)."""
        if self._normalized is None:  # once per quiz, not once per typed question
            self._normalized = frozenset(spelling.normalize(e.term) for e in self.vocabulary)
        near = spelling.near_normalized(answer.term, self._normalized)
        prompt, accept = answer.definition, answer.accept
        if kind == "listen":
            # What was heard is the word: the deck's other answers for its definition
            # (milestone: landmark) were not said; with no meaning shown, a homophone was.
            prompt = listen_prompt(answer)
            accept = tuple(sorted(homophones(answer.term))) if prompt == LISTEN_PROMPT else ()
        return Question(kind=kind, prompt=prompt, pos=answer.pos, choices=(), correct=-1,
                        word=answer.term, definition=answer.definition,
                        example=answer.example, near=near, accept=accept)

    def listen_choice(self, answer: Entry) -> Question:
        """Hear the word, pick it out of its sound-alike group (scorer/sounds.py)."""
        groups = sounds.groups_of(answer.term)
        if not groups:
            raise DeckError(f"{answer.term!r} stands in no group of words that sound alike")
        shown = sounds.choices_for(answer.term, self.rng.choice(groups))
        self.rng.shuffle(shown)
        return Question(kind="listen-choice", prompt=LISTEN_CHOICE_PROMPT, pos=answer.pos,
                        choices=tuple(shown), correct=shown.index(answer.term),
                        word=answer.term, definition=answer.definition,
                        example=answer.example)

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
