"""A paused question on the three screens: the clock stands still, the host's key p, no answers."""

from __future__ import annotations

import msgspec

from tests.conftest import until
from tests.e2e.test_tui_phases import PHASES, display, drawn, footer, host, play
from tests.e2e.test_tui_snapshots import SIZE, screen_text

PAUSED = msgspec.structs.replace(PHASES["question"], paused=True, remaining=7.2)


async def test_every_screen_shows_the_time_left_on_a_paused_question() -> None:
    for make in (play, host, display):
        frame = await drawn(make([PAUSED]), "paused, 8 s left")
        assert "paused, 8 s left" in frame, make.__name__


async def test_a_player_cannot_answer_a_paused_question() -> None:
    frame = await drawn(play([PAUSED]), "paused, 8 s left", "answer when it resumes")
    assert "Answer" not in footer(frame)
    assert "answer when it resumes" in frame
    running = await drawn(play([PAUSED, PHASES["question"]]), "Press 1-4",
                          absent=["paused"])
    assert "1-4 Answer" in footer(running)


async def test_the_hosts_key_p_pauses_and_resumes() -> None:
    app = host([PHASES["question"]])
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: "Pause" in footer(screen_text(app)), timeout=5)
        await pilot.press("p")
        await until(lambda: ("pause", 2, "") in app.live.commands, timeout=5)  # type: ignore[attr-defined]
        app.live._later.put_nowait(PAUSED)  # type: ignore[attr-defined]
        await until(lambda: "p: resume" in screen_text(app), timeout=5)
        await pilot.press("p")
        await until(lambda: ("resume", 2, "") in app.live.commands, timeout=5)  # type: ignore[attr-defined]
    lobby = footer(await drawn(host([PHASES["lobby"]]), "Press s to start"))
    assert "Pause" not in lobby
