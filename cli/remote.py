"""A quiz client over MQTT: requests with their replies, and the retained views.

The CLI and the TUI both talk to the scorer through this module. Every request
carries a fresh request id; the scorer answers once on quiz/replies/<req>, which
the client subscribes to before it publishes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
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

M = TypeVar("M", bound=msgspec.Struct)


class QuizError(Exception):
    """Root of what can go wrong talking to the quiz; the message is for people."""


class BrokerUnreachableError(QuizError):
    """No MQTT broker answers at the address."""


class NoReplyError(QuizError):
    """The scorer did not reply in time."""


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

    @classmethod
    @asynccontextmanager
    async def connect(cls, broker: BrokerAddress,
                      timeout: float = REPLY_TIMEOUT_SECONDS) -> AsyncIterator[QuizClient]:
        """Connect to the broker, or raise BrokerUnreachableError."""
        client_id = topics.new_client_id()
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

    # --- requests --------------------------------------------------------------------------

    async def request(self, topic: str, message: CreateQuiz | Join | Answer | Control) -> Reply:
        """Publish a request and wait for its reply; raise RefusedError or NoReplyError."""
        reply_topic = topics.reply(self.client_id, message.req)
        await self.client.subscribe(reply_topic, qos=1)
        await self.client.publish(topic, encode(message), qos=1)
        try:
            reply = await self._first(Reply, reply_topic, self.timeout)
            if reply is not None and reply.ok and reply.parts > 1:
                reply = await self._rest_of(reply, reply_topic)
        finally:
            await self.client.unsubscribe(reply_topic)
        if reply is None:
            raise NoReplyError(await self._why_no_reply())
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

    async def _why_no_reply(self) -> str:
        status = await self.retained(ScorerStatus, topics.scorer_status())
        if status is None or status.status == "offline":
            return (f"the scorer is not running on {self.broker}: "
                    "start it with `quiz serve` (or `make run`)")
        hint = "" if self.broker.username else (
            " (on Mosquitto, creating and controlling quizzes needs a host account: "
            "--broker mqtt://USER:PASSWORD@HOST:PORT)")
        return f"the scorer did not reply within {self.timeout:.0f}s{hint}"

    async def create(self, *, deck: str, entries: list[DeckEntry] | None, questions: int,
                     seconds: float, speed_bonus: bool, streak: bool, auto: bool,
                     host_key: str) -> str:
        """Create a quiz; return its code."""
        request = CreateQuiz(client=self.client_id, req=topics.new_request_id(),
                             host_key=host_key, deck=deck, entries=entries,
                             questions=questions, seconds=seconds,
                             speed_bonus=speed_bonus, streak=streak, auto=auto)
        reply = await self.request(topics.create(), request)
        assert reply.quiz is not None  # noqa: S101 - the scorer always names the quiz created
        return reply.quiz

    async def join(self, code: str, name: str, secret: str) -> Reply:
        """Join (or resume) as `name`; the reply names the player id."""
        request = Join(client=self.client_id, req=topics.new_request_id(), name=name,
                       secret=secret)
        return await self.request(topics.join(code), request)

    async def control(self, code: str, host_key: str, action: str, at: int = -1,
                      player: str = "") -> Reply:
        """Send a signed host command."""
        request = Control(client=self.client_id, req=topics.new_request_id(),
                          action=action,  # type: ignore[arg-type]
                          at=at, player=player,
                          sig=auth.sign_control(host_key, code, action, at, player))
        return await self.request(topics.control(code), request)

    async def answer(self, code: str, player: str, secret: str, q: int,
                     choice: int) -> PlayerStatus:
        """Answer question q; return the player's status once the answer is scored."""
        status_topic = topics.player(code, player)
        await self.client.subscribe(status_topic, qos=1)
        before = await self._first(PlayerStatus, status_topic, RETAINED_TIMEOUT_SECONDS)
        answered_before = before.answered if before else 0
        request = Answer(client=self.client_id, req=topics.new_request_id(), q=q, choice=choice,
                         sig=auth.sign_answer(secret, code, player, q, choice))
        reply_topic = topics.reply(self.client_id, request.req)
        await self.client.subscribe(reply_topic, qos=1)
        await self.client.publish(topics.answer(code, player), encode(request), qos=1)
        try:
            async with asyncio.timeout(self.timeout):
                async for message in self.client.messages:
                    if str(message.topic) == reply_topic:
                        reply = _decode(Reply, message.payload)
                        if reply is not None and not reply.ok:
                            raise RefusedError(reply.error or "refused", reply.reason)
                    elif str(message.topic) == status_topic:
                        status = _decode(PlayerStatus, message.payload)
                        if status and status.answered > answered_before and status.last \
                                and status.last.q == q:
                            return status
        except TimeoutError:
            pass
        raise NoReplyError(await self._why_no_reply())

    # --- retained views --------------------------------------------------------------------

    async def retained(self, kind: type[M], topic: str,
                       timeout: float = RETAINED_TIMEOUT_SECONDS) -> M | None:
        """The retained message on topic, or None when there is none."""
        await self.client.subscribe(topic, qos=1)
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
            await self.client.subscribe(topic, qos=1)
        async for message in self.client.messages:
            kind = kinds.get(str(message.topic))
            if kind is not None:
                decoded = _decode(kind, message.payload)
                if decoded is not None:
                    yield decoded

    async def _first(self, kind: type[M], topic: str, timeout: float) -> M | None:
        try:
            async with asyncio.timeout(timeout):
                async for message in self.client.messages:
                    if str(message.topic) == topic:
                        decoded = _decode(kind, message.payload)
                        if decoded is not None:
                            return decoded
        except TimeoutError:
            return None
        return None


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
