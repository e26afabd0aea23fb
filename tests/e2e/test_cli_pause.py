"""quiz pause and quiz resume: the clock stops for everyone, and stays stopped across a crash."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.conftest import free_port
from tests.e2e.cli import quiz, serving


def test_a_paused_question_refuses_answers_until_resumed_even_after_a_crash(
        tmp_path: Path) -> None:
    port = free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    db = tmp_path / "quiz.db"
    host, player = tmp_path / "host", tmp_path / "ann"
    with serving(port, db) as server:
        created = quiz("create", "--questions", "2", "--seconds", "60", "--json",
                       home=host, broker=broker)
        assert created.code == 0, created.err
        code = created.json()["quiz"]
        assert quiz("join", code, "--name", "ann", home=player, broker=broker).code == 0
        lobby = quiz("pause", code, home=host, broker=broker)
        assert lobby.code == 1
        assert "nothing to pause" in lobby.err
        assert quiz("start", code, home=host, broker=broker).code == 0
        paused = quiz("pause", code, "--json", home=host, broker=broker)
        assert paused.code == 0, paused.err
        state = paused.json()
        assert state["paused"] is True
        assert 50 < state["remaining"] <= 60
        said = quiz("pause", code, home=host, broker=broker)
        assert "(paused, " in said.out and " s left)" in said.out
        refused = quiz("answer", code, "--choice", "1", home=player, broker=broker)
        assert refused.code == 1
        assert "paused" in refused.err
        server.send_signal(signal.SIGKILL)  # crash while paused
        server.wait()
    with serving(port, db):
        still = quiz("answer", code, "--choice", "1", home=player, broker=broker)
        assert still.code == 1
        assert "paused" in still.err
        resumed = quiz("resume", code, "--json", home=host, broker=broker)
        assert resumed.code == 0, resumed.err
        assert resumed.json()["paused"] is False
        # the time left is what it was at the pause: the crash and the wait did not count
        assert abs(resumed.json()["remaining"] - state["remaining"]) < 5
        answered = quiz("answer", code, "--choice", "1", "--json", home=player, broker=broker)
        assert answered.code == 0, answered.err
