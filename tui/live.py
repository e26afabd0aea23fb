"""One long-lived MQTT connection for a screen: the quiz's live views in, requests out.

A screen reads every update of its quiz (`Live.events`) from one follower of its
connection (client/connection.py), and sends answers and host commands without waiting
for their outcome, which comes back through the same feed (a `PlayerStatus` for an
answer, a `Reply` for a command or a refusal).

The feed reconnects with the jittered backoff, moving to the next broker of the list
(client/reconnect.py), and says so, so a screen can show that it is reconnecting. An
answer travels at QoS 0 and is kept until its verdict arrives (client/outbox.py): given
while the connection is down, it goes out as soon as it is back, and one not judged yet
goes out again on a timer for as long as its question is open, on every reconnect, and
whenever a scorer comes online. A host command is not kept: the host
sees it fail and presses again. Once the quiz is over, a screen reads its words (the
retained `quiz/<code>/words`) once, on the same connection (`Live.words`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

import aiomqtt

from client.connection import CONNECT_TIMEOUT_SECONDS, Connection, Follower, Received, connect
from client.counts import Folded
from client.credentials import PlayerCredentials
from client.errors import OfflineError, QuizError
from client.outbox import Outbox, PendingAnswer
from client.reconnect import Connected, Disconnected, Reconnect
from protocol import auth, topics, views
from protocol.address import BrokerAddress, Brokers
from protocol.channels import channel
from protocol.messages import (
    Action,
    Answer,
    Control,
    Counts,
    Leaderboard,
    PlayerStatus,
    Reply,
    ScorerStatus,
    State,
    Words,
)
from protocol.retry import CLIENT_MAX_SECONDS, CLIENT_MIN_SECONDS
from protocol.views import UpdateKind
from tui.clock import ScorerClock

log = logging.getLogger(__name__)

# Publishing a request gives up after this long: the screen says it was not sent.
PUBLISH_TIMEOUT_SECONDS = 5.0
# An answer's QoS, as the contract says (0: the verdict is the acknowledgement).
ANSWER_QOS = channel(topics.answer).qos
# The words come with the final state (the same batch of the scorer's): a few seconds is
# plenty, and the screen asks again after a reconnect.
WORDS_TIMEOUT_SECONDS = 5.0

Update = State | Leaderboard | PlayerStatus | Reply | ScorerStatus
Event = Connected | Disconnected | Update


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An answer handed to `Live`: sent now, or kept until the connection is back."""

    req: str
    queued: bool


def subscriptions(code: str, client_id: str, player: str | None = None, *,
                  host: bool = False) -> dict[str, UpdateKind]:
    """The topics a screen follows, each with the message it carries (protocol.views)."""
    if player is not None:
        return views.player_follows(code, client_id, player)
    if host:
        return views.host_follows(code, client_id)
    return views.display_follows(code)


class Live:
    """The live feed of one quiz, and the requests a screen sends while following it."""

    def __init__(self, broker: BrokerAddress | Brokers, code: str, *,
                 player: PlayerCredentials | None = None, host_key: str | None = None,
                 retry_min: float = CLIENT_MIN_SECONDS,
                 retry_max: float = CLIENT_MAX_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.broker = Brokers.of(broker)
        self.code = code
        self.player = player
        self.host_key = host_key
        self.retry_min = retry_min
        self.retry_max = retry_max
        # The scorer's time, for countdowns: corrected by the stamps of fresh views.
        self.scorer_time = ScorerClock(clock)
        self._connection: Connection | None = None
        # Requests sent on the current connection whose reply has not come: one each.
        self._sent: set[str] = set()
        # Answers without a verdict yet: sent again on (re)connect and when a scorer
        # comes online.
        self._outbox = Outbox(player.player if player else "")
        # The quiz's state as last seen: an answer goes out again on its timer only while
        # its question is open (client/outbox.py's `answerable`).
        self._state: State | None = None
        self._rearm = asyncio.Event()  # an answer went out: the feed's timer counts it
        # The last state and live counts seen: screens get one State with both.
        self._folded = Folded()

    async def events(self) -> AsyncGenerator[Event, None]:
        """Every update of the quiz, with Connected/Disconnected around each connection.

        Runs until cancelled: a lost connection is retried with backoff, on the next broker.
        """
        retry = Reconnect(self.broker, low=self.retry_min, high=self.retry_max)
        while True:
            client_id = topics.new_client_id()
            kinds = subscriptions(self.code, client_id,
                                  self.player.player if self.player else None,
                                  host=self.host_key is not None)
            broker = str(retry.current)
            reason = "the broker closed the connection"
            try:
                async with connect(retry.order(), timeout=CONNECT_TIMEOUT_SECONDS,
                                   client_id=client_id) as connection:
                    with connection.follow(kinds) as follower:
                        broker = str(connection.broker)
                        for topic in kinds:
                            await connection.subscribe(topic)  # a refused SUBACK fails this attempt
                        self._connection, self._sent = connection, set()
                        yield Connected(broker)
                        await self._send_kept(connection)
                        retry.connected(connection.broker)  # subscribed, and what was kept went out
                        while True:
                            received = await self._next(connection, follower)
                            for update in self._folded.fold(received.message):
                                if isinstance(update, Update) and self._is_news(update):
                                    yield await self._took(connection, received, update)
            except (aiomqtt.MqttError, OSError, QuizError) as exc:
                reason = str(exc) or type(exc).__name__
            finally:
                self._connection = None
            delay = retry.lost()
            log.info("connection to %s lost (%s); retrying in %.1fs", broker, reason, delay)
            yield Disconnected(broker, reason, delay, retry.attempt)
            await asyncio.sleep(delay)

    async def _next(self, connection: Connection, follower: Follower) -> Received:
        """The next message; meanwhile, send again each answer whose timer runs out.

        An answer sent meanwhile (`answer`) sets `_rearm`: its timer is then counted too.
        """
        loop = asyncio.get_running_loop()
        while True:
            wake = self._outbox.next_due(self._state)
            self._rearm.clear()
            getting = asyncio.ensure_future(follower.get())
            rearmed = asyncio.ensure_future(self._rearm.wait())
            try:
                await asyncio.wait((getting, rearmed), return_when=asyncio.FIRST_COMPLETED,
                                   timeout=None if wake is None else max(0.0, wake - loop.time()))
            finally:
                rearmed.cancel()
                if not getting.done():
                    getting.cancel()  # a message still waiting stays in the queue
            if getting.done() and not getting.cancelled():
                return getting.result()
            for pending in self._outbox.due(loop.time(), self._state):
                log.info("no verdict for question %d yet: sending it again", pending.q + 1)
                await self._send_answer(connection, pending)

    async def _took(self, connection: Connection, received: Received,
                    update: Update) -> Update:
        """Bookkeeping for one update before it is shown: the clock, the outbox, resends."""
        if isinstance(update, State | Leaderboard) and not received.retain:
            self.scorer_time.saw(update.updated_at)
        if isinstance(update, State):
            self._state = update
        if isinstance(update, PlayerStatus | Reply):
            self._outbox.settle(update)
        if isinstance(update, ScorerStatus):
            for pending in self._outbox.scorer_seen(update, retained=received.retain):
                await self._send_answer(connection, pending)
        return update

    def _is_news(self, update: Update) -> bool:
        """Whether to show `update`: a reply only to a request sent here, and only once."""
        if not isinstance(update, Reply):
            return True
        if update.req not in self._sent:
            return False
        self._sent.discard(update.req)
        return True

    async def answer(self, q: int, given: int | str) -> Outgoing:
        """Send the player's answer to question q, or keep it until later.

        `given` is a 0-based choice, or the text typed for a typed question.
        Kept until its verdict comes (as an event): sent now or as soon as the connection
        is back, and again on each reconnect and when a scorer comes online.
        """
        if self.player is None:
            raise QuizError("only a player answers")
        me = self.player
        pending = PendingAnswer.sign(me.secret, self.code, me.player, q, given)
        self._outbox.keep(pending)
        if self._connection is None:
            return Outgoing(pending.req, queued=True)
        try:
            await self._send_answer(self._connection, pending)
        except OfflineError:
            return Outgoing(pending.req, queued=True)  # the next connection sends it
        return Outgoing(pending.req, queued=False)

    async def open_question(self, q: int) -> str:
        """A self-paced quiz: ask for the player's question q; return the request id.

        The reply (an event) carries the question with the player's own clock; asking again
        (a reload, a reconnect) gives the same clock. Not kept: the screen asks again when
        the connection comes back without the reply. OfflineError while disconnected.
        """
        if self.player is None:
            raise QuizError("only a player opens a question")
        me = self.player
        connection = self._session()
        request = Answer(client=connection.client_id, req=topics.new_request_id(), q=q,
                         open=True, sig=auth.sign_open(me.secret, self.code, me.player, q))
        await self._publish(connection, topics.answer(self.code, me.player), request)
        return request.req

    async def words(self, within: float = WORDS_TIMEOUT_SECONDS) -> Words | None:
        """The finished quiz's words (retained), read once on the live connection.

        None when none came `within` seconds (the quiz is not finished, or its words are
        not published yet); OfflineError while there is no connection.
        """
        connection = self._session()
        topic = topics.words(self.code)
        try:
            with connection.follow({topic: Words}) as follower:
                await connection.subscribe(topic)
                try:
                    async with asyncio.timeout(within):
                        while True:
                            got = await follower.get()
                            if isinstance(got.message, Words):
                                return got.message
                except TimeoutError:
                    return None
                finally:
                    await connection.unsubscribe(topic)
        except aiomqtt.MqttError as exc:
            raise OfflineError(f"could not read the words from {connection.broker}: {exc}") \
                from None

    @property
    def counts(self) -> Counts | None:
        """The latest live counts seen (a self-paced quiz's progress: `started`, `done`)."""
        return self._folded.counts

    @property
    def kept(self) -> int:
        """How many answers wait for their verdict (and are sent again until it comes)."""
        return len(self._outbox)

    def is_kept(self, q: int) -> bool:
        """Whether the answer to question q still waits for its verdict."""
        return q in self._outbox

    async def _send_kept(self, connection: Connection) -> None:
        # Sending again one the scorer already took is harmless: it counts a player's
        # answer to a question once and refuses the copy as already answered.
        for pending in self._outbox.pending():
            await self._send_answer(connection, pending)

    async def _send_answer(self, connection: Connection, pending: PendingAnswer) -> None:
        if self.player is None:
            raise QuizError("only a player answers")
        await self._publish(connection, topics.answer(self.code, self.player.player),
                            pending.request(connection.client_id), qos=ANSWER_QOS)
        self._outbox.sent(pending, asyncio.get_running_loop().time())
        self._rearm.set()

    async def control(self, action: Action, at: int = -1, player: str = "") -> str:
        """Send a signed host command; return the request id (its Reply comes as an event)."""
        if self.host_key is None:
            raise QuizError("only the host sends commands")
        connection = self._session()
        request = Control(client=connection.client_id, req=topics.new_request_id(),
                          action=action, at=at, player=player,
                          sig=auth.sign_control(self.host_key, self.code, action, at, player))
        await self._publish(connection, topics.control(self.code), request)
        return request.req

    def _session(self) -> Connection:
        if self._connection is None:
            raise OfflineError(f"not connected to {self.broker}: nothing was sent")
        return self._connection

    async def _publish(self, connection: Connection, topic: str,
                       request: Answer | Control, qos: int = 1) -> None:
        # The reply comes under replies_of(client), subscribed at connect; remembering the
        # request lets the feed show the one reply it gets.
        self._sent.add(request.req)
        try:
            await connection.publish(topic, request, qos=qos, timeout=PUBLISH_TIMEOUT_SECONDS)
        except aiomqtt.MqttError as exc:
            raise OfflineError(f"could not send to {connection.broker}: {exc}") from None
