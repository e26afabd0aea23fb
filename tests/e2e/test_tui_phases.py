"""What the screens offer in each phase, at 80x24, fed a scripted quiz (no broker).

The footer offers only the keys that do something now, no screen scrolls, the board
reads the four choices out while a question is open, the player's streak ends with a
question left unanswered, and key `a` pages through everyone's standings.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import pytest
from textual.app import App

from client.standings import PageCleared
from protocol.messages import LastResult, Phase, RevealView, Standing, StandingsPage, State
from tests.conftest import until
from tests.e2e.test_tui_snapshots import (
    ALICE,
    CODE,
    FINAL,
    ONLINE,
    QUESTION,
    SIZE,
    ScriptedLive,
    alice_status,
    board,
    frozen_clock,
    screen_text,
    state,
)
from tui.board import BoardApp, StandingsChanged
from tui.host import HostApp
from tui.live import Event
from tui.play import PlayApp

REVEAL = msgspec.structs.replace(
    state("reveal", players=12, answered=9, question=QUESTION),
    reveal=RevealView(index=2, correct=0, term="ephemeral", distribution=[5, 2, 1, 1]))
PHASES: dict[Phase, State] = {
    "lobby": state("lobby", players=12),
    "question": state("question", players=12, answered=9, question=QUESTION),
    "reveal": REVEAL,
    "finished": state("finished", players=12),
}


def play(script: Sequence[Event]) -> PlayApp:
    return PlayApp(ScriptedLive([*ONLINE, *script], player=ALICE), clock=frozen_clock)


def host(script: Sequence[Event]) -> HostApp:
    return HostApp(ScriptedLive([*ONLINE, *script], host_key="7" * 64), clock=frozen_clock)


def display(script: Sequence[Event]) -> BoardApp:
    return BoardApp(ScriptedLive([*ONLINE, *script]), clock=frozen_clock)


async def drawn(app: App[None], *texts: str, absent: Sequence[str] = ()) -> str:
    """The frame once every text is on it and none of `absent` (bounded wait)."""
    async with app.run_test(size=SIZE) as pilot:
        frame = ""
        for _ in range(60):
            await pilot.pause(0.05)
            frame = screen_text(app)
            if all(t in frame for t in texts) and not any(t in frame for t in absent) \
                    and footer(frame).strip():  # the footer is redrawn after the bindings
                break
        return frame


def footer(frame: str) -> str:
    return frame.splitlines()[-1]


async def on_screen(app: App[None], *texts: str, absent: Sequence[str] = ()) -> str:
    """The frame once every text is on it and none of `absent` (fails after 5 s)."""
    def drawn_now() -> bool:
        frame = screen_text(app)
        return all(t in frame for t in texts) and not any(t in frame for t in absent)

    await until(drawn_now, timeout=5)
    return screen_text(app)


@pytest.mark.parametrize("phase", list(PHASES))
@pytest.mark.parametrize("make", [play, host, display], ids=["play", "host", "board"])
async def test_no_screen_scrolls_at_80x24(make: object, phase: Phase) -> None:
    app: App[None] = make([board(40, FINAL, players=12), PHASES[phase]])  # type: ignore[operator]
    async with app.run_test(size=SIZE) as pilot:
        # the last state of the script is shown, and the footer redrawn after the bindings
        await until(lambda: getattr(app, "state", None) == PHASES[phase]
                    and footer(screen_text(app)).strip() != "", timeout=5)
        await pilot.pause()  # and laid out
        assert app.screen.virtual_size.height <= SIZE[1], phase  # no scrollbar, no ▇▇
        assert "▇" not in screen_text(app)


async def test_the_answer_keys_are_offered_only_while_a_question_is_open() -> None:
    asked = await drawn(play([PHASES["question"]]), "Press 1-4")
    assert "1-4 Answer" in footer(asked)
    over = await drawn(play([PHASES["question"], PHASES["finished"]]), "The quiz is over")
    assert "Answer" not in footer(over)


async def test_the_hosts_keys_follow_the_phase() -> None:
    lobby = footer(await drawn(host([PHASES["lobby"]]), "Press s to start"))
    assert "Start" in lobby and "Next" not in lobby
    asked = footer(await drawn(host([PHASES["question"]]), "n: reveal now"))
    assert "Start" not in asked and "Next" in asked and "End" in asked
    over = footer(await drawn(host([PHASES["finished"]]), "Finished"))
    assert not any(key in over for key in ("Start", "Next", "End"))


async def test_the_board_shows_the_four_choices_while_a_question_is_open() -> None:
    frame = await drawn(display([PHASES["question"]]), "Question 3 of 5")
    for number, word in enumerate(QUESTION.choices, start=1):
        assert f"{number}  {word}" in frame


async def test_a_skipped_question_ends_the_streak_shown() -> None:
    # alice answered question 2 (index 1) right, streak 1, then let question 3 close
    answered = alice_status(1850, 2, 1, 2, LastResult(q=1, correct=True, points=900, seq=5))
    skipped = await drawn(play([answered, REVEAL]), "streak 0", absent=["streak 1"])
    assert "streak 0" in skipped
    still_open = await drawn(play([answered, PHASES["question"]]), "streak 1")
    assert "streak 1" in still_open  # question 3 is open: the streak stands until it closes


def pages(count: int) -> list[StandingsPage]:
    rows = [Standing(i + 1, f"{i:08x}", f"player{i:03d}", 10_000 - i) for i in range(count)]
    number = -(-count // 100)
    return [StandingsPage(quiz=CODE, page=p + 1, pages=number, size=100, players=count,
                          seq=50, rows=rows[p * 100:(p + 1) * 100], updated_at=1.0)
            for p in range(number)]


async def test_key_a_pages_through_everyone_on_the_board() -> None:
    app = display([PHASES["question"], board(40, FINAL, players=130)])
    async with app.run_test(size=SIZE) as pilot:
        top = await on_screen(app, "Leaderboard (130 players)", "Question 3 of 5")
        assert "PgDn" not in footer(top)  # paging keys only with everyone shown
        await pilot.press("a")
        for page in pages(130):  # as the standings worker posts them
            app.post_message(StandingsChanged(page))
        first = await on_screen(app, "Everyone: 130 players, page 1 of", "PgDn")
        assert "1. player000" in first and "player129" not in first
        assert "PgDn" in footer(first)
        for _ in range(20):  # bounded: past the last screenful it stays there
            await pilot.press("pagedown")
        last = await on_screen(app, "130. player129")
        assert "1. player000" not in last
        app.post_message(StandingsChanged(PageCleared(2)))  # the standings shrank
        await on_screen(app, "Everyone:", absent=["player129"])
        await pilot.press("a")  # back to the top ten
        await on_screen(app, "Leaderboard (130 players)")
