"""`quiz play` in a real terminal: tmux runs it, sends a key, reads the screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.e2e.cli import ROOT, quiz, serving

# How long the test waits for the screen to show something before failing.
SCREEN_TIMEOUT = 20.0


def screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True, check=False).stdout


def wait_for_screen(session: str, *texts: str) -> str:
    """The screen once one of texts is on it (bounded by SCREEN_TIMEOUT)."""
    deadline = time.monotonic() + SCREEN_TIMEOUT
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(session)
        if any(text in shown for text in texts):
            return shown
        time.sleep(0.2)
    raise AssertionError(f"none of {texts!r} appeared on the screen:\n{shown}")


def test_a_player_answers_from_a_real_terminal(tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (Debian: apt-get install tmux)")
    port = free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    session = f"quiz-test-{port}"
    with serving(port, tmp_path / "q.db"):
        code = quiz("create", "--questions", "2", "--seconds", "60", "--json",
                    home=tmp_path / "host", broker=broker).json()["quiz"]
        env = {**os.environ, "QUIZ_HOME": str(tmp_path / "ann"), "QUIZ_BROKER": broker,
               "TERM": "xterm-256color"}
        command = f"{sys.executable} -m cli play {code} --name ann"
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24",
                        command], env=env, cwd=ROOT, check=True)
        try:
            wait_for_screen(session, "ann")
            assert quiz("start", code, home=tmp_path / "host", broker=broker).code == 0
            wait_for_screen(session, "Question 1")
            subprocess.run(["tmux", "send-keys", "-t", session, "2"], check=True)
            shown = wait_for_screen(session, "correct: +", "wrong: 0 points")
            assert "Question 1" in shown
            results = quiz("results", code, "--format", "json", home=tmp_path / "host",
                           broker=broker).json()
            assert [(a["name"], a["q"], a["choice"]) for a in results["answers"]] == \
                [("ann", 0, 1)]
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], check=False)
