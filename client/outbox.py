"""Answers kept until their verdict: what `quiz answer` and `quiz play` send again, and when.

An answer travels at QoS 0: the verdict is its only acknowledgement. A signed answer keeps
its request id for as long as it waits, and goes out again
- on a timer (`due`): RESEND_FIRST_SECONDS after it was sent, then after a growing,
  jittered wait (protocol/retry.py's `resend_wait`), for as long as its question can
  still be answered (`answerable`) or, for `quiz answer`, until its --timeout: the answer
  or its verdict may have been lost (a scorer down, a broker that dropped it);
- on every reconnect, and whenever a scorer comes online that this client had not seen
  online yet (a new `since` on its status): that scorer may have (re)started after the
  answer went out, with nobody subscribed to score it.
The scorer counts a player's answer to a question once, so a copy changes nothing (it
publishes the player's status again). An answer is settled by the player's status
scoring its question (or a later one: one answer per question) or by a reply refusing it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from protocol import auth, topics
from protocol.messages import Answer, PlayerStatus, Reply, ScorerStatus, State
from protocol.retry import Random, resend_wait


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


def answerable(state: State | None, q: int) -> bool:
    """Whether question q can still be answered, as far as `state` says (None: not known).

    Open and not paused in a live quiz; any question of a self-paced quiz that is open (the
    player's own clock: a late answer gets its verdict, 0 points). A paused question's
    answer waits for the host to resume: the scorer would refuse it meanwhile.
    """
    if state is None:
        return True
    if state.phase == "open":
        return True
    return (state.phase == "question" and not state.paused and state.question is not None
            and state.question.index == q)


@dataclass(slots=True)
class _Sent:
    """How often an answer went out without a verdict, and when it goes out again."""

    times: int
    due: float


class Outbox:
    """A player's answers without a verdict yet, by question, and when each goes out again."""

    def __init__(self, player: str, scorer: ScorerStatus | None = None, *,
                 rand: Random = random.random) -> None:
        self.player = player
        self._pending: dict[int, PendingAnswer] = {}
        self._sent: dict[int, _Sent] = {}
        self._rand = rand
        # The scorer's `since` as last seen (None: no status seen yet).
        self._since: float | None = scorer.since if scorer is not None else None

    def keep(self, answer: PendingAnswer) -> None:
        """Keep `answer` until its verdict comes (its timer starts when it is `sent`).

        Kept again (the same answer, on a new connection), it keeps its count and timer.
        """
        if self._pending.get(answer.q) != answer:
            self._sent.pop(answer.q, None)
        self._pending[answer.q] = answer

    def sent(self, answer: PendingAnswer, now: float) -> None:
        """`answer` went out at `now` (first time or again): its next copy is due later."""
        if answer.q not in self._pending:
            return
        times = self._sent[answer.q].times + 1 if answer.q in self._sent else 1
        self._sent[answer.q] = _Sent(times, now + resend_wait(times, self._rand))

    def due(self, now: float, state: State | None = None) -> list[PendingAnswer]:
        """The answers whose timer has run out at `now` and whose question `state` leaves open.

        The caller sends them and reports each with `sent`.
        """
        return [self._pending[q] for q, sent in self._sent.items()
                if sent.due <= now and answerable(state, q)]

    def next_due(self, state: State | None = None) -> float | None:
        """When the next timer of an answer `state` leaves open runs out (None: no such one)."""
        return min((sent.due for q, sent in self._sent.items() if answerable(state, q)),
                   default=None)

    def times_sent(self, q: int) -> int:
        """How often the answer to question q went out so far."""
        sent = self._sent.get(q)
        return sent.times if sent is not None else 0

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
            self._sent.pop(answer.q, None)
        return settled
