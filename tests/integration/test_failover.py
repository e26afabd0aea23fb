"""Several brokers: a client tries them in order and moves to the next when its own stops.

Two real embedded brokers on free ports; the first is stopped under a connected client.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack, aclosing

from broker.embedded import run_embedded
from client.connection import connect
from client.errors import BrokerUnreachableError
from client.reconnect import Connected, Disconnected
from protocol import topics
from protocol.address import BrokerAddress, Brokers
from tests.conftest import free_port
from tui.live import Event, Live

WAIT = 20.0


async def test_a_screen_connected_to_a_moves_to_b_when_a_stops() -> None:
    async with AsyncExitStack() as stack, run_embedded("127.0.0.1", free_port()) as b:
        a = await stack.enter_async_context(run_embedded("127.0.0.1", free_port()))
        live = Live(Brokers((a.public, b.public)), topics.new_code(), retry_min=0.05,
                    retry_max=0.2)
        async with aclosing(live.events()) as events, asyncio.timeout(WAIT):
            first = await anext(events)
            assert first == Connected(str(a.public))  # the first of the list, while it runs
            await stack.aclose()  # broker A stops under the connected screen
            seen: list[Event] = []
            while not isinstance(event := await anext(events), Connected):
                seen.append(event)
    assert any(isinstance(e, Disconnected) and e.broker == str(a.public) for e in seen)
    assert event == Connected(str(b.public))


async def test_a_client_skips_a_broker_that_does_not_answer() -> None:
    down = BrokerAddress("127.0.0.1", free_port())  # nothing listens there
    async with run_embedded("127.0.0.1", free_port()) as up, \
            connect(Brokers((down, up.public)), timeout=5.0) as connection:
        assert connection.broker == up.public
        await connection.subscribe(topics.scorer_status())


async def test_when_no_broker_answers_the_error_names_each_without_its_password() -> None:
    first = BrokerAddress("127.0.0.1", free_port(), "teacher", "hunter2")
    second = BrokerAddress("127.0.0.1", free_port())
    try:
        async with connect(Brokers((first, second)), timeout=2.0):
            raise AssertionError("connected to a broker that does not run")
    except BrokerUnreachableError as exc:
        message = str(exc)
    assert str(first) in message and str(second) in message
    assert "hunter2" not in message
