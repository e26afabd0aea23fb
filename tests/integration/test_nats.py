"""What NATS (nats.conf, broker/nats.py) enforces beyond the suite every broker runs.

The integration suite runs on one NATS node through the `broker` fixture; these are the
cases only NATS has: what its permissions cannot express, its core protocol, its config.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
from pathlib import Path

import aiomqtt
import pytest

from broker.nats import (
    PROJECT_CONF,
    Cluster,
    NatsAccounts,
    Node,
    nats_binary,
    render_config,
)
from protocol import auth, topics
from protocol.address import BrokerAddress
from tests.conftest import (
    NO_REPLY_SECONDS,
    WAIT_SECONDS,
    connected,
    free_port,
    nats_broker,
    require_nats,
    running_scorer,
)

pytestmark = pytest.mark.nats
HOST = auth.new_secret()


async def create(client) -> str:  # type: ignore[no-untyped-def]
    return await client.create(host_key=HOST, deck="everyday",  # type: ignore[no-any-return]
                               entries=None, questions=1, seconds=30.0, speed_bonus=False,
                               streak=False, auto=False)


@pytest.mark.parametrize("kind", ["single", "cluster"])
def test_the_runtime_configs_are_valid_for_nats_server(tmp_path: Path, kind: str) -> None:
    require_nats()
    accounts = NatsAccounts(tmp_path)
    accounts.add("teacher", "host", "pw")
    accounts.ensure()
    if kind == "single":
        node, routes = Node("quiz-1", free_port(), tmp_path / "n"), []
    else:
        cluster = Cluster.on(tmp_path, free_port(), free_port())
        node, routes = cluster.nodes()[1], list(cluster.route_ports)
    node.folder.mkdir()
    conf = node.folder / "nats.runtime.conf"
    conf.write_text(render_config(PROJECT_CONF.read_text(), node, accounts.auth, routes,
                                  len(routes) or 1))
    checked = subprocess.run([nats_binary(), "-c", str(conf), "-t"], capture_output=True,
                             text=True, timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr


async def test_only_hosts_may_create_quizzes_and_wrong_passwords_are_refused(
        tmp_path: Path) -> None:
    async with nats_broker(tmp_path / "nats") as broker, \
            running_scorer(broker.scorer, tmp_path / "q.db"):
        async with connected(broker.public, timeout=WAIT_SECONDS) as player:
            player.timeout = NO_REPLY_SECONDS
            with pytest.raises(Exception, match="did not reply"):  # NoReplyError
                await create(player)
        async with connected(broker.host) as host:
            assert await create(host)
        for user in ("scorer", "teacher", "anonymous"):
            with pytest.raises(aiomqtt.MqttError):
                async with aiomqtt.Client("127.0.0.1", broker.public.port, username=user,
                                          password="wrong", timeout=3):
                    pass


async def test_a_password_with_quotes_and_backslashes_logs_in(tmp_path: Path) -> None:
    require_nats()
    NatsAccounts(tmp_path / "nats").add("quoted", "host", 'p"a\\ss word')
    async with nats_broker(tmp_path / "nats") as broker:
        host = BrokerAddress("127.0.0.1", broker.public.port, "quoted", 'p"a\\ss word')
        async with connected(host):
            pass


async def test_no_account_may_use_the_core_nats_protocol(tmp_path: Path) -> None:
    """Every account is MQTT-only: NATS's own subjects ($MQTT.sub.>) are out of reach."""
    async with nats_broker(tmp_path / "nats") as broker:
        ports = (tmp_path / "nats" / "nats.log").read_text()
        core = int(ports.split("Listening for client connections on 127.0.0.1:")[1].split()[0])
        for login in ("", f',"user":"scorer","pass":"{broker.scorer.password}"'):
            with socket.create_connection(("127.0.0.1", core), timeout=5) as sock:
                sock.recv(4096)  # INFO
                sock.sendall(f'CONNECT {{"verbose":false{login}}}\r\nPING\r\n'.encode())
                assert b"Authorization Violation" in sock.recv(4096)


async def test_nobody_subscribes_to_the_brokers_own_delivery_topics(tmp_path: Path) -> None:
    async with nats_broker(tmp_path / "nats") as broker, \
            aiomqtt.Client("127.0.0.1", broker.public.port) as spy:
        for topic_filter in ("$MQTT/sub/#", "$MQTT/#", "#"):
            granted = await spy.subscribe(topic_filter, qos=1)
            assert [int(code.value) for code in granted] == [0x80], topic_filter


async def test_anyone_may_read_every_clients_replies_on_nats(tmp_path: Path) -> None:
    """What docs/security.md says NATS does not enforce: replies by wildcard.

    NATS 2.9 permissions cannot name the MQTT client id (Mosquitto's %c), so a player may
    subscribe to quiz/replies/+/+. Requests stay the scorer's alone.
    """
    async with nats_broker(tmp_path / "nats") as broker, \
            running_scorer(broker.scorer, tmp_path / "q.db"), \
            connected(broker.host) as host, \
            aiomqtt.Client("127.0.0.1", broker.public.port) as spy:
        granted = await spy.subscribe(topics.replies_of("+"), qos=1)
        assert [int(code.value) for code in granted] == [1]
        refused = await spy.subscribe(topics.join("+"), qos=1)
        assert [int(code.value) for code in refused] == [0x80]
        code = await create(host)
        await host.join(code, "ann", auth.new_secret())
        seen: list[str] = []
        async with asyncio.timeout(5):  # the replies to the creation and to the join
            async for message in spy.messages:
                seen.append(str(message.topic))
                if len(seen) == 2:
                    break
        assert all(t.startswith(f"quiz/replies/{host.client_id}/") for t in seen)
