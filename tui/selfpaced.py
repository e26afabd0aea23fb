"""What the screens say about a self-paced quiz (homework): pure text, tested on its own.

The player's screen says where the player is (client/homework.py); the boards and the
host's console say how far the class got (Counts `started` and `done`) and when it closes.
"""

from __future__ import annotations

import math

from client.deadline import shown
from client.text import plural
from protocol.messages import Counts, Settings, State

# After a verdict the next question opens by itself after this long: time to read the
# verdict, not so long that a player waits for nothing (a key opens it at once).
NEXT_PAUSE_SECONDS = 5.0


def closes_text(until: float) -> str:
    """When a self-paced quiz closes, in local time."""
    return f"open until {shown(until)}"


def ready_text(settings: Settings) -> str:
    """Before the first question: how the homework goes, and the key that starts it."""
    seconds = math.floor(settings.seconds)
    return (f"Homework: {plural(settings.questions, 'question')}, {seconds} s each, "
            f"{closes_text(settings.until)}.\n"
            "Each question's clock starts when you open it.\n"
            "Press n to open question 1.")


def done_text(questions: int, until: float) -> str:
    """Every question answered: the results come when the quiz closes."""
    return (f"Done: you answered all {plural(questions, 'question')}.\n"
            f"Results when the quiz closes at {shown(until)}.")


def next_text(q: int, pause: float = NEXT_PAUSE_SECONDS) -> str:
    """After the verdict on question q (from 0): how the next one opens."""
    return f"Press n for question {q + 2} (it opens by itself in {math.ceil(pause)} s)."


def time_up_text(q: int, count: int) -> str:
    """Question q's clock ran out unanswered: answer late for nothing, or move on."""
    late = "Time is up: an answer now scores 0 points."
    return late if q + 1 >= count else f"{late} Press n for question {q + 2}."


def progress_text(players: int, started: int, done: int) -> str:
    """How far the class got: N of M started, K finished."""
    return f"{started} of {plural(players, 'player')} started, {done} finished"


def headline(state: State, counts: Counts | None) -> str:
    """A display's headline for a self-paced quiz: its deadline and the class's progress.

    The progress comes from the counts (the state is published at phase changes only);
    before any came, the state's player count.
    """
    progress = progress_text(counts.players, counts.started, counts.done) \
        if counts is not None and counts.quiz == state.quiz \
        else plural(state.players, "player")
    return f"Homework, {closes_text(state.settings.until)}: {progress}"
