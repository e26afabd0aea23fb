"""The terminal UI driven by Textual's Pilot at 80x24, against a real broker and scorer.

Each test creates its own quiz. What a test asserts is what the screen shows: the text
of the 80x24 frame, as a user would read it.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button

from broker.embedded import Embedded, run_embedded
from client.credentials import Credentials, PlayerCredentials
from client.errors import RefusedError
from client.joining import join
from client.requests import QuizClient
from protocol import auth
from protocol.messages import Leaderboard, Standing
from scorer.service import Scorer
from tests.conftest import WAIT_SECONDS, connected, free_port, running_scorer, until
from tui.board import BoardApp
from tui.demo import DemoSettings, running_demo
from tui.events import BoardChanged
from tui.host import HostApp
from tui.live import Live
from tui.play import PlayApp

SIZE = (80, 24)
# How long a screen may take to show what the scorer published: the suite's one bound
# (under a loaded CI run, noticing a broker that went away once took over 5 s).
SHOW_TIMEOUT = WAIT_SECONDS


def screen_text(app: App[None]) -> str:
    """The text of the frame the user sees."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def shows(pilot: Pilot[None], *texts: str, timeout: float = SHOW_TIMEOUT) -> str:
    """Wait until every text is on screen; fail with the screen when it does not come."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause(0.05)
        frame = screen_text(pilot.app)
        if all(text in frame for text in texts):
            return frame
        if time.monotonic() > deadline:
            missing = [text for text in texts if text not in frame]
            pytest.fail(f"{missing} not on screen after {timeout}s:\n{frame}")


@dataclass
class Room:
    """A broker, a scorer, a host's client and a quiz of our own."""

    broker: Embedded
    scorer: Scorer
    client: QuizClient
    code: str
    host_key: str
    credentials: Credentials

    def correct(self, q: int) -> int:
        return self.scorer.quizzes[self.code].questions[q].correct

    async def join(self, name: str) -> PlayerCredentials:
        return (await join(self.broker.public, self.code, name, WAIT_SECONDS, self.credentials,
                            notice=print)).me

    async def answer(self, who: PlayerCredentials, q: int, choice: int) -> None:
        await self.client.answer(self.code, who.player, who.secret, q, choice)

    async def control(self, action: str, at: int = -1, player: str = "") -> None:
        await self.client.control(self.code, self.host_key, action, at=at, player=player)


async def open_room(stack: AsyncExitStack, broker: Embedded, db: Path, home: Path,
                    reopen: Room | None = None) -> Room:
    """A scorer and a client on `broker`, and a new quiz (or the quiz of `reopen`)."""
    scorer = await stack.enter_async_context(running_scorer(broker.scorer, db))
    client = await stack.enter_async_context(connected(broker.public, WAIT_SECONDS))
    if reopen is not None:
        return Room(broker, scorer, client, reopen.code, reopen.host_key, reopen.credentials)
    host_key = auth.new_secret()
    code = await client.create(deck="everyday", entries=None, questions=2, seconds=30.0,
                               speed_bonus=False, streak=True, auto=False, host_key=host_key)
    return Room(broker, scorer, client, code, host_key, Credentials(home))


@pytest.fixture
async def room(embedded: Embedded, tmp_path: Path) -> AsyncIterator[Room]:
    async with AsyncExitStack() as stack:
        yield await open_room(stack, embedded, tmp_path / "quiz.db", tmp_path / "home")


def fast(live: Live) -> Live:
    live.retry_min, live.retry_max = 0.1, 0.5
    return live


# --- the player's screen ----------------------------------------------------------------------


async def test_a_player_sees_the_lobby_answers_with_a_key_and_ends_on_the_podium(
        room: Room) -> None:
    alice = await room.join("alice")
    app = PlayApp(Live(room.broker.public, room.code, player=alice))
    async with app.run_test(size=SIZE) as pilot:
        await shows(pilot, "1 in the lobby: alice", "alice  ·  0 points  ·  rank 1 of 1")
        bob = await room.join("bob")
        await shows(pilot, "2 in the lobby: alice, bob")

        await room.control("start")
        question = room.scorer.quizzes[room.code].questions[0]
        frame = await shows(pilot, "Question 1 of 2", question.prompt[:40], " s")
        assert all(word in frame for word in question.choices)

        await pilot.press(str(room.correct(0) + 1))
        await shows(pilot, "✓ correct: +1000 points", "1000 points  ·  rank 1 of 2")
        await pilot.press(str((room.correct(0) + 1) % 4 + 1))  # a second key press: no effect
        await pilot.pause()  # handled and drawn
        assert "✓ correct: +1000 points" in screen_text(app) and "sent" not in screen_text(app)
        await room.answer(bob, 0, (room.correct(0) + 1) % 4)

        await room.control("next", at=0)
        await shows(pilot, f"The answer: {question.term}", "Leaderboard", "▶  1. alice")
        await room.control("end")
        await shows(pilot, "1st  alice  1000 points", "You finished 1st of 2 with 1000 points.")


async def test_a_click_answers_too_and_a_wrong_answer_drops_the_rank(room: Room) -> None:
    alice = await room.join("alice")
    bob = await room.join("bob")
    await room.control("start")
    app = PlayApp(Live(room.broker.public, room.code, player=alice))
    async with app.run_test(size=SIZE) as pilot:
        await shows(pilot, "Question 1 of 2", "rank 1 of 2")
        await room.answer(bob, 0, room.correct(0))
        # Others' answers move a player's rank on their next own result or at the reveal
        # (players follow no live board: docs/protocol.md, "Fan-out").
        wrong = (room.correct(0) + 1) % 4
        await pilot.click(f"#choice-{wrong}")
        await shows(pilot, "✗ wrong: 0 points", "0 points  ·  rank 2 of 2  ·  streak 0")
        assert all(button.disabled for button in app.query(Button))
        await room.control("next", at=0)
        frame = await shows(pilot, f"✓ {room.correct(0) + 1}", f"✗ {wrong + 1}")
        assert "   1. bob" in frame and "▶  2. alice" in frame


async def test_the_same_player_resumes_and_a_taken_name_is_refused(room: Room,
                                                                  tmp_path: Path) -> None:
    alice = await room.join("alice")
    assert await room.join("ALICE ") == alice  # a restart of the app: same player, same secret
    elsewhere = Credentials(tmp_path / "another-machine")
    with pytest.raises(RefusedError) as refused:
        await join(room.broker.public, room.code, "alice", 5.0, elsewhere, notice=print)
    assert refused.value.reason == "name_taken"
    asked: list[str] = []

    def ask(question: str) -> str:
        asked.append(question)
        return "alice2"

    other = (await join(room.broker.public, room.code, "alice", 5.0, elsewhere, notice=print,
                        ask=ask)).me
    assert other.name == "alice2" and other.player != alice.player
    assert "taken" in asked[0]
    with pytest.raises(RefusedError) as unknown:
        await join(room.broker.public, "ABCDEF", "zed", 5.0, elsewhere, notice=print)
    assert unknown.value.reason == "unknown_quiz"


async def test_a_lost_broker_shows_reconnecting_and_the_same_player_comes_back(
        tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "quiz.db"
    async with AsyncExitStack() as first:
        broker = await first.enter_async_context(run_embedded("127.0.0.1", port))
        room = await open_room(first, broker, db, tmp_path / "home")
        alice = await room.join("alice")
        await room.control("start")
        correct = room.correct(0)
        app = PlayApp(fast(Live(broker.public, room.code, player=alice)))
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Question 1 of 2")
            await pilot.press(str(correct + 1))
            await shows(pilot, "✓ correct: +1000 points")

            await first.aclose()  # the broker (and the scorer with it) goes away
            await shows(pilot, "reconnecting")
            assert "✓ correct: +1000 points" in screen_text(app)  # the screen keeps its state

            async with AsyncExitStack() as second:
                again = await second.enter_async_context(run_embedded("127.0.0.1", port))
                room = await open_room(second, again, db, tmp_path / "home", reopen=room)
                await until(lambda: "reconnecting" not in screen_text(app), timeout=10)
                await room.join("bob")
                await room.control("next", at=0)  # news after the reconnect reach the screen
                await shows(pilot, "1000 points  ·  rank 1 of 2")
                await room.control("next", at=0)
                await shows(pilot, "Question 2 of 2")
                await pilot.press(str(room.correct(1) + 1))
                await shows(pilot, "2100 points", "streak 2")  # the same player: 1000 + 1000 + 100


async def test_an_answer_pressed_while_reconnecting_is_kept_and_scored_once_back(
        tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "quiz.db"
    async with AsyncExitStack() as first:
        broker = await first.enter_async_context(run_embedded("127.0.0.1", port))
        room = await open_room(first, broker, db, tmp_path / "home")
        alice = await room.join("alice")
        await room.control("start")
        correct = room.correct(0)
        live = fast(Live(broker.public, room.code, player=alice))
        app = PlayApp(live)
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Question 1 of 2", "Press 1-4")
            await first.aclose()  # the broker (and the scorer with it) goes away
            await shows(pilot, "reconnecting")

            await pilot.press(str(correct + 1))
            await shows(pilot, f"answer {correct + 1} is kept")
            assert live.kept == 1
            await pilot.press(str((correct + 1) % 4 + 1))  # a second press changes nothing
            assert live.kept == 1

            async with AsyncExitStack() as second:
                again = await second.enter_async_context(run_embedded("127.0.0.1", port))
                room = await open_room(second, again, db, tmp_path / "home", reopen=room)
                await shows(pilot, "✓ correct: +1000 points", "1000 points  ·  rank 1 of 1",
                            timeout=10)
                assert live.kept == 0
                alice_now = room.scorer.quizzes[room.code].players[alice.player]
                assert (alice_now.answered, alice_now.score) == (1, 1000)
                # The screen lets go of its connection before this broker stops.
                await pilot.exit(None)


async def test_a_player_whose_clock_is_a_minute_ahead_sees_the_real_countdown(
        room: Room) -> None:
    alice = await room.join("alice")
    ahead = Live(room.broker.public, room.code, player=alice, clock=lambda: time.time() + 60)
    app = PlayApp(ahead)
    async with app.run_test(size=SIZE) as pilot:
        await shows(pilot, "Waiting for the host")
        await room.control("start")  # 30 s questions; a fresh state, stamped by the scorer
        frame = await shows(pilot, "Question 1 of 2", "Press 1-4")
        # Uncorrected, the deadline would be a minute in this machine's past: "time's up".
        left = re.search(r" (\d+) s\s*$", frame, re.MULTILINE)
        assert left is not None and 20 <= int(left[1]) <= 30, frame
        assert ahead.scorer_time.offset is not None
        assert 59.0 < ahead.scorer_time.offset < 61.0


async def test_a_kicked_player_is_told_and_cannot_answer(room: Room) -> None:
    alice = await room.join("alice")
    await room.control("start")
    app = PlayApp(Live(room.broker.public, room.code, player=alice))
    async with app.run_test(size=SIZE) as pilot:
        await shows(pilot, "Question 1 of 2")
        await room.control("kick", player="alice")
        await shows(pilot, "You were removed from the quiz by the host.", "not ranked")
        await pilot.press("1")
        await pilot.pause()  # handled and drawn
        assert "You were removed" in screen_text(app) and "sent 1" not in screen_text(app)


async def test_a_stopped_scorer_is_shown_on_the_board(embedded: Embedded,
                                                      tmp_path: Path) -> None:
    async with AsyncExitStack() as stack:
        room = await open_room(stack, embedded, tmp_path / "quiz.db", tmp_path / "home")
        app = BoardApp(Live(embedded.public, room.code))
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Lobby: 0 players")
            assert "offline" not in screen_text(app)
            await stack.aclose()  # the scorer says goodbye: offline
            await shows(pilot, "the scorer is offline")


# --- the classroom board ----------------------------------------------------------------------


async def test_the_board_shows_counts_rank_moves_the_answers_and_the_podium(
        room: Room) -> None:
    alice = await room.join("alice")
    bob = await room.join("bob")
    app = BoardApp(Live(room.broker.public, room.code))
    async with app.run_test(size=SIZE) as pilot:
        await shows(pilot, "Lobby: 2 players", "1. alice", "2. bob")
        await room.control("start")
        question = room.scorer.quizzes[room.code].questions[0]
        await shows(pilot, "Question 1 of 2: 0 of 2 answered", question.prompt[:40])

        await room.answer(bob, 0, room.correct(0))
        await shows(pilot, "1 of 2 answered", "1.   ▲1 bob", "2.   ▼1 alice")
        await room.answer(alice, 0, (room.correct(0) + 1) % 4)
        await shows(pilot, "2 of 2 answered")

        await room.control("next", at=0)
        frame = await shows(pilot, "revealed", f"The answer: {question.term}")
        assert f"✓ {room.correct(0) + 1} {question.term}" in frame
        await room.control("end")
        frame = await shows(pilot, "Podium", "1st  bob  1000 points", "2.   ▼1 alice")
        assert "2nd" not in frame  # no points, no place on the podium


async def test_the_board_ignores_a_leaderboard_older_than_the_one_shown(room: Room) -> None:
    await room.join("alice")
    app = BoardApp(Live(room.broker.public, room.code))
    async with app.run_test(size=SIZE) as pilot:
        await shows(pilot, "1. alice")
        assert app.board is not None
        seq = app.board.seq

        def board(seq: int, name: str) -> Leaderboard:
            return Leaderboard(quiz=room.code, seq=seq, players=1, updated_at=0.0,
                               top=[Standing(1, "00000000", name, 5)])

        app.post_message(BoardChanged(board(seq - 1, "stale")))
        await pilot.pause()  # every message posted before it is handled
        assert app.board.seq == seq
        assert "stale" not in screen_text(app)
        assert "1. alice" in screen_text(app)
        app.post_message(BoardChanged(board(seq + 1, "fresh")))
        await shows(pilot, "1. fresh")


# --- the host's console -----------------------------------------------------------------------


async def test_the_host_kicks_starts_follows_the_counts_and_ends(room: Room) -> None:
    ann = await room.join("ann")
    await room.join("bob")
    await room.join("cat")
    app = HostApp(Live(room.broker.public, room.code, host_key=room.host_key))
    async with app.run_test(size=SIZE) as pilot:
        await shows(pilot, "Lobby: 3 players", "ann", "bob", "cat")
        await pilot.press("down", "k")
        await shows(pilot, "Remove bob?", "Press k again to confirm")
        await pilot.press("k")
        await shows(pilot, "Lobby: 2 players")
        await until(lambda: "bob" not in screen_text(app))
        assert [p.name for p in room.scorer.quizzes[room.code].players.values()
                if p.kicked] == ["bob"]

        await pilot.press("s")
        await shows(pilot, "Question 1 of 2: 0 of 2 answered")
        await room.answer(ann, 0, room.correct(0))
        await shows(pilot, "1 of 2 answered")
        await pilot.press("n")
        await shows(pilot, "revealed", f"✓ {room.correct(0) + 1}")
        await pilot.press("e")
        await shows(pilot, "Finished: 2 players", "Final results", "1st  ann  1000 points")


async def test_a_wrong_host_key_is_refused_on_screen(room: Room) -> None:
    app = HostApp(Live(room.broker.public, room.code, host_key=auth.new_secret()))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await shows(pilot, "Lobby: 0 players")
        await pilot.press("s")
        await shows(pilot, "start refused")
        assert room.scorer.quizzes[room.code].phase == "lobby"


# --- the demo ---------------------------------------------------------------------------------


async def test_the_demo_fills_a_live_leaderboard_within_seconds(tmp_path: Path) -> None:
    settings = DemoSettings(players=6, questions=1, seconds=3.0, lobby=0.5, seed=7)
    async with running_demo(settings, tmp_path) as demo:
        app = BoardApp(Live(demo.broker, demo.code))
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Question 1 of 1")
            await until(lambda: leader_score(screen_text(app)) > 0)
            await shows(pilot, "Leaderboard (6 players)")


def leader_score(frame: str) -> int:
    """The score on the board's first row, 0 while there is none."""
    rows = [line.split() for line in frame.splitlines() if line.strip().startswith("1. ")]
    return int(rows[0][-1]) if rows and rows[0][-1].isdigit() else 0
