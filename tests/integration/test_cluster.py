"""A three-node NATS cluster on one machine (broker/nats.py, `quiz cluster`): a quiz across it."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiomqtt
import pytest

from broker.nats import Cluster, NatsAccounts, cluster_down, cluster_up
from protocol import auth, topics
from protocol.address import BrokerAddress
from protocol.messages import Leaderboard, decode
from tests.conftest import connected, first_that, require_nats, running_scorer, until

pytestmark = pytest.mark.nats
HOST = auth.new_secret()


def free_ports_in_a_row(count: int = 3, attempts: int = 50) -> int:
    """The first of `count` consecutive ports on 127.0.0.1 that nothing listens on."""
    for _ in range(attempts):
        base = random.randrange(20000, 60000)
        socks = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
        return base
    raise AssertionError(f"no {count} free ports in a row after {attempts} tries")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def three_nodes(folder: Path) -> Iterator[tuple[Cluster, str, str]]:
    """A cluster up, with the scorer's and a host's passwords; down after the block."""
    require_nats()
    accounts = NatsAccounts(folder)
    scorer_pw, host_pw = accounts.scorer_password(), auth.new_secret()
    accounts.add("teacher", "host", host_pw)
    cluster = Cluster.on(folder / "cluster", free_ports_in_a_row(), free_ports_in_a_row())
    cluster_up(cluster, accounts)
    try:
        yield cluster, scorer_pw, host_pw
    finally:
        cluster_down(cluster)


async def test_a_quiz_runs_across_three_nodes_and_down_leaves_no_process(
        tmp_path: Path) -> None:
    with three_nodes(tmp_path) as (cluster, scorer_pw, host_pw):
        pids = list(cluster.running().values())
        assert len(pids) == 3 and all(pids)
        one, two, three = cluster.mqtt_ports
        scorer = BrokerAddress("127.0.0.1", one, "scorer", scorer_pw)
        async with running_scorer(scorer, tmp_path / "q.db") as service, \
                connected(BrokerAddress("127.0.0.1", two, "teacher", host_pw),
                          timeout=10) as host:
            code = await host.create(host_key=HOST, deck="everyday", entries=None,
                                     questions=1, seconds=60.0, speed_bonus=False,
                                     streak=False, auto=False)
            secret = auth.new_secret()
            player = (await host.join(code, "ann", secret)).player
            assert player is not None
            await host.control(code, HOST, "start")
            correct = service.quizzes[code].questions[0].correct
            assert (await host.answer(code, player, secret, 0, correct)).score == 1000
            await until(lambda: not service.views._leaderboards)  # the board went out
            # a display on the third node, which neither the scorer nor the host uses: the
            # retained board reaches that node's copy a moment after the publish (JetStream
            # replicates it), so a display connecting then may get the one before; bounded
            async def retained_board() -> Leaderboard:
                async with aiomqtt.Client("127.0.0.1", three, timeout=10) as display:
                    await display.subscribe(topics.leaderboard(code), qos=1)
                    async with asyncio.timeout(10):
                        message = await anext(aiter(display.messages))
                assert message.retain
                return decode(Leaderboard, bytes(message.payload))  # type: ignore[arg-type]

            board = await first_that(retained_board, lambda found: bool(found.top))
            assert [(s.name, s.score) for s in board.top] == [("ann", 1000)]
        # three replicas: every node keeps the MQTT streams (sessions, queued and retained)
        for node in cluster.nodes():
            streams = node.folder / "jetstream" / "jetstream" / "$G" / "streams"
            assert {"$MQTT_sess", "$MQTT_msgs", "$MQTT_rmsgs"} <= {p.name for p in
                                                                   streams.iterdir()}
    assert Cluster.load(tmp_path / "cluster") is not None
    assert not any(alive(pid) for pid in pids if pid)
    assert not any(Cluster.load(tmp_path / "cluster").running().values())  # type: ignore[union-attr]


def test_a_second_up_on_a_running_cluster_is_refused(tmp_path: Path) -> None:
    with three_nodes(tmp_path) as (cluster, _, _):
        with pytest.raises(Exception, match="already runs"):
            cluster_up(cluster, NatsAccounts(tmp_path))
        assert all(cluster.running().values())  # the running one is left alone


def quiz(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={**os.environ, "QUIZ_ACCOUNT_PASSWORD": "pw",
                               "PYTHONPATH": str(Path(__file__).resolve().parents[2])})


async def test_quiz_cluster_up_status_down(tmp_path: Path) -> None:
    require_nats()
    port, route = str(free_ports_in_a_row()), str(free_ports_in_a_row())
    assert quiz("cluster", "accounts", "teacher", "--role", "host", cwd=tmp_path).returncode == 0
    up = quiz("cluster", "up", "--port", port, "--route-port", route, cwd=tmp_path)
    try:
        assert up.returncode == 0, up.stderr
        brokers = ",".join(f"mqtt://127.0.0.1:{int(port) + k}" for k in range(3))
        assert f"brokers: {brokers}" in up.stdout
        scorer_url = tmp_path / "quiz-data" / "nats" / "cluster" / "scorer.url"
        assert oct(scorer_url.stat().st_mode)[-3:] == "600"
        assert scorer_url.read_text().startswith("mqtt://scorer:")
        assert scorer_url.read_text().count("mqtt://scorer:") == 3  # every node, for failover
        # a node that accepted a session at `up` may refuse the next one a moment, while its
        # JetStream still creates the MQTT streams on a loaded machine: wait until all three do
        status = await first_that(lambda: asyncio.to_thread(quiz, "cluster", "status",
                                                            cwd=tmp_path),
                                  lambda found: found.stdout.count("accepts MQTT") == 3)
        assert status.stdout.count("pid ") == 3, status.stdout
        again = quiz("cluster", "up", "--port", port, "--route-port", route, cwd=tmp_path)
        assert again.returncode == 1
        assert again.stderr.strip().splitlines() == [again.stderr.strip()]
        assert "already runs" in again.stderr
    finally:
        down = quiz("cluster", "down", cwd=tmp_path)
    assert down.stdout.strip() == "stopped quiz-1, quiz-2, quiz-3", (down.returncode,
                                                                     down.stderr)
    status = quiz("cluster", "status", cwd=tmp_path)
    assert status.stdout.count(": down,") == 3, status.stdout
    pids = [int(line.split("pid ")[1]) for line in up.stdout.splitlines() if " pid " in line]
    assert len(pids) == 3 and not any(alive(pid) for pid in pids)
