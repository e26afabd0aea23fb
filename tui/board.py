"""The classroom display: read-only, large leaderboard, question, countdown, podium.

Every Static shows its text with markup off: names and deck words are data, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import ClassVar

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from client.text import plural
from protocol.address import DEFAULT_URL
from protocol.messages import Leaderboard, State
from tui import formatting as fmt
from tui.base import QuizApp, while_running
from tui.events import BoardChanged, StateChanged
from tui.live import Live
from tui.widgets import ConnectionBanner, Countdown

# Rows of the leaderboard: the scorer publishes the top 10 by default.
BOARD_ROWS = 10


class BoardApp(QuizApp):
    """A display that anyone may open: it needs no credentials and sends nothing."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["quiz.tcss", "board.tcss"]

    def __init__(self, live: Live, *, subtitle: str = "",
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__(live, clock=clock)
        self.sub_title = subtitle or "classroom board"
        self.state: State | None = None
        self.board: Leaderboard | None = None
        # Ranks when the question on screen opened: the arrows show the moves since then.
        self.baseline: dict[str, int] | None = None
        self.baseline_for = -1

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
            prompt.update(fmt.question_line(question))
            if state.phase == "question":
                countdown.start(question.deadline, question.deadline - question.opened_at)
            if state.reveal is not None:
                distribution.update("\n".join([
                    fmt.answer_line(state.reveal.term),
                    *fmt.distribution_lines(question.choices, state.reveal.distribution,
                                            state.reveal.correct)]))
        self._show_board()

    @while_running
    def on_board_changed(self, message: BoardChanged) -> None:
        """Take a newer leaderboard; one with a lower seq than the board shown is ignored."""
        if fmt.is_newer(self.board, message.board):
            self.board = message.board
            self._show_board()

    def _headline(self, state: State) -> str:
        question = state.question
        if state.phase == "lobby":
            where = "" if str(self.live.broker) == DEFAULT_URL else f" --broker {self.live.broker}"
            return (f"Lobby: {plural(state.players, 'player')}. "
                    f"Join with: quiz play {state.quiz} --name NAME{where}")
        if state.phase == "finished":
            return f"Finished: {plural(state.players, 'player')}"
        assert question is not None  # noqa: S101 - question and reveal carry the question
        where = f"Question {question.index + 1} of {question.count}"
        if state.phase == "reveal":
            return f"{where}: revealed, {fmt.answered_text(state.answered, state.players)}"
        return f"{where}: {fmt.answered_text(state.answered, state.players)}"

    def _show_board(self) -> None:
        finished = self.state is not None and self.state.phase == "finished"
        podium = self.query_one("#podium", Static)
        podium.display = finished
        if self.board is None:
            return
        if finished:
            podium.update("\n".join(["Podium", *fmt.podium_lines(self.board.top)]))
        in_lobby = self.state is None or self.state.phase == "lobby"
        lines = fmt.leaderboard_lines(self.board.top, limit=BOARD_ROWS,
                                      baseline=None if in_lobby else self.baseline)
        more = self.board.players - len(lines)
        title = f"Leaderboard ({plural(self.board.players, 'player')})"
        self.query_one("#standings", Static).update("\n".join(
            [title, *lines, *([f"      … and {more} more"] if more > 0 else [])]))
