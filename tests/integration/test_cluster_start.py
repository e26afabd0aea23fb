"""Starting a cluster when something is in the way (issue 28): the message names the cause.

A port another process holds is named, with its node, before any node starts; a node that
dies while starting stops the start at once, named with its fatal log line, not after the
other nodes' wait for their peers.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from broker.nats import (
    START_TIMEOUT_SECONDS,
    Cluster,
    NatsAccounts,
    NatsError,
    PortsInUseError,
    cluster_up,
)
from tests.conftest import require_nats
from tests.integration.test_cluster import alive, free_ports_in_a_row, quiz

pytestmark = pytest.mark.nats


def test_a_route_port_in_use_is_named_with_its_node_and_nothing_starts(tmp_path: Path) -> None:
    require_nats()
    cluster = Cluster.on(tmp_path / "cluster", free_ports_in_a_row(), free_ports_in_a_row())
    second_route = cluster.route_ports[1]
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", second_route))
        holder.listen()
        with pytest.raises(PortsInUseError) as refused:
            cluster_up(cluster, NatsAccounts(tmp_path))
        assert str(refused.value) == (
            f"in use by another process: {second_route} (quiz-2's route port)")
        assert not any(cluster.running().values())
        assert not (tmp_path / "cluster" / "quiz-1" / "nats.log").exists()

        # the command says the same, in one line, with the option that moves the ports
        assert quiz("cluster", "accounts", "teacher", "--role", "host",
                    cwd=tmp_path).returncode == 0
        up = quiz("cluster", "up", "--port", str(cluster.mqtt_ports[0]),
                  "--route-port", str(cluster.route_ports[0]), cwd=tmp_path)
        assert up.returncode == 1
        assert up.stderr.strip().splitlines() == [
            f"error: in use by another process: {second_route} (quiz-2's route port); "
            "choose others with --port (quiz-1's MQTT port, the others take the next two) "
            "or --route-port"]


def test_a_node_that_dies_at_start_is_named_with_its_fatal_line(tmp_path: Path) -> None:
    require_nats()
    cluster = Cluster.on(tmp_path / "cluster", free_ports_in_a_row(), free_ports_in_a_row())
    # quiz-2 cannot make its JetStream store: a file stands where its folder goes
    (tmp_path / "cluster" / "quiz-2").mkdir(parents=True)
    (tmp_path / "cluster" / "quiz-2" / "jetstream").write_text("not a folder")
    with pytest.raises(NatsError) as failed:
        cluster_up(cluster, NatsAccounts(tmp_path), timeout=START_TIMEOUT_SECONDS)
    message = str(failed.value)
    # the node that died, and why: not a timeout of another node waiting for its peers
    assert message.startswith("nats-server quiz-2 exited (1): "), message
    assert "[FTL] Can't start JetStream: storage directory is not a directory" in message
    assert "did not accept MQTT" not in message
    # the two that started are stopped again
    pids = [int((tmp_path / "cluster" / name / "nats.pid").read_text())
            for name in ("quiz-1", "quiz-3")
            if (tmp_path / "cluster" / name / "nats.pid").exists()]
    assert not any(alive(pid) for pid in pids)
    assert not any(cluster.running().values())
