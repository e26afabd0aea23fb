"""A three-node NATS cluster loses the scorer's node mid-quiz: the scorer moves on, nothing lost.

The scorer has the list C,B and runs on C; the host and the players are on A. Half the
players answer and see their verdict; the other half answer and node C is killed with
SIGKILL at once: their answers wait in the scorer's session, which JetStream keeps on
three nodes (or were scored and not yet acknowledged, and come again). The scorer
fails over to B (scorer/service.py, protocol.retry.Reconnect), resumes its session there
and scores every answer once. Issue 14, "Then kill the scorer's node".
"""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

import pytest

from broker.nats import node_pid
from client.outbox import PendingAnswer
from protocol import auth, topics
from protocol.address import BrokerAddress, Brokers
from tests.conftest import connected, running_scorer, until
from tests.integration.test_cluster import three_nodes

pytestmark = pytest.mark.nats
PLAYERS = 20
# Bounds every wait: after a node's death NATS refuses or delays some requests for a while
# (docs/design.md), and a refused connect or subscription costs a backoff.
WAIT = 90.0


def stored(db: Path, code: str) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT player, q FROM answers WHERE quiz = ?", [code]).fetchall()


async def test_the_scorers_node_dies_it_fails_over_and_scores_every_answer_once(
        tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    with three_nodes(tmp_path) as (cluster, scorer_pw, host_pw):
        a, b, c = cluster.mqtt_ports
        node_c = cluster.nodes()[2]
        on_c, on_b = (BrokerAddress("127.0.0.1", port, "scorer", scorer_pw) for port in (c, b))
        host_key = auth.new_secret()
        async with running_scorer(Brokers((on_c, on_b)), db) as scorer, \
                connected(BrokerAddress("127.0.0.1", a, "teacher", host_pw), WAIT) as host:
            assert scorer.broker == on_c
            code = await host.create(host_key=host_key, deck="everyday", entries=None,
                                     questions=1, seconds=600.0, speed_bonus=True,
                                     streak=True, auto=False)
            players = []
            for n in range(PLAYERS):
                secret = auth.new_secret()
                reply = await host.join(code, f"p{n}", secret)
                assert reply.player is not None
                players.append((reply.player, secret))
            assert (await host.control(code, host_key, "start")).ok
            for player, secret in players[:PLAYERS // 2]:
                assert (await host.answer(code, player, secret, 0, 1)).answered == 1

            # the other half go out (acknowledged by node A, so kept in JetStream), and the
            # scorer's node dies while they are on their way or waiting in its session
            for player, secret in players[PLAYERS // 2:]:
                request = PendingAnswer.sign(secret, code, player, 0, 2).request(host.client_id)
                await host.connection.publish(topics.answer(code, player), request)
            pid = node_pid(node_c)
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            await until(lambda: node_pid(node_c) is None, WAIT)  # reaped
            await until(lambda: scorer.broker == on_b and scorer.connected.is_set(), WAIT)
            await until(lambda: len(stored(db, code)) >= PLAYERS, WAIT)
            assert scorer.quizzes[code].answered == PLAYERS
    rows = stored(db, code)
    assert sorted(rows) == sorted((player, 0) for player, _ in players)  # 0 lost, 0 doubled
