"""`quiz serve --scorers N --standby`: a twin of each scorer takes over when its primary dies.

Two supervisors share a Mosquitto and the database files (as two machines share a
volume): the second started with --standby. kill -9 of the first supervisor and its
scorers: each standby scorer takes over its partition (the same client id, so the same
persistent session), and the quizzes of both partitions go on.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from serve.supervisor import member_database
from tests.conftest import free_port
from tests.e2e.cli import quiz, serving
from tests.e2e.test_cli_quiz import mosquitto
from tests.e2e.test_serve_scorers import children, codes_in, wait_for

SCORERS = 2
QUIZZES = 8  # all on one scorer happens once in 2**7 runs


def test_standby_twins_take_over_each_partition(tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "quiz.db"
    broker = f"mqtt://127.0.0.1:{port}"
    host, home = tmp_path / "host", tmp_path / "player"
    options = ("--scorers", str(SCORERS), "--web-port", "0")
    with mosquitto(tmp_path / "mosquitto", port) as (scorer_url, host_url), \
            serving(port, db, broker=scorer_url, options=options) as primary:
        wait_for(lambda: len(children(primary.pid)) == SCORERS)
        codes = [quiz("create", "--questions", "1", "--json", home=host, broker=host_url)
                 .json()["quiz"] for _ in range(QUIZZES)]
        owned = [codes_in(member_database(db, k)) for k in range(SCORERS)]
        assert all(owned) and set().union(*owned) == set(codes)
        with serving(port, db, broker=scorer_url, options=(*options, "--standby"),
                     ready="standby") as standby:
            wait_for(lambda: len(children(standby.pid)) == SCORERS)
            for pid in [primary.pid, *children(primary.pid).values()]:
                os.kill(pid, signal.SIGKILL)
            for k, mine in enumerate(owned):  # a quiz of each partition goes on
                code = sorted(mine)[0]
                joined = quiz("join", code, "--name", f"p{k}", home=home, broker=broker,
                              timeout=90)
                assert joined.code == 0, joined.err
                assert quiz("start", code, home=host, broker=host_url).code == 0
                answered = quiz("answer", code, "--choice", "1", "--json", home=home,
                                broker=broker)
                assert answered.code == 0, answered.err
                assert answered.json()["answered"] == 1
            standby.send_signal(signal.SIGTERM)
            assert standby.wait(timeout=30) == 0
