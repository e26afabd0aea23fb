"""A quiz client over MQTT: requests with their replies, and the retained views.

The CLI and the TUI both talk to the scorer through this module. Every request
carries a fresh request id; the scorer answers once on quiz/replies/<req>, which
the client subscribes to before it publishes. Every subscription's SUBACK is checked
(`subscribe`): a refused one is an error naming the topic filter, never a silent wait.

A request that gets no reply says what is true: it was sent and may still be applied,
and whether running the same command again is safe (a join resumes the same player,
an answer counts once). While the retained scorer status says offline, a request says
so after `OFFLINE_GRACE_SECONDS` instead of waiting its whole timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import aiomqtt
import msgspec

from protocol import auth, topics
from protocol.address import BrokerAddress
from protocol.messages import (
    Answer,
    Control,
    CreateQuiz,
    DeckEntry,
    DecodeError,
    Join,
    Leaderboard,
    PlayerStatus,
    Reply,
    ScorerStatus,
    State,
    decode,
    encode,
)
from protocol.retry import Backoff
from scorer.transport import NO_DELAY

log = logging.getLogger(__name__)

# How long a request waits for the scorer's reply before saying it is not there.
REPLY_TIMEOUT_SECONDS = 10.0
# A retained message arrives right after the subscription; this bounds "there is none".
RETAINED_TIMEOUT_SECONDS = 2.0
# Once the retained scorer status says offline, a request waits this long more (a scorer
# coming back says online within it), then says the scorer is offline: ~1 s, not 10.
OFFLINE_GRACE_SECONDS = 1.0
# A SUBACK code at or above this is a refusal (MQTT 3.1.1: 0x80; MQTT 5: reason codes).
SUBACK_FAILURE = 0x80

# What a user may do when a request's outcome is not known, per request.
JOIN_AGAIN = "run the same command again to see the outcome (it resumes the same player)"
ANSWER_AGAIN = "run the same command again to see the verdict (an answer counts once)"
RESULTS_AGAIN = "run the same command again"
CREATE_AGAIN = ("its code would not reach you then: run `quiz create` again once "
                "`quiz status` says online")

M = TypeVar("M", bound=msgspec.Struct)
T = TypeVar("T")


class QuizError(Exception):
    """Root of what can go wrong talking to the quiz; the message is for people."""


class BrokerUnreachableError(QuizError):
    """No MQTT broker answers at the address."""


class NoReplyError(QuizError):
    """The scorer did not reply in time."""


class SubscriptionRefusedError(QuizError):
    """The broker refused a subscription; `code` is its SUBACK answer."""

    def __init__(self, topic_filter: str, code: int, answer: str) -> None:
        super().__init__(f"the broker refused the subscription to {topic_filter} "
                         f"({answer}, SUBACK 0x{code:02X})")
        self.topic_filter = topic_filter
        self.code = code


def check_granted(topic_filter: str, granted: Sequence[object]) -> None:
    """Raise SubscriptionRefusedError unless the broker granted the subscription.

    `granted` is what aiomqtt's `Client.subscribe` returns: paho ReasonCodes or ints.
    """
    if not granted:
        raise SubscriptionRefusedError(topic_filter, SUBACK_FAILURE, "no answer")
    for answer in granted:
        value = getattr(answer, "value", answer)
        code = value if isinstance(value, int) else SUBACK_FAILURE
        if code >= SUBACK_FAILURE:
            text = str(answer) if hasattr(answer, "value") else "failure"
            raise SubscriptionRefusedError(topic_filter, code, text)


async def subscribe(client: aiomqtt.Client, topic_filter: str, qos: int = 1) -> None:
    """Subscribe and check the SUBACK: a refusal raises SubscriptionRefusedError."""
    check_granted(topic_filter, await client.subscribe(topic_filter, qos=qos))


class RefusedError(QuizError):
    """The scorer refused the request; `reason` is machine-readable."""

    def __init__(self, message: str, reason: str | None) -> None:
        super().__init__(message)
        self.reason = reason


class QuizClient:
    """One MQTT connection of a quiz client (clean session, random client id)."""

    def __init__(self, client: aiomqtt.Client, client_id: str, broker: BrokerAddress,
                 timeout: float = REPLY_TIMEOUT_SECONDS) -> None:
        self.client = client
        self.client_id = client_id
        self.broker = broker
        self.timeout = timeout
        # The scorer's status as last seen on this connection (None: none seen yet).
        self.scorer: ScorerStatus | None = None
        self._following_scorer = False
        self._offline_seen_at: float | None = None  # loop time the offline status came

    @classmethod
    @asynccontextmanager
    async def connect(cls, broker: BrokerAddress, timeout: float = REPLY_TIMEOUT_SECONDS,
                      client_id: str | None = None) -> AsyncIterator[QuizClient]:
        """Connect, under `client_id` or a fresh one; or raise BrokerUnreachableError."""
        client_id = client_id or topics.new_client_id()
        client = aiomqtt.Client(broker.host, broker.port, username=broker.username,
                                password=broker.password, timeout=timeout,
                                identifier=client_id, socket_options=[NO_DELAY])
        try:
            await client.__aenter__()
        except aiomqtt.MqttError as exc:
            if "authori" in str(exc).lower():
                raise BrokerUnreachableError(
                    f"the broker at {broker} refused the login ({exc}): check the user and "
                    "password in --broker (or QUIZ_BROKER)") from None
            raise BrokerUnreachableError(
                f"cannot reach the MQTT broker at {broker} ({exc}); "
                "is `quiz serve` running? (set --broker or QUIZ_BROKER)") from None
        try:
            yield cls(client, client_id, broker, timeout)
        finally:
            try:
                await client.__aexit__(None, None, None)
            except aiomqtt.MqttError:
                log.debug("disconnect from %s failed", broker)

    # --- reading -------------------------------------------------------------------------

    async def _receive(self) -> aiomqtt.Message:
        """The next message; a scorer status passing by is remembered on the way."""
        message = await anext(self.client.messages)
        if str(message.topic) == topics.scorer_status():
            status = _decode(ScorerStatus, message.payload)
            if status is not None:
                self.scorer = status
                offline = status.status == "offline"
                if not offline:
                    self._offline_seen_at = None
                elif self._offline_seen_at is None:
                    self._offline_seen_at = asyncio.get_running_loop().time()
        return message

    async def follow_scorer(self) -> None:
        """Follow the scorer's retained status on this connection (once)."""
        if not self._following_scorer:
            await subscribe(self.client, topics.scorer_status())
            self._following_scorer = True

    def _give_up_at(self, deadline: float) -> float:
        if self._offline_seen_at is None:
            return deadline
        return min(deadline, self._offline_seen_at + OFFLINE_GRACE_SECONDS)

    async def _outcome(self, pick: Callable[[aiomqtt.Message], Awaitable[T | None]],
                       deadline: float) -> T | None:
        """Read until `pick` finds the outcome of a request sent; None when it does not come.

        Gives up at `deadline` (loop time), or soon after the scorer is seen offline.
        """
        try:
            async with asyncio.timeout_at(self._give_up_at(deadline)) as scope:
                while True:
                    message = await self._receive()
                    found = await pick(message)
                    if found is not None:
                        return found
                    scope.reschedule(self._give_up_at(deadline))
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

    async def request(self, topic: str, message: CreateQuiz | Join | Control,
                      again: str) -> Reply:
        """Publish a request and wait for its reply; raise RefusedError or NoReplyError.

        `again` tells the user what to do when the outcome does not come.
        """
        reply_topic = topics.reply(self.client_id, message.req)
        await self.follow_scorer()
        await subscribe(self.client, reply_topic)
        await self.client.publish(topic, encode(message), qos=1)
        deadline = asyncio.get_running_loop().time() + self.timeout
        try:
            reply = await self._outcome(_reply_on(reply_topic), deadline)
            if reply is not None and reply.ok and reply.parts > 1:
                reply = await self._rest_of(reply, reply_topic)
        finally:
            await self.client.unsubscribe(reply_topic)
        if reply is None:
            raise self.no_reply(again)
        if not reply.ok:
            raise RefusedError(reply.error or "refused", reply.reason)
        return reply

    async def _rest_of(self, first: Reply, reply_topic: str) -> Reply | None:
        """Gather a results reply sent in parts into one (None if a part never came)."""
        parts = {first.part: first}
        while len(parts) < first.parts:
            more = await self._first(Reply, reply_topic, self.timeout)
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
                     host_key: str) -> str:
        """Create a quiz; return its code."""
        request = CreateQuiz(client=self.client_id, req=topics.new_request_id(),
                             host_key=host_key, deck=deck, entries=entries,
                             questions=questions, seconds=seconds,
                             speed_bonus=speed_bonus, streak=streak, auto=auto)
        reply = await self.request(topics.create(), request, CREATE_AGAIN)
        assert reply.quiz is not None  # noqa: S101 - the scorer always names the quiz created
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

    async def answer(self, code: str, player: str, secret: str, q: int,
                     choice: int) -> PlayerStatus:
        """Answer question q once; return the player's status once this answer is scored.

        A second answer to a question is refused (RefusedError); `answer()` below is what
        `quiz answer` uses, which keeps the answer and treats a retry as one.
        """
        status_topic = topics.player(code, player)
        await subscribe(self.client, status_topic)
        before = await self._first(PlayerStatus, status_topic, RETAINED_TIMEOUT_SECONDS)
        answered_before = before.answered if before else 0
        request = Answer(client=self.client_id, req=topics.new_request_id(), q=q, choice=choice,
                         sig=auth.sign_answer(secret, code, player, q, choice))
        reply_topic = topics.reply(self.client_id, request.req)
        await self.follow_scorer()
        await subscribe(self.client, reply_topic)
        await self.client.publish(topics.answer(code, player), encode(request), qos=1)

        async def scored(message: aiomqtt.Message) -> PlayerStatus | None:
            if str(message.topic) == reply_topic:
                reply = _decode(Reply, message.payload)
                if reply is not None and not reply.ok:
                    raise RefusedError(reply.error or "refused", reply.reason)
            elif str(message.topic) == status_topic:
                status = _decode(PlayerStatus, message.payload)
                if status and status.answered > answered_before and status.last \
                        and status.last.q == q:
                    return status
            return None

        status = await self._outcome(scored, asyncio.get_running_loop().time() + self.timeout)
        if status is None:
            raise self.no_reply(ANSWER_AGAIN)
        return status

    async def send_answer(self, code: str, player: str, request: Answer,
                          deadline: float) -> Verdict:
        """Send a signed answer and wait until its verdict shows in the player's status.

        Sent again, unchanged, whenever a scorer comes online meanwhile (one that came
        back may have missed it; the scorer counts one answer per question). Raises
        RefusedError, NoReplyError, or aiomqtt.MqttError when the connection drops.
        """
        status_topic = topics.player(code, player)
        reply_topic = topics.reply(self.client_id, request.req)
        answer_topic, payload = topics.answer(code, player), encode(request)
        await self.follow_scorer()
        await subscribe(self.client, status_topic)
        await subscribe(self.client, reply_topic)
        await self.client.publish(answer_topic, payload, qos=1)
        # The scorer's `since` as last seen here: a new online one means it (re)started
        # after the broker took the answer, perhaps with nobody subscribed to score it.
        seen_since = self.scorer.since if self.scorer else None

        async def verdict(message: aiomqtt.Message) -> Verdict | None:
            nonlocal seen_since
            topic = str(message.topic)
            if topic == status_topic:
                status = _decode(PlayerStatus, message.payload)
                if status is not None and status.last is not None and status.last.q == request.q:
                    return Verdict(status, already=False)
            elif topic == reply_topic:
                reply = _decode(Reply, message.payload)
                if reply is not None and not reply.ok:
                    if reply.reason == "already_answered":
                        return await self._recorded(status_topic, request.q, reply)
                    raise RefusedError(reply.error or "refused", reply.reason)
            elif topic == topics.scorer_status() and self.scorer is not None:
                if self.scorer.status == "online" and seen_since is not None \
                        and self.scorer.since != seen_since:
                    await self.client.publish(answer_topic, payload, qos=1)
                seen_since = self.scorer.since
            return None

        found = await self._outcome(verdict, deadline)
        if found is None:
            raise self.no_reply(ANSWER_AGAIN)
        return found

    async def _recorded(self, status_topic: str, q: int, refusal: Reply) -> Verdict:
        """The verdict already recorded for question q, or the refusal as an error."""
        async def recorded(message: aiomqtt.Message) -> PlayerStatus | None:
            status = (_decode(PlayerStatus, message.payload)
                      if str(message.topic) == status_topic else None)
            return status if status and status.last and status.last.q == q else None

        await subscribe(self.client, status_topic)  # again: the broker resends the retained one
        deadline = asyncio.get_running_loop().time() + RETAINED_TIMEOUT_SECONDS
        status = await self._outcome(recorded, deadline)
        if status is None:
            raise RefusedError(refusal.error or "refused", refusal.reason)
        return Verdict(status, already=True)

    # --- retained views --------------------------------------------------------------------

    async def retained(self, kind: type[M], topic: str,
                       timeout: float = RETAINED_TIMEOUT_SECONDS) -> M | None:
        """The retained message on topic, or None when there is none."""
        await subscribe(self.client, topic)
        try:
            return await self._first(kind, topic, timeout)
        finally:
            await self.client.unsubscribe(topic)

    async def state(self, code: str) -> State:
        """The quiz's current state; raise RefusedError for an unknown quiz."""
        state = await self.retained(State, topics.state(code))
        if state is None:
            raise RefusedError(f"no quiz with code {code} on {self.broker}", "unknown_quiz")
        return state

    async def updates(self, code: str) -> AsyncIterator[State | Leaderboard | ScorerStatus]:
        """Every state, leaderboard and scorer status of a quiz, retained ones first."""
        kinds: dict[str, type[State] | type[Leaderboard] | type[ScorerStatus]] = {
            topics.state(code): State, topics.leaderboard(code): Leaderboard,
            topics.scorer_status(): ScorerStatus,
        }
        for topic in kinds:
            await subscribe(self.client, topic)
        while True:
            message = await self._receive()
            kind = kinds.get(str(message.topic))
            if kind is not None:
                decoded = _decode(kind, message.payload)
                if decoded is not None:
                    yield decoded

    async def _first(self, kind: type[M], topic: str, timeout: float) -> M | None:
        try:
            async with asyncio.timeout(timeout):
                while True:
                    message = await self._receive()
                    if str(message.topic) == topic:
                        decoded = _decode(kind, message.payload)
                        if decoded is not None:
                            return decoded
        except TimeoutError:
            return None


def _reply_on(reply_topic: str) -> Callable[[aiomqtt.Message], Awaitable[Reply | None]]:
    async def pick(message: aiomqtt.Message) -> Reply | None:
        return _decode(Reply, message.payload) if str(message.topic) == reply_topic else None
    return pick


@dataclass(frozen=True)
class Verdict:
    """How an answer was scored; `already`: recorded before this command's answer counted."""

    status: PlayerStatus
    already: bool


async def answer(broker: BrokerAddress, code: str, player: str, secret: str, choice: int,
                 timeout: float = REPLY_TIMEOUT_SECONDS) -> Verdict:
    """Answer the open question (0-based choice) and return its verdict.

    A question this player already answered returns the verdict recorded then. The answer
    is kept until its verdict shows in the player's retained status (or a reply refuses
    it) and goes out again, the same signed answer with the same request id, after any
    reconnect within `timeout`: the broker may have lost it, and a copy changes nothing.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    client_id = topics.new_client_id()  # kept across reconnects: the reply topic stays
    async with QuizClient.connect(broker, timeout, client_id) as client:
        state = await client.state(code)
        question = state.question
        if question is None or state.phase not in ("question", "reveal"):
            raise QuizError(f"no question is open in quiz {code} ({state.phase})")
        before = await client.retained(PlayerStatus, topics.player(code, player))
        if before is not None and before.last is not None and before.last.q == question.index:
            return Verdict(before, already=True)  # a retry: the first one counted
        if state.phase != "question":
            raise QuizError(f"no question is open in quiz {code} ({state.phase})")
        request = Answer(client=client_id, req=topics.new_request_id(), q=question.index,
                         choice=choice,
                         sig=auth.sign_answer(secret, code, player, question.index, choice))
        try:
            return await client.send_answer(code, player, request, deadline)
        except aiomqtt.MqttError as exc:
            lost: Exception = exc
    retry = Backoff()
    while (left := deadline - loop.time()) > 0:
        await asyncio.sleep(min(retry.next(), left))
        left = deadline - loop.time()
        if left <= 0:
            break
        try:
            async with QuizClient.connect(broker, left, client_id) as client:
                log.info("reconnected to %s: sending the answer again", broker)
                return await client.send_answer(code, player, request, deadline)
        except (aiomqtt.MqttError, BrokerUnreachableError) as exc:
            lost = exc
    raise NoReplyError(f"lost the connection to {broker} before the verdict ({lost}); the "
                       f"answer was sent and may still be scored: {ANSWER_AGAIN}")


@dataclass(frozen=True)
class Disconnected:
    """The connection dropped; the next attempt comes after `retry_in` seconds."""

    reason: str
    retry_in: float


async def follow(broker: BrokerAddress, code: str, timeout: float = REPLY_TIMEOUT_SECONDS,
                 ) -> AsyncIterator[State | Leaderboard | ScorerStatus | Disconnected]:
    """A quiz's updates forever, reconnecting with backoff when the broker goes away.

    The first connection must succeed and the quiz must exist (QuizError otherwise).
    """
    retry = Backoff()
    first = True
    while True:
        reason = "the broker closed the connection"
        try:
            async with QuizClient.connect(broker, timeout) as client:
                if first:
                    await client.state(code)  # an unknown code fails here, clearly
                    first = False
                retry.reset()
                async for update in client.updates(code):
                    yield update
        except (aiomqtt.MqttError, BrokerUnreachableError) as exc:
            if first:
                raise
            reason = str(exc)
        delay = retry.next()
        yield Disconnected(reason, delay)
        await asyncio.sleep(delay)


def _decode(kind: type[M], payload: object) -> M | None:
    if not isinstance(payload, bytes | bytearray):
        return None
    try:
        return decode(kind, bytes(payload))
    except DecodeError as exc:
        log.warning("ignored a malformed %s: %s", kind.__name__, exc)
        return None
