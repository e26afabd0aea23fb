"""The load generator's lean MQTT client against a real broker: it fails loudly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from broker.embedded import run_embedded
from broker.mosquitto import Accounts, run_mosquitto
from cli.bench import established_connections
from cli.loadclient import LoadClientError, load_client, open_client
from protocol import topics
from protocol.address import BrokerAddress
from tests.conftest import free_port, require_mosquitto, until


async def test_messages_flow_and_a_refused_subscription_raises() -> None:
    async with run_embedded("127.0.0.1", free_port()) as broker, \
            load_client(broker.public, topics.new_client_id()) as client:
        got: list[tuple[str, bytes]] = []
        client.on_message = lambda topic, payload: got.append((topic, payload))
        await client.subscribe("bench/echo/+", qos=1)
        client.publish("bench/echo/x", b"hello")  # QoS 1 both ways: acknowledged in turn
        await until(lambda: bool(got), timeout=5)
        assert got == [("bench/echo/x", b"hello")]
        with pytest.raises(LoadClientError, match="refused a subscription"):
            await client.subscribe(topics.answer(topics.new_code(), "+"))  # the scorer's only


async def test_waiting_ends_with_an_error_when_the_broker_goes() -> None:
    port = free_port()
    async with run_embedded("127.0.0.1", port) as broker:
        opened = load_client(broker.public, topics.new_client_id())
        client = await opened.__aenter__()
    never = asyncio.Event()
    try:
        async with asyncio.timeout(10):
            with pytest.raises(LoadClientError, match="connection"):
                await client.until(never)
        with pytest.raises(LoadClientError):
            client.publish("bench/echo/x", b"late")
    finally:
        await opened.__aexit__(None, None, None)


async def test_refusals_can_be_reported_instead_of_raised() -> None:
    async with run_embedded("127.0.0.1", free_port()) as broker, \
            load_client(broker.public, topics.new_client_id()) as client:
        forbidden = topics.answer(topics.new_code(), "+")
        allowed = topics.state(topics.new_code())
        refused = await client.subscribe([(allowed, 1), (forbidden, 1)], refusals_allowed=True)
        assert refused == [forbidden]
        assert await client.subscribe(allowed, qos=1) == []


async def test_each_client_is_its_own_connection_at_the_broker() -> None:
    async with run_embedded("127.0.0.1", free_port()) as broker:
        before = established_connections(broker.public.port)
        clients = [await open_client(broker.public, topics.new_client_id()) for _ in range(5)]
        try:
            assert len({client.local_address for client in clients} - {None}) == 5
            assert established_connections(broker.public.port) == before + 5
        finally:
            for client in clients:
                await client.close()
        # the broker's side closes too
        await until(lambda: established_connections(broker.public.port) == before, step=0.05)


async def test_over_websockets_messages_flow_and_the_tcp_port_is_refused(
        tmp_path: Path) -> None:
    require_mosquitto()
    accounts = Accounts(tmp_path / "mosquitto")
    accounts.add("scorer", "scorer", "pw")
    port, ws_port = free_port(), free_port()
    with run_mosquitto(accounts.folder, port, ws_port):
        scorer = BrokerAddress("127.0.0.1", ws_port, "scorer", "pw")
        async with load_client(scorer, topics.new_client_id(), transport="websockets") as client:
            got: list[tuple[str, bytes]] = []
            client.on_message = lambda topic, payload: got.append((topic, payload))
            topic = topics.state(topics.new_code())
            await client.subscribe(topic, qos=1)
            big = bytes(range(256)) * 400  # more than one 16-bit frame length
            client.publish(topic, b"hello")
            client.publish(topic, big)  # QoS 1 both ways: acknowledged in turn
            await until(lambda: len(got) == 2, timeout=10)
            assert got == [(topic, b"hello"), (topic, big)]
        # a WebSocket client at the MQTT port gets an error, not a hang
        with pytest.raises(LoadClientError):
            await open_client(BrokerAddress("127.0.0.1", port), topics.new_client_id(),
                              timeout=10, transport="websockets")
