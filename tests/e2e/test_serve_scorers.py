"""`quiz serve --scorers N`: several scorer processes under one supervisor."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.conftest import free_port
from tests.e2e.cli import quiz, serving

SCORERS = 2
QUIZZES = 12  # all on one scorer happens once in 2**11 runs


def children(parent: int) -> dict[str, int]:
    """The supervisor's scorer processes: partition -> pid."""
    found = {}
    listing = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(parent)],
                             capture_output=True, text=True, check=False).stdout
    for line in listing.splitlines():
        pid, _, args = line.strip().partition(" ")
        if "--partition" in args:
            found[args.split("--partition", 1)[1].split()[0]] = int(pid)
    return found


def codes_in(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT code FROM quizzes")}


def wait_for(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_several_scorers_split_quizzes_and_a_dead_one_comes_back(tmp_path: Path) -> None:
    port, db, home = free_port(), tmp_path / "quiz.db", tmp_path / "home"
    broker = f"mqtt://127.0.0.1:{port}"
    with serving(port, db, options=("--scorers", str(SCORERS), "--web-port", "0")) as server:
        wait_for(lambda: len(children(server.pid)) == SCORERS)
        codes = [quiz("create", "--questions", "2", "--json", home=home, broker=broker)
                 .json()["quiz"] for _ in range(QUIZZES)]
        first, second = codes_in(db), codes_in(tmp_path / "quiz-1.db")
        assert first | second == set(codes) and not first & second
        assert first and second
        # kill -9 scorer 1: the supervisor starts it again, and its quizzes go on
        before = children(server.pid)
        os.kill(before["1/2"], signal.SIGKILL)
        wait_for(lambda: children(server.pid).get("1/2") not in (None, before["1/2"]))
        code = sorted(second)[0]
        joined = quiz("join", code, "--name", "ann", "--json", home=home, broker=broker)
        assert joined.code == 0, joined.err
        assert quiz("start", code, home=home, broker=broker).code == 0
        answered = quiz("answer", code, "--choice", "1", "--json", home=home, broker=broker)
        assert answered.code == 0, answered.err
        assert answered.json()["answered"] == 1
        scorers = children(server.pid)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
    for pid in scorers.values():  # no scorer outlives its supervisor
        wait_for(lambda pid=pid: not Path(f"/proc/{pid}").exists(), timeout=5)
