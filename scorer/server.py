"""Run the scorer: on the embedded broker, on a Mosquitto it starts, or on a running broker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from broker.embedded import PortInUseError, check_port_free, run_embedded
from broker.mosquitto import Accounts, run_mosquitto, write_private
from protocol.address import BrokerAddress
from scorer.metrics import Metrics, MetricsServer
from scorer.service import Scorer, ScorerSettings
from scorer.store import Store
from web.server import BrokerForBrowsers, WebBoard, WebPortError

log = logging.getLogger(__name__)

# A running broker's WebSockets port when none is given: the one in mosquitto.conf.
EXTERNAL_WS_PORT = 9001


@dataclass(frozen=True)
class LocalBroker:
    """A broker that `quiz serve` starts itself."""

    kind: Literal["embedded", "mosquitto"]
    host: str
    port: int
    folder: Path  # Mosquitto's accounts, ACL and persistence


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
                web: WebSettings | None = None,
                on_board: Callable[[str, list[str]], None] | None = None) -> None:
    """Serve until cancelled; start the local broker first when there is one.

    `on_ready` receives the address players should use, once the scorer is online.
    With `metrics_address=(host, port)`, /metrics, /healthz and /readyz are served there.
    With `web`, the web board is served too, and right after `on_ready`, `on_board`
    receives its URL and the codes of the quizzes not finished.
    """
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
            if local is None:
                scorer = Scorer(settings, store, metrics=metrics)
                public = settings.broker
            elif local.kind == "embedded":
                broker = await stack.enter_async_context(
                    run_embedded(local.host, local.port, ws_port))
                scorer = Scorer(replace(settings, broker=broker.scorer), store, metrics=metrics)
                public, ws_port = broker.public, broker.ws_port
            else:
                password = scorer_password(Accounts(local.folder))
                stack.enter_context(run_mosquitto(local.folder, local.port, ws_port))
                metrics.watch_storage("mosquitto", local.folder)
                account = BrokerAddress(local.host, local.port, "scorer", password)
                scorer = Scorer(replace(settings, broker=account), store, metrics=metrics)
                public = BrokerAddress(local.host, local.port)
            board = None
            if web is not None and ws_port is not None:
                where = BrokerForBrowsers.host_for(public.host)
                board = await stack.enter_async_context(WebBoard(
                    BrokerForBrowsers(ws_port, where, public.port, where), web.host, web.port))
            await _run(scorer, public, _announce(on_ready, scorer, board, on_board))
    finally:
        store.close()


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
