"""Text for the screens: pure functions of what the scorer published.

No Textual, no clock, no network: the apps pass the time and the messages in. Every
line reads without colour (symbols and words carry the meaning; colour only repeats it).

Names and deck words are other people's text: every function here passes them through
`printable`, and the screens show the result with markup off, so `[b]x[/b]` reads as
typed (client/text.py, shared with the CLI, holds `printable` and the column helpers).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

from client.reveal import revealed_answer
from client.review import by_word
from client.text import NAME_CELLS, cells, clip, fit, name_column, plural, printable
from protocol.messages import (
    TYPED_KINDS,
    LastResult,
    Leaderboard,
    QuestionKind,
    QuestionView,
    RevealView,
    Standing,
    Word,
)

FULL = "█"
EMPTY = "░"
UP = "▲"
DOWN = "▼"
RIGHT = "✓"
WRONG = "✗"
ME = "▶"
NEAR = "~"

# What a question asks the player to do, said on screen for every kind but the usual one.
KIND_TASKS: dict[QuestionKind, str] = {"choice": "", "reverse": "pick its meaning",
                                       "cloze": "fill the gap", "typed": "type the word",
                                       "listen": "listen, type the word",
                                       "listen-choice": "listen, pick the word"}
# Columns of a bar in the class's progress (share right per question).
PROGRESS_BAR_CELLS = 20
# A choice's text narrower than this wraps at the screen's edge instead: an indent would
# leave a word a line.
HANGING_MIN_CELLS = 12

# The name in the player's own status line: the rest of the line needs ~50 of 78 cells
# (the header shows the whole name).
STATUS_NAME_CELLS = 24


def remaining(deadline: float, now: float) -> float:
    """Seconds left until the deadline, never below zero."""
    return max(0.0, deadline - now)


def countdown_text(seconds_left: float, *, paused: bool = False) -> str:
    """The seconds left, rounded up so "0 s" means the time is really up."""
    if paused:
        return f"⏸ paused, {math.ceil(seconds_left)} s left"
    if seconds_left <= 0:
        return "time's up"
    return f"{math.ceil(seconds_left)} s"


def countdown_bar(seconds_left: float, total: float, width: int) -> str:
    """A bar of `width` cells, full at the start of the question and empty at its deadline."""
    width = max(0, width)
    if total <= 0:
        return EMPTY * width
    filled = round(width * min(1.0, max(0.0, seconds_left / total)))
    return FULL * filled + EMPTY * (width - filled)


def countdown_line(seconds_left: float, total: float, width: int, *,
                   paused: bool = False) -> str:
    """The bar and the seconds left (or that the clock is paused), fitted into `width`."""
    text = countdown_text(seconds_left, paused=paused)
    bar = width - len(text) - 1
    if bar < 1:
        return text[:max(0, width)]
    return f"{countdown_bar(seconds_left, total, bar)} {text}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def movement(before: int | None, now: int) -> str:
    """How a player's rank moved: ▲2 (up two places), ▼1, = (same), new (onto the board)."""
    if before is None:
        return "new"
    if now < before:
        return f"{UP}{before - now}"
    if now > before:
        return f"{DOWN}{now - before}"
    return "="


def ranks(top: Sequence[Standing]) -> dict[str, int]:
    """Player id to rank, for comparing two boards."""
    return {standing.player: standing.rank for standing in top}


def is_newer(shown: Leaderboard | None, incoming: Leaderboard) -> bool:
    """True when `incoming` may replace the board on screen (its `seq` is not lower)."""
    return shown is None or incoming.seq >= shown.seq


def own_rank(board: Leaderboard | None, player: str, fallback: int) -> int:
    """The player's rank: from the latest board when it shows them, else from their status."""
    if board is not None:
        for standing in board.top:
            if standing.player == player:
                return standing.rank
    return fallback


def standings_title(top: Sequence[Standing], players: int) -> str:
    """The board's title: a leaderboard once someone has points, the players list before.

    Before anyone scores, the order is only the order of joining: no one leads yet.
    """
    if any(standing.score > 0 for standing in top):
        return f"Leaderboard ({plural(players, 'player')})"
    return f"Players ({players})"


def leaderboard_lines(top: Sequence[Standing], *, baseline: dict[str, int] | None = None,
                      me: str | None = None, limit: int = 10) -> list[str]:
    """Rows of rank, movement (when a baseline is given), name and score.

    `me` marks the reader's own row with ▶, so it stands out without colour.
    """
    shown = list(top)[:limit]
    names = [printable(s.name) for s in shown]
    width = name_column(names)
    lines = []
    for s, name in zip(shown, names, strict=True):
        marker = ME if s.player == me else " "
        moved = "" if baseline is None else f"{movement(baseline.get(s.player), s.rank):>4} "
        lines.append(f"{marker}{s.rank:>3}. {moved}{fit(name, width)}  {s.score:>6}")
    return lines


def podium_lines(top: Sequence[Standing]) -> list[str]:
    """The first three places among players who scored, one aligned line each."""
    placed = [s for s in top if s.score > 0 and 1 <= s.rank <= 3][:3]
    names = [printable(s.name) for s in placed]
    width, points = name_column(names), max((len(str(s.score)) for s in placed), default=1)
    return [f"{ordinal(s.rank):>4}  {fit(name, width)}  {s.score:>{points}} points"
            for s, name in zip(placed, names, strict=True)]


def own_place(rank: int, players: int, score: int) -> str:
    """Where the reader finished."""
    if rank <= 0:
        return f"You are not in the standings (score {score})."
    return f"You finished {ordinal(rank)} of {players} with {score} points."


def result_text(last: LastResult, streak: int, typed: str | None = None) -> str:
    """The verdict on the reader's latest answer; `typed` is what they typed, if known.

    A near miss of a typed word says what was typed and how the word is spelled.
    """
    if last.late:
        return f"{WRONG} too late: 0 points"
    if not last.correct:
        return f"{WRONG} wrong: 0 points"
    bonus = f"  streak {streak}" if streak > 1 else ""
    if last.typo and not last.expected:  # the spelling comes with the reveal
        what = f"{printable(typed)}, a near miss" if typed else "a near miss"
        return f"{RIGHT} accepted: {what} (+{last.points}){bonus}"
    if last.typo:
        spelled = printable(last.expected)
        what = f"{printable(typed)} → {spelled}" if typed else f"a typo of {spelled}"
        return f"{RIGHT} accepted: {what} (+{last.points}){bonus}"
    return f"{RIGHT} correct: +{last.points} points{bonus}"


def status_line(name: str, score: int, rank: int, players: int, streak: int) -> str:
    """The reader's own score and rank, always on screen."""
    place = f"rank {rank} of {players}" if rank > 0 else "not ranked"
    return (f"{clip(printable(name), STATUS_NAME_CELLS)}  ·  {score} points  ·  {place}  ·  "
            f"streak {streak}")


def calm_status_line(name: str, score: int, right: int) -> str:
    """The reader's own score in a calm quiz: no rank, no streak (there are none)."""
    return f"{clip(printable(name), STATUS_NAME_CELLS)}  ·  {score} points  ·  {right} right"


def calm_place(score: int, right: int, asked: int | None) -> str:
    """How the reader did in a calm quiz: their score and words right, no place."""
    of = f" of {asked}" if asked is not None else ""
    return f"You finished with {score} points: {right}{of} right."


def answered_text(answered: int, players: int) -> str:
    """How many of the players answered the open question."""
    return f"{answered} of {players} answered"


def choice_label(index: int, word: str, *, correct: int | None = None,
                 chosen: int | None = None) -> str:
    """A choice with its key: ▶ marks the pick; after the reveal ✓ the answer, ✗ a wrong pick."""
    mark = ""
    if correct is not None and index == correct:
        mark = f"{RIGHT} "
    elif correct is not None and index == chosen:
        mark = f"{WRONG} "
    elif index == chosen:
        mark = f"{ME} "
    return f"{mark}{index + 1}  {printable(word)}"


def hanging(label: str, width: int) -> list[str]:
    """A choice's label (`choice_label`) in lines of `width` columns, wrapped under its text.

    A definition that wraps continues under its first word, not under its key, so each
    choice reads as one block. Too narrow for that, the label is left for the screen to wrap.
    """
    head, sep, text = label.partition("  ")
    indent = cells(head + sep)
    if not sep or width - indent < HANGING_MIN_CELLS:
        return [label]
    lines = textwrap.wrap(text, width - indent, break_on_hyphens=False) or [""]
    return [head + sep + lines[0], *(" " * indent + line for line in lines[1:])]


def distribution_lines(choices: Sequence[str], distribution: Sequence[int], correct: int,
                       width: int = 20) -> list[str]:
    """How the room answered: one bar per choice, ✓ on the right word."""
    most = max(distribution, default=0)
    shown = [printable(c) for c in choices]
    words = min(NAME_CELLS, max((cells(c) for c in shown), default=0))
    lines = []
    for i, (word, count) in enumerate(zip(shown, distribution, strict=False)):
        bar = FULL * (round(width * count / most) if most else 0)
        mark = RIGHT if i == correct else " "
        lines.append(f"{mark} {i + 1} {fit(word, words)}  {bar} {count}")
    return lines


def typed_distribution_lines(distribution: Sequence[int], width: int = 20) -> list[str]:
    """How the room answered a typed question: right, near misses (accepted), wrong."""
    counts = list(distribution[:3]) + [0] * (3 - len(distribution[:3]))
    most = max(counts)
    rows = zip((RIGHT, NEAR, WRONG), ("right", "near", "wrong"), counts, strict=True)
    return [f"{mark} {label:<5}  {FULL * (round(width * count / most) if most else 0)} {count}"
            for mark, label, count in rows]


def right_answers(kind: QuestionKind, reveal: RevealView) -> int:
    """How many answered a revealed question right, in time (a typed one: spelled right)."""
    counts = reveal.distribution
    at = 0 if kind in TYPED_KINDS else reveal.correct
    return counts[at] if 0 <= at < len(counts) else 0


def percent(part: int, whole: int) -> int:
    """The share `part` of `whole` in whole percent (0 of nobody, never over 100)."""
    return min(100, round(100 * part / whole)) if whole > 0 else 0


def share_text(right: int, players: int) -> str:
    """The share of the class who got a question right."""
    return f"{right} of {players} right ({percent(right, players)}%)"


def progress_lines(shares: Mapping[int, tuple[int, int]], *, limit: int,
                   width: int = PROGRESS_BAR_CELLS) -> list[str]:
    """Share right per revealed question (index -> (right, players)), the latest `limit`."""
    latest = sorted(shares.items())[-limit:] if limit > 0 else []
    lines = []
    for q, (right, players) in latest:
        share = percent(right, players)
        filled = round(width * share / 100)
        lines.append(f"Q{q + 1:<3} {FULL * filled}{EMPTY * (width - filled)} {share:>3}%  "
                     f"{right} of {players}")
    return lines


def accuracy_line(shares: Mapping[int, tuple[int, int]]) -> str:
    """Share right of each question revealed so far, on one (wrapping) line."""
    if not shares:
        return "Right per question: none revealed yet"
    return "Right per question: " + "  ".join(
        f"Q{q + 1} {percent(right, players)}%" for q, (right, players) in sorted(shares.items()))


def word_accuracy_lines(words: Sequence[Word], players: int) -> list[str]:
    """The class's words, most missed first: share right, and near misses accepted."""
    ordered = by_word(words, players)
    terms = [printable(word.term) for word in ordered]
    width = name_column(terms)
    lines = []
    for word, term in zip(ordered, terms, strict=True):
        near = f", {word.near} near" if word.near else ""
        lines.append(f"{fit(term, width)}  {percent(word.right, players):>3}% right  "
                     f"({word.right} of {players}{near})")
    return lines


def review_lines(words: Sequence[Word], asked: int) -> list[str]:
    """A player's words to review, with definition and example; or that there are none."""
    if not words:
        return ["You got every word right: nothing to review."]
    lines = [f"Words to review ({len(words)} of {asked}):"]
    for word in words:
        pos = f" ({printable(word.pos)})" if word.pos else ""
        lines.append(f"• {printable(word.term)}{pos}: {printable(word.definition)}")
        if word.example:
            lines.append(f"    e.g. {printable(word.example)}")
    return lines


def lobby_text(names: Sequence[str], players: int) -> str:
    """Who is in the lobby (the board shows the first ones; the count says how many)."""
    if not players:
        return "Nobody has joined yet."
    if not names:  # a calm quiz's board lists nobody
        return f"{players} in the lobby"
    more = players - len(names)
    listed = ", ".join(printable(name) for name in names)
    return f"{players} in the lobby: {listed}" + (f" and {more} more" if more > 0 else "")


def question_line(question: QuestionView) -> str:
    """The prompt after its part of speech: "(adj) lasting a short time".

    The prompt is the definition; for `reverse` the word, for `cloze` the sentence.
    """
    return f"({printable(question.pos)}) {printable(question.prompt)}"


def question_title(question: QuestionView) -> str:
    """Which question, its part of speech, and what to do for kinds other than choice."""
    title = f"Question {question.index + 1} of {question.count}  ({printable(question.pos)})"
    task = KIND_TASKS.get(question.kind, "")
    return f"{title}  ·  {task}" if task else title


def prompt_lines(question: QuestionView, *, choices: bool = True,
                 correct: int | None = None) -> list[str]:
    """The question as a display reads it: the prompt, what to do, the choices (if asked).

    Four words share a line; four definitions (reverse) take a line each.
    """
    lines = [question_line(question)]
    if not choices:
        return lines
    task = KIND_TASKS.get(question.kind, "")
    if task:
        lines.append(f"{task}:" if question.choices else task)
    labels = [choice_label(i, word, correct=correct) for i, word in enumerate(question.choices)]
    if question.kind == "reverse":
        lines.extend(labels)
    elif labels:
        lines.append("   ".join(labels))
    return lines


def answer_line(question: QuestionView, reveal: RevealView) -> str:
    """The right answer, once revealed: the word and its IPA; for `reverse`, its definition too."""
    return f"The answer: {printable(revealed_answer(question, reveal, ipa=True))}"


def sent_text(choice: int, word: str) -> str:
    """What the player's screen says while an answer waits for its verdict."""
    return f"sent {choice + 1} ({printable(word)}), waiting for the score…"


def typed_sent_text(text: str) -> str:
    """What the player's screen says while a typed answer waits for its verdict."""
    return f"sent “{printable(text)}”, waiting for the score…"


def refused_text(why: str) -> str:
    """An answer the scorer did not count, with its reason."""
    return f"{WRONG} not counted: {printable(why)}"


def remove_prompt(name: str) -> str:
    """The host's confirmation before a player is removed."""
    return f"Remove {printable(name)}?\nPress k again to confirm (any other row: cancel)."


def screenful(rows: Sequence[Standing], index: int, per_screen: int) -> tuple[int, int, int]:
    """Screenful `index` (0-based, clamped) of `rows`: (index, first row, rows past it)."""
    per_screen = max(1, per_screen)
    last = max(0, (len(rows) - 1) // per_screen)
    index = min(max(0, index), last)
    start = index * per_screen
    return index, start, min(len(rows), start + per_screen)


def streak_now(streak: int, last_q: int | None, closed_through: int) -> int:
    """The streak as it stands: a question that closed with no answer from the player ends it.

    `streak` and `last_q` come from the player's status, which changes only when they
    answer; `closed_through` is the index of the last question closed (-1: none yet).
    """
    if last_q is not None and last_q < closed_through:
        return 0
    return streak

