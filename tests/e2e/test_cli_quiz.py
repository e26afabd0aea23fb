"""A whole quiz driven through the `quiz` command, as a host and 20+ players would."""

from __future__ import annotations

import secrets
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest

from broker.mosquitto import Accounts, run_mosquitto
from tests.conftest import WAIT_SECONDS, free_port, require_mosquitto
from tests.e2e.cli import quiz, serving

PLAYERS = 21
SECONDS = 60.0


@contextmanager
def mosquitto(folder: Path, port: int) -> Iterator[tuple[str, str]]:
    """Mosquitto with the project's config; yields the scorer's and the host's broker URLs."""
    require_mosquitto()
    accounts = Accounts(folder)
    scorer_pw, host_pw = secrets.token_hex(8), secrets.token_hex(8)
    accounts.add("scorer", "scorer", scorer_pw)
    accounts.add("teacher", "host", host_pw)
    with run_mosquitto(folder, port):
        yield (f"mqtt://scorer:{scorer_pw}@127.0.0.1:{port}",
               f"mqtt://teacher:{host_pw}@127.0.0.1:{port}")


@pytest.mark.parametrize("kind", ["embedded", "mosquitto"])
def test_a_full_quiz_of_21_players_with_a_scorer_crash_in_the_middle(
        tmp_path: Path, kind: str) -> None:
    """On Mosquitto only the scorer crashes; embedded, the broker goes down with it."""
    port = free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    db = tmp_path / "quiz.db"
    running = mosquitto(tmp_path / "mosquitto", port) if kind == "mosquitto" else nullcontext()
    with running as urls:
        run_quiz(tmp_path, port, broker, db, urls)


def run_quiz(tmp_path: Path, port: int, broker: str, db: Path,
             urls: tuple[str, str] | None) -> None:
    scorer_broker, host_broker = urls or ("embedded", broker)
    host = tmp_path / "host"
    homes = [tmp_path / f"p{i}" for i in range(PLAYERS)]
    names = [f"player{i:02d}" for i in range(PLAYERS)]

    def everyone(args_of: callable) -> list:  # type: ignore[valid-type]
        # eight commands at once (they mostly wait on the scorer), each waiting for it the
        # suite's bound: on two loaded cores each ran at a fraction of one, and the 10 s of
        # QUIZ_TIMEOUT passed before the scorer's reply was read
        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(lambda i: quiz(*args_of(i), "--timeout", str(WAIT_SECONDS),
                                                home=homes[i], broker=broker),
                                 range(PLAYERS)))

    with serving(port, db, broker=scorer_broker) as server:
        created = quiz("create", "--questions", "3", "--seconds", str(SECONDS), "--json",
                       home=host, broker=host_broker)
        assert created.code == 0, created.err
        code = created.json()["quiz"]
        joined = everyone(lambda i: ("join", code, "--name", names[i], "--json"))
        assert all(r.code == 0 for r in joined), [r.err for r in joined]
        assert quiz("start", code, home=host, broker=host_broker).code == 0
        first = everyone(lambda i: ("answer", code, "--choice", str(i % 4 + 1), "--json"))
        assert all(r.code == 0 for r in first), [r.err for r in first]
        told = [r.json() for r in first]  # what each player read after each answer
        server.send_signal(signal.SIGKILL)  # crash: no goodbye, no flush
        server.wait()

    with serving(port, db, broker=scorer_broker):
        # the same players, the same scores, after the crash
        again = quiz("join", code, "--name", names[0], "--json", home=homes[0], broker=broker)
        assert again.json()["player"] == joined[0].json()["player"]
        assert again.json()["score"] == first[0].json()["score"]
        for question in (2, 3):
            assert quiz("next", code, home=host, broker=host_broker).code == 0  # reveal
            assert quiz("next", code, home=host, broker=host_broker).code == 0  # the next
            answers = everyone(lambda i, q=question: ("answer", code, "--choice",
                                                      str((i + q) % 4 + 1), "--json"))
            assert all(r.code == 0 for r in answers), [r.err for r in answers]
            told += [r.json() for r in answers]
        repeat = quiz("answer", code, "--choice", "1", "--json", home=homes[0], broker=broker)
        assert repeat.code == 0, repeat.err  # a retry prints the verdict recorded, once
        assert repeat.json()["already_answered"]
        assert repeat.json()["last"] == answers[0].json()["last"]
        assert quiz("end", code, home=host, broker=host_broker).code == 0
        results = quiz("results", code, "--format", "json", home=host,
                       broker=host_broker).json()

    answers = results["answers"]
    assert len(answers) == 3 * PLAYERS  # each counted once, none lost
    assert len({(a["player"], a["question"]) for a in answers}) == len(answers)
    # The host's results say what each player was told, before the crash and after it:
    # every answer's verdict and points, and each player's score after the last one.
    assert {(a["player"], a["question"]): (a["correct"], a["points"]) for a in answers} == {
        (t["player"], t["last"]["q"] + 1): (t["last"]["correct"], t["last"]["points"])
        for t in told}
    assert any(a["points"] > 0 for a in answers)
    standings = results["standings"]
    assert {s["player"]: s["score"] for s in standings} == \
        {t["player"]: t["score"] for t in told[-PLAYERS:]}
    totals: dict[str, int] = {}
    for a in answers:
        totals[a["player"]] = totals.get(a["player"], 0) + a["points"]
    assert {s["player"]: s["score"] for s in standings} == totals
    assert [s["score"] for s in standings] == sorted((s["score"] for s in standings),
                                                     reverse=True)
    assert len(standings) == PLAYERS
