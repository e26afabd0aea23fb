"""Answers kept until their verdict: what `quiz answer` and `quiz play` send again, and when.

A signed answer keeps its request id for as long as it waits. It goes out again on every
reconnect and whenever a scorer comes online that this client had not seen online yet (a
new `since` on its status): that scorer may have (re)started after the broker took the
answer, with nobody subscribed to score it. The scorer counts a player's answer to a
question once, so a copy changes nothing. An answer is settled by the player's status
scoring its question (or a later one: one answer per question) or by a reply refusing it.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol import auth, topics
from protocol.messages import Answer, PlayerStatus, Reply, ScorerStatus


@dataclass(frozen=True, slots=True)
class PendingAnswer:
    """A signed answer whose verdict has not arrived; its request id survives resends."""

    req: str
    q: int
    given: int | str  # a 0-based choice, or the text typed for a typed question
    sig: str

    @classmethod
    def sign(cls, secret: str, code: str, player: str, q: int,
             given: int | str) -> PendingAnswer:
        """A new answer to question q (a 0-based choice or a text), signed with the secret."""
        return cls(req=topics.new_request_id(), q=q, given=given,
                   sig=auth.sign_answer(secret, code, player, q, given))

    def request(self, client_id: str) -> Answer:
        """The answer as sent on a connection whose client id is `client_id`."""
        if isinstance(self.given, str):
            return Answer(client=client_id, req=self.req, q=self.q, text=self.given,
                          sig=self.sig)
        return Answer(client=client_id, req=self.req, q=self.q, choice=self.given,
                      sig=self.sig)


class Outbox:
    """A player's answers without a verdict yet, by question."""

    def __init__(self, player: str, scorer: ScorerStatus | None = None) -> None:
        self.player = player
        self._pending: dict[int, PendingAnswer] = {}
        # The scorer's `since` as last seen (None: no status seen yet).
        self._since: float | None = scorer.since if scorer is not None else None

    def keep(self, answer: PendingAnswer) -> None:
        """Keep `answer` until its verdict comes."""
        self._pending[answer.q] = answer

    def pending(self) -> list[PendingAnswer]:
        """The answers still waiting, to send (again)."""
        return list(self._pending.values())

    def __contains__(self, q: object) -> bool:
        return q in self._pending

    def __len__(self) -> int:
        return len(self._pending)

    def scorer_seen(self, status: ScorerStatus, *, retained: bool) -> list[PendingAnswer]:
        """What to send again now that `status` came: everything kept, if a new scorer is up.

        A `retained` status is the one the broker kept, sent on subscribing: it sets the
        mark and nothing more (what is kept went out on this connection already). A status
        published as it happened, online with another `since`, is a scorer that came up.
        """
        came_online = (not retained and status.status == "online"
                       and status.since != self._since)
        self._since = status.since
        return self.pending() if came_online else []

    def settle(self, update: PlayerStatus | Reply) -> list[PendingAnswer]:
        """Forget (and return) the answers this update judges: refused by a reply, or scored."""
        if isinstance(update, Reply):
            settled = [a for a in self._pending.values() if a.req == update.req]
        elif update.player == self.player and update.last is not None:
            # One answer per question: a status that scored question n (from this or
            # another device) settles every answer up to n, all closed by now.
            last = update.last.q
            settled = [a for a in self._pending.values() if a.q <= last]
        else:
            settled = []
        for answer in settled:
            del self._pending[answer.q]
        return settled
