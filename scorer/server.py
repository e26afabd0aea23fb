"""Run the scorer: on the embedded broker, on a Mosquitto or NATS it starts, or on a running one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import aiomqtt

from broker.embedded import PortInUseError, check_port_free, run_embedded
from broker.mosquitto import Accounts, run_mosquitto, write_private
from broker.nats import NatsAccounts, run_nats
from protocol import topics
from protocol.address import BrokerAddress
from protocol.messages import DecodeError, ScorerStatus, decode
from protocol.retry import Backoff
from scorer.lock import DatabaseBusyError, DatabaseLock
from scorer.metrics import Metrics, MetricsServer
from scorer.service import RECOVERY_TIMEOUT_SECONDS, STATUS_SECONDS, Scorer, ScorerSettings
from scorer.store import Store
from scorer.supervisor import Supervisor
from web.server import BrokerForBrowsers, WebBoard, WebPortError

log = logging.getLogger(__name__)

# A retained status arrives right after the subscription; this bounds "there is none".
RETAINED_SECONDS = 2.0
# A live scorer republishes its status every STATUS_SECONDS, except while it drains its
# backlog (at most RECOVERY_TIMEOUT_SECONDS). An "online" not refreshed within this long was
# left by a scorer that died with its broker, whose last will therefore never went out.
LIVENESS_SECONDS = RECOVERY_TIMEOUT_SECONDS + 2 * STATUS_SECONDS
# Retries of the check while the broker is unreachable (the scorer itself retries the same).
CHECK_RETRY_MIN_SECONDS = 0.2
CHECK_RETRY_MAX_SECONDS = 5.0
# A running broker's WebSockets port when none is given: the one in mosquitto.conf.
EXTERNAL_WS_PORT = 9001

__all__ = ["AlreadyServingError", "LocalBroker", "WebSettings", "serve", "serve_several",
           "until_terminated"]


class AlreadyServingError(RuntimeError):
    """Another scorer already serves this database or broker: a second one would split it."""


@dataclass(frozen=True)
class LocalBroker:
    """A broker that `quiz serve` starts itself."""

    kind: Literal["embedded", "mosquitto", "nats"]
    host: str
    port: int
    folder: Path  # Mosquitto's accounts, ACL and persistence; or NATS's accounts and store


@dataclass(frozen=True)
class WebSettings:
    """The web board: where its HTTP server listens, and the broker's WebSockets port.

    `ws_port` is where a broker `quiz serve` starts listens for browsers (None: its MQTT
    port + 1), or where a running broker does (None: EXTERNAL_WS_PORT).
    """

    host: str
    port: int  # 0: any free port
    ws_port: int | None = None


async def serve(settings: ScorerSettings, *, local: LocalBroker | None,
                on_ready: Callable[[BrokerAddress], None],
                metrics_address: tuple[str, int] | None = None,
                standby: bool = False,
                on_standby: Callable[[str], None] | None = None,
                web: WebSettings | None = None,
                on_board: Callable[[str, list[str]], None] | None = None) -> None:
    """Serve until cancelled; start the local broker first when there is one.

    `on_ready` receives the address players should use, once the scorer is online.
    With `metrics_address=(host, port)`, /metrics, /healthz and /readyz are served there.
    With `web`, the web board is served too, and right after `on_ready`, `on_board`
    receives its URL and the codes of the quizzes not finished.

    Exactly one scorer runs per database and per broker: the database's lock is taken
    before it is opened, and on a running broker a live scorer's retained status is read
    first; either refuses the start (AlreadyServingError). With `standby`, both
    are waited for instead, and `on_standby` is told what is awaited.
    """
    lock = DatabaseLock(settings.database)
    try:
        if str(settings.database) != ":memory:":
            await _take_lock(lock, standby, on_standby)
        if local is None:
            await wait_until_no_live_scorer(settings, standby=standby, on_standby=on_standby)
        await _serve_locked(settings, local, on_ready, metrics_address, web, on_board)
    finally:
        lock.release()


async def _take_lock(lock: DatabaseLock, standby: bool,
                     on_standby: Callable[[str], None] | None) -> None:
    try:
        lock.acquire()
    except DatabaseBusyError as busy:
        if not standby:  # not sqlite's "database is locked" on the first write, much later
            raise AlreadyServingError(f"{busy}: stop it first, or start this one with "
                                      "--standby to take over when it stops") from None
        if on_standby is not None:
            on_standby(f"standby: {busy}; taking over when it stops")
        await lock.wait()


async def _serve_locked(settings: ScorerSettings, local: LocalBroker | None,
                        on_ready: Callable[[BrokerAddress], None],
                        metrics_address: tuple[str, int] | None,
                        web: WebSettings | None = None,
                        on_board: Callable[[str, list[str]], None] | None = None) -> None:
    store = Store(settings.database)
    metrics = Metrics()
    # the broker's WebSockets listener, for the web board only
    ws_port = None if web is None else web.ws_port
    if web is not None and ws_port is None:
        ws_port = EXTERNAL_WS_PORT if local is None else local.port + 1
    if local is not None and ws_port is not None:
        _check_ws_port_free(local.host, ws_port)
    try:
        async with contextlib.AsyncExitStack() as stack:
            if metrics_address is not None:
                await stack.enter_async_context(MetricsServer(metrics, *metrics_address))
            account, public, ws_port = await _start_broker(stack, settings, local, ws_port,
                                                           metrics)
            scorer = Scorer(replace(settings, broker=account), store, metrics=metrics)
            board = await _start_board(stack, web, public, ws_port)
            await _run(scorer, public, _announce(on_ready, scorer, board, on_board))
    finally:
        store.close()


async def _start_broker(stack: contextlib.AsyncExitStack, settings: ScorerSettings,
                        local: LocalBroker | None, ws_port: int | None,
                        metrics: Metrics | None = None,
                        ) -> tuple[BrokerAddress, BrokerAddress, int | None]:
    """Start the local broker, if any: (the scorer's account, the public address, ws port)."""
    if local is None:
        return settings.broker, settings.broker, ws_port
    if local.kind == "embedded":
        broker = await stack.enter_async_context(run_embedded(local.host, local.port, ws_port))
        return broker.scorer, broker.public, broker.ws_port
    check_port_free(local.host, local.port)  # else we would use whoever is there
    if local.kind == "nats":
        # NATS 2.9 has no MQTT over WebSockets: no port for the web board (ws_port None)
        password = NatsAccounts(local.folder).scorer_password()
        stack.enter_context(run_nats(local.folder, local.port))
        if metrics is not None:
            metrics.watch_storage("nats", local.folder)
        return (BrokerAddress(local.host, local.port, "scorer", password),
                BrokerAddress(local.host, local.port), None)
    password = scorer_password(Accounts(local.folder))
    stack.enter_context(run_mosquitto(local.folder, local.port, ws_port, host=local.host))
    if metrics is not None:
        metrics.watch_storage("mosquitto", local.folder)
    return (BrokerAddress(local.host, local.port, "scorer", password),
            BrokerAddress(local.host, local.port), ws_port)


async def _start_board(stack: contextlib.AsyncExitStack, web: WebSettings | None,
                       public: BrokerAddress, ws_port: int | None) -> WebBoard | None:
    if web is None or ws_port is None:
        return None
    where = BrokerForBrowsers.host_for(public.host)
    return await stack.enter_async_context(WebBoard(
        BrokerForBrowsers(ws_port, where, public.port, where), web.host, web.port))


async def serve_several(settings: ScorerSettings, count: int, *, local: LocalBroker | None,
                        on_ready: Callable[[BrokerAddress], None],
                        child_options: list[str], metrics_port: int = 0,
                        web: WebSettings | None = None,
                        on_board: Callable[[str, list[str]], None] | None = None) -> None:
    """Run `count` scorer processes, each owning some quizzes, under one supervisor.

    The local broker and the web board run here; each scorer is a `quiz serve` of its own
    (scorer/supervisor.py), restarted when it dies.
    """
    ws_port = None if web is None else web.ws_port
    if web is not None and ws_port is None:
        ws_port = EXTERNAL_WS_PORT if local is None else local.port + 1
    if local is not None and ws_port is not None:
        _check_ws_port_free(local.host, ws_port)
    async with contextlib.AsyncExitStack() as stack:
        account, public, ws_port = await _start_broker(stack, settings, local, ws_port)
        board = await _start_board(stack, web, public, ws_port)

        def ready() -> None:
            on_ready(public)
            if board is not None and on_board is not None:
                on_board(board.url, [])

        await Supervisor(count, account, settings, child_options, metrics_port).run(ready)


async def until_terminated(main: Awaitable[None]) -> None:
    """Run `main` until it ends; SIGTERM stops it as Ctrl-C does, and then this returns.

    systemd, Docker and `kill` send SIGTERM, whose default action ends the process at once:
    no goodbye, and a Mosquitto started by `quiz serve` left running on its port. Cancelling
    the task instead runs every `finally` and context exit, as KeyboardInterrupt does.
    """
    task = asyncio.current_task()
    assert task is not None  # noqa: S101 - always awaited inside a task
    loop = asyncio.get_running_loop()
    terminated = False

    def terminate() -> None:
        nonlocal terminated
        terminated = True
        task.cancel()

    loop.add_signal_handler(signal.SIGTERM, terminate)
    try:
        await main
    except asyncio.CancelledError:
        if not terminated:
            raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def scorer_password(accounts: Accounts) -> str:
    """The scorer's Mosquitto password, made (with its account) on first use."""
    secret = accounts.folder / "scorer.password"
    if secret.exists() and "scorer" in accounts.roles():
        return secret.read_text().strip()
    password = secrets.token_hex(16)
    accounts.add("scorer", "scorer", password)
    write_private(secret, password)
    return password


def _check_ws_port_free(host: str, ws_port: int) -> None:
    try:
        check_port_free(host, ws_port)
    except PortInUseError:
        raise WebPortError(f"port {ws_port} on {host}, for the broker's WebSockets (the web "
                           "board's connection), is in use: choose another --ws-port (or "
                           "QUIZ_WS_PORT), or --web-port 0 for no board") from None


def _announce(on_ready: Callable[[BrokerAddress], None], scorer: Scorer, board: WebBoard | None,
              on_board: Callable[[str, list[str]], None] | None,
              ) -> Callable[[BrokerAddress], None]:
    """`on_ready`, then the board's URL and the quizzes not finished, once online."""
    def ready(public: BrokerAddress) -> None:
        on_ready(public)
        if board is not None and on_board is not None:
            live = sorted(code for code, quiz in scorer.quizzes.items()
                          if quiz.phase != "finished")
            on_board(board.url, live)
    return ready


async def _run(scorer: Scorer, public: BrokerAddress,
               on_ready: Callable[[BrokerAddress], None]) -> None:
    task = asyncio.create_task(scorer.run(), name="scorer")
    ready = asyncio.create_task(scorer.connected.wait(), name="scorer-ready")
    done, _ = await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if ready in done:
        on_ready(public)
    else:
        ready.cancel()
    await task


async def wait_until_no_live_scorer(settings: ScorerSettings, *, standby: bool = False,
                                    on_standby: Callable[[str], None] | None = None) -> None:
    """Return once no scorer with our client id is live; raise AlreadyServingError unless `standby`.

    Reads the status with a short-lived client of its own (the scorer's client id would take
    the live scorer's session over). A retained "online" of our client id counts as live
    only once that scorer is heard from (its load, every STATUS_SECONDS); with `standby`,
    this waits for its goodbye or last will. Scorers with other client ids (several
    scorers sharing a broker, scorer/partition.py) are none of our business.
    """
    retry = Backoff(CHECK_RETRY_MIN_SECONDS, CHECK_RETRY_MAX_SECONDS)
    told = False
    while True:
        try:
            async with _status_feed(settings.broker, settings.client_id) as feed:
                retry.reset()
                retained = await _next(feed, RETAINED_SECONDS, retained=True)
                if retained is None or retained.status != "online" \
                        or not _ours(retained, settings):
                    return
                while True:
                    live = await _next(feed, LIVENESS_SECONDS, retained=False,
                                       of=settings.client_id)
                    if live is None:
                        log.warning("the retained status on %s says scorer %s is online, but "
                                    "it was not heard from in %.0f s: starting",
                                    settings.broker, settings.client_id, LIVENESS_SECONDS)
                        return
                    if live.status != "online":  # its goodbye, or its last will
                        return
                    if not standby:
                        raise AlreadyServingError(
                            f"{_who(live)} already serves {_where(settings)} with this client "
                            "id: stop it first, or start this one with --standby to take "
                            "over when it stops")
                    if not told and on_standby is not None:
                        told = True
                        on_standby(f"standby: {_who(live)} serves {_where(settings)}; "
                                   "taking over when it stops")
        except aiomqtt.MqttError as exc:
            delay = retry.next()
            log.warning("broker %s unreachable (%s); retrying in %.1fs",
                        settings.broker, exc, delay)
            await asyncio.sleep(delay)


def _ours(status: ScorerStatus, settings: ScorerSettings) -> bool:
    """True when the status is of our client id, or of a scorer that did not say its own."""
    return status.scorer in ("", settings.client_id)


def _who(status: ScorerStatus) -> str:
    return f"a live scorer ({status.scorer})" if status.scorer else "a live scorer"


def _where(settings: ScorerSettings) -> str:
    return f"mqtt://{settings.broker.host}:{settings.broker.port}"


@contextlib.asynccontextmanager
async def _status_feed(broker: BrokerAddress,
                       client_id: str) -> AsyncIterator[aiomqtt.MessagesIterator]:
    """The scorer's status and load, retained messages first, on a throwaway clean session."""
    async with aiomqtt.Client(broker.host, broker.port, username=broker.username,
                              password=broker.password, clean_session=True,
                              identifier=f"{client_id}-check-{secrets.token_hex(4)}") as client:
        await client.subscribe(topics.status_of(client_id), qos=1)
        await client.subscribe(topics.load_of(client_id), qos=1)
        yield client.messages


async def _next(feed: aiomqtt.MessagesIterator, within: float, *, retained: bool,
                of: str | None = None) -> ScorerStatus | None:
    """The next status within `within` seconds (of client id `of` or unnamed, if given), or None.

    `retained=True`: the retained status (what a scorer said last, perhaps long ago).
    `retained=False`: a status or load published now (brokers clear the retain flag of a
    message sent to a subscriber that was already there), so from a scorer that is alive,
    or its last will.
    """
    statuses = topics.scorer_status()  # a prefix of every scorer's status topic, no load
    try:
        async with asyncio.timeout(within):
            async for message in feed:
                if message.retain != retained or not isinstance(message.payload, bytes):
                    continue
                if retained and not message.topic.value.startswith(statuses):
                    continue  # the retained load says nothing the retained status does not
                with contextlib.suppress(DecodeError):
                    status = decode(ScorerStatus, message.payload)
                    if of is None or status.scorer in ("", of):
                        return status
    except TimeoutError:
        return None
    return None
