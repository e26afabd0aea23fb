"""Driving the real `quiz` command in subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broker.mosquitto import stop_process

QUIZ = [sys.executable, "-m", "cli"]
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def quiz(*args: str, home: Path, broker: str, timeout: float = 60) -> Result:
    """Run `quiz ARGS` and return its exit code and output."""
    env = {**os.environ, "QUIZ_HOME": str(home), "QUIZ_BROKER": broker, "QUIZ_TIMEOUT": "10"}
    done = subprocess.run([*QUIZ, *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=ROOT, check=False)
    return Result(done.returncode, done.stdout, done.stderr)


def default_sigint() -> None:
    """In the child: take Ctrl-C as a terminal's foreground process does.

    A suite started as a background job (`pytest &`) has SIGINT ignored, and children
    inherit that; a test of Ctrl-C must not depend on how the suite was launched.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def serving(port: int, db: Path, *, broker: str = "embedded", timeout: float = 20,
            mosquitto_dir: Path | None = None, options: tuple[str, ...] = (),
            ready: str = "online") -> Iterator[subprocess.Popen[str]]:
    """`quiz serve` (on the embedded broker by default), online before the block starts.

    `ready` is what its output says once it is: "standby" for a --standby one.
    """
    extra = ["--mosquitto-dir", str(mosquitto_dir)] if mosquitto_dir else []
    extra += options
    process = subprocess.Popen([*QUIZ, "serve", "--port", str(port), "--db", str(db),
                                "--broker", broker, *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=ROOT, preexec_fn=default_sigint)  # noqa: PLW1509
    try:
        deadline = time.monotonic() + timeout
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if ready in line:
                break
            if not line and process.poll() is not None:
                error = process.stderr.read() if process.stderr else ""
                raise RuntimeError(f"quiz serve exited: {error}")
        else:
            raise TimeoutError("quiz serve did not come online")
        yield process
    finally:
        stop_process(process)
