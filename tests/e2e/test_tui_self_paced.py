"""`quiz play` in a self-paced quiz (homework), driven by Pilot against a real broker and scorer.

The player opens each question when ready, answers it on their own clock, reads the
verdict and moves on with key n; a player who quits and comes back finds the question
they had open with the clock it had; after the last one, the screen says when the
results come.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from broker.embedded import Embedded
from client.credentials import Credentials
from client.deadline import shown
from protocol import auth
from tests.conftest import connected, running_scorer
from tests.e2e.test_tui import SIZE, Room, fast, shows
from tui.board import BoardApp
from tui.host import HostApp
from tui.live import Live
from tui.play import PlayApp

DAYS = 3 * 86400.0


@pytest.fixture
async def homework(embedded: Embedded, tmp_path: Path) -> AsyncIterator[Room]:
    async with AsyncExitStack() as stack:
        scorer = await stack.enter_async_context(running_scorer(embedded.scorer,
                                                                tmp_path / "quiz.db"))
        client = await stack.enter_async_context(connected(embedded.public))
        host_key = auth.new_secret()
        code = await client.create(deck="everyday", entries=None, questions=2, seconds=60.0,
                                   speed_bonus=True, streak=True, auto=False,
                                   host_key=host_key, until=time.time() + DAYS)
        yield Room(embedded, scorer, client, code, host_key, Credentials(tmp_path / "home"))


async def test_a_player_does_the_homework_at_their_own_pace_and_resumes_on_the_same_clock(
        homework: Room) -> None:
    room = homework
    until = room.scorer.quizzes[room.code].settings.until
    maya = await room.join("maya")
    app = PlayApp(fast(Live(room.broker.public, room.code, player=maya)))
    async with app.run_test(size=SIZE) as pilot:
        await shows(pilot, "Homework: 2 questions, 60 s each", "Press n to open question 1")
        await pilot.press("n")  # its clock starts now
        await shows(pilot, "Question 1 of 2", "Press 1-4")
        first = app.own
        assert first is not None
        assert (first.index, first.deadline - first.opened_at) == (0, 60.0)
        await pilot.press(str(room.correct(0) + 1))
        await shows(pilot, "correct", "Press n for question 2", "question 1 of 2 answered")
        await pilot.press("n")
        await shows(pilot, "Question 2 of 2", "Press 1-4")
        second = app.own
        assert second is not None and second.index == 1
        assert second.opened_at >= first.opened_at
    # Maya quits with question 2 open and comes back: the same question, on its first clock
    again = PlayApp(fast(Live(room.broker.public, room.code, player=maya)))
    async with again.run_test(size=SIZE) as pilot:
        await shows(pilot, "Question 2 of 2", "Press 1-4")
        assert again.own is not None
        assert (again.own.index, again.own.opened_at) == (1, second.opened_at)
        await pilot.press(str((room.correct(1) + 1) % 4 + 1))  # a wrong one
        frame = await shows(pilot, "Question 2: ✗ wrong", "Done: you answered all 2 questions",
                            f"Results when the quiz closes at {shown(until)}")
        assert "Press n" not in frame
    status = room.scorer.quizzes[room.code].players[maya.player]
    assert status.opened_q == 1


async def test_the_board_and_the_host_show_the_homeworks_progress_and_standings(
        homework: Room) -> None:
    room = homework
    until = room.scorer.quizzes[room.code].settings.until
    ann, bob = await room.join("ann"), await room.join("bob")
    for q in range(2):  # ann does it all, right; bob opens the first question only
        await room.client.open_question(room.code, ann.player, ann.secret, q)
        await room.answer(ann, q, room.correct(q))
    await room.client.open_question(room.code, bob.player, bob.secret, 0)
    progress = f"Homework, open until {shown(until)}: 2 of 2 players started, 1 finished"
    board = BoardApp(fast(Live(room.broker.public, room.code)))
    async with board.run_test(size=SIZE) as pilot:
        frame = await shows(pilot, progress, f"quiz play {room.code} --name NAME", "ann")
        assert "bob" in frame
    host = HostApp(fast(Live(room.broker.public, room.code, host_key=room.host_key)))
    async with host.run_test(size=SIZE) as pilot:
        await shows(pilot, progress)
