"""A self-paced quiz (homework) from the player's side: what comes next, from its status.

The scorer keeps each player's place (docs/protocol.md, "Self-paced quizzes"): the
player's retained status says the last question it opened (`opened`) and the one it
answers next (`next`). A screen that starts, or comes back, reads its step from that
status alone, so a player who quits and returns resumes where they were, on the same
clock. Pure functions: the terminal screen and the tests read steps alike (the web page
has the same rules in play.js).
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.messages import PlayerStatus


@dataclass(frozen=True, slots=True)
class Ready:
    """Nothing opened yet: question 0 opens (and its clock starts) when the player is ready."""


@dataclass(frozen=True, slots=True)
class Answering:
    """Question `q` is open and not answered: asking for it again gives the same clock."""

    q: int


@dataclass(frozen=True, slots=True)
class Answered:
    """Question `q` was answered; question `q + 1` opens on the player's word."""

    q: int


@dataclass(frozen=True, slots=True)
class Done:
    """Every question is answered: the results come when the quiz closes."""


Step = Ready | Answering | Answered | Done


def step(status: PlayerStatus, questions: int) -> Step:
    """Where the player is in a self-paced quiz of `questions` questions."""
    if status.next >= questions:
        return Done()
    if status.opened < 0:
        return Ready()
    if status.next == status.opened:
        return Answering(status.opened)
    return Answered(status.opened)
