"""Nothing lost, nothing counted twice: crashes, broker restarts, floods and hostile input.

Every loop here is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import pytest

from broker.mosquitto import Accounts, run_mosquitto
from cli.bench import Pool, Sim, pools
from client.requests import QuizClient
from protocol import auth, topics
from protocol.address import BrokerAddress
from protocol.messages import Answer, encode
from scorer.rules import Rules, score_answer
from scorer.service import Scorer, ScorerSettings
from scorer.store import StorageError, Store
from tests.conftest import (
    ONLINE_TIMEOUT,
    BrokerUnderTest,
    board_including,
    connected,
    free_port,
    lines_until,
    mosquitto_broker,
    require_mosquitto,
    running_scorer,
    until,
)
from tests.e2e.cli import ROOT

HOST = auth.new_secret()
SECONDS = 120.0
# A standby notices a killed scorer at once (its lock and its connection end with it).
TAKEOVER_TIMEOUT = 15.0


async def make_quiz(host: BrokerAddress) -> str:
    async with QuizClient.connect(host, 10) as client:
        return await client.create(deck="everyday", entries=None, questions=2, seconds=SECONDS,
                                   speed_bonus=True, streak=True, auto=False, host_key=HOST)


async def control(host: BrokerAddress, code: str, action: str, at: int = -1) -> None:
    async with QuizClient.connect(host, 10) as client:
        await client.control(code, HOST, action, at=at)


def schedule(pool: Pool, q: int, spread: float,
             rng: random.Random) -> list[tuple[float, Sim, bytes]]:
    out = []
    for sim in pool.sims:
        choice = rng.randrange(4)
        answer = Answer(client=pool.client_id, req=topics.new_request_id(), q=q, choice=choice,
                        sig=auth.sign_answer(sim.secret, sim.quiz, sim.player, q, choice))
        out.append((rng.uniform(0, spread), sim, encode(answer)))
    return sorted(out, key=lambda item: item[0])


def assert_stored_answers_match_the_rule(db: Path, code: str, expected: int) -> None:
    """Each answer once, its points as the rule says, standings = a recomputation."""
    store = Store(db)
    try:
        quiz = store.load_quiz(code)
        answers = store.answers(code)
    finally:
        store.close()
    assert len(answers) == expected
    assert len({(a.player, a.q) for a in answers}) == expected
    totals: dict[str, int] = {}
    streaks: dict[str, int] = {}
    for a in answers:
        assert a.correct == (a.choice == quiz.questions[a.q].correct)
        outcome = score_answer(correct=a.correct, elapsed=a.elapsed_ms / 1000, duration=SECONDS,
                               streak_before=streaks.get(a.player, 0), rules=Rules())
        assert a.points == outcome.points
        streaks[a.player] = outcome.streak
        totals[a.player] = totals.get(a.player, 0) + a.points
    assert {s.player: s.score for s in quiz.standings()} == \
        {pid: totals.get(pid, 0) for pid in quiz.players}


def spawn_scorer(broker: BrokerAddress, db: Path, *extra: str) -> subprocess.Popen[str]:
    """`quiz serve` on `broker` as the scorer `fault-scorer`, not waited for."""
    url = f"mqtt://{broker.username}:{broker.password}@{broker.host}:{broker.port}"
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--broker", url, "--db", str(db),
         "--client-id", "fault-scorer", *extra], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, cwd=ROOT)


def wait_online(process: subprocess.Popen[str],
                timeout: float = ONLINE_TIMEOUT) -> subprocess.Popen[str]:
    """The process once it prints that it is online; killed if not within `timeout`."""
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "online" in line:
            return process
        if not line and process.poll() is not None:
            break
    process.kill()
    raise TimeoutError("the scorer did not come online")


def start_scorer(broker: BrokerAddress, db: Path) -> subprocess.Popen[str]:
    return wait_online(spawn_scorer(broker, db))


async def test_a_scorer_killed_at_random_moments_scores_every_answer_once(
        tmp_path: Path) -> None:
    rng = random.Random(5)
    db = tmp_path / "q.db"
    async with mosquitto_broker(tmp_path / "mosquitto") as broker:
        scorer = await asyncio.to_thread(start_scorer, broker.scorer, db)
        try:
            code = await make_quiz(broker.host)
            sims = [Sim(code, f"p{i}", auth.new_secret()) for i in range(240)]
            async with pools(broker.public, sims) as opened:
                await asyncio.gather(*(pool.join() for pool in opened))
                await control(broker.host, code, "start")

                async def kill_and_restart() -> None:
                    nonlocal scorer
                    for _ in range(3):
                        # the moment is what is tested: random, wherever the answers are then
                        await asyncio.sleep(rng.uniform(0.3, 1.0))
                        scorer.send_signal(signal.SIGKILL)  # no goodbye, no flush
                        await asyncio.to_thread(scorer.wait)
                        scorer = await asyncio.to_thread(start_scorer, broker.scorer, db)

                start = time.monotonic() + 0.1
                async with asyncio.timeout(90):
                    await asyncio.gather(kill_and_restart(), *(
                        pool.answer(schedule(pool, 0, 3.0, rng), start) for pool in opened))
            assert all(sim.result_at for sim in sims)
            async with connected(broker.public) as client:
                board = await board_including(client, code,
                                              max(sim.answer_seq for sim in sims))
        finally:
            scorer.send_signal(signal.SIGTERM)
            await asyncio.to_thread(scorer.wait)
    assert_stored_answers_match_the_rule(db, code, expected=240)
    store = Store(db)
    try:
        stored_top = store.load_quiz(code).standings(10)
    finally:
        store.close()
    assert board is not None
    assert board.top == stored_top


async def test_a_standby_takes_over_from_a_killed_scorer_losing_and_doubling_nothing(
        tmp_path: Path) -> None:
    rng = random.Random(13)
    db = tmp_path / "q.db"
    async with mosquitto_broker(tmp_path / "mosquitto") as broker:
        primary = await asyncio.to_thread(start_scorer, broker.scorer, db)
        standby = spawn_scorer(broker.scorer, db, "--standby")  # same database, same client id
        try:
            assert standby.stdout is not None
            waits = await asyncio.to_thread(standby.stdout.readline)
            assert "standby" in waits, waits
            assert standby.poll() is None
            code = await make_quiz(broker.host)
            sims = [Sim(code, f"p{i}", auth.new_secret()) for i in range(200)]
            async with pools(broker.public, sims) as opened:
                await asyncio.gather(*(pool.join() for pool in opened))
                await control(broker.host, code, "start")
                plans = [schedule(pool, 0, 3.0, rng) for pool in opened]
                sent = {(sim.player, 0): msgspec.json.decode(payload, type=Answer).choice
                        for plan in plans for _, sim, payload in plan}

                async def kill_the_primary() -> None:
                    # mid-quiz: a quarter scored, the rest sent during and after the takeover
                    await until(lambda: sum(1 for sim in sims if sim.result_at) >= len(sims) // 4,
                                timeout=30)
                    primary.send_signal(signal.SIGKILL)  # no goodbye: the last will says it
                    await asyncio.to_thread(primary.wait)
                    await asyncio.to_thread(wait_online, standby, TAKEOVER_TIMEOUT)

                start = time.monotonic() + 0.1
                async with asyncio.timeout(90):
                    await asyncio.gather(kill_the_primary(), *(
                        pool.answer(plan, start) for pool, plan in zip(opened, plans,
                                                                       strict=True)))
            assert all(sim.result_at for sim in sims)
        finally:
            for process in (primary, standby):
                process.send_signal(signal.SIGTERM)
                await asyncio.to_thread(process.wait)
    assert_stored_answers_match_the_rule(db, code, expected=200)
    store = Store(db)
    try:
        stored = {(a.player, a.q): a.choice for a in store.answers(code)}
    finally:
        store.close()
    assert stored == sent  # each answer as sent, once


async def test_a_broker_restart_mid_quiz_loses_nothing(tmp_path: Path) -> None:
    require_mosquitto()
    rng = random.Random(7)
    db, folder, port = tmp_path / "q.db", tmp_path / "mosquitto", free_port()
    accounts = Accounts(folder)
    accounts.add("scorer", "scorer", "scorer-pw")
    accounts.add("teacher", "host", "teacher-pw")
    public = BrokerAddress("127.0.0.1", port)
    host = BrokerAddress("127.0.0.1", port, "teacher", "teacher-pw")
    watch: asyncio.subprocess.Process | None = None
    first_run = run_mosquitto(folder, port)
    first_run.__enter__()
    try:
        async with running_scorer(BrokerAddress("127.0.0.1", port, "scorer", "scorer-pw"),
                                  db) as scorer:
            code = await make_quiz(host)
            sims = [Sim(code, f"p{i}", auth.new_secret()) for i in range(40)]
            async with pools(public, sims) as opened:
                await asyncio.gather(*(pool.join() for pool in opened))
            await control(host, code, "start")
            watch = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "cli", "watch", code, "--json", "--updates", "3",
                "--broker", str(public), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=ROOT)
            printed = await lines_until(watch.stdout, '"type"')  # it follows the quiz
            first_run.__exit__(None, None, None)  # the broker goes down mid-quiz
            first_run = None
            await until(lambda: not scorer.connected.is_set())
            said = await lines_until(watch.stderr, "reconnecting")  # the watch noticed too
            with run_mosquitto(folder, port):  # back, with its persistence
                await until(scorer.connected.is_set, timeout=20)
                async with pools(public, sims) as opened:
                    for pool in opened:
                        pool.by_status_topic = {topics.player(s.quiz, s.player): s
                                                for s in pool.sims}
                        for status_topic in pool.by_status_topic:
                            await pool.client.subscribe(status_topic, qos=1)
                    start = time.monotonic() + 0.1
                    async with asyncio.timeout(30):
                        await asyncio.gather(*(pool.answer(schedule(pool, 0, 1.0, rng), start)
                                               for pool in opened))
                async with asyncio.timeout(30):
                    rest, more = await watch.communicate()
    finally:
        if watch is not None and watch.returncode is None:
            watch.kill()
            await watch.wait()
        if first_run is not None:
            first_run.__exit__(None, None, None)
    out, err = "".join(printed) + rest.decode(), "".join(said) + more.decode()
    assert watch.returncode == 0, err
    assert [json.loads(line)["type"] for line in out.splitlines()].count("leaderboard") == 3
    assert_stored_answers_match_the_rule(db, code, expected=40)


async def test_a_flood_from_one_player_is_cut_and_nobody_else_is_hurt(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    rng = random.Random(9)
    async with running_scorer(broker.scorer, tmp_path / "q.db") as scorer:
        code = await make_quiz(broker.host)
        sims = [Sim(code, f"p{i}", auth.new_secret()) for i in range(21)]
        async with pools(broker.public, sims) as opened:
            await asyncio.gather(*(pool.join() for pool in opened))
            await control(broker.host, code, "start")
            pool = opened[0]
            flooder, honest = sims[0], sims[1:]
            junk = encode(Answer(client=pool.client_id, req=topics.new_request_id(), q=0,
                                 choice=0, sig="0" * 64))
            flood_topic = topics.answer(code, flooder.player)
            pool.sims = honest
            start = time.monotonic() + 0.2

            async def flood() -> None:
                for i in range(2000):  # 1,000 a second for two seconds
                    pool.client.publish(flood_topic, junk)
                    if i % 50 == 0:
                        await asyncio.sleep(0.05)  # paces the flood among the honest answers

            async with asyncio.timeout(30):
                await asyncio.gather(flood(), pool.answer(schedule(pool, 0, 1.5, rng), start))
    assert all(sim.result_at for sim in honest)
    assert scorer.handler.flood.dropped > 1000
    assert_stored_answers_match_the_rule(tmp_path / "q.db", code, expected=20)


async def test_ten_thousand_hostile_payloads_change_nothing(tmp_path: Path) -> None:
    rng = random.Random(11)
    async with mosquitto_broker(tmp_path / "mosquitto") as broker, \
            running_scorer(broker.scorer, tmp_path / "q.db") as scorer:
        code = await make_quiz(broker.host)
        sims = [Sim(code, f"p{i}", auth.new_secret()) for i in range(20)]
        async with pools(broker.public, sims) as opened:
            await asyncio.gather(*(pool.join() for pool in opened))
            await control(broker.host, code, "start")
            pool = opened[0]
            players = [sim.player for sim in sims]
            targets = [topics.create(), topics.join(code), topics.control(code),
                       *(topics.answer(code, p) for p in players),
                       topics.answer(code, "deadbeef"), topics.join("ZZZZZZ")]
            shapes = [
                lambda: rng.randbytes(rng.randrange(0, 200)),
                lambda: json.dumps({"v": rng.choice([0, 1, 2, "1", None]),
                                    "req": rng.choice(["", "x" * 16, "0" * 16, 5]),
                                    "client": pool.client_id, "q": rng.randrange(-5, 5),
                                    "choice": rng.choice([0, 9, -1, "a", None]),
                                    "sig": rng.choice(["", "0" * 64, None]),
                                    "name": rng.choice(["", "\x00", "é" * 30, "ok"]),
                                    "secret": rng.choice(["", "g" * 40, "a" * 32]),
                                    "action": rng.choice(["start", "nope", "end", 3])}).encode(),
                lambda: b"[" * rng.randrange(1, 5000),
                lambda: b'{"v":1,"req":"' + b"a" * 10_000 + b'"}',
                lambda: b'{"a":' * rng.randrange(1, 800),
            ]

            async def hostile() -> None:
                # a host account: it may also reach quiz/new and control (players may not)
                async with connected(broker.host, timeout=30) as attacker:
                    raw = attacker.connection.mqtt
                    await raw.publish(topics.create(), b'{"a":' * 200_000, qos=1)
                    for i in range(10_000):
                        await raw.publish(rng.choice(targets), rng.choice(shapes)(), qos=0)
                        if i % 100 == 0:
                            await asyncio.sleep(0.01)  # paces the junk among the answers
                    # sent after all the junk on the same connection: its reply comes once the
                    # scorer has been through every payload the broker passed on
                    assert (await attacker.control(code, HOST, "results")).ok

            start = time.monotonic() + 0.5
            async with asyncio.timeout(90):
                await asyncio.gather(hostile(), pool.answer(schedule(pool, 0, 3.0, rng), start))
        assert set(scorer.quizzes) == {code}  # no quiz created by the junk
        assert len(scorer.quizzes[code].players) == 20
        assert scorer.quizzes[code].phase == "question"
    assert all(sim.result_at for sim in sims)
    assert_stored_answers_match_the_rule(tmp_path / "q.db", code, expected=20)


async def test_a_database_that_refuses_writes_stops_the_scorer_and_loses_nothing(
        tmp_path: Path) -> None:
    """Mosquitto only: amqtt drops an unacknowledged QoS 1 message when its receiver goes away
    (or after 5 s) instead of redelivering it, so ack-after-commit cannot help there."""
    async with mosquitto_broker(tmp_path / "mosquitto") as broker:
        await refused_writes_lose_nothing(broker, tmp_path / "q.db")


async def refused_writes_lose_nothing(broker: BrokerUnderTest, db: Path) -> None:
    store = Store(db)
    scorer = Scorer(ScorerSettings(broker=broker.scorer, database=db), store)
    task = asyncio.create_task(scorer.run())
    try:
        async with asyncio.timeout(ONLINE_TIMEOUT):
            await scorer.connected.wait()
        code = await make_quiz(broker.host)
        async with connected(broker.host) as client:
            ann_secret, bob_secret = auth.new_secret(), auth.new_secret()
            ann = (await client.join(code, "ann", ann_secret)).player or ""
            bob = (await client.join(code, "bob", bob_secret)).player or ""
            await client.control(code, HOST, "start")
            await client.answer(code, ann, ann_secret, 0, 1)

            def refuse_answers(action: int, table: str | None, *_: object) -> int:
                refused = action == sqlite3.SQLITE_INSERT and table == "answers"
                return sqlite3.SQLITE_DENY if refused else sqlite3.SQLITE_OK

            # only the answer's own commit fails (as a full disk would), not the heartbeat
            store.db.conn.set_authorizer(refuse_answers)
            answer = Answer(client=client.client_id, req=topics.new_request_id(), q=0, choice=2,
                            sig=auth.sign_answer(bob_secret, code, bob, 0, 2))
            await client.connection.mqtt.publish(topics.answer(code, bob), encode(answer), qos=1)
            with pytest.raises(StorageError):
                async with asyncio.timeout(10):
                    await task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        store.close()
    # the disk is free again: a new scorer gets the unacknowledged answer from the broker
    async with running_scorer(broker.scorer, db) as again:
        await until(lambda: bob in again.quizzes[code].players
                    and again.quizzes[code].players[bob].answered > 0)
    assert_stored_answers_match_the_rule(db, code, expected=2)
