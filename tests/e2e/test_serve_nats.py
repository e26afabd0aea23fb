"""`quiz serve --broker nats`: a nats-server with nats.conf, the scorer on it, a quiz by the CLI."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from broker.nats import NatsAccounts
from tests.conftest import free_port, require_nats
from tests.e2e.cli import QUIZ, ROOT, quiz, serving

pytestmark = pytest.mark.nats

PLAYERS = 4  # one per choice: exactly one is right
# A clean stop: the scorer says goodbye, then nats-server gets SIGTERM.
STOP_TIMEOUT = 30.0
# The first start of a node creates its JetStream store before it accepts MQTT.
ONLINE_TIMEOUT = 40.0


def children(pid: int) -> list[int]:
    """The processes `pid` started, as the kernel lists them."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")


def test_serve_on_nats_runs_a_quiz_and_sigterm_leaves_no_nats_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_nats()
    port, folder, db = free_port(), tmp_path / "nats", tmp_path / "q.db"
    host_pw = "teacher-pw"
    NatsAccounts(folder).add("teacher", "host", host_pw)  # as `quiz cluster accounts` does
    monkeypatch.setenv("QUIZ_NATS_DIR", str(folder))  # `quiz serve --nats-dir`, inherited
    broker = f"mqtt://127.0.0.1:{port}"
    host_broker = f"mqtt://teacher:{host_pw}@127.0.0.1:{port}"
    nats: list[int] = []
    try:
        with serving(port, db, broker="nats", timeout=ONLINE_TIMEOUT) as server:
            nats = [pid for pid in children(server.pid)
                    if "nats-server" in Path(f"/proc/{pid}/cmdline").read_text()]
            assert len(nats) == 1
            created = quiz("create", "--questions", "1", "--seconds", "60", "--json",
                           home=tmp_path / "host", broker=host_broker)
            assert created.code == 0, created.err
            code = created.json()["quiz"]
            homes = [tmp_path / f"p{i}" for i in range(PLAYERS)]
            for i, home in enumerate(homes):
                joined = quiz("join", code, "--name", f"p{i}", "--json", home=home,
                              broker=broker)
                assert joined.code == 0, joined.err
            # a player may not start the quiz: NATS's permissions, as Mosquitto's ACL
            refused = quiz("start", code, home=tmp_path / "host", broker=broker)
            assert refused.code == 1
            assert quiz("start", code, home=tmp_path / "host", broker=host_broker).code == 0
            answers = [quiz("answer", code, "--choice", str(i + 1), "--json", home=home,
                            broker=broker) for i, home in enumerate(homes)]
            assert all(a.code == 0 for a in answers), [a.err for a in answers]
            assert sum(a.json()["score"] > 0 for a in answers) == 1  # one choice is right
            assert quiz("end", code, home=tmp_path / "host", broker=host_broker).code == 0
            results = quiz("results", code, "--format", "json", home=tmp_path / "host",
                           broker=host_broker)
            assert results.code == 0, results.err
            assert len(results.json()["answers"]) == PLAYERS

            server.send_signal(signal.SIGTERM)
            server.wait(timeout=STOP_TIMEOUT)
            assert server.stdout is not None and server.stderr is not None
            out, err = server.stdout.read(), server.stderr.read()
        assert server.returncode == 0, err
        assert "no web board" in out  # said, since --web-port is on by default
        assert "stopped." in out
        assert "Traceback" not in err
        assert not alive(nats[0])
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens there now
    finally:  # a failure must not leave a nats-server behind for the next tests
        for pid in nats:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_serve_on_nats_with_a_taken_port_is_one_line(tmp_path: Path) -> None:
    require_nats()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*QUIZ, "serve", "--broker", "nats", "--port", str(port), "--db",
             str(tmp_path / "q.db"), "--nats-dir", str(tmp_path / "nats")],
            capture_output=True, text=True, timeout=60, check=False, cwd=ROOT)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f"port {port}" in done.stderr
    assert not (tmp_path / "nats" / "nats.pid").exists()  # never started
