"""The broker and the web board that `quiz serve` starts beside the scorer."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from broker.embedded import PortInUseError, check_port_free, run_embedded
from broker.mosquitto import Accounts, run_mosquitto, write_private
from broker.nats import NatsAccounts, run_nats
from protocol.address import BrokerAddress, Brokers
from scorer.metrics import Metrics
from web.server import BrokerForBrowsers, WebBoard, WebPortError
from web.wheels import Wheelhouse

# A running broker's WebSockets port when none is given: the one in mosquitto.conf.
EXTERNAL_WS_PORT = 9001


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
    port + 1), or where a running broker does (None: EXTERNAL_WS_PORT). `wheels` is the
    folder where the wheels terminal players install from are kept (None: none served);
    `audio` the scorer's folder of spoken words (speech.cache), served at /audio/NAME.
    """

    host: str
    port: int  # 0: any free port
    ws_port: int | None = None
    wheels: Path | None = None
    audio: Path | None = None


def ws_port_for(web: WebSettings | None, local: LocalBroker | None) -> int | None:
    """The broker's WebSockets port for the web board (None: no board).

    A port for a broker started here is checked free first, so that its error names the
    option to change.
    """
    ws_port = None if web is None else web.ws_port
    if web is not None and ws_port is None:
        ws_port = EXTERNAL_WS_PORT if local is None else local.port + 1
    if local is not None and ws_port is not None:
        _check_ws_port_free(local.host, ws_port)
    return ws_port


async def start_broker(stack: contextlib.AsyncExitStack, broker: BrokerAddress | Brokers,
                       local: LocalBroker | None, ws_port: int | None,
                       metrics: Metrics | None = None,
                       ) -> tuple[BrokerAddress | Brokers, BrokerAddress, int | None]:
    """Start the local broker, if any: (the scorer's account, the public address, ws port).

    Without one, `broker` (a running broker, or several of a cluster) is the scorer's; the
    first of them is the public address printed for clients.
    """
    if local is None:
        return broker, Brokers.of(broker).addresses[0], ws_port
    if local.kind == "embedded":
        embedded = await stack.enter_async_context(run_embedded(local.host, local.port,
                                                                ws_port))
        return embedded.scorer, embedded.public, embedded.ws_port
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


async def start_board(stack: contextlib.AsyncExitStack, web: WebSettings | None,
                      public: BrokerAddress, ws_port: int | None) -> WebBoard | None:
    """Serve the web board, when asked for and the broker has a WebSockets port."""
    if web is None or ws_port is None:
        return None
    where = BrokerForBrowsers.host_for(public.host)
    wheels = Wheelhouse(web.wheels) if web.wheels is not None else None
    return await stack.enter_async_context(WebBoard(
        BrokerForBrowsers(ws_port, where, public.port, where), web.host, web.port, wheels,
        web.audio))


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
