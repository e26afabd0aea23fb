"""What the screens say at a reveal and in a calm quiz (issue 22, "What the screens say").

A reverse question's right choice is a definition: every screen's reveal names it, not
only the word. A calm quiz promises no streak and no rank: no screen shows either. The
screens follow a scripted feed (as tests/e2e/test_tui_snapshots.py) so they are tested on
what the wire may carry; one test plays a calm quiz against a real broker and scorer.
"""

from __future__ import annotations

import time
from pathlib import Path

import msgspec
import pytest
from textual.pilot import Pilot

from broker.embedded import Embedded
from client.credentials import PlayerCredentials
from protocol import auth
from protocol.messages import DeckEntry, LastResult, Phase, QuestionView, RevealView, State
from tests.conftest import connected, running_scorer
from tests.e2e.test_tui_snapshots import (
    ALICE,
    CODE,
    ONLINE,
    OPENED_AT,
    REVERSE,
    SECONDS,
    SETTINGS,
    SIZE,
    ScriptedLive,
    alice_status,
    board,
    frozen_clock,
    screen_text,
)
from tui.board import BoardApp
from tui.host import HostApp
from tui.live import Event, Live
from tui.play import PlayApp

# A bound on how long a screen takes to show what it was fed (or what a scorer published).
SHOW_TIMEOUT = 15.0

# "wealth": its meaning is the second choice, short enough for one line at 80 columns.
WEALTH = msgspec.structs.replace(REVERSE, prompt="wealth")
WEALTH_MEANS = WEALTH.choices[1]
CALM = msgspec.structs.replace(SETTINGS, calm=True, speed_bonus=False, streak=False)


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


def revealed(question: QuestionView, term: str, correct: int, *, calm: bool = False,
             phase: Phase = "reveal") -> State:
    return State(quiz=CODE, seq=12, phase=phase, settings=CALM if calm else SETTINGS,
                 players=12, answered=10, question=question,
                 reveal=RevealView(index=question.index, correct=correct, term=term,
                                   distribution=[1, 7, 1, 1]) if phase == "reveal" else None,
                 updated_at=OPENED_AT + SECONDS)


# --- a reverse question's reveal names its definition -----------------------------------------


def reverse_reveal() -> list[Event]:
    return [*ONLINE, board(9, [("alice", 1850), ("bob", 900)], players=12),
            revealed(WEALTH, "wealth", 1)]


async def test_the_players_screen_reveals_the_meaning_of_a_reverse_question() -> None:
    live = ScriptedLive(reverse_reveal(), player=ALICE)
    async with PlayApp(live, clock=frozen_clock).run_test(size=SIZE) as pilot:
        await shows(pilot, f"The answer: wealth — {WEALTH_MEANS}", f"✓ 2  {WEALTH_MEANS}")


async def test_the_board_reveals_the_meaning_of_a_reverse_question() -> None:
    live = ScriptedLive(reverse_reveal())
    async with BoardApp(live, clock=frozen_clock).run_test(size=(100, 30)) as pilot:
        await shows(pilot, f"The answer: wealth — {WEALTH_MEANS}  ·  7 of 12 right (58%)")


async def test_the_hosts_console_reveals_the_meaning_of_a_reverse_question() -> None:
    live = ScriptedLive(reverse_reveal(), host_key="7" * 64)
    async with HostApp(live, clock=frozen_clock).run_test(size=SIZE) as pilot:
        await shows(pilot, f"The answer: wealth — {WEALTH_MEANS}", f"✓ 2  {WEALTH_MEANS}")


# --- a calm quiz shows no streak and no rank --------------------------------------------------


async def test_a_calm_quiz_shows_no_streak_on_the_players_screen_whatever_the_status_says(
        ) -> None:
    """An older scorer counted a streak in a calm quiz: the screen still shows none."""
    question = msgspec.structs.replace(REVERSE, index=2)
    counted = alice_status(2000, 0, 3, 3, LastResult(q=2, correct=True, points=1000, seq=11))
    live = ScriptedLive([*ONLINE, board(11, [], players=12),
                         revealed(question, "journey", 0, calm=True, phase="question"),
                         counted], player=ALICE)
    async with PlayApp(live, clock=frozen_clock).run_test(size=SIZE) as pilot:
        frame = await shows(pilot, "✓ correct: +1000 points", "alice  ·  2000 points")
        assert "streak" not in frame and "rank" not in frame, frame


async def test_a_calm_quiz_played_through_shows_no_streak_or_rank(embedded: Embedded,
                                                                  tmp_path: Path) -> None:
    """Two right answers in a row: the scorer counts no streak, and no screen shows one."""
    deck = [DeckEntry(term, definition, "noun") for term, definition in [
        ("journey", "a trip from one place to another"), ("wealth", "a large amount of money"),
        ("harbour", "a place where boats stay safe"), ("receipt", "a paper that shows you paid"),
        ("opinion", "what you think about something"), ("village", "a very small town")]]
    async with running_scorer(embedded.scorer, tmp_path / "quiz.db") as scorer, \
            connected(embedded.public) as client:
        host_key = auth.new_secret()
        code = await client.create(deck="calm.tsv", entries=deck, questions=2, seconds=60.0,
                                   speed_bonus=False, streak=False, auto=False,
                                   host_key=host_key, kinds=["choice"], calm=True)
        secret = auth.new_secret()
        joined = await client.join(code, "alice", secret)
        assert joined.player is not None
        alice = PlayerCredentials("alice", joined.player, secret)
        player = PlayApp(Live(embedded.public, code, player=alice))
        host = HostApp(Live(embedded.public, code, host_key=host_key))
        async with player.run_test(size=SIZE) as pilot, host.run_test(size=SIZE) as console:
            await shows(console, "Lobby: 1 player")
            frames = []
            for q in (0, 1):
                await console.press("n" if q else "s")
                await shows(pilot, f"Question {q + 1} of 2", "Press 1-4")
                await pilot.press(str(scorer.quizzes[code].questions[q].correct + 1))
                frames.append(await shows(pilot, "✓ correct: +1000 points",
                                          f"alice  ·  {1000 * (q + 1)} points  ·  {q + 1} right"))
                await shows(console, "1 of 1 answered")
                await console.press("n")
                frames.append(await shows(pilot, "The answer: "))
                frames.append(await shows(console, f"Question {q + 1} of 2 revealed"))
            for frame in frames:
                assert "streak" not in frame and "rank" not in frame, frame
