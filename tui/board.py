"""The classroom display: read-only, large leaderboard, question, countdown, podium.

Each kind of question reads as it is asked (a definition, a word with four definitions,
a sentence with a gap, or "type the word"); after a reveal, how the room answered: a bar
per choice, or right / near / wrong for a typed word, and the share right. A calm quiz
ranks nobody: the board shows the class's progress instead (share right per question).

Every Static shows its text with markup off: names and deck words are data, never markup.
Key `a` shows everyone's standings, a screenful at a time, from the retained pages the
scorer publishes (`quiz/<code>/standings/<page>`), followed on a connection of their own
from the first press (a board nobody pages through costs the broker nothing more).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

from client.standings import Everyone, PageCleared, standings_pages
from client.text import plural, standings_lines
from protocol.address import DEFAULT_URL
from protocol.messages import TYPED_KINDS, Leaderboard, State
from tui import formatting as fmt
from tui import selfpaced
from tui.base import QuizApp, while_running
from tui.events import BoardChanged, StandingsChanged, StateChanged
from tui.live import Live
from tui.widgets import ConnectionBanner, Countdown

# Rows of the leaderboard: the scorer publishes the top 10 by default.
BOARD_ROWS = 10
# Rows of everyone's standings a screen shows before the first layout tells how many fit.
EVERYONE_ROWS = 15


class BoardApp(QuizApp):
    """A display that anyone may open: it needs no credentials and sends nothing."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["quiz.tcss", "board.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "everyone", "Everyone"),
        Binding("pagedown,space", "page(1)", "Next page", key_display="PgDn"),
        Binding("pageup", "page(-1)", "Previous page", key_display="PgUp"),
    ]

    def __init__(self, live: Live, *, subtitle: str = "",
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__(live, clock=clock)
        self.sub_title = subtitle or "classroom board"
        self.state: State | None = None
        self.board: Leaderboard | None = None
        # Ranks when the question on screen opened: the arrows show the moves since then.
        self.baseline: dict[str, int] | None = None
        self.baseline_for = -1
        # Share right of each question revealed so far: index -> (right, players).
        self.shares: dict[int, tuple[int, int]] = {}
        # Everyone's standings (key a): the pages seen, and the screenful shown (0-based).
        self.everyone = Everyone()
        self.showing_everyone = False
        self.screenful = 0
        self._following_pages = False

    def compose(self) -> ComposeResult:
        """Headline, question and countdown (or the answers), then the leaderboard."""
        yield Header()
        yield ConnectionBanner(str(self.live.broker))
        yield Static("waiting for the quiz…", id="headline", markup=False)
        yield Static(id="prompt", markup=False)
        yield Countdown(clock=self.clock, id="countdown")
        yield Static(id="distribution", markup=False)
        yield Static(id="podium", markup=False)
        yield Static(id="standings", markup=False)
        yield Footer()

    @while_running
    def on_state_changed(self, message: StateChanged) -> None:
        """A new phase, question or answer count."""
        state = self.state = message.state
        question = state.question
        if state.phase == "question" and question is not None \
                and question.index != self.baseline_for:
            self.baseline_for = question.index
            self.baseline = fmt.ranks(self.board.top) if self.board else None
        self.query_one("#headline", Static).update(self._headline(state))
        prompt = self.query_one("#prompt", Static)
        prompt.display = question is not None
        countdown = self.query_one(Countdown)
        countdown.display = state.phase == "question"
        distribution = self.query_one("#distribution", Static)
        distribution.display = state.phase == "reveal"
        if question is not None:
            # read off the projector while the question is open: what to do, the choices
            prompt.update("\n".join(fmt.prompt_lines(question,
                                                     choices=state.phase == "question")))
            if state.phase == "question":
                countdown.follow(state)
            reveal = state.reveal
            if reveal is not None:
                right = fmt.right_answers(question.kind, reveal)
                self.shares[reveal.index] = (right, state.players)
                counts = (fmt.typed_distribution_lines(reveal.distribution)
                          if question.kind in TYPED_KINDS else
                          fmt.distribution_lines(question.choices, reveal.distribution,
                                                 reveal.correct))
                answer = fmt.answer_line(question, reveal)
                distribution.update("\n".join([
                    f"{answer}  ·  {fmt.share_text(right, state.players)}", *counts]))
        self.refresh_bindings()  # a calm quiz has no standings to page through
        self._show_board()

    @while_running
    def on_board_changed(self, message: BoardChanged) -> None:
        """Take a newer leaderboard; one with a lower seq than the board shown is ignored."""
        if fmt.is_newer(self.board, message.board):
            self.board = message.board
            self._show_board()

    def action_everyone(self) -> None:
        """Show everyone's standings (or the top again), following the pages from now on."""
        self.showing_everyone = not self.showing_everyone
        self.screenful = 0
        if self.showing_everyone and not self._following_pages:
            self._following_pages = True
            self.follow_standings()
        self.refresh_bindings()
        self._show_board()

    def action_page(self, step: int) -> None:
        """Page through everyone's standings."""
        self.screenful += step
        self._show_board()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Paging keys show (and work) only while everyone's standings are on screen.

        A calm quiz has no standings at all: no key for them.
        """
        if action == "everyone":
            return not self._calm()
        if action == "page":
            return self.showing_everyone and not self._calm()
        return True

    @work(exclusive=True, group="standings")
    async def follow_standings(self) -> None:
        """Read everyone's standings pages for as long as the app runs."""
        async for update in standings_pages(self.live.broker, self.live.code):
            self.post_message(StandingsChanged(update))

    @while_running
    def on_standings_changed(self, message: StandingsChanged) -> None:
        """A page of everyone's standings came (or went)."""
        update = message.update
        changed = (self.everyone.clear(update.page) if isinstance(update, PageCleared)
                   else self.everyone.take(update))
        if changed and self.showing_everyone:
            self._show_board()

    def _headline(self, state: State) -> str:
        question = state.question
        if state.phase == "lobby":
            where = "" if str(self.live.broker) == DEFAULT_URL else f" --broker {self.live.broker}"
            return (f"Lobby: {plural(state.players, 'player')}. "
                    f"Join with: quiz play {state.quiz} --name NAME{where}")
        if state.phase == "finished":
            return f"Finished: {plural(state.players, 'player')}"
        if state.phase == "open":  # homework: no question on the board, each their own
            where = "" if str(self.live.broker) == DEFAULT_URL else f" --broker {self.live.broker}"
            return (f"{selfpaced.headline(state, self.live.counts)}. "
                    f"Join with: quiz play {state.quiz} --name NAME{where}")
        assert question is not None  # noqa: S101 - question and reveal carry the question
        where = f"Question {question.index + 1} of {question.count}"
        if state.phase == "reveal":
            return f"{where}: revealed, {fmt.answered_text(state.answered, state.players)}"
        return f"{where}: {fmt.answered_text(state.answered, state.players)}"

    def _calm(self) -> bool:
        return self.state is not None and self.state.settings.calm

    def _show_board(self) -> None:
        finished = self.state is not None and self.state.phase == "finished"
        podium = self.query_one("#podium", Static)
        podium.display = finished and not self.showing_everyone and not self._calm()
        if self._calm():
            self._show_progress()
            return
        if self.showing_everyone:
            self._show_everyone()
            return
        if self.board is None:
            return
        if finished:
            podium.update("\n".join(["Podium", *fmt.podium_lines(self.board.top)]))
        in_lobby = self.state is None or self.state.phase == "lobby"
        lines = fmt.leaderboard_lines(self.board.top, limit=BOARD_ROWS,
                                      baseline=None if in_lobby else self.baseline)
        more = self.board.players - len(lines)
        title = fmt.standings_title(self.board.top, self.board.players)
        self.query_one("#standings", Static).update("\n".join(
            [title, *lines, *([f"      … and {more} more"] if more > 0 else [])]))

    def _show_progress(self) -> None:
        """A calm quiz: the class's share right per question, never a ranking."""
        standings = self.query_one("#standings", Static)
        players = self.state.players if self.state is not None else 0
        fits = standings.content_size.height - 1  # the title takes a line
        room = fits if fits > 0 else BOARD_ROWS
        # the latest questions; a line says how many earlier ones did not fit
        lines = fmt.progress_lines(self.shares,
                                   limit=room if len(self.shares) <= room else room - 1)
        earlier = len(self.shares) - len(lines)
        standings.update("\n".join([
            f"Class progress ({plural(players, 'player')}): share right per question",
            *(lines or ["No question revealed yet."]),
            *([f"      … and {earlier} earlier"] if earlier > 0 else [])]))

    def _show_everyone(self) -> None:
        standings = self.query_one("#standings", Static)
        rows = self.everyone.rows()
        if not rows:
            standings.update("Everyone: waiting for the standings… (a: back to the top)")
            return
        fits = standings.content_size.height - 1  # the title takes a line
        per_screen = fits if fits > 0 else EVERYONE_ROWS
        self.screenful, start, stop = fmt.screenful(rows, self.screenful, per_screen)
        screens = -(-len(rows) // per_screen)
        title = (f"Everyone: {plural(self.everyone.players, 'player')}, page "
                 f"{self.screenful + 1} of {screens} (PgDn/PgUp; a: back to the top)")
        standings.update("\n".join([title, *standings_lines(rows[start:stop])]))
