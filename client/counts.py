"""One state with its live counts: what a screen and `quiz watch` show.

The scorer publishes the state when the phase changes, and the live counts on the live
leaderboard (contract rev. 11) and, less often, on their own topic (protocol.views); a
client that follows them shows one state with the latest counts.
"""

from __future__ import annotations

import msgspec

from protocol.messages import Counts, Leaderboard, State


def with_counts(state: State, counts: Counts | None) -> State:
    """The state with the live counts, when they count the same question (else as it is)."""
    if counts is None or counts.quiz != state.quiz or counts.updated_at < state.updated_at:
        return state
    question = state.question.index if state.question is not None else -1
    if counts.q != question or state.phase == "finished":
        return state
    return msgspec.structs.replace(state, players=counts.players, answered=counts.answered)


def counts_of(board: Leaderboard, before: Counts | None = None) -> Counts:
    """The live counts a leaderboard carries.

    A leaderboard does not carry a self-paced quiz's progress (`started`, `done`): it keeps
    the last counted, from `before` (the counts topic refreshes it every 2 s).
    """
    started, done = (before.started, before.done) \
        if before is not None and before.quiz == board.quiz else (0, 0)
    return Counts(quiz=board.quiz, players=board.players, answered=board.answered, q=board.q,
                  updated_at=board.updated_at, started=started, done=done)


class Folded:
    """The last state and counts seen, folded: each update becomes what to show, if anything."""

    def __init__(self) -> None:
        self.state: State | None = None
        self.counts: Counts | None = None

    def merge(self, update: msgspec.Struct) -> msgspec.Struct | None:
        """The update to show: a state with the counts in it; None for counts with no state.

        A leaderboard is shown as it is; its counts are kept for the state (`fold` also
        gives the state they change).
        """
        if isinstance(update, State):
            self.state = update
            return with_counts(update, self.counts)
        if isinstance(update, Counts):
            self._take(update)
            return None if self.state is None else with_counts(self.state, self.counts)
        if isinstance(update, Leaderboard):
            self._take(counts_of(update, self.counts))
        return update

    def fold(self, update: msgspec.Struct) -> list[msgspec.Struct]:
        """Everything to show for `update`: a leaderboard, and the state its counts moved."""
        if not isinstance(update, Leaderboard) or self.state is None:
            merged = self.merge(update)
            return [] if merged is None else [merged]
        before = with_counts(self.state, self.counts)
        self.merge(update)
        after = with_counts(self.state, self.counts)
        return [update] if after == before else [update, after]

    def _take(self, counts: Counts) -> None:
        """Keep the newest counts (a players' board may be older than the last counts)."""
        if self.counts is None or counts.updated_at >= self.counts.updated_at:
            self.counts = counts
