"""`quiz serve` stopped with SIGTERM (systemd, Docker, `kill`) stops all of it, as Ctrl-C does."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

from tests.conftest import free_port, require_mosquitto
from tests.e2e.cli import serving

# A clean stop: the scorer says goodbye, Mosquitto gets SIGTERM and saves its queue.
STOP_TIMEOUT = 30.0


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


def test_sigterm_stops_the_scorer_and_its_mosquitto(tmp_path: Path) -> None:
    require_mosquitto()
    port = free_port()
    mosquitto: list[int] = []
    try:
        with serving(port, tmp_path / "q.db", broker="mosquitto",
                     mosquitto_dir=tmp_path / "mosquitto") as server:
            mosquitto = [pid for pid in children(server.pid)
                         if "mosquitto" in Path(f"/proc/{pid}/cmdline").read_text()]
            assert len(mosquitto) == 1
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=STOP_TIMEOUT)
            assert server.stdout is not None and server.stderr is not None
            out, err = server.stdout.read(), server.stderr.read()
        assert server.returncode == 0, err
        assert "stopped." in out
        assert "Traceback" not in err
        assert not alive(mosquitto[0])
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens there now
    finally:  # a failure must not leave a Mosquitto behind for the next tests
        for pid in mosquitto:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
