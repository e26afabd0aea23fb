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

from broker.embedded import run_embedded
from broker.mosquitto import Accounts, run_mosquitto, write_private
from protocol.address import BrokerAddress
from scorer.metrics import Metrics, MetricsServer
from scorer.service import Scorer, ScorerSettings
from scorer.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalBroker:
    """A broker that `quiz serve` starts itself."""

    kind: Literal["embedded", "mosquitto"]
    host: str
    port: int
    folder: Path  # Mosquitto's accounts, ACL and persistence


async def serve(settings: ScorerSettings, *, local: LocalBroker | None,
                on_ready: Callable[[BrokerAddress], None],
                metrics_address: tuple[str, int] | None = None) -> None:
    """Serve until cancelled; start the local broker first when there is one.

    `on_ready` receives the address players should use, once the scorer is online.
    With `metrics_address=(host, port)`, /metrics, /healthz and /readyz are served there.
    """
    store = Store(settings.database)
    metrics = Metrics()
    try:
        async with contextlib.AsyncExitStack() as stack:
            if metrics_address is not None:
                await stack.enter_async_context(MetricsServer(metrics, *metrics_address))
            if local is None:
                await _run(Scorer(settings, store, metrics=metrics), settings.broker, on_ready)
            elif local.kind == "embedded":
                broker = await stack.enter_async_context(run_embedded(local.host, local.port))
                scorer = Scorer(replace(settings, broker=broker.scorer), store, metrics=metrics)
                await _run(scorer, broker.public, on_ready)
            else:
                password = scorer_password(Accounts(local.folder))
                stack.enter_context(run_mosquitto(local.folder, local.port))
                metrics.watch_storage("mosquitto", local.folder)
                account = BrokerAddress(local.host, local.port, "scorer", password)
                scorer = Scorer(replace(settings, broker=account), store, metrics=metrics)
                await _run(scorer, BrokerAddress(local.host, local.port), on_ready)
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
