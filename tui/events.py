"""Textual messages for what the live feed brings: one class per kind of update."""

from __future__ import annotations

from textual.message import Message

from client.reconnect import Connected, Disconnected
from client.standings import PageCleared
from protocol.messages import (
    Leaderboard,
    PlayerStatus,
    Reply,
    ScorerStatus,
    StandingsPage,
    State,
)
from tui.live import Event


class StateChanged(Message):
    """The quiz's phase, question or counts changed."""

    def __init__(self, state: State) -> None:
        super().__init__()
        self.state = state


class BoardChanged(Message):
    """A leaderboard arrived (possibly older than the one shown: check its seq)."""

    def __init__(self, board: Leaderboard) -> None:
        super().__init__()
        self.board = board


class PlayerChanged(Message):
    """The reader's own status: score, rank, streak and the result of the last answer."""

    def __init__(self, status: PlayerStatus) -> None:
        super().__init__()
        self.status = status


class ReplyReceived(Message):
    """The scorer answered a request: a refusal, a host command's outcome, or results."""

    def __init__(self, reply: Reply) -> None:
        super().__init__()
        self.reply = reply


class ScorerChanged(Message):
    """The scorer went online or offline."""

    def __init__(self, status: ScorerStatus) -> None:
        super().__init__()
        self.status = status


class StandingsChanged(Message):
    """A page of everyone's standings arrived, or was cleared (read on a connection of its own)."""

    def __init__(self, update: StandingsPage | PageCleared) -> None:
        super().__init__()
        self.update = update


class ConnectionChanged(Message):
    """The connection to the broker came up, or dropped and will be retried."""

    def __init__(self, event: Connected | Disconnected) -> None:
        super().__init__()
        self.event = event


def as_message(event: Event) -> Message:
    """The Textual message that carries a live event."""
    if isinstance(event, State):
        return StateChanged(event)
    if isinstance(event, Leaderboard):
        return BoardChanged(event)
    if isinstance(event, PlayerStatus):
        return PlayerChanged(event)
    if isinstance(event, Reply):
        return ReplyReceived(event)
    if isinstance(event, ScorerStatus):
        return ScorerChanged(event)
    return ConnectionChanged(event)
