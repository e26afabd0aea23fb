"""`quiz play / board / host` refuse bad input before a screen opens (real subprocesses)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from pathlib import Path

from broker.embedded import Embedded
from protocol import auth
from tests.conftest import connected, free_port, running_scorer
from tests.e2e.cli import QUIZ, ROOT, quiz


async def test_an_unknown_code_is_one_clear_line_and_exit_1(embedded: Embedded,
                                                            tmp_path: Path) -> None:
    broker = str(embedded.public)
    commands = (["play", "ABCDEF", "--name", "zed"], ["board", "ABCDEF"],
                ["host", "ABCDEF", "--token", auth.new_secret()])
    results = await asyncio.gather(*(asyncio.to_thread(quiz, *command, home=tmp_path,
                                                       broker=broker)
                                     for command in commands))
    for done in results:
        assert done.code == 1, done
        assert done.err.strip() == f"error: no live quiz with code ABCDEF on {broker}"


async def test_a_malformed_code_or_a_missing_host_token_exits_1(tmp_path: Path) -> None:
    done = await asyncio.to_thread(quiz, "board", "NOT-A-CODE", home=tmp_path,
                                   broker="mqtt://127.0.0.1:1")
    assert done.code == 1 and "is not a quiz code" in done.err
    done = await asyncio.to_thread(quiz, "host", "ABCDEF", home=tmp_path,
                                   broker="mqtt://127.0.0.1:1")
    assert done.code == 1 and "no host token for quiz ABCDEF" in done.err


async def test_a_taken_name_is_refused_with_exit_1(embedded: Embedded, tmp_path: Path) -> None:
    async with running_scorer(embedded.scorer, tmp_path / "q.db"), \
            connected(embedded.public) as client:
        code = await client.create(deck="everyday", entries=None, questions=1, seconds=20,
                                   speed_bonus=True, streak=True, auto=False,
                                   host_key=auth.new_secret())
        await client.join(code, "alice", auth.new_secret())
        done = await asyncio.to_thread(quiz, "play", code, "--name", "Alice", home=tmp_path,
                                       broker=str(embedded.public))
    assert done.code == 1
    assert done.err.strip() == "error: the name 'Alice' is taken in this quiz"


def test_an_unreachable_broker_is_said_and_retried(tmp_path: Path) -> None:
    env = {**os.environ, "QUIZ_HOME": str(tmp_path)}
    broker = f"mqtt://127.0.0.1:{free_port()}"
    process = subprocess.Popen([*QUIZ, "board", "ABCDEF", "--broker", broker], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stderr is not None
        first, second = process.stderr.readline(), process.stderr.readline()
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert f"cannot reach the MQTT broker at {broker}" in first
    # a random wait (full jitter) under a ceiling that doubles: 0.5 s, then 1 s
    said = [re.search(r"retrying in ([0-9.]+) s \(Ctrl-C to stop\)", line)
            for line in (first, second)]
    waits = [float(match[1]) if match else -1.0 for match in said]
    assert 0 <= waits[0] <= 0.5 and 0 <= waits[1] <= 1.0
