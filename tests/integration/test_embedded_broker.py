"""The embedded broker's own lifecycle, on a real port."""

from __future__ import annotations

import asyncio
import socket

import pytest

import broker.embedded
from broker.embedded import run_embedded
from tests.conftest import free_port


async def test_a_shutdown_that_hangs_still_frees_the_port(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker.embedded, "SHUTDOWN_TIMEOUT_SECONDS", 0.2)
    port = free_port()
    async with run_embedded("127.0.0.1", port) as running:
        async def stuck() -> None:  # amqtt waiting forever on a session's handler
            await asyncio.Event().wait()

        monkeypatch.setattr(running.broker, "shutdown", stuck)
    with socket.socket() as probe:  # the next broker can listen there at once
        probe.bind(("127.0.0.1", port))
