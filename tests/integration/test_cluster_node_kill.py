"""A three-node NATS cluster loses the players' node mid-quiz: they move, nothing is lost.

Players on node A (with the list A,B), displays on node B, the scorer and the host on node
C. While the players answer, node A is killed with SIGKILL: every player's screen
(tui/live.py, the client package) fails over to B with the jittered backoff and sends its
kept answer again; the scorer, whose session and queue JetStream keeps on three nodes,
counts each answer once. Issue 14, "Proven by tests".
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from broker.nats import node_pid
from client.credentials import PlayerCredentials
from client.reconnect import Connected, Disconnected
from client.requests import QuizClient
from protocol import auth
from protocol.address import BrokerAddress, Brokers
from protocol.messages import Leaderboard, PlayerStatus, State
from tests.conftest import running_scorer, until
from tests.integration.test_cluster import three_nodes
from tui.live import Event, Live

T = TypeVar("T")

pytestmark = pytest.mark.nats

PLAYERS = 210
DISPLAYS = 3
# Players whose screens connect together, and joins sent at once (one client each).
WAVE = 15
QUESTIONS = 2
# Bounds every wait of the test (connecting 210 screens to one node takes a while on two
# shared cores).
WAIT = 90.0
# "Within a few seconds" (issue 14): from the kill to the player's Connected on node B.
# Generous: NATS refuses new QoS 1 subscriptions for a few seconds after a node dies,
# and a refused SUBACK costs a client one backoff (at most 2 s) per attempt.
RECONNECT_BOUND_SECONDS = 15.0


class Screen:
    """One screen's own connection (a player's or a display's), its loop in the background."""

    def __init__(self, live: Live) -> None:
        self.live = live
        self.events: list[tuple[float, Event]] = []

    async def follow(self) -> None:
        async for event in self.live.events():
            self.events.append((time.monotonic(), event))

    def connected_to(self, port: int, after: float = 0.0) -> float | None:
        """When this screen first connected to the node on `port` after `after`, if it did."""
        return next((at for at, e in self.events if at >= after and isinstance(e, Connected)
                     and e.broker.endswith(f":{port}")), None)

    def count(self, kind: type) -> int:
        return sum(isinstance(e, kind) for _, e in self.events)

    def last(self, kind: type[T]) -> T | None:
        return next((e for _, e in reversed(self.events) if isinstance(e, kind)), None)

    def question(self) -> int | None:
        """The index of the open question in the last state seen, if one is open."""
        state = self.last(State)
        if state is None or state.phase != "question" or state.question is None:
            return None
        return state.question.index

    def status(self) -> PlayerStatus | None:
        """The player's last status seen (the verdicts of its answers)."""
        me = self.live.player
        return next((e for _, e in reversed(self.events) if isinstance(e, PlayerStatus)
                     and me is not None and e.player == me.player), None)


@asynccontextmanager
async def following(screens: list[Screen]) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(screen.follow()) for screen in screens]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def stored(db: Path, code: str) -> list[tuple[str, int, int]]:
    """(player, q, points) of every stored answer of the quiz."""
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT player, q, points FROM answers WHERE quiz = ?",
                                 (code,)))


def answered(screen: Screen, q: int) -> bool:
    status = screen.status()
    return status is not None and status.last is not None and status.last.q == q


async def answer_all(players: list[Screen], q: int, rng: random.Random) -> None:
    """Every player answers question q, concurrently (a send to a dying node waits)."""
    await asyncio.gather(*(p.live.answer(q, rng.randrange(4)) for p in players))


async def join_all(where: BrokerAddress, code: str) -> list[PlayerCredentials]:
    """Join PLAYERS players, WAVE at a time: each request's reply subscription is a
    JetStream consumer made and deleted on the cluster, a fraction of a second."""
    async def join(client: QuizClient, i: int) -> PlayerCredentials:
        secret = auth.new_secret()
        reply = await client.join(code, f"p{i}", secret)
        assert reply.player is not None
        return PlayerCredentials(f"p{i}", reply.player, secret)

    async def worker(k: int) -> list[PlayerCredentials]:
        async with QuizClient.connect(where, WAIT) as client:
            return [await join(client, i) for i in range(k, PLAYERS, WAVE)]

    found = [me for part in await asyncio.gather(*(worker(k) for k in range(WAVE)))
             for me in part]
    return sorted(found, key=lambda me: int(me.name[1:]))


async def test_players_node_killed_mid_quiz_they_fail_over_and_every_answer_counts_once(
        tmp_path: Path) -> None:
    rng = random.Random(14)
    db = tmp_path / "q.db"
    with three_nodes(tmp_path) as (cluster, scorer_pw, host_pw):
        node_a = cluster.nodes()[0]
        a, b, c = cluster.mqtt_ports
        anyone = [BrokerAddress("127.0.0.1", port) for port in (a, b)]
        host_key = auth.new_secret()
        async with running_scorer(BrokerAddress("127.0.0.1", c, "scorer", scorer_pw), db), \
                QuizClient.connect(BrokerAddress("127.0.0.1", c, "teacher", host_pw),
                                   WAIT) as host:
            code = await host.create(host_key=host_key, deck="everyday", entries=None,
                                     questions=QUESTIONS, seconds=600.0, speed_bonus=True,
                                     streak=True, auto=False)
            joined = await join_all(BrokerAddress("127.0.0.1", c), code)
            players = [Screen(Live(Brokers(tuple(anyone)), code, player=me)) for me in joined]
            displays = [Screen(Live(anyone[1], code)) for _ in range(DISPLAYS)]

            async with following(displays), AsyncExitStack() as screens:
                # In waves: 200 screens subscribing at once time out NATS's JetStream
                # consumer creation (4 s) on two cores, and a refused one moves to B.
                for first in range(0, PLAYERS, WAVE):
                    wave = players[first:first + WAVE]
                    await screens.enter_async_context(following(wave))
                    await until(lambda w=wave: all(s.count(Connected) for s in w),  # type: ignore[misc]
                                WAIT)
                await until(lambda: all(s.count(Connected) == 1 for s in players + displays),
                            WAIT)
                assert all(p.connected_to(a) is not None for p in players)
                assert (await host.control(code, host_key, "start")).ok
                await until(lambda: all(p.question() == 0 for p in players), WAIT)

                # Half answer, then node A dies while the other half send theirs.
                rng.shuffle(order := list(players))
                await answer_all(order[:PLAYERS // 2], 0, rng)
                pid = node_pid(node_a)
                assert pid is not None
                rest = asyncio.create_task(answer_all(order[PLAYERS // 2:], 0, rng))
                await until(lambda: any(p.live.is_kept(0) or answered(p, 0)
                                        for p in order[PLAYERS // 2:]), WAIT)  # on their way
                killed_at = time.monotonic()
                os.kill(pid, signal.SIGKILL)
                await until(lambda: node_pid(node_a) is None, WAIT)  # reaped
                await asyncio.wait_for(rest, WAIT)

                await until(lambda: all(p.connected_to(b, killed_at) for p in players),
                            RECONNECT_BOUND_SECONDS)
                await until(lambda: all(answered(p, 0) for p in players), WAIT)

                # The rest of the quiz runs on B, A still down.
                # `at` names the question the host moves on from (a `next` for any other
                # is a no-op, docs/protocol.md): reveal question 1, then open question 2
                assert (await host.control(code, host_key, "next", at=0)).ok
                assert (await host.control(code, host_key, "next", at=0)).ok
                await until(lambda: all(p.question() == 1 for p in players), WAIT)
                await answer_all(players, 1, rng)
                await until(lambda: all(answered(p, 1) for p in players), WAIT)
                assert (await host.control(code, host_key, "end")).ok

                rows = stored(db, code)
                totals: dict[str, int] = {}
                for player, _, points in rows:
                    totals[player] = totals.get(player, 0) + points
                best = sorted(totals.values(), reverse=True)

                def final(screen: Screen) -> bool:
                    board = screen.last(Leaderboard)
                    return board is not None and board.players == PLAYERS \
                        and [s.score for s in board.top] == best[:len(board.top)] \
                        and all(s.score == totals[s.player] for s in board.top)

                await until(lambda: all(final(d) for d in displays), WAIT)
                # every player's own status too, not only the top of the board
                await until(lambda: all((s := p.status()) is not None
                                        and s.score == totals[p.live.player.player]  # type: ignore[union-attr]
                                        for p in players), WAIT)

            # the displays' node stayed up: they never lost their connection
            assert all(d.count(Disconnected) == 0 for d in displays)
            assert all(p.count(Disconnected) >= 1 for p in players)

    # 0 lost, 0 doubled: one stored answer per player and question
    assert sorted((player, q) for player, q, _ in rows) == sorted(
        (me.player, q) for me in joined for q in range(QUESTIONS))
    assert all(p.status().answered == QUESTIONS for p in players)  # type: ignore[union-attr]
