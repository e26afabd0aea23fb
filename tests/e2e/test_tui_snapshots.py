"""SVG snapshots of the main screens at 80x24, fed a scripted quiz instead of a broker.

No network, no wall clock, no randomness: each app follows a `ScriptedLive` that yields
fixed protocol messages, and its countdown reads a frozen clock, so every run draws the
same frame. The accepted frames live in __snapshots__/test_tui_snapshots/; after a
deliberate change to a screen, regenerate them with `pytest --snapshot-update` and review
the SVGs before committing them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence

import msgspec
from textual.app import App
from textual.pilot import Pilot

from client.credentials import PlayerCredentials
from protocol.address import BrokerAddress
from protocol.messages import (
    Action,
    LastResult,
    Leaderboard,
    Phase,
    PlayerStatus,
    QuestionView,
    RevealView,
    ScorerStatus,
    Settings,
    Standing,
    State,
    Words,
)
from tui.board import BoardApp
from tui.events import as_message
from tui.formatting import countdown_line
from tui.host import HostApp
from tui.live import Connected, Event, Live, Outgoing
from tui.play import PlayApp
from tui.widgets import Countdown

SIZE = (80, 24)
CODE = "K7QX2M"
BROKER = BrokerAddress("127.0.0.1", 11883)
# Scorer time of the open question; the frozen clock stands 7.5 s into its 20 s.
OPENED_AT = 1_700_000_000.0
SECONDS = 20.0
NOW = OPENED_AT + 7.5
# How long a screen may take to draw what the script fed it.
SHOW_TIMEOUT = 5.0

SnapCompare = Callable[..., bool]


def frozen_clock() -> float:
    return NOW


class ScriptedLive(Live):
    """A `Live` that never connects: it yields a fixed script, then waits forever.

    What the screen sends is recorded; an answer is followed by `after_answer`, as the
    scorer would publish the player's status and a new leaderboard. The finished quiz's
    words are `final_words` (None: not published).
    """

    def __init__(self, script: Sequence[Event], *, player: PlayerCredentials | None = None,
                 host_key: str | None = None, after_answer: Sequence[Event] = (),
                 final_words: Words | None = None) -> None:
        super().__init__(BROKER, CODE, player=player, host_key=host_key)
        self.script = list(script)
        self.after_answer = list(after_answer)
        self.final_words = final_words
        self.answers: list[tuple[int, int | str]] = []
        self.commands: list[tuple[Action, int, str]] = []
        self._later: asyncio.Queue[Event] = asyncio.Queue()

    async def events(self) -> AsyncGenerator[Event, None]:
        for event in self.script:
            yield event
        while True:  # until the app exits and cancels its worker
            yield await self._later.get()

    async def answer(self, q: int, given: int | str) -> Outgoing:
        self.answers.append((q, given))
        for event in self.after_answer:
            self._later.put_nowait(event)
        return Outgoing(f"{len(self.answers):016x}", queued=False)

    async def words(self, within: float = 0.0) -> Words | None:
        return self.final_words

    async def control(self, action: Action, at: int = -1, player: str = "") -> str:
        self.commands.append((action, at, player))
        return f"{len(self.commands):016x}"


# --- the scripted quiz ----------------------------------------------------------------------

SETTINGS = Settings(questions=5, seconds=SECONDS)
ALICE = PlayerCredentials(name="alice", player="a11ce000", secret="5" * 64)
NAMES = ["bob", "alice", "chloé", "dmitri", "eve", "farah", "gus", "hana", "ivan", "jun",
         "kofi", "lena"]


def player_id(name: str) -> str:
    return ALICE.player if name == ALICE.name else f"{NAMES.index(name):08x}"


def board(seq: int, rows: Sequence[tuple[str, int]], players: int | None = None) -> Leaderboard:
    """A leaderboard of (name, score) rows, ranked in the order given."""
    top = [Standing(rank, player_id(name), name, score)
           for rank, (name, score) in enumerate(rows, start=1)]
    return Leaderboard(quiz=CODE, seq=seq, players=players or len(rows), top=top,
                       updated_at=OPENED_AT)


QUESTION = QuestionView(
    index=2, count=5, pos="adj",
    prompt="lasting for a very short time; quickly fading or passing away",
    choices=["ephemeral", "ubiquitous", "meticulous", "gregarious"],
    opened_at=OPENED_AT, deadline=OPENED_AT + SECONDS)


def state(phase: Phase, *, players: int, answered: int = 0,
          question: QuestionView | None = None) -> State:
    return State(quiz=CODE, seq=10, phase=phase, settings=SETTINGS,
                 players=players, answered=answered, question=question, updated_at=OPENED_AT)


def alice_status(score: int, rank: int, streak: int, answered: int,
                 last: LastResult | None = None) -> PlayerStatus:
    return PlayerStatus(quiz=CODE, player=ALICE.player, name=ALICE.name, score=score,
                        rank=rank, streak=streak, answered=answered, last=last)


ONLINE: list[Event] = [Connected(str(BROKER)),
                       ScorerStatus(status="online", since=OPENED_AT - 600, quizzes=1)]
# Standings after question 2, when question 3 opened, and a while into question 3.
BEFORE = [("bob", 1900), ("alice", 1850), ("chloé", 1720), ("dmitri", 1400), ("eve", 990),
          ("farah", 960), ("gus", 900), ("hana", 640), ("ivan", 500), ("jun", 310)]
DURING = [("alice", 2720), ("chloé", 2580), ("bob", 1900), ("gus", 1780), ("dmitri", 1400),
          ("eve", 990), ("farah", 960), ("kofi", 880), ("hana", 640), ("ivan", 500)]
FINAL = [("chloé", 4510), ("alice", 4390), ("bob", 3720), ("gus", 3100), ("dmitri", 2880),
         ("eve", 2010), ("kofi", 1840), ("farah", 1600), ("hana", 1210), ("ivan", 980)]


# --- waiting for the script to be drawn -------------------------------------------------------


def screen_text(app: App[None]) -> str:
    """The text of the frame the user sees."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def open_countdown(app: App[None]) -> str:
    """The countdown of the open question at the frozen clock, drawn at its laid-out width.

    Its first draw may come before layout, at a default width; the next tick redraws it.
    """
    width = app.query_one(Countdown).content_size.width
    return countdown_line(QUESTION.deadline - NOW, SECONDS, width)


class Waits:
    """`run_before` steps that wait until the script is drawn.

    A text that never shows is kept in `missing` rather than raised inside the app (Textual
    would swallow it): each test checks it after the snapshot, so a wrong frame fails the
    test with the reason even under --snapshot-update.
    """

    def __init__(self) -> None:
        self.missing: list[str] = []

    async def shows(self, pilot: Pilot[None], *texts: str, countdown: bool = False) -> None:
        """Wait until every text (and the full-width countdown) is on screen."""
        deadline = time.monotonic() + SHOW_TIMEOUT
        while True:
            await pilot.pause(0.05)
            frame = screen_text(pilot.app)
            wanted = [*texts, *([open_countdown(pilot.app)] if countdown else [])]
            missing = [text for text in wanted if text not in frame]
            if not missing:
                return
            if time.monotonic() > deadline:
                self.missing.append(f"{missing} not on screen after {SHOW_TIMEOUT}s:\n{frame}")
                return

    def until(self, *texts: str, countdown: bool = False) -> Callable[[Pilot[None]],
                                                                       Awaitable[None]]:
        """A `run_before` that waits for `texts`."""

        async def run_before(pilot: Pilot[None]) -> None:
            await self.shows(pilot, *texts, countdown=countdown)

        return run_before

    def check(self) -> None:
        assert not self.missing, "\n".join(self.missing)


# --- the player's screen ----------------------------------------------------------------------


def play_app(after_answer: Sequence[Event] = ()) -> tuple[PlayApp, ScriptedLive]:
    live = ScriptedLive([
        *ONLINE,
        board(7, BEFORE, players=12),
        state("question", players=12, answered=4, question=QUESTION),
        alice_status(1850, 2, 2, 2),
    ], player=ALICE, after_answer=after_answer)
    return PlayApp(live, clock=frozen_clock), live


def test_player_question(snap_compare: SnapCompare) -> None:
    """A player facing an open question: prompt, countdown and four choices."""
    app, _ = play_app()
    waits = Waits()
    same = snap_compare(app, terminal_size=SIZE, run_before=waits.until(
        "Question 3 of 5  (adj)", "1  ephemeral", "4  gregarious", " 13 s",
        "Press 1-4 (or click) to answer.", "alice  ·  1850 points  ·  rank 2 of 12",
        countdown=True))
    waits.check()
    assert same


def test_player_result(snap_compare: SnapCompare) -> None:
    """The same player after pressing 1: the verdict, the new score and rank, choices locked."""
    app, live = play_app(after_answer=[
        alice_status(2720, 1, 3, 3, LastResult(q=2, correct=True, points=870, seq=8)),
        board(8, DURING, players=12),
    ])

    waits = Waits()

    async def answer_then_wait(pilot: Pilot[None]) -> None:
        await waits.shows(pilot, "Press 1-4 (or click) to answer.", countdown=True)
        await pilot.press("1")
        await waits.shows(pilot, "✓ correct: +870 points  streak 3", "▶ 1  ephemeral",
                          "alice  ·  2720 points  ·  rank 1 of 12  ·  streak 3", countdown=True)

    same = snap_compare(app, terminal_size=SIZE, run_before=answer_then_wait)
    waits.check()
    assert same
    assert live.answers == [(2, 0)]


REVERSE = QuestionView(
    index=3, count=5, pos="noun", prompt="journey", kind="reverse",
    choices=["a trip from one place to another, especially a long one that takes many days",
             "a large amount of money or valuable things",
             "a piece of paper that shows you paid for something",
             "an opinion that you have about something before you know the facts"],
    opened_at=OPENED_AT, deadline=OPENED_AT + SECONDS)


def test_player_reverse_question(snap_compare: SnapCompare) -> None:
    """A word and four definitions: a line each, wrapped when long, keys 1-4 as ever."""
    live = ScriptedLive([*ONLINE, board(7, BEFORE, players=12),
                         state("question", players=12, answered=4, question=REVERSE),
                         alice_status(1850, 2, 2, 2)], player=ALICE)
    waits = Waits()
    same = snap_compare(PlayApp(live, clock=frozen_clock), terminal_size=SIZE,
                        run_before=waits.until(
                            "Question 4 of 5  (noun)  ·  pick its meaning", "journey",
                            "that takes many", "4  an opinion", "Press 1-4", countdown=True))
    waits.check()
    assert same


# --- the classroom board ----------------------------------------------------------------------


def test_board_question_leaderboard(snap_compare: SnapCompare) -> None:
    """The board during a question: counts, countdown, the top ten with their moves."""
    live = ScriptedLive([
        *ONLINE,
        board(7, BEFORE, players=12),
        state("question", players=12, answered=9, question=QUESTION),
        board(9, DURING, players=12),
    ])
    app = BoardApp(live, clock=frozen_clock)
    waits = Waits()
    same = snap_compare(app, terminal_size=SIZE, run_before=waits.until(
        "Question 3 of 5: 9 of 12 answered", "Leaderboard (12 players)", "1.   ▲1 alice",
        "3.   ▼2 bob", "8.  new kofi", "… and 2 more", countdown=True))
    waits.check()
    assert same


def test_board_podium(snap_compare: SnapCompare) -> None:
    """The board once the quiz is over: the podium above the final standings."""
    live = ScriptedLive([
        *ONLINE,
        state("finished", players=12),
        board(40, FINAL, players=12),
    ])
    app = BoardApp(live, clock=frozen_clock)
    waits = Waits()
    same = snap_compare(app, terminal_size=SIZE, run_before=waits.until(
        "Finished: 12 players", "Podium", "1st  chloé  4510 points", "3rd  bob    3720 points"))
    waits.check()
    assert same


def test_board_calm_progress(snap_compare: SnapCompare) -> None:
    """A calm quiz on the board after three reveals: the class's progress, no ranking."""
    calm = msgspec.structs.replace(SETTINGS, calm=True, speed_bonus=False, streak=False)
    reveals = [msgspec.structs.replace(
        state("reveal", players=12, answered=11, question=msgspec.structs.replace(
            QUESTION, index=q)), settings=calm,
        reveal=RevealView(index=q, correct=0, term="ephemeral", distribution=[right, 1, 1, 0]))
        for q, right in enumerate((9, 6, 8))]
    live = ScriptedLive([*ONLINE, board(9, [], players=12), *reveals])
    waits = Waits()
    same = snap_compare(BoardApp(live, clock=frozen_clock), terminal_size=SIZE,
                        run_before=waits.until(
                            "Question 3 of 5: revealed", "8 of 12 right (67%)",
                            "Class progress (12 players)", "Q1", "75%  9 of 12", "Q3"))
    waits.check()
    assert same


# --- the host's console -----------------------------------------------------------------------


def test_host_lobby(snap_compare: SnapCompare) -> None:
    """The host's console in the lobby: the count, the players' table and the keys."""
    live = ScriptedLive([
        *ONLINE,
        state("lobby", players=3),
        board(3, [("alice", 0), ("bob", 0), ("chloé", 0)]),
    ], host_key="7" * 64)
    app = HostApp(live, clock=frozen_clock)
    waits = Waits()
    same = snap_compare(app, terminal_size=SIZE, run_before=waits.until(
        "Lobby: 3 players. Press s to start.", "alice", "bob", "chloé"))
    waits.check()
    assert same
    assert live.commands == [("results", -1, "")]  # the roster is asked for on connect


# --- shutting down ---------------------------------------------------------------------------


async def test_an_update_that_arrives_while_the_app_closes_is_dropped() -> None:
    """On the way out Textual prunes the widgets while the app's loop still handles what
    the feed posts: a late update must not crash the app on its way out (seen in CI)."""
    player, _ = play_app()
    screens: list[App[None]] = [player, BoardApp(ScriptedLive(ONLINE), clock=frozen_clock),
                                HostApp(ScriptedLive(ONLINE, host_key="7" * 64),
                                        clock=frozen_clock)]
    late = [*ONLINE, board(99, FINAL, players=12), state("finished", players=12),
            alice_status(4390, 2, 0, 5)]

    async def feed(app: App[None]) -> None:
        for _ in range(2000):  # bounded; the app is gone long before
            for event in late:
                app.post_message(as_message(event))
            await asyncio.sleep(0)

    for app in screens:
        async with app.run_test(size=SIZE) as pilot:  # re-raises what the app raised
            await pilot.pause()  # the script is handled: now updates race the exit
            feeding = asyncio.create_task(feed(app))
            await asyncio.sleep(0)
        feeding.cancel()
