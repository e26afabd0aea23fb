"""One long-lived MQTT connection for a screen: the quiz's live views in, requests out.

`QuizClient` waits for one reply at a time by reading the connection's messages; a
screen instead reads every message in one loop (`Live.events`) and sends answers and
host commands without waiting for their outcome, which comes back through the same
loop (a `PlayerStatus` for an answer, a `Reply` for a command or a refusal).

Topics come from `protocol.topics`, payloads from `protocol.messages`, signatures from
`protocol.auth`. The loop reconnects with a bounded backoff and says so, so a screen
can show that it is reconnecting. An answer is kept until its verdict arrives: given
while the connection is down, it goes out as soon as it is back, and one not judged yet
goes out again on every reconnect and whenever a scorer comes online (a new `since` on
its status): a broker may have taken it while nobody was subscribed to score it. The
scorer counts a player's answer to a question once, so a copy changes nothing; it judges
an answer by its arrival, like any other. A host command is not kept: the host sees it
fail and presses again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

import aiomqtt
import msgspec

from cli.credentials import PlayerCredentials
from cli.remote import QuizError, SubscriptionRefusedError, subscribe
from protocol import auth, topics, views
from protocol.address import BrokerAddress
from protocol.messages import (
    Action,
    Answer,
    Control,
    Counts,
    DecodeError,
    Leaderboard,
    PlayerStatus,
    Reply,
    ScorerStatus,
    State,
    decode,
    encode,
)
from protocol.retry import CLIENT_MAX_SECONDS, CLIENT_MIN_SECONDS, Backoff
from protocol.views import UpdateKind
from tui.clock import ScorerClock

log = logging.getLogger(__name__)

# A silent broker is noticed after about 1.5 keepalives (paho's rule).
KEEPALIVE_SECONDS = 5
# Connecting and publishing give up after this long, then the loop retries.
CONNECT_TIMEOUT_SECONDS = 5.0

Update = State | Leaderboard | PlayerStatus | Reply | ScorerStatus


@dataclass(frozen=True, slots=True)
class Connected:
    """The connection is up and subscribed; the retained views follow."""

    broker: str


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The connection failed or dropped; the next attempt comes in `retry_in` seconds."""

    broker: str
    reason: str
    retry_in: float
    attempt: int


Event = Connected | Disconnected | Update


class OfflineError(QuizError):
    """A request could not be sent: the broker is not connected right now."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An answer handed to `Live`: sent now, or kept until the connection is back."""

    req: str
    queued: bool


@dataclass(frozen=True, slots=True)
class PendingAnswer:
    """A signed answer whose verdict has not arrived; its request id survives resends."""

    req: str
    q: int
    choice: int
    sig: str


def subscriptions(code: str, client_id: str, player: str | None = None, *,
                  host: bool = False) -> dict[str, UpdateKind]:
    """The topics a screen follows, each with the message it carries (protocol.views)."""
    if player is not None:
        return views.player_follows(code, client_id, player)
    if host:
        return views.host_follows(code, client_id)
    return views.display_follows(code)


def with_counts(state: State, counts: Counts | None) -> State:
    """The state with the live counts, when they count the same question (else as it is).

    The scorer publishes the state when the phase changes and the counts on their own,
    more often; a screen shows one state with both.
    """
    if counts is None or counts.quiz != state.quiz or counts.updated_at < state.updated_at:
        return state
    question = state.question.index if state.question is not None else -1
    if counts.q != question or state.phase == "finished":
        return state
    return msgspec.structs.replace(state, players=counts.players, answered=counts.answered)


def decode_update(kinds: dict[str, UpdateKind], topic: str,
                  payload: object) -> Update | Counts | None:
    """The message on `topic`, or None for a topic not followed or a payload that is broken."""
    kind = kinds.get(topic)
    if kind is None or not isinstance(payload, bytes | bytearray):
        return None
    try:
        update: Update | Counts = decode(kind, bytes(payload))
    except DecodeError as exc:
        log.warning("ignored a malformed %s on %s: %s", kind.__name__, topic, exc)
        return None
    return update


class Live:
    """The live feed of one quiz, and the requests a screen sends while following it."""

    def __init__(self, broker: BrokerAddress, code: str, *,
                 player: PlayerCredentials | None = None, host_key: str | None = None,
                 retry_min: float = CLIENT_MIN_SECONDS,
                 retry_max: float = CLIENT_MAX_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.broker = broker
        self.code = code
        self.player = player
        self.host_key = host_key
        self.retry_min = retry_min
        self.retry_max = retry_max
        # The scorer's time, for countdowns: corrected by the stamps of fresh views.
        self.scorer_time = ScorerClock(clock)
        self._client: aiomqtt.Client | None = None
        self._client_id = ""
        # Topics of this connection: the followed views, and the reply of each request sent.
        self._kinds: dict[str, UpdateKind] = {}
        # Answers without a verdict yet, by question: sent again on (re)connect and when a
        # scorer comes online.
        self._outbox: dict[int, PendingAnswer] = {}
        # When the scorer seen online last came online (its status's `since`).
        self._scorer_since: float | None = None
        # The last state and live counts seen: screens get one State with both.
        self._state: State | None = None
        self._counts: Counts | None = None

    async def events(self) -> AsyncGenerator[Event, None]:
        """Every update of the quiz, with Connected/Disconnected around each connection.

        Runs until cancelled: a lost connection is retried with backoff.
        """
        retry = Backoff(self.retry_min, self.retry_max)
        while True:
            client_id = topics.new_client_id()
            kinds = subscriptions(self.code, client_id,
                                  self.player.player if self.player else None,
                                  host=self.host_key is not None)
            self._kinds = kinds
            reason = "the broker closed the connection"
            try:
                async with aiomqtt.Client(
                        self.broker.host, self.broker.port, username=self.broker.username,
                        password=self.broker.password, identifier=client_id,
                        keepalive=KEEPALIVE_SECONDS, timeout=CONNECT_TIMEOUT_SECONDS) as client:
                    for topic in kinds:
                        await subscribe(client, topic)  # a refused SUBACK fails this attempt
                    self._client, self._client_id = client, client_id
                    yield Connected(str(self.broker))
                    await self._send_kept(client, client_id)
                    retry.reset()  # subscribed, and what was kept went out
                    async for message in client.messages:
                        topic = str(message.topic)
                        decoded = decode_update(kinds, topic, message.payload)
                        update = self._merge(decoded)
                        if update is None:
                            continue
                        if isinstance(update, State | Leaderboard) and not message.retain:
                            self.scorer_time.saw(update.updated_at)
                        if isinstance(update, Reply):
                            kinds.pop(topic, None)  # one reply per request
                        self._settle(update)
                        if isinstance(update, ScorerStatus):
                            await self._scorer_seen(update, client, client_id)
                        yield update
            except (aiomqtt.MqttError, OSError, OfflineError, SubscriptionRefusedError) as exc:
                reason = str(exc) or type(exc).__name__
            finally:
                self._client = None
            delay = retry.next()
            log.info("connection to %s lost (%s); retrying in %.1fs", self.broker, reason, delay)
            yield Disconnected(str(self.broker), reason, delay, retry.attempt)
            await asyncio.sleep(delay)

    def _merge(self, update: Update | Counts | None) -> Update | None:
        """Fold live counts into the state a screen sees (None: nothing new to show)."""
        if isinstance(update, State):
            self._state = update
            return with_counts(update, self._counts)
        if isinstance(update, Counts):
            self._counts = update
            return None if self._state is None else with_counts(self._state, update)
        return update

    async def answer(self, q: int, choice: int) -> Outgoing:
        """Send the player's answer to question q (0-based choice), or keep it until later.

        Kept until its verdict comes (as an event): sent now or as soon as the connection
        is back, and again on each reconnect and when a scorer comes online.
        """
        if self.player is None:
            raise QuizError("only a player answers")
        me = self.player
        pending = PendingAnswer(req=topics.new_request_id(), q=q, choice=choice,
                                sig=auth.sign_answer(me.secret, self.code, me.player, q, choice))
        self._outbox[q] = pending
        if self._client is None:
            return Outgoing(pending.req, queued=True)
        try:
            await self._send_answer(self._client, self._client_id, pending)
        except OfflineError:
            return Outgoing(pending.req, queued=True)  # the next connection sends it
        return Outgoing(pending.req, queued=False)

    @property
    def kept(self) -> int:
        """How many answers wait for their verdict (and are sent again until it comes)."""
        return len(self._outbox)

    def is_kept(self, q: int) -> bool:
        """Whether the answer to question q still waits for its verdict."""
        return q in self._outbox

    def _settle(self, update: Update) -> None:
        """Forget the answers this update judges: refused by a reply, or scored."""
        if isinstance(update, Reply):
            for q, pending in list(self._outbox.items()):
                if pending.req == update.req:
                    del self._outbox[q]
        elif (isinstance(update, PlayerStatus) and update.last is not None
              and self.player is not None and update.player == self.player.player):
            # One answer per question: a status that scored question n (from this or
            # another device) settles every answer up to n, all closed by now.
            for q in [q for q in self._outbox if q <= update.last.q]:
                del self._outbox[q]

    async def _scorer_seen(self, status: ScorerStatus, client: aiomqtt.Client,
                           client_id: str) -> None:
        # A scorer that came online since the last one seen (restarted, reconnected, or
        # on a fresh broker) may have missed what the broker took before it subscribed:
        # send what is still unjudged once more.
        if status.status != "online" or status.since == self._scorer_since:
            return
        self._scorer_since = status.since
        await self._send_kept(client, client_id)

    async def _send_kept(self, client: aiomqtt.Client, client_id: str) -> None:
        # Sending again one the scorer already took is harmless: it counts a player's
        # answer to a question once and refuses the copy as already answered.
        for pending in list(self._outbox.values()):
            await self._send_answer(client, client_id, pending)

    async def _send_answer(self, client: aiomqtt.Client, client_id: str,
                           pending: PendingAnswer) -> None:
        if self.player is None:
            raise QuizError("only a player answers")
        request = Answer(client=client_id, req=pending.req, q=pending.q,
                         choice=pending.choice, sig=pending.sig)
        await self._publish(client, topics.answer(self.code, self.player.player), request)

    async def control(self, action: Action, at: int = -1, player: str = "") -> str:
        """Send a signed host command; return the request id (its Reply comes as an event)."""
        if self.host_key is None:
            raise QuizError("only the host sends commands")
        client, client_id = self._session()
        request = Control(client=client_id, req=topics.new_request_id(), action=action,
                          at=at, player=player,
                          sig=auth.sign_control(self.host_key, self.code, action, at, player))
        await self._publish(client, topics.control(self.code), request)
        return request.req

    def _session(self) -> tuple[aiomqtt.Client, str]:
        if self._client is None:
            raise OfflineError(f"not connected to {self.broker}: nothing was sent")
        return self._client, self._client_id

    async def _publish(self, client: aiomqtt.Client, topic: str,
                       request: Answer | Control) -> None:
        # The reply topic is under replies_of(client), subscribed at connect; naming it
        # here lets the loop decode the one reply this request gets.
        self._kinds[topics.reply(request.client, request.req)] = Reply
        try:
            await client.publish(topic, encode(request), qos=1,
                                 timeout=CONNECT_TIMEOUT_SECONDS)
        except aiomqtt.MqttError as exc:
            raise OfflineError(f"could not send to {self.broker}: {exc}") from None
