"""`quiz play`'s final place for a player below the players' board's top 10 (issue 23).

The player's status carries their rank as of their own last answer; others who answer
after them move them down without a new status. The players' board holds the top 10 only,
so the place of a player below it comes from everyone's standings, read once the quiz is
over, as the player page reads it (web/static/play.js). Pilot at 80x24, a real broker and
scorer (the room of tests/e2e/test_tui.py).
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from broker.embedded import Embedded
from tests.e2e.test_tui import SIZE, Room, open_room, shows
from tui.live import Live
from tui.play import PlayApp

# More than the players' board's top 10, so the last of them is below it.
OTHERS = 11


async def test_a_player_below_the_top_10_finishes_in_their_place_in_everyones_standings(
        embedded: Embedded, tmp_path: Path) -> None:
    stack = AsyncExitStack()
    room = await open_room(stack, embedded, tmp_path / "quiz.db", tmp_path / "home")
    async with stack:
        await play_below_the_top(room)


async def play_below_the_top(room: Room) -> None:
    """Zoe answers wrong first, everyone else right after her; she finishes last."""
    zoe = await room.join("zoe")  # joins first: first of the players still on 0
    others = [await room.join(f"player{n:02}") for n in range(OTHERS)]
    await room.control("start")
    app = PlayApp(Live(room.broker.public, room.code, player=zoe))
    async with app.run_test(size=SIZE) as pilot:
        await shows(pilot, "Question 1 of 2")
        wrong = (room.correct(0) + 1) % 4
        await pilot.press(str(wrong + 1))
        # everyone else is on 0 too: zoe, first to reach it, ranks first, as her status says
        await shows(pilot, "✗ wrong: 0 points", f"rank 1 of {OTHERS + 1}")
        for other in others:  # all right, after zoe's last answer: she is last now
            await room.answer(other, 0, room.correct(0))
        await room.control("end")
        frame = await shows(pilot, f"You finished {OTHERS + 1}th of {OTHERS + 1} with 0 points.")
        assert "You finished 1st" not in frame
    assert room.scorer.quizzes[room.code].ranking.rank(zoe.player) == OTHERS + 1  # as stored
