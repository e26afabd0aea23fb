"""One state with its live counts: what a screen and `quiz watch` show.

The scorer publishes the state when the phase changes and the counts on their own, more
often (protocol.views); a client that follows both shows one state with both.
"""

from __future__ import annotations

import msgspec

from protocol.messages import Counts, State


def with_counts(state: State, counts: Counts | None) -> State:
    """The state with the live counts, when they count the same question (else as it is)."""
    if counts is None or counts.quiz != state.quiz or counts.updated_at < state.updated_at:
        return state
    question = state.question.index if state.question is not None else -1
    if counts.q != question or state.phase == "finished":
        return state
    return msgspec.structs.replace(state, players=counts.players, answered=counts.answered)


class Folded:
    """The last state and counts seen, folded: each update becomes what to show, if anything."""

    def __init__(self) -> None:
        self.state: State | None = None
        self.counts: Counts | None = None

    def merge(self, update: msgspec.Struct) -> msgspec.Struct | None:
        """The update to show: a state with the counts in it; None for counts with no state."""
        if isinstance(update, State):
            self.state = update
            return with_counts(update, self.counts)
        if isinstance(update, Counts):
            self.counts = update
            return None if self.state is None else with_counts(self.state, update)
        return update
