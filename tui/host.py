"""The host's console: the players (kick one), start / next / end, live counts, results.

The join code shows in big letters in the lobby, for the projector; key `c` shows it (or
hides it) at any time, for a latecomer. Key `a` shows the open question's answer (off by
default: the console may be on the projector): the state never carries it before the
reveal, so the console asks the scorer for it with a `key` command, and opens the sealed
reply with the host key (protocol/answerkey.py).

What to teach next: the share of the class right on each question as the quiz goes (from
each reveal), and at the end on each word, most missed first (from the quiz's retained
words, read once). A calm quiz ranks nobody here either: the players are listed by name.

Names and deck words are data, never markup: Statics and notifications show text with
markup off, and the players' table gets `Text` cells (a str cell would be parsed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import PurePath
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import DataTable, Footer, Header, Static

from client.errors import QuizError
from client.reconnect import Connected
from client.reveal import revealed_answer
from client.text import NAME_CELLS, clip, plural, printable
from protocol import answerkey
from protocol.address import DEFAULT_URL
from protocol.answerkey import AnswerKey
from protocol.messages import (
    Action,
    DecodeError,
    Leaderboard,
    QuestionView,
    RevealView,
    Standing,
    State,
    Words,
)
from tui import formatting as fmt
from tui import selfpaced
from tui.base import QuizApp, while_running
from tui.events import BoardChanged, ConnectionChanged, ReplyReceived, StateChanged
from tui.joincode import big_code
from tui.live import Live
from tui.widgets import ConnectionBanner, Countdown


class HostApp(QuizApp):
    """Controls one quiz with its host key; every command is signed and sent at once."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["quiz.tcss", "host.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "control('start')", "Start"),
        Binding("n", "control('next')", "Next"),
        Binding("e", "control('end')", "End"),
        Binding("p", "pause", "Pause/resume"),
        Binding("k", "kick", "Kick"),
        Binding("r", "roster", "Refresh"),
        Binding("c", "toggle_code", "Join code"),
        Binding("a", "toggle_key", "Answer"),
    ]

    # The host asked (key c) to show the join code after the lobby, or to hide it there.
    code_asked: reactive[bool] = reactive(default=False, init=False)
    # The host shows the open question's answer (key a); off by default.
    key_shown: reactive[bool] = reactive(default=False, init=False)

    def __init__(self, live: Live, *, clock: Callable[[], float] | None = None) -> None:
        if live.host_key is None:
            raise ValueError("the host console needs the host key")
        super().__init__(live, clock=clock)
        self.sub_title = "host"
        self.state: State | None = None
        self.board: Leaderboard | None = None
        self.roster: list[Standing] = []
        self.pending: dict[str, str] = {}  # request id -> what it was, for its reply
        self.roster_asked = False
        self.armed: str | None = None  # the player a first press of k picked, to confirm
        # Share right of each question revealed so far: index -> (right, players).
        self.shares: dict[int, tuple[int, int]] = {}
        self.words: Words | None = None  # the finished quiz's words, per word at the end
        self.calm_columns = False  # the table's columns are the calm ones (no rank)
        self.key: AnswerKey | None = None  # the open question's answer, once asked for
        self.key_asked_for = -1  # the question whose key was asked for (once each)

    def compose(self) -> ComposeResult:
        """Headline and question on top, the players below."""
        yield Header()
        yield ConnectionBanner(str(self.live.broker))
        yield Static("waiting for the quiz…", id="headline", markup=False)
        yield Static(self._join_text(), id="join-code", markup=False)
        yield Static(id="prompt", markup=False)
        yield Countdown(clock=self.clock, id="countdown")
        # the keys move through the players' table: the accuracy scrolls with the mouse
        with VerticalScroll(id="accuracy-box", can_focus=False):
            yield Static(id="accuracy", markup=False)
        yield Static(id="podium", markup=False)
        yield DataTable(id="players", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        """Set up the players' table."""
        self.query_one(DataTable).add_columns("rank", "name", "score")

    # --- what arrives ----------------------------------------------------------------------

    @while_running
    def on_connection_changed(self, message: ConnectionChanged) -> None:
        """After each (re)connect, fetch the full list of players (and the words, if due)."""
        if isinstance(message.event, Connected):
            self.roster_asked = False
            self.action_roster()
            if self.words is None and self.state is not None \
                    and self.state.phase == "finished":
                self.fetch_words()

    @while_running
    def on_state_changed(self, message: StateChanged) -> None:
        """Phase, question and counts; the list of players is fetched again when it changed."""
        if self.state is not None and self.state.phase != message.state.phase:
            self.code_asked = False  # each phase starts with its own default: big in the lobby
        state = self.state = message.state
        self._set_columns(state.settings.calm)
        self.refresh_bindings()
        self._show_headline()
        self._show_join_code()
        question = state.question
        countdown = self.query_one(Countdown)
        countdown.display = state.phase == "question"
        reveal = state.reveal
        self._ask_key()
        self._show_prompt()
        if question is not None and state.phase == "question":
            countdown.follow(state)
        if question is not None and reveal is not None:
            self.shares[reveal.index] = (fmt.right_answers(question.kind, reveal),
                                         state.players)
        calm_scores = state.settings.calm and state.phase == "reveal"  # no live board: ask
        if state.phase == "finished" or state.players != len(self.roster) or calm_scores:
            self.action_roster()
        if state.phase == "finished" and self.words is None:
            self.fetch_words()
        self._show_accuracy()
        self._show_podium()

    @while_running
    def on_board_changed(self, message: BoardChanged) -> None:
        """Scores move on the board; it lists everyone when the quiz has few players."""
        if not fmt.is_newer(self.board, message.board):
            return
        self.board = message.board
        if self._calm():
            return  # a calm quiz's board lists nobody: the players come with the results
        if len(self.board.top) >= self.board.players or self._playing():
            self._show_players(self.board.top)
        self._show_podium()

    @while_running
    def on_reply_received(self, message: ReplyReceived) -> None:
        """The outcome of a command: an error, the results, or a kick done."""
        reply = message.reply
        what = self.pending.pop(reply.req, "")
        if what == "results":
            self.roster_asked = False
        if not reply.ok:
            self.notify(printable(f"{what or 'command'} refused: {reply.error}"),
                        severity="error", markup=False)
        elif what == "key":
            self._open_key(reply.req, reply.key)
        elif reply.results is not None:
            self._show_players(reply.results.standings)
        elif what.startswith("kick "):
            self.notify(printable(f"removed {what.removeprefix('kick ')}"), markup=False)
            self.action_roster()

    def words_arrived(self, words: Words | None) -> None:
        """How the class did on each word, for the end."""
        if words is not None:
            self.words = words
            self._show_accuracy()

    # --- what the host does ----------------------------------------------------------------

    # Which phases each command means something in; the footer offers only those.
    PHASES_OF: ClassVar[dict[str, tuple[str, ...]]] = {
        "start": ("lobby",), "next": ("question", "reveal"),
        "end": ("lobby", "question", "reveal")}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Start, next, end and pause show only in the phases where they do something."""
        if action == "control" and parameters and self.state is not None:
            return self.state.phase in self.PHASES_OF.get(str(parameters[0]), ())
        if action == "pause":
            return self._playing()
        if action == "toggle_key":  # the answer of an open question: the reveal shows it after
            return self.state is not None and self.state.phase == "question"
        return True

    def action_toggle_code(self) -> None:
        """Show the join code big (hide it in the lobby), until pressed again."""
        self.code_asked = not self.code_asked

    def watch_code_asked(self) -> None:
        """The key was pressed: the code shows or hides at once."""
        self._show_join_code()

    def action_toggle_key(self) -> None:
        """Show the open question's answer (and the next ones'), or hide it again."""
        self.key_shown = not self.key_shown

    def watch_key_shown(self) -> None:
        """The key was pressed: ask for the answer if it is not here yet, and redraw."""
        self.key_asked_for = -1  # a press asks again (a reply lost in a reconnect)
        self._ask_key()
        self._show_prompt()

    def _ask_key(self) -> None:
        """Ask the scorer for the open question's answer, once a question, when shown."""
        state = self.state
        if not self.key_shown or state is None or state.phase != "question" \
                or state.question is None or self.key_asked_for == state.question.index \
                or (self.key is not None and self.key.q == state.question.index):
            return
        self.key_asked_for = state.question.index
        self.send("key", state.question.index)

    def _open_key(self, req: str, sealed: str | None) -> None:
        """The scorer's reply to `key`: only this console's host key opens it."""
        try:
            self.key = answerkey.open_sealed(self.live.host_key or "", self.live.code, req,
                                             sealed or "")
        except DecodeError as exc:
            self.notify(printable(str(exc)), severity="error", markup=False)
            return
        self._show_prompt()

    def action_pause(self) -> None:
        """Stop the clock of the question on screen for everyone, or start it again."""
        if self.state is not None and self._playing():
            self.action_control("resume" if self.state.paused else "pause")

    def action_control(self, action: Action) -> None:
        """Start, next or end, for the question on screen."""
        question = self.state.question if self.state else None
        self.send(action, question.index if question else -1)

    def action_kick(self) -> None:
        """Remove the selected player: the first press asks, the second (same row) kicks."""
        table = self.query_one(DataTable)
        if not self.roster or not 0 <= table.cursor_row < len(self.roster):
            self.bell()
            return
        player = self.roster[table.cursor_row]
        if self.armed != player.player:
            self.armed = player.player
            self._show_headline()
            return
        self.armed = None
        self._show_headline()
        self.send("kick", -1, player.player, label=f"kick {player.name}")

    def action_roster(self) -> None:
        """Fetch every player's standing (the board shows only the top)."""
        if not self.roster_asked:
            self.roster_asked = True
            self.send("results", -1)

    @work(group="commands")
    async def send(self, action: Action, at: int, player: str = "", *, label: str = "") -> None:
        """Send a signed command; its reply comes through the live feed."""
        try:
            req = await self.live.control(action, at, player)
        except QuizError as exc:
            if action == "results":
                self.roster_asked = False
            self.notify(printable(str(exc)), severity="error", markup=False)
            return
        self.pending[req] = label or action

    # --- drawing ---------------------------------------------------------------------------

    def _calm(self) -> bool:
        return self.state is not None and self.state.settings.calm

    def _set_columns(self, calm: bool) -> None:
        """A calm quiz's table has no rank column (and lists the players by name)."""
        if calm == self.calm_columns:
            return
        self.calm_columns = calm
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(*(("name", "score") if calm else ("rank", "name", "score")))
        self._show_players(self.roster)

    def _join_text(self) -> str:
        """The code in block letters and how to join, as the board's lobby says it."""
        code = self.live.code
        where = "" if str(self.live.broker) == DEFAULT_URL else f" --broker {self.live.broker}"
        return "\n".join([*big_code(code), "", f"Join with: quiz play {code} --name NAME{where}"])

    def _show_join_code(self) -> None:
        """Big in the lobby, where the class joins; elsewhere when the host asks (key c)."""
        lobby = self.state is None or self.state.phase == "lobby"
        self.query_one("#join-code").set_class(lobby != self.code_asked, "-shown")

    def _show_prompt(self) -> None:
        """The question with, after the reveal or when the host asked (key a), its answer."""
        prompt = self.query_one("#prompt", Static)
        question = self.state.question if self.state else None
        prompt.display = question is not None
        if self.state is None or question is None:
            return
        answer = self.state.reveal or self._shown_key(question)
        lines = fmt.prompt_lines(question, correct=answer.correct if answer else None)
        if self.state.reveal is not None:  # ✓ marks the choice; the line names the word
            lines.append(fmt.answer_line(question, self.state.reveal))
        elif answer is not None:  # the players do not see this yet
            lines.append(f"Answer (not shown to players): "
                         f"{printable(revealed_answer(question, answer))}")
        prompt.update("\n".join(lines))

    def _shown_key(self, question: QuestionView) -> RevealView | None:
        """The answer key of the open question, as a reveal would name it, when shown."""
        key = self.key
        if not self.key_shown or key is None or key.q != question.index \
                or self.state is None or self.state.phase != "question":
            return None
        return RevealView(index=key.q, correct=key.correct, term=key.term, distribution=[])

    def _show_accuracy(self) -> None:
        accuracy = self.query_one("#accuracy", Static)
        state = self.state
        self.query_one("#accuracy-box").display = state is not None and state.phase != "lobby"
        if state is None:
            return
        if state.phase != "finished":
            accuracy.update(fmt.accuracy_line(self.shares))
        elif self.words is None:
            accuracy.update("\n".join([fmt.accuracy_line(self.shares),
                                       "Per word: waiting for the quiz's words…"]))
        else:
            accuracy.update("\n".join([
                f"Per word, most missed first ({plural(state.players, 'player')}):",
                *fmt.word_accuracy_lines(self.words.words, state.players)]))

    def _playing(self) -> bool:
        return self.state is not None and self.state.phase in ("question", "reveal")

    def _show_headline(self) -> None:
        armed = [s.name for s in self.roster if s.player == self.armed]
        if armed:
            text = fmt.remove_prompt(armed[0])
        elif self.state is None:
            text = "waiting for the quiz…"
        else:
            text = self._headline(self.state)
        self.query_one("#headline", Static).update(text)

    def _headline(self, state: State) -> str:
        question = state.question
        if state.phase == "lobby":
            return f"Lobby: {plural(state.players, 'player')}. Press s to start."
        if state.phase == "finished":
            return f"Finished: {plural(state.players, 'player')}"
        if state.phase == "open":  # homework: nothing to start, each player at their pace
            return selfpaced.headline(state, self.live.counts)
        assert question is not None  # noqa: S101 - question and reveal carry the question
        counts = fmt.answered_text(state.answered, state.players)
        where = f"Question {question.index + 1} of {question.count}"
        if state.paused:
            held = f" ({fmt.countdown_text(state.remaining)} left)" \
                if state.phase == "question" else ""
            return f"{where} paused{held}: {counts}. p: resume"
        if state.phase == "reveal":
            last = question.index + 1 >= question.count
            return f"{where} revealed: {counts}. n: {'finish' if last else 'next question'}"
        return f"{where}: {counts}. n: reveal now"

    def _show_players(self, standings: Sequence[Standing]) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        calm = self.calm_columns
        # a calm quiz ranks nobody: its players are listed by name
        self.roster = sorted(standings, key=lambda s: s.name.casefold()) if calm \
            else list(standings)
        table.clear()
        for s in self.roster:
            name = Text(clip(printable(s.name), NAME_CELLS))
            cells = (name, s.score) if calm else (s.rank, name, s.score)
            table.add_row(*cells, key=s.player)
        if self.roster:
            table.move_cursor(row=min(max(row, 0), len(self.roster) - 1))
        self._show_headline()
        self._show_podium()  # the final results arrive after the phase that asked for them

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Moving to another row cancels a kick waiting for its confirmation.

        The row comes with the message: a highlight delivered while the screen is being
        torn down finds no table to ask (seen in CI when a test's console closed).
        """
        selected = event.cursor_row
        if self.armed and not (0 <= selected < len(self.roster)
                               and self.roster[selected].player == self.armed):
            self.armed = None
            self._show_headline()

    def _show_podium(self) -> None:
        podium = self.query_one("#podium", Static)
        finished = self.state is not None and self.state.phase == "finished"
        podium.display = finished and not self._calm()
        if finished and self.roster:
            podium.update("\n".join(["Final results", *fmt.podium_lines(self.roster)]))
