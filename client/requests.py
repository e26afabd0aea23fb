"""Requests to the scorer with their replies, and the retained views, on one connection.

Every request carries a fresh request id; the scorer answers once on
quiz/replies/<client>/<req>, which the client subscribes to before it publishes, and the
connection's reader hands that reply to the request waiting for it.

A request that gets no reply says what is true: it was sent and may still be applied,
and whether running the same command again is safe (a join resumes the same player,
an answer counts once). While the retained scorer status says offline, a request says
so after `OFFLINE_GRACE_SECONDS` instead of waiting its whole timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import TypeVar

import msgspec

from client.connection import Connection, Follower, Kind, Received, connect
from client.counts import Folded
from client.errors import NoReplyError, QuizError, RefusedError
from client.outbox import PendingAnswer
from protocol import auth, topics, views
from protocol.address import BrokerAddress, Brokers
from protocol.messages import (
    Again,
    Answer,
    Control,
    Counts,
    CreateQuiz,
    DeckEntry,
    Join,
    Leaderboard,
    Level,
    PlayerStatus,
    QuestionKind,
    QuestionView,
    Reply,
    ScorerStatus,
    State,
    Words,
)

log = logging.getLogger(__name__)

# How long a request waits for the scorer's reply before saying it is not there.
REPLY_TIMEOUT_SECONDS = 10.0
# A retained message arrives right after the subscription; this bounds "there is none".
# Retained messages of several topics are all in once none has come for this long.
RETAINED_QUIET_SECONDS = 0.3
RETAINED_TIMEOUT_SECONDS = 2.0
# Once the retained scorer status says offline, a request waits this long more (a scorer
# coming back says online within it), then says the scorer is offline: ~1 s, not 10.
OFFLINE_GRACE_SECONDS = 1.0

# What a user may do when a request's outcome is not known, per request.
JOIN_AGAIN = "run the same command again to see the outcome (it resumes the same player)"
ANSWER_AGAIN = "run the same command again to see the verdict (an answer counts once)"
RESULTS_AGAIN = "run the same command again"
OPEN_AGAIN = "run the same command again (an open question keeps its clock)"
CREATE_AGAIN = ("its code would not reach you then: run `quiz create` again once "
                "`quiz status` says online")

M = TypeVar("M", bound=msgspec.Struct)
T = TypeVar("T")


class QuizClient:
    """Requests and retained views over one connection (clean session, random client id)."""

    def __init__(self, connection: Connection, timeout: float = REPLY_TIMEOUT_SECONDS) -> None:
        self.connection = connection
        self.timeout = timeout
        # The scorer's status as last seen on this connection (None: none seen yet).
        self.scorer: ScorerStatus | None = None
        self._following_scorer = False
        self._offline_seen_at: float | None = None  # loop time the offline status came
        # The waits in progress, each with its deadline: an offline status shortens them.
        self._waits: dict[asyncio.Timeout, float] = {}
        # Every scorer's status, by client id: several scorers may share a broker.
        self._scorers: dict[str, ScorerStatus] = {}
        connection.watch(topics.scorer_status(), ScorerStatus, self._saw_scorer)
        connection.watch(topics.other_scorers_status(), ScorerStatus, self._saw_scorer)

    @property
    def client_id(self) -> str:
        """The MQTT client id, which names this client's reply topics."""
        return self.connection.client_id

    @property
    def broker(self) -> BrokerAddress:
        """The broker this client reached."""
        return self.connection.broker

    @classmethod
    @asynccontextmanager
    async def connect(cls, where: BrokerAddress | Brokers,
                      timeout: float = REPLY_TIMEOUT_SECONDS,
                      client_id: str | None = None) -> AsyncIterator[QuizClient]:
        """Connect to the first broker that answers; or raise BrokerUnreachableError."""
        async with connect(where, timeout=timeout, client_id=client_id) as connection:
            yield cls(connection, timeout)

    # --- the scorer's status, and how long to wait ------------------------------------------

    def _saw_scorer(self, status: msgspec.Struct) -> None:
        if not isinstance(status, ScorerStatus):
            return
        self._scorers[status.scorer or topics.DEFAULT_SCORER] = status
        online = [known for known in self._scorers.values() if known.status != "offline"]
        # What a message should say: a scorer online if any is, else this (offline) one.
        self.scorer = online[0] if online else status
        if online:  # only when every scorer is offline is nobody there to answer
            self._offline_seen_at = None
        elif self._offline_seen_at is None:
            self._offline_seen_at = asyncio.get_running_loop().time()
        for scope, deadline in self._waits.items():
            if not scope.expired():
                scope.reschedule(self._give_up_at(deadline))

    async def follow_scorer(self) -> None:
        """Follow the scorer's retained status on this connection (once)."""
        if not self._following_scorer:
            await self.connection.subscribe(topics.scorer_status())
            await self.connection.subscribe(topics.other_scorers_status())
            self._following_scorer = True

    def _give_up_at(self, deadline: float) -> float:
        if self._offline_seen_at is None:
            return deadline
        return min(deadline, self._offline_seen_at + OFFLINE_GRACE_SECONDS)

    async def outcome(self, follower: Follower, pick: Callable[[Received], Awaitable[T | None]],
                       deadline: float, *, offline_grace: bool = True) -> T | None:
        """Read until `pick` finds the outcome of a request sent; None when it does not come.

        Gives up at `deadline` (loop time), or (`offline_grace`) soon after the scorer is
        seen offline.
        """
        try:
            async with asyncio.timeout_at(
                    self._give_up_at(deadline) if offline_grace else deadline) as scope:
                if offline_grace:
                    self._waits[scope] = deadline
                try:
                    while True:
                        found = await pick(await follower.get())
                        if found is not None:
                            return found
                finally:
                    self._waits.pop(scope, None)
        except TimeoutError:
            return None

    def no_reply(self, again: str) -> NoReplyError:
        """What is true when a request sent got no outcome: it may still be applied."""
        status = self.scorer
        if status is not None and status.status == "offline":
            since = (f" (since {time.strftime('%H:%M:%S', time.localtime(status.since))})"
                     if status.since > 0 else "")
            return NoReplyError(
                f"the scorer is offline{since} on {self.broker}: the request was sent and "
                f"will be handled when the scorer returns (`quiz serve`); {again}")
        if status is None:
            return NoReplyError(
                f"no scorer is running on {self.broker} (start it with `quiz serve` or "
                f"`make run`); the request was sent: {again}")
        hint = "" if self.broker.username else (
            " (on Mosquitto, creating and controlling quizzes needs a host account: "
            "--broker mqtt://USER:PASSWORD@HOST:PORT)")
        return NoReplyError(f"the scorer did not reply within {self.timeout:.0f}s{hint}; "
                            f"the request may still be applied: {again}")

    # --- requests --------------------------------------------------------------------------

    @contextmanager
    def awaiting(self, req: str, kinds: dict[str, Kind] | None = None,
                  ) -> Iterator[tuple[Follower, str]]:
        """A follower of `kinds` that also gets the replies to request `req`."""
        with self.connection.follow(kinds) as follower:
            yield follower, self.connection.expect_reply(follower, req, Reply)

    async def request(self, topic: str, message: CreateQuiz | Join | Control | Answer,
                      again: str) -> Reply:
        """Publish a request and wait for its reply; raise RefusedError or NoReplyError.

        `again` tells the user what to do when the outcome does not come.
        """
        with self.awaiting(message.req) as (follower, reply_topic):
            await self.follow_scorer()
            await self.connection.subscribe(reply_topic)
            try:
                await self.connection.publish(topic, message)
                deadline = asyncio.get_running_loop().time() + self.timeout
                reply = await self.outcome(follower, _reply, deadline)
                if reply is not None and reply.ok and reply.parts > 1:
                    reply = await self._rest_of(follower, reply)
            finally:
                await self.connection.unsubscribe(reply_topic)
        if reply is None:
            raise self.no_reply(again)
        if not reply.ok:
            raise RefusedError(reply.error or "refused", reply.reason)
        return reply

    async def _rest_of(self, follower: Follower, first: Reply) -> Reply | None:
        """Gather a results reply sent in parts into one (None if a part never came)."""
        parts = {first.part: first}
        while len(parts) < first.parts:
            deadline = asyncio.get_running_loop().time() + self.timeout
            more = await self.outcome(follower, _reply, deadline, offline_grace=False)
            if more is None:
                return None
            parts[more.part] = more
        head = parts[0]
        if head.results is None:
            return head
        answers = [answer for i in range(first.parts)
                   for answer in (parts[i].results or head.results).answers]
        return msgspec.structs.replace(
            head, part=0, parts=1, results=msgspec.structs.replace(head.results, answers=answers))

    async def create(self, *, deck: str, entries: list[DeckEntry] | None, questions: int,
                     seconds: float, speed_bonus: bool, streak: bool, auto: bool,
                     host_key: str, kinds: Sequence[QuestionKind] = ("choice",),
                     calm: bool = False, level: Level = "", until: float = 0.0) -> str:
        """Create a quiz (self-paced until `until`, when given); return its code."""
        request = CreateQuiz(client=self.client_id, req=topics.new_request_id(),
                             host_key=host_key, deck=deck, entries=entries,
                             questions=questions, seconds=seconds,
                             speed_bonus=speed_bonus, streak=streak, auto=auto,
                             kinds=list(kinds), calm=calm, level=level, until=until)
        return await self._create(request)

    async def create_again(self, code: str, old_host_key: str, host_key: str, *,
                           shuffle: bool = False, until: float = 0.0) -> str:
        """Create a quiz of quiz `code`'s questions and settings (its host's key proves it)."""
        again = Again(quiz=code, sig=auth.sign_again(old_host_key, code, host_key))
        request = CreateQuiz(client=self.client_id, req=topics.new_request_id(),
                             host_key=host_key, deck=f"quiz {code}", again=again,
                             shuffle=shuffle, until=until)
        return await self._create(request)

    async def _create(self, request: CreateQuiz) -> str:
        reply = await self.request(topics.create(), request, CREATE_AGAIN)
        if reply.quiz is None:
            raise QuizError("the scorer's reply to the creation names no quiz")
        return reply.quiz

    async def join(self, code: str, name: str, secret: str) -> Reply:
        """Join (or resume) as `name`; the reply names the player id."""
        request = Join(client=self.client_id, req=topics.new_request_id(), name=name,
                       secret=secret)
        return await self.request(topics.join(code), request, JOIN_AGAIN)

    async def control(self, code: str, host_key: str, action: str, at: int = -1,
                      player: str = "") -> Reply:
        """Send a signed host command."""
        request = Control(client=self.client_id, req=topics.new_request_id(),
                          action=action,  # type: ignore[arg-type]
                          at=at, player=player,
                          sig=auth.sign_control(host_key, code, action, at, player))
        again = (RESULTS_AGAIN if action == "results" else
                 f"check with `quiz watch {code}` before sending it again")
        return await self.request(topics.control(code), request, again)

    async def open_question(self, code: str, player: str, secret: str,
                            q: int) -> QuestionView:
        """Open question q of a self-paced quiz for this player; its clock starts then.

        Opening it again returns the same question with the same clock.
        """
        request = Answer(client=self.client_id, req=topics.new_request_id(), q=q, open=True,
                         sig=auth.sign_open(secret, code, player, q))
        reply = await self.request(topics.answer(code, player), request, OPEN_AGAIN)
        if reply.question is None:
            raise QuizError("the scorer's reply names no question; is it a scorer of "
                            "contract revision 8 or later?")
        return reply.question

    async def answer(self, code: str, player: str, secret: str, q: int,
                     given: int | str) -> PlayerStatus:
        """Answer question q once; return the player's status once this answer is scored.

        A second answer to a question is refused (RefusedError); `client.answers.answer` is what
        `quiz answer` uses, which keeps the answer and treats a retry as one.
        """
        status_topic = topics.player(code, player)
        request = PendingAnswer.sign(secret, code, player, q, given).request(self.client_id)
        with self.awaiting(request.req, {status_topic: PlayerStatus}) as (follower, reply_topic):
            await self.connection.subscribe(status_topic)
            before = await self._first(follower, PlayerStatus, status_topic,
                                       RETAINED_TIMEOUT_SECONDS)
            answered_before = before.answered if before else 0
            await self.follow_scorer()
            await self.connection.subscribe(reply_topic)
            await self.connection.publish(topics.answer(code, player), request)

            async def scored(got: Received) -> PlayerStatus | None:
                message = got.message
                if isinstance(message, Reply) and not message.ok:
                    raise RefusedError(message.error or "refused", message.reason)
                if isinstance(message, PlayerStatus) and message.answered > answered_before \
                        and message.last and message.last.q == q:
                    return message
                return None

            deadline = asyncio.get_running_loop().time() + self.timeout
            status = await self.outcome(follower, scored, deadline)
        if status is None:
            raise self.no_reply(ANSWER_AGAIN)
        return status

    # --- retained views --------------------------------------------------------------------

    async def retained(self, kind: type[M], topic: str,
                       timeout: float = RETAINED_TIMEOUT_SECONDS) -> M | None:
        """The retained message on topic, or None when there is none."""
        with self.connection.follow({topic: kind}) as follower:
            await self.connection.subscribe(topic)
            try:
                return await self._first(follower, kind, topic, timeout)
            finally:
                await self.connection.unsubscribe(topic)

    async def all_retained(self, kinds: Mapping[str, type[msgspec.Struct]],
                           timeout: float = RETAINED_TIMEOUT_SECONDS,
                           ) -> list[tuple[str, msgspec.Struct]]:
        """Every retained message on these topic filters, as (topic, message).

        Retained messages come right after the subscription; this collects until none has
        come for RETAINED_QUIET_SECONDS, or `timeout` has passed.
        """
        found: list[tuple[str, msgspec.Struct]] = []
        with self.connection.follow(kinds) as follower:
            for topic in kinds:
                await self.connection.subscribe(topic)
            loop = asyncio.get_running_loop()
            ends = loop.time() + timeout
            try:
                while (left := ends - loop.time()) > 0:
                    async with asyncio.timeout(min(left, RETAINED_QUIET_SECONDS)):
                        got = await follower.get()
                    if got.retain:
                        found.append((got.topic, got.message))
            except TimeoutError:
                pass
            finally:
                for topic in kinds:
                    await self.connection.unsubscribe(topic)
        return found

    async def state(self, code: str) -> State:
        """The quiz's current state; raise RefusedError for an unknown quiz."""
        state = await self.retained(State, topics.state(code))
        if state is None:
            raise RefusedError(f"no live quiz with code {code} on {self.broker}", "unknown_quiz")
        return state

    async def words(self, code: str) -> Words:
        """The words of a finished quiz; raise QuizError while it runs (or RefusedError)."""
        words = await self.retained(Words, topics.words(code))
        if words is None:
            state = await self.state(code)
            raise QuizError(f"quiz {code} is not finished ({state.phase}): its words to "
                            f"review come when it finishes")
        return words

    async def updates(self, code: str,
                      ) -> AsyncIterator[State | Leaderboard | Counts | ScorerStatus]:
        """What a display follows (protocol.views), retained first.

        Each state carries the latest live counts (client/counts.py); the counts also come
        on their own as they change, for a reader that prints them as they come.
        """
        kinds = views.display_follows(code)
        folded = Folded()
        with self.connection.follow(kinds) as follower:
            for topic in kinds:
                await self.connection.subscribe(topic)
            while True:
                message = (await follower.get()).message
                if isinstance(message, Counts):
                    folded.merge(message)
                    yield message
                    continue
                for update in folded.fold(message):
                    if isinstance(update, State | Leaderboard | ScorerStatus):
                        yield update

    async def _first(self, follower: Follower, kind: type[M], topic: str,
                     timeout: float) -> M | None:
        async def on_topic(got: Received) -> M | None:
            return got.message if got.topic == topic and isinstance(got.message, kind) else None

        deadline = asyncio.get_running_loop().time() + timeout
        return await self.outcome(follower, on_topic, deadline, offline_grace=False)


async def _reply(got: Received) -> Reply | None:
    return got.message if isinstance(got.message, Reply) else None
