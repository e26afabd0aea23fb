"""The database lock: one holder at a time, named in the refusal, released with its holder."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, cast

import pytest

from scorer.lock import DatabaseBusyError, DatabaseLock, lock_path
from tests.conftest import until


def test_a_second_holder_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    first, second = DatabaseLock(tmp_path / "q.db"), DatabaseLock(tmp_path / "q.db")
    first.acquire()
    try:
        with pytest.raises(DatabaseBusyError) as refused:
            second.acquire()
    finally:
        first.release()
    assert refused.value.pid == os.getpid()
    assert refused.value.lock_path == tmp_path / "q.db.lock"
    assert str(os.getpid()) in str(refused.value)
    second.acquire()  # free again once released
    second.release()


def test_the_lock_dies_with_its_process(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from scorer.lock import DatabaseLock; "
         f"DatabaseLock(__import__('pathlib').Path({str(db)!r})).acquire(); "
         "print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        assert cast("IO[str]", holder.stdout).readline().strip() == "held"  # stdout: a pipe
        with pytest.raises(DatabaseBusyError) as refused:
            DatabaseLock(db).acquire()
        assert refused.value.pid == holder.pid
    finally:
        holder.kill()  # as kill -9: no cleanup runs
        holder.wait()
    lock = DatabaseLock(db)
    lock.acquire()  # the kernel released it; the stale file does not matter
    lock.release()
    assert lock_path(db).exists()


async def test_a_standby_takes_the_lock_once_it_is_released(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, standby = DatabaseLock(tmp_path / "q.db"), DatabaseLock(tmp_path / "q.db")
    first.acquire()
    tries: list[None] = []

    def counted() -> None:
        tries.append(None)
        DatabaseLock.acquire(standby)

    monkeypatch.setattr(standby, "acquire", counted)
    waiting = asyncio.create_task(standby.wait())
    await until(lambda: len(tries) >= 2)  # refused, and tried again: it waits
    assert not waiting.done()
    first.release()
    async with asyncio.timeout(5):
        await waiting
    assert standby.held
    standby.release()
