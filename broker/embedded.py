"""The embedded development broker: amqtt, in-process, on 127.0.0.1.

`QuizBroker` mends amqtt 0.12's faults that the quiz met (see its docstring), among them
its take-over: a second connection with a connected client's id must close the first
before it takes the session, or the scorer can be left connected and deaf.

Two plugins make it safe enough to play on:
- `ScorerAuth` lets players and displays in anonymously, and the scorer in with
  its own account only. amqtt keeps no offline queue for anonymous sessions, so
  the scorer's login is what makes its persistent session keep the answers that
  arrive while it restarts.
- `QuizTopics` lets only the scorer publish what the scorer publishes (state,
  leaderboards, player status, replies) and read what clients send (joins,
  answers, host commands, quiz creation). Like Mosquitto's ACL, it checks the
  shape of a request's topic, not the code or player id inside it: the scorer
  reports those on quiz/errors.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import Session

from protocol import topics
from protocol.address import DEFAULT_HOST, BrokerAddress
from protocol.errors import FailureError

log = logging.getLogger(__name__)

SCORER_USERNAME = "scorer"
# amqtt's shutdown waits on every session's handler; past this, only the listener is closed.
SHUTDOWN_TIMEOUT_SECONDS = 5.0
# A take-over waits this long at most for the connection it closes to be done with the
# session (its will sent, the session marked disconnected): a client that reads nothing
# can hold its socket's close up.
TAKE_OVER_TIMEOUT_SECONDS = 5.0

# What anyone may subscribe to. A client reads only the replies under its own client id;
# wildcards over answers or joins are refused.
_PUBLIC_READ = topics.public_views()


class PortInUseError(FailureError, RuntimeError):
    """The port the embedded broker should listen on is taken."""


def _matches(topic_filter: str, pattern: str) -> bool:
    """True when every topic that `topic_filter` names is also named by `pattern`."""
    want, have = topic_filter.split("/"), pattern.split("/")
    if len(want) != len(have):
        return False
    return all(p == w or (p == "+" and w != "#") for w, p in zip(want, have, strict=True))


def _outside_the_quiz(topic: str) -> bool:
    """True for topics (and filters) that cannot name anything under quiz/."""
    first = topic.split("/", 1)[0]
    return first not in (topics.ROOT, "+", "#")


def client_may_subscribe(topic_filter: str, client_id: str) -> bool:
    """The subscription rule for everyone but the scorer."""
    if _outside_the_quiz(topic_filter):
        return True  # the rules guard the quiz; other topics are the developer's
    if any(_matches(topic_filter, pattern) for pattern in _PUBLIC_READ):
        return True
    # its own replies, and nobody else's (a client id "+" reads nothing)
    return topics.is_client_id(client_id) and _matches(topic_filter,
                                                        topics.replies_of(client_id))


def client_may_publish(topic: str) -> bool:
    """The publish rule for everyone but the scorer: requests only.

    A topic of a request's shape reaches the scorer even when what is inside is wrong (a
    lower-case or unknown code, a bad player id), as Mosquitto's ACL lets it: the scorer
    then reports it on quiz/errors, so both brokers tell a sender the same thing.
    """
    if _outside_the_quiz(topic):
        return True
    return any(_matches(topic, pattern) for pattern in topics.SCORER_SUBSCRIPTIONS)


def _is_scorer(session: Session | None) -> bool:
    return bool(session and not session.is_anonymous and session.username == SCORER_USERNAME)


class ScorerAuth(BaseAuthPlugin):  # type: ignore[misc]
    """Anonymous clients are welcome; the scorer's account needs its password."""

    @dataclass
    class Config:
        """The scorer's password, made fresh for each run of the embedded broker."""

        scorer_password: str = field(default="")

    async def authenticate(self, *, session: Session) -> bool | None:
        """Refuse a wrong scorer password; let everyone else in anonymously."""
        if session.username == SCORER_USERNAME:
            expected: str = self.config.scorer_password
            if bool(expected) and secrets.compare_digest(session.password or "", expected):
                # A persistent session is one object for every connection with its client
                # id: an anonymous client that connected with the scorer's id marked it.
                session.is_anonymous = False
                return True
            return False
        session.is_anonymous = True
        return True


class QuizTopics(BaseTopicPlugin):  # type: ignore[misc]
    """Topic rules: only the scorer speaks for the scorer."""

    async def topic_filtering(self, *, session: Session | None = None, topic: str | None = None,
                              action: Action | None = None) -> bool | None:
        """Allow or refuse one subscribe or publish."""
        if action == Action.RECEIVE or _is_scorer(session):
            return True
        if topic is None:
            return False
        if action == Action.SUBSCRIBE:
            return client_may_subscribe(topic, session.client_id if session else "")
        return client_may_publish(topic)


class _Subscriptions(dict[str, Any]):
    """amqtt's subscription table, iterated over a snapshot.

    amqtt 0.12 awaits inside `for topic in self._subscriptions` (on every connect) and inside
    `.items()` (on every broadcast); a client subscribing meanwhile raised "dictionary changed
    size during iteration" and left the connecting client unserved.
    """

    def __iter__(self) -> Iterator[str]:
        return iter(list(super().keys()))

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        return list(super().items())


def _abort(handler: Any) -> bool:
    """Close a connection's socket at once; False when its transport cannot be reached.

    amqtt's `handler.stop()` cancels the connection's reader task, and Python 3.11's
    `asyncio.wait_for`, which that reader reads in, loses a cancellation that comes as a
    packet arrives: the reader reads on and `stop()` waits for it forever. A socket that
    is gone ends the reader by itself (end of stream), whatever it was doing.
    """
    writer = handler.writer
    stream = getattr(writer, "_writer", None) or getattr(writer, "_protocol", None)  # TCP, WS
    transport = getattr(stream, "transport", None)
    if transport is None:
        return False
    transport.abort()
    return True


@dataclass(frozen=True)
class _Will:
    """The last will a connection gave in its CONNECT."""

    flag: bool
    topic: str | None
    message: bytes | bytearray | None
    qos: int | None
    retain: bool | None

    @classmethod
    def of(cls, session: Session) -> _Will:
        return cls(session.will_flag, session.will_topic, session.will_message,
                   session.will_qos, session.will_retain)

    def put(self, session: Session) -> None:
        (session.will_flag, session.will_topic, session.will_message, session.will_qos,
         session.will_retain) = (self.flag, self.topic, self.message, self.qos, self.retain)


class QuizBroker(Broker):  # type: ignore[misc]
    """amqtt's broker with its faults mended: the subscription table, and take-overs.

    A take-over in amqtt 0.12 let a client with a connected client's id in before the
    first connection was done with the session they share:
    - with clean_session, it deleted the session and its subscriptions but left the
      first connection open: a client connected and subscribed to nothing;
    - with a persistent session, the first connection's end marked the shared session
      disconnected after the second had taken it (or a third, when two arrived together):
      the broker then queued that session's messages as for an absent client, and a
      connected scorer heard nothing more (issue 29).
    Here a connection with a connected client's id closes the other connection and waits
    until it is done (its own will sent, the session disconnected), one connection per
    client id at a time, and only then takes the session. A connection that ends after
    its session went to another touches that session no more.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._subscriptions = _Subscriptions()
        # One connection at a time per client id goes from its CONNECT to its message loop.
        self._turns: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._holding: dict[Any, str] = {}  # handler -> the client id whose turn it holds
        self._ended: dict[Any, asyncio.Event] = {}  # handler -> set when it is done
        self._wills: dict[Any, _Will] = {}  # handler -> the will of its own CONNECT

    async def _handle_client_session(self, reader: Any, writer: Any, client_session: Session,
                                     handler: Any, server: Any, listener_name: str) -> None:
        client_id: str = client_session.client_id
        self._ended[handler] = asyncio.Event()
        self._wills[handler] = _Will.of(client_session)  # this CONNECT just wrote it there
        try:
            await self._take_turn(client_id, handler)
            await self._take_over(client_id)
            await super()._handle_client_session(reader, writer, client_session, handler,
                                                 server, listener_name)
        finally:
            self._end_turn(handler)
            self._wills.pop(handler, None)
            self._ended.pop(handler).set()

    async def _client_message_loop(self, client_session: Session, handler: Any) -> None:
        self._end_turn(handler)  # connected: the next connection with this id may take over
        await super()._client_message_loop(client_session, handler)

    async def _delete_session(self, client_id: str) -> None:
        # A clean_session CONNECT: close the connection that has the session first.
        holder = object()
        await self._take_turn(client_id, holder)
        try:
            await self._take_over(client_id)
            await super()._delete_session(client_id)
        finally:
            self._end_turn(holder)

    async def _handle_disconnect(self, client_session: Session, handler: Any,
                                 disconnect_waiter: asyncio.Future[Any]) -> None:
        _, current = self._sessions.get(client_session.client_id, (None, None))
        if current is not handler:
            # the session has gone to a later connection (or was deleted): leave it alone
            await self._stop_handler(handler)
            return
        # A later CONNECT with a persistent session wrote its will into the shared session:
        # this connection's end sends its own will, and leaves the later one in place.
        later = _Will.of(client_session)
        own = self._wills.get(handler, later)
        own.put(client_session)
        try:
            await super()._handle_disconnect(client_session, handler, disconnect_waiter)
        finally:
            later.put(client_session)

    async def _take_turn(self, client_id: str, holder: object) -> None:
        """Wait until no other connection with this client id is between CONNECT and loop."""
        self._waiting[client_id] = self._waiting.get(client_id, 0) + 1
        turn = self._turns.setdefault(client_id, asyncio.Lock())
        try:
            async with asyncio.timeout(TAKE_OVER_TIMEOUT_SECONDS):
                await turn.acquire()
        except TimeoutError:
            # one stuck in its setup must not lock its client id out: go on as amqtt would
            log.warning("another connection of %s is still setting up after %.0f s; "
                        "connecting anyway", client_id, TAKE_OVER_TIMEOUT_SECONDS)
            self._leave(client_id)
            return
        except BaseException:
            self._leave(client_id)
            raise
        self._holding[holder] = client_id

    def _end_turn(self, holder: object) -> None:
        client_id = self._holding.pop(holder, None)
        if client_id is not None:
            self._turns[client_id].release()
            self._leave(client_id)

    def _leave(self, client_id: str) -> None:
        self._waiting[client_id] -= 1
        if not self._waiting[client_id]:  # nobody holds or awaits it: forget the lock
            del self._waiting[client_id], self._turns[client_id]

    async def _take_over(self, client_id: str) -> None:
        """Close the connection that has `client_id`'s session, and wait until it is done."""
        session, handler = self._sessions.get(client_id, (None, None))
        if session is None or handler is None or not session.transitions.is_connected():
            return
        log.warning("client %s connected again: closing its other connection (take-over)",
                    client_id)
        ended = self._ended.get(handler)
        try:
            async with asyncio.timeout(TAKE_OVER_TIMEOUT_SECONDS):
                if not _abort(handler):
                    await handler.stop()
                if ended is not None:
                    await ended.wait()
        except TimeoutError:
            log.warning("the other connection of %s did not end within %.0f s; taking its "
                        "session anyway", client_id, TAKE_OVER_TIMEOUT_SECONDS)
        if session.transitions.is_connected():  # it never reached its message loop
            session.transitions.disconnect()

    async def _publish_retained_messages_for_subscription(
            self, subscription: tuple[str, int], session: Session) -> None:
        # amqtt calls this on connect for every filter of every client: send a session
        # only the retained messages of its own subscriptions.
        subscribers = self._subscriptions.get(subscription[0], [])
        if any(other.client_id == session.client_id for other, _ in subscribers):
            await super()._publish_retained_messages_for_subscription(subscription, session)


def broker_config(host: str, port: int, scorer_password: str,
                  ws_port: int | None = None) -> dict[str, Any]:
    """The amqtt configuration of the embedded broker.

    With `ws_port`, a second listener speaks MQTT over WebSockets there, for the web board;
    the same plugins (and so the same rules) guard both listeners.
    """
    listeners: dict[str, Any] = {"default": {"type": "tcp", "bind": f"{host}:{port}",
                                             "max_connections": 20000}}
    if ws_port is not None:
        listeners["ws"] = {"type": "ws", "bind": f"{host}:{ws_port}", "max_connections": 1000}
    return {
        "listeners": listeners,
        "plugins": {
            "broker.embedded.ScorerAuth": {"scorer_password": scorer_password},
            "broker.embedded.QuizTopics": {},
        },
    }


@dataclass(frozen=True)
class Embedded:
    """A running embedded broker and the scorer's address on it."""

    broker: Broker
    public: BrokerAddress
    scorer: BrokerAddress
    ws_port: int | None = None  # the WebSockets listener, when there is one


def check_port_free(host: str, port: int) -> None:
    """Raise PortInUseError when host:port is taken (before a broker fails to listen there)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(f"port {port} on {host} is already in use") from None
            raise


@asynccontextmanager
async def run_embedded(host: str = DEFAULT_HOST, port: int = 0,
                       ws_port: int | None = None) -> AsyncIterator[Embedded]:
    """Run an amqtt broker in this event loop until the block exits.

    With `ws_port` it also listens for MQTT over WebSockets there (0: any free port).
    """
    check_port_free(host, port)
    if ws_port:
        check_port_free(host, ws_port)
    password = secrets.token_hex(16)
    broker = QuizBroker(broker_config(host, port, password, ws_port))
    await broker.start()
    bound = _bound_port(broker, "default", port)
    public = BrokerAddress(host, bound)
    ws_bound = None if ws_port is None else _bound_port(broker, "ws", ws_port)
    log.info("embedded broker listening on %s (WebSockets: %s)", public, ws_bound or "off")
    try:
        yield Embedded(broker, public,
                       BrokerAddress(host, bound, SCORER_USERNAME, password), ws_bound)
    finally:
        await _shutdown(broker)


def _bound_port(broker: Broker, listener: str, asked: int) -> int:
    """The port a listener bound (the one the system chose when asked for 0)."""
    server = broker._servers[listener].instance  # noqa: SLF001 - no public way to reach it
    if server is not None and getattr(server, "sockets", None):
        return int(next(iter(server.sockets)).getsockname()[1])
    return asked


async def _shutdown(broker: Broker) -> None:
    """Stop the broker; if amqtt hangs in its session cleanup, at least free the port.

    amqtt's shutdown stops each session's handler before it closes the listener, and one
    stuck handler stopped everything. Past SHUTDOWN_TIMEOUT_SECONDS the listener is
    closed directly (the port is free again at once) and the shutdown abandoned; clients
    still connected then see their connection end with the process, or not at all.
    """
    stopping = asyncio.ensure_future(broker.shutdown())
    done, _ = await asyncio.wait({stopping}, timeout=SHUTDOWN_TIMEOUT_SECONDS)
    if done:
        stopping.result()
        return
    log.warning("the embedded broker did not stop within %.0f s; closing its listener",
                SHUTDOWN_TIMEOUT_SECONDS)
    for server in broker._servers.values():  # noqa: SLF001 - no public way to reach them
        if server.instance is not None:
            server.instance.close()  # stop listening; do not wait for the connections
    stopping.cancel()
    await asyncio.wait({stopping}, timeout=1.0)
