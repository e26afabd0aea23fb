"""What each kind of client follows: one list for the screens, `quiz watch` and the bench.

A player's screen, a classroom display and a host's console each subscribe to the
topics below and nothing else; the load generator takes the same lists, so what it
measures is what real clients cost the broker. A topic every player follows changes
only a few times a question (see docs/protocol.md, "Fan-out").
"""

from __future__ import annotations

from protocol import topics
from protocol.messages import Counts, Leaderboard, PlayerStatus, Reply, ScorerStatus, State

# Screens, displays and one-shot commands connect with a clean session, so QoS 1 on their
# subscriptions would buy nothing after a reconnect (nothing is queued for them; the
# retained views come again), and on a clustered broker (NATS) each QoS 1 subscription
# is a replicated consumer: 210 screens failing over at once had thousands refused.
FOLLOW_QOS = 0

Update = State | Leaderboard | Counts | PlayerStatus | Reply | ScorerStatus
UpdateKind = (type[State] | type[Leaderboard] | type[Counts] | type[PlayerStatus]
              | type[Reply] | type[ScorerStatus])


def player_follows(code: str, client_id: str, player: str) -> dict[str, UpdateKind]:
    """A player: the quiz's phase and question, the players' board, their own status."""
    return {
        topics.state(code): State,
        topics.board(code): Leaderboard,
        topics.player(code, player): PlayerStatus,
        topics.scorer_status(): ScorerStatus,
        topics.other_scorers_status(): ScorerStatus,
        topics.replies_of(client_id): Reply,
    }


def display_follows(code: str) -> dict[str, UpdateKind]:
    """A classroom display: the phase and question, the live leaderboard and counts."""
    return {
        topics.state(code): State,
        topics.leaderboard(code): Leaderboard,
        topics.counts(code): Counts,
        topics.scorer_status(): ScorerStatus,
        topics.other_scorers_status(): ScorerStatus,
    }


def host_follows(code: str, client_id: str) -> dict[str, UpdateKind]:
    """A host's console: what a display follows, and the replies to its commands."""
    return {**display_follows(code), topics.replies_of(client_id): Reply}
