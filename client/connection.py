"""One MQTT connection of a quiz client: every option in one place, and one reader.

`connect` builds every client connection the same way (TCP_NODELAY, keepalive, timeout,
clean session, a fresh client id from protocol.topics) and tries the brokers it is given
in order. The connection's one reader task decodes each message once (a broken payload
is logged and dropped here, nowhere else) and hands it to each follower whose topic
filter matches (aiomqtt's `Topic.matches`, so wildcards work), and a reply to the
request waiting for it, by request id. When the connection drops, everyone waiting on
it gets the error. Every subscription's SUBACK is checked: a refused one is an error
naming the topic filter, never a silent wait.

The scorer keeps its own link (scorer/transport.py): a persistent session with manual
acknowledgements is another kind of client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import aiomqtt
import msgspec

from client.errors import BrokerUnreachableError, LoginRefusedError, SubscriptionRefusedError
from protocol import topics
from protocol.address import BrokerAddress, Brokers
from protocol.link import NO_DELAY, SUBACK_FAILURE
from protocol.messages import DecodeError, decode, encode
from protocol.views import FOLLOW_QOS

log = logging.getLogger(__name__)
# aiomqtt's paho logs a reset socket at ERROR on its "mqtt" logger, once per lost link; the
# connection reports it to its reader (Disconnected), which says it once. Without a handler
# of its own, Python's last resort printed each on a display's terminal (`quiz watch`);
# a process that configures logging (the scorer) still gets every record.
logging.getLogger("mqtt").addHandler(logging.NullHandler())

# A silent broker is noticed after about 1.5 keepalives (paho's rule): a screen or
# `quiz watch` fails over within ~8 s of a broker that vanished without closing.
KEEPALIVE_SECONDS = 5
# Connecting and subscribing give up after this long unless the caller says otherwise.
CONNECT_TIMEOUT_SECONDS = 10.0

# A message kind (protocol.messages) and a decoded message.
Kind = type[msgspec.Struct]
Message = msgspec.Struct


class Cleared(msgspec.Struct, frozen=True):
    """An empty retained message: the publisher removed what the topic held."""


def mqtt_client(broker: BrokerAddress, client_id: str, *,
                timeout: float = CONNECT_TIMEOUT_SECONDS,
                max_inflight: int | None = None) -> aiomqtt.Client:
    """An aiomqtt client (not connected) with the options every quiz client uses.

    A clean session: a client that reconnects subscribes again and reads the retained
    views; only the scorer keeps a session. `max_inflight` is for the load generator.
    """
    return aiomqtt.Client(broker.host, broker.port, username=broker.username,
                          password=broker.password, identifier=client_id,
                          clean_session=True, keepalive=KEEPALIVE_SECONDS, timeout=timeout,
                          max_inflight_messages=max_inflight, socket_options=[NO_DELAY])


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


def decode_payload(kind: Kind, topic: str, payload: object) -> Message | None:
    """The message of `kind` in `payload`, or None (logged) when it is broken."""
    if not isinstance(payload, bytes | bytearray):
        return None
    try:
        message: Message = decode(kind, bytes(payload))
    except DecodeError as exc:
        log.warning("ignored a malformed %s on %s: %s", kind.__name__, topic, exc)
        return None
    return message


def kind_on(kinds: Mapping[str, Kind], topic: str) -> Kind | None:
    """The message kind `kinds` names for `topic`: by the exact topic, else by a filter."""
    kind = kinds.get(topic)
    if kind is not None:
        return kind
    matching = aiomqtt.Topic(topic)
    return next((kind for topic_filter, kind in kinds.items()
                 if "+" in topic_filter or "#" in topic_filter
                 if matching.matches(topic_filter)), None)


def decode_update(kinds: Mapping[str, Kind], topic: str,
                  payload: object) -> Message | None:
    """The message on `topic`, or None for a topic not followed or a payload that is broken."""
    kind = kind_on(kinds, topic)
    return None if kind is None else decode_payload(kind, topic, payload)


@dataclass(frozen=True, slots=True)
class Received:
    """A decoded message, the topic it came on, and whether the broker kept it (retained)."""

    topic: str
    message: Message
    retain: bool


class Follower:
    """The messages on some topics (and the replies to some requests), as they arrive."""

    def __init__(self, kinds: Mapping[str, Kind], *, cleared: bool = False) -> None:
        self.kinds = dict(kinds)  # topic filter -> message kind; a follower may add more
        self.cleared = cleared  # whether an empty retained message comes as `Cleared`
        self._queue: asyncio.Queue[Received | BaseException] = asyncio.Queue()

    def put(self, item: Received | BaseException) -> None:
        """Hand over a message, or the error that ended the connection (the reader's job)."""
        self._queue.put_nowait(item)

    async def get(self) -> Received:
        """The next message; raise the connection's error once it dropped."""
        item = await self._queue.get()
        if isinstance(item, BaseException):
            self._queue.put_nowait(item)  # whoever asks next learns it too
            raise item
        return item


class Connection:
    """A connected quiz client: its id, the broker it reached, and its one reader."""

    def __init__(self, mqtt: aiomqtt.Client, client_id: str, broker: BrokerAddress) -> None:
        self.mqtt = mqtt
        self.client_id = client_id
        self.broker = broker
        self._followers: list[Follower] = []
        self._watchers: list[tuple[str, Kind, Callable[[Message], None]]] = []
        self._awaited: dict[str, Follower] = {}  # reply topic -> who waits for that reply
        self._lost: BaseException | None = None

    # --- the reader -----------------------------------------------------------------------

    async def read(self) -> None:
        """Hand every message to whoever waits for it, until the connection drops."""
        try:
            async for message in self.mqtt.messages:
                self._dispatch(str(message.topic), message.payload, message.retain)
            self._lost = aiomqtt.MqttError("the broker closed the connection")
        except aiomqtt.MqttError as exc:
            self._lost = exc
        for follower in [*self._followers, *self._awaited.values()]:
            follower.put(self._lost)

    def _dispatch(self, topic: str, payload: object, retain: bool) -> None:
        if payload == b"":  # never a message: a retained one removed
            for follower in list(self._followers):
                if follower.cleared and kind_on(follower.kinds, topic) is not None:
                    follower.put(Received(topic, Cleared(), retain))
            return
        decoded: dict[Kind, Message | None] = {}

        def as_kind(kind: Kind) -> Message | None:
            if kind not in decoded:
                decoded[kind] = decode_payload(kind, topic, payload)
            return decoded[kind]

        for topic_filter, kind, seen in list(self._watchers):
            if aiomqtt.Topic(topic).matches(topic_filter) and (found := as_kind(kind)):
                seen(found)
        waiting = self._awaited.get(topic)
        if waiting is not None:
            reply = as_kind(waiting.kinds[topic])
            if reply is not None:
                waiting.put(Received(topic, reply, retain))
            return
        for follower in list(self._followers):
            followed = kind_on(follower.kinds, topic)
            if followed is not None and (found := as_kind(followed)) is not None:
                follower.put(Received(topic, found, retain))

    # --- following ------------------------------------------------------------------------

    @contextmanager
    def follow(self, kinds: Mapping[str, Kind] | None = None, *,
               cleared: bool = False) -> Iterator[Follower]:
        """A follower of `kinds` (topic filter -> message) for the block; subscribe after.

        Opened before subscribing, it misses nothing the broker sends in answer. With
        `cleared`, an empty retained message on a followed topic comes as `Cleared`.
        """
        follower = Follower(kinds or {}, cleared=cleared)
        if self._lost is not None:
            follower.put(self._lost)
        self._followers.append(follower)
        try:
            yield follower
        finally:
            self._followers.remove(follower)
            for topic in [t for t, f in self._awaited.items() if f is follower]:
                del self._awaited[topic]

    def expect_reply(self, follower: Follower, req: str, kind: Kind) -> str:
        """Route the replies to request `req` to `follower`; return the reply topic."""
        topic = topics.reply(self.client_id, req)
        follower.kinds[topic] = kind
        self._awaited[topic] = follower
        return topic

    def watch(self, topic_filter: str, kind: Kind,
              seen: Callable[[Message], None]) -> None:
        """Call `seen` with every message on `topic_filter`, before any follower gets it."""
        self._watchers.append((topic_filter, kind, seen))

    # --- sending --------------------------------------------------------------------------

    async def subscribe(self, topic_filter: str, qos: int = FOLLOW_QOS) -> None:
        """Subscribe and check the SUBACK: a refusal raises SubscriptionRefusedError."""
        granted = await self.mqtt.subscribe(topic_filter, qos=qos)
        _raise_if_cancelled()
        check_granted(topic_filter, granted)

    async def unsubscribe(self, topic_filter: str) -> None:
        """Stop receiving `topic_filter`."""
        await self.mqtt.unsubscribe(topic_filter)

    async def publish(self, topic: str, message: msgspec.Struct, *, qos: int = 1,
                      timeout: float | None = None) -> None:
        """Publish a request (encoded here); raise aiomqtt.MqttError when it cannot go."""
        if timeout is None:
            await self.mqtt.publish(topic, encode(message), qos=qos)
        else:
            await self.mqtt.publish(topic, encode(message), qos=qos, timeout=timeout)
        _raise_if_cancelled()


def _raise_if_cancelled() -> None:
    """Raise the cancellation that an aiomqtt call swallowed, if one did.

    aiomqtt waits with `asyncio.wait_for`, which on Python 3.11 returns the result when the
    operation completes in the same turn as the task is cancelled, dropping the cancel
    (fixed in 3.12): a screen closed at that moment would keep its feed running forever.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


@asynccontextmanager
async def connect(where: BrokerAddress | Brokers, *,
                  timeout: float = CONNECT_TIMEOUT_SECONDS,
                  client_id: str | None = None) -> AsyncIterator[Connection]:
    """Connect to the first broker of `where` that answers, in order, and start the reader.

    Raise BrokerUnreachableError, naming each address (without its password) and why;
    LoginRefusedError when a broker that answered refused the login.
    """
    client_id = client_id or topics.new_client_id()
    brokers = Brokers.of(where)
    failures: list[str] = []
    refused = False
    for broker in brokers:
        mqtt = mqtt_client(broker, client_id, timeout=timeout)
        try:
            await mqtt.__aenter__()
        except aiomqtt.MqttError as exc:
            log.info("cannot connect to %s: %s", broker, exc)
            refused = refused or _login_refused(exc)
            failures.append(_why(broker, exc))
            continue
        connection = Connection(mqtt, client_id, broker)
        reader = asyncio.create_task(connection.read(), name=f"mqtt-reader-{client_id}")
        try:
            yield connection
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            try:
                await mqtt.__aexit__(None, None, None)
            except aiomqtt.MqttError:
                log.debug("disconnect from %s failed", broker)
        return
    raise (LoginRefusedError if refused else BrokerUnreachableError)("; ".join(failures))


def _login_refused(exc: aiomqtt.MqttError) -> bool:
    return "authori" in str(exc).lower()


def _why(broker: BrokerAddress, exc: aiomqtt.MqttError) -> str:
    if _login_refused(exc):
        return (f"the broker at {broker} refused the login ({exc}): check the user and "
                "password in --broker (or QUIZ_BROKER)")
    return (f"cannot reach the MQTT broker at {broker} ({exc}); "
            "is `quiz serve` running? (set --broker or QUIZ_BROKER)")
