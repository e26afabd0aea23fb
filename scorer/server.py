"""Run the scorer, on the embedded broker or against an external one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace

from broker.embedded import run_embedded
from protocol.address import BrokerAddress
from scorer.service import Scorer, ScorerSettings
from scorer.store import Store

log = logging.getLogger(__name__)


async def serve(settings: ScorerSettings, *, embedded: tuple[str, int] | None,
                on_ready: Callable[[BrokerAddress], None]) -> None:
    """Serve until cancelled; with `embedded=(host, port)`, start the amqtt broker first.

    `on_ready` receives the address clients should use, once the scorer is online.
    """
    store = Store(settings.database)
    try:
        if embedded is None:
            scorer = Scorer(settings, store)
            await _run(scorer, settings.broker, on_ready)
            return
        host, port = embedded
        async with run_embedded(host, port) as broker:
            scorer = Scorer(replace(settings, broker=broker.scorer), store)
            await _run(scorer, broker.public, on_ready)
    finally:
        store.close()


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
