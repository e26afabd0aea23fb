"""Scorers killed and restarted in a loop while quizzes are created and answered.

Under `quiz serve --scorers 2`, a thread kills a random scorer with SIGKILL every
KILL_EVERY seconds (the supervisor starts it again) while rounds of quizzes are
created, joined, started and answered through the `quiz` command (and one more round
after the kills, so some answers always get through). Afterwards every quiz lives in
exactly one scorer's database, no answer is stored twice (in one database or across
both), and every answer whose verdict a player saw is stored.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from serve.supervisor import member_database
from tests.conftest import free_port
from tests.e2e.cli import Result, quiz, serving
from tests.e2e.test_cli_quiz import mosquitto
from tests.e2e.test_serve_scorers import children, wait_for

SCORERS = 2
ROUNDS = 6
PLAYERS = 3
KILL_EVERY = 1.5  # seconds between two kills
MAX_KILLS = 20
TIMEOUT = "20"  # seconds each command waits for the scorer (a restart may take 10 s)
# No round starts after this long: a command whose scorer is down waits up to TIMEOUT (an
# answer at QoS 0 is sent again until its verdict, not dropped at the first "offline"), so a
# round can take four TIMEOUTs, and ROUNDS of them went past the test's time on a loaded
# machine. The loop is bounded in count and in time.
ROUNDS_SECONDS = 45.0
# Rounds after the kills, until one gets through: at most this many, for this long.
AFTER_ROUNDS = 10
AFTER_SECONDS = 60.0
AFTER_PAUSE_SECONDS = 2.0
# ...so the test's own bound: the rounds, one round started last, the round after the
# kills, and the supervisor's stop.
TEST_SECONDS = 360


def killer(parent: int, stop: threading.Event, kills: list[int]) -> None:
    """Kill a random scorer now and then until told to stop (bounded by MAX_KILLS)."""
    rng = random.Random(7)
    while not stop.wait(KILL_EVERY) and len(kills) < MAX_KILLS:
        alive = children(parent)
        if len(alive) < SCORERS:
            continue  # one is being restarted: wait for it
        pid = alive[rng.choice(sorted(alive))]
        try:
            os.kill(pid, signal.SIGKILL)
            kills.append(pid)
        except ProcessLookupError:
            pass


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.timeout(TEST_SECONDS)
@pytest.mark.parametrize("broker_kind", ["embedded", "mosquitto"])
def test_a_quiz_is_never_scored_by_two_scorers_while_they_are_killed_in_a_loop(
        tmp_path: Path, broker_kind: str) -> None:
    port = free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    if broker_kind == "mosquitto":  # a Mosquitto of its own; the scorers log in, so does the host
        with mosquitto(tmp_path / "mosquitto", port) as (scorer_url, host_url):
            run_rounds(tmp_path, port, scorer_url, broker, host_url)
    else:
        run_rounds(tmp_path, port, "embedded", broker, broker)


def run_rounds(tmp_path: Path, port: int, scorer_broker: str, broker: str,
               host_broker: str) -> None:
    db, host = tmp_path / "quiz.db", tmp_path / "host"
    stop, kills = threading.Event(), []
    scored: dict[tuple[str, str], Result] = {}
    with serving(port, db, broker=scorer_broker,
                 options=("--scorers", str(SCORERS), "--web-port", "0")) as server, \
            ThreadPoolExecutor(max_workers=PLAYERS) as pool:
        wait_for(lambda: len(children(server.pid)) == SCORERS)
        thread = threading.Thread(target=killer, args=(server.pid, stop, kills), daemon=True)
        thread.start()

        def one_round(n: int) -> None:
            created = quiz("create", "--questions", "1", "--json", "--timeout", TIMEOUT,
                           home=host, broker=host_broker)
            if created.code != 0:  # its scorer was down past the timeout: next round
                return
            code = created.json()["quiz"]
            homes = [tmp_path / f"r{n}p{i}" for i in range(PLAYERS)]
            joined = list(pool.map(lambda h: quiz("join", code, "--name", h.name, "--timeout",
                                                  TIMEOUT, home=h, broker=broker), homes))
            if quiz("start", code, "--timeout", TIMEOUT, home=host,
                    broker=host_broker).code != 0:
                return
            answers = pool.map(lambda h: quiz("answer", code, "--choice", "1", "--timeout",
                                              TIMEOUT, home=h, broker=broker), homes)
            for home, did_join, answered in zip(homes, joined, answers, strict=True):
                if did_join.code == 0 and answered.code == 0:
                    scored[(code, home.name)] = answered

        started = time.monotonic()
        try:
            for n in range(ROUNDS):
                if time.monotonic() - started > ROUNDS_SECONDS:
                    break
                one_round(n)
        finally:
            stop.set()
            thread.join(timeout=10)
        # Restarts back off (up to 10 s) while kills keep coming, so on a slow machine a
        # round may get nothing through, and `quiz create` refuses at once while a scorer
        # says offline: rounds once the kills stopped, until one gets an answer through
        # (bounded in count and time), so the check below is never about no answers at all.
        after = time.monotonic()
        for n in range(ROUNDS, ROUNDS + AFTER_ROUNDS):
            if scored or time.monotonic() - after > AFTER_SECONDS:
                break
            wait_for(lambda: len(children(server.pid)) == SCORERS)
            one_round(n)
            if not scored:
                time.sleep(AFTER_PAUSE_SECONDS)  # a restarted scorer is still coming online
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    assert kills, "no scorer was killed"
    assert scored, "no answer got through"
    databases = [member_database(db, k) for k in range(SCORERS)]
    quizzes = [code for d in databases for (code,) in rows(d, "SELECT code FROM quizzes")]
    assert len(quizzes) == len(set(quizzes)), "a quiz was created in two databases"
    answers = [row for d in databases
               for row in rows(d, "SELECT a.quiz, p.name, a.q FROM answers a JOIN players p"
                                  " ON p.quiz = a.quiz AND p.id = a.player")]
    assert len(answers) == len(set(answers)), "an answer was stored twice"
    stored = {(code, name) for code, name, _ in answers}
    assert set(scored) <= stored, "an answer a player saw scored is not stored"
