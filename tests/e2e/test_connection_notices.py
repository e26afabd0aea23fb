"""A lost broker is said short and once, on the board and by `quiz watch` (issue 25).

A room reads a board from the back: one line that says the connection is being restored,
the same through every attempt, and a word when it is back. The broker, the reason and
each attempt go to the log. The broker really stops: while it is away, a plain socket on
its port counts the clients' attempts (each one accepted and closed), so a test sees that
several attempts passed without a word more, then the broker comes back on the same port.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from broker.embedded import run_embedded
from cli import render
from client.reconnect import Disconnected
from tests.conftest import free_port, lines_until, until
from tests.e2e.cli import ROOT
from tests.e2e.test_tui import SIZE, fast, open_room, screen_text, shows
from tui.board import BoardApp
from tui.live import Event, Live
from tui.widgets import RECONNECTING, ConnectionBanner

# Attempts a client makes while the broker is away before it comes back: enough to see
# that none of them adds a line.
ATTEMPTS = 4
# Every wait is bounded by this (a loaded 2-core machine).
WAIT = 60.0


@asynccontextmanager
async def refusing(port: int) -> AsyncIterator[list[int]]:
    """While the broker is away: accept each connection on `port` and close it; count them."""
    attempts: list[int] = []

    async def close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        attempts.append(1)
        writer.close()

    # the stopped broker's sockets may hold the port a moment: bounded retries
    deadline = asyncio.get_running_loop().time() + WAIT
    while True:
        try:
            server = await asyncio.start_server(close, "127.0.0.1", port, reuse_address=True)
            break
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)
    try:
        yield attempts
    finally:
        server.close()
        await server.wait_closed()


class CountedLive(Live):
    """The board's feed, counting the attempts it reported lost."""

    lost = 0

    async def events(self) -> AsyncGenerator[Event, None]:
        async for event in super().events():
            if isinstance(event, Disconnected):
                self.lost += 1
            yield event


async def test_the_board_says_reconnecting_in_one_line_through_every_attempt(
        tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "quiz.db"
    async with AsyncExitStack() as first:
        broker = await first.enter_async_context(run_embedded("127.0.0.1", port))
        room = await open_room(first, broker, db, tmp_path / "home")
        live = fast(CountedLive(broker.public, room.code))
        app = BoardApp(live)
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Lobby: 0 players")
            await first.aclose()  # the broker (and the scorer with it) goes away
            async with refusing(port) as attempts:
                await shows(pilot, RECONNECTING)
                await until(lambda: live.lost >= ATTEMPTS and len(attempts) >= ATTEMPTS,
                            timeout=WAIT)
                await pilot.pause()
                banner = app.query_one(ConnectionBanner)
                # one line at 80x24, the same after every attempt, no broker or reason
                assert banner.region.height == 1, screen_text(app)
                said = [line.strip() for line in screen_text(app).splitlines()
                        if "connect" in line or "attempt" in line]
                assert said == [RECONNECTING], screen_text(app)
            async with AsyncExitStack() as second:
                again = await second.enter_async_context(run_embedded("127.0.0.1", port))
                await open_room(second, again, db, tmp_path / "home", reopen=room)
                await until(lambda: RECONNECTING not in screen_text(app), timeout=WAIT)
                assert not app.query_one(ConnectionBanner).display
                await shows(pilot, "Lobby: 0 players")


async def test_quiz_watch_says_lost_once_and_back_once(tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "quiz.db"
    async with AsyncExitStack() as first:
        broker = await first.enter_async_context(run_embedded("127.0.0.1", port))
        room = await open_room(first, broker, db, tmp_path / "home")
        watch = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli", "watch", room.code, "--follow",
            "--broker", str(broker.public), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            await lines_until(watch.stdout, "lobby", timeout=WAIT)  # it follows the quiz
            await first.aclose()
            async with refusing(port) as attempts:
                said = await lines_until(watch.stderr, "reconnecting", timeout=WAIT)
                await until(lambda: len(attempts) >= ATTEMPTS, timeout=WAIT)
            async with AsyncExitStack() as second:
                again = await second.enter_async_context(run_embedded("127.0.0.1", port))
                await open_room(second, again, db, tmp_path / "home", reopen=room)
                said += await lines_until(watch.stderr, "back after", timeout=WAIT)
                # two lines for the whole outage, however many attempts it took
                assert [line.strip() for line in said] == [
                    render.RECONNECTING, said[-1].strip()]
                assert said[-1].startswith("back after ")
        finally:
            watch.terminate()
            await watch.wait()
