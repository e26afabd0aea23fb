"""`quiz play` in a real terminal: tmux runs it, sends a key, reads the screen.

Every tmux call goes to a tmux server of the test's own (`-S`, a socket in the test's
folder), so a tmux server the user already runs neither breaks the test nor is touched by it.
"""

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


def tmux(server: str, *args: str, check: bool = True,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a tmux command on the test's private tmux server."""
    return subprocess.run(["tmux", "-S", server, *args], capture_output=True, text=True,
                          check=check, env=env, cwd=ROOT)


def screen(server: str, session: str) -> str:
    return tmux(server, "capture-pane", "-p", "-t", session, check=False).stdout


def wait_for_screen(server: str, session: str, *texts: str) -> str:
    """The screen once one of texts is on it (bounded by SCREEN_TIMEOUT)."""
    deadline = time.monotonic() + SCREEN_TIMEOUT
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(server, session)
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
    server = str(tmp_path / "tmux.sock")  # a private tmux server, ended below
    with serving(port, tmp_path / "q.db"):
        code = quiz("create", "--questions", "2", "--seconds", "60", "--json",
                    home=tmp_path / "host", broker=broker).json()["quiz"]
        env = {**{k: v for k, v in os.environ.items() if k != "TMUX"},  # even inside tmux
               "QUIZ_HOME": str(tmp_path / "ann"), "QUIZ_BROKER": broker,
               "TERM": "xterm-256color"}
        command = f"{sys.executable} -m cli play {code} --name ann"
        try:
            tmux(server, "-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "80",
                 "-y", "24", command, env=env)
            wait_for_screen(server, session, "ann")
            assert quiz("start", code, home=tmp_path / "host", broker=broker).code == 0
            wait_for_screen(server, session, "Question 1")
            tmux(server, "send-keys", "-t", session, "2")
            shown = wait_for_screen(server, session, "correct: +", "wrong: 0 points")
            assert "Question 1" in shown
            results = quiz("results", code, "--format", "json", home=tmp_path / "host",
                           broker=broker).json()
            assert [(a["name"], a["question"], a["choice"]) for a in results["answers"]] == \
                [("ann", 1, 2)]  # question 1, key 2: numbered from 1, as people count
        finally:
            tmux(server, "kill-server", check=False)
