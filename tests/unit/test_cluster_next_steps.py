"""What `quiz serve` prints on a NATS cluster: every node, and the cluster's accounts command."""

from __future__ import annotations

from pathlib import Path

from cli import render
from protocol.address import BrokerAddress

NODES = ",".join(f"mqtt://scorer:s3cret@127.0.0.1:{port}" for port in (4885, 4883, 4884))


def test_the_next_steps_on_a_cluster_name_every_node_and_quiz_cluster_accounts() -> None:
    online = BrokerAddress("127.0.0.1", 4885, "scorer", "s3cret")
    text = render.server_ready(online, NODES, Path("cluster.db"))
    assert "s3cret" not in text and "scorer@" not in text
    listed = "mqtt://127.0.0.1:4885,mqtt://127.0.0.1:4883,mqtt://127.0.0.1:4884"
    assert f"quiz join CODE --name alice --broker {listed}" in text
    assert f"quiz watch CODE --broker {listed}" in text
    assert ("export QUIZ_BROKER=mqtt://teacher:PASSWORD@127.0.0.1:4885,"
            "mqtt://teacher:PASSWORD@127.0.0.1:4883,mqtt://teacher:PASSWORD@127.0.0.1:4884"
            in text)
    assert "`quiz cluster accounts teacher --role host`" in text
    assert "`quiz accounts" not in text


def test_one_nats_node_names_quiz_cluster_accounts_and_one_running_broker_quiz_accounts(
        ) -> None:
    local = BrokerAddress("127.0.0.1", 4222)
    assert "`quiz cluster accounts teacher" in render.server_ready(local, "nats", Path("q.db"))
    one = render.server_ready(BrokerAddress("10.0.0.5", 1883, "scorer", "pw"),
                              "mqtt://scorer:pw@10.0.0.5:1883", Path("q.db"))
    assert "`quiz accounts teacher --role host`" in one and "cluster" not in one
