"""The host's console shows the join code big: in the lobby, and at any time with key c."""

from __future__ import annotations

from tests.conftest import until
from tests.e2e.test_tui_phases import PHASES, footer, host, on_screen
from tests.e2e.test_tui_snapshots import CODE, SIZE, screen_text
from tui.joincode import big_code

BIG = big_code(CODE)


def shows_big_code(frame: str) -> bool:
    return all(line.rstrip() in frame for line in BIG)


async def test_the_lobby_shows_the_join_code_in_block_letters() -> None:
    app = host([PHASES["lobby"]])
    async with app.run_test(size=SIZE):
        frame = await on_screen(app, "Press s to start", BIG[2].rstrip())
        assert shows_big_code(frame)
        assert f"Join with: quiz play {CODE} --name NAME" in frame
        await until(lambda: "Join code" in footer(screen_text(app)), timeout=5)


async def test_key_c_shows_the_code_during_a_question_and_hides_it_again() -> None:
    app = host([PHASES["question"]])
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: "n: reveal now" in screen_text(app), timeout=5)
        assert not shows_big_code(screen_text(app))  # a question needs the room
        await pilot.press("c")
        await until(lambda: shows_big_code(screen_text(app)), timeout=5)
        await pilot.press("c")
        await until(lambda: not shows_big_code(screen_text(app)), timeout=5)
        assert "n: reveal now" in screen_text(app)


async def test_the_code_shown_in_the_lobby_goes_when_the_quiz_starts() -> None:
    app = host([PHASES["lobby"]])
    async with app.run_test(size=SIZE):
        await until(lambda: shows_big_code(screen_text(app)), timeout=5)
        app.live._later.put_nowait(PHASES["question"])  # type: ignore[attr-defined]
        await until(lambda: "n: reveal now" in screen_text(app)
                    and not shows_big_code(screen_text(app)), timeout=5)
