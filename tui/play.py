"""The player's screen: lobby, each question with its countdown and its answer, the podium.

A question of four choices (a word, a definition for `reverse`, a word that fills the
gap for `cloze`, a heard word for `listen-choice`) is answered with keys 1-4 or a click;
a `typed` or `listen` one in a text input, sent with Enter. At the end the player sees
the words they missed (from the quiz's retained words, read once) and their place, from
everyone's standings (the retained pages, followed from the end on a connection of their
own): the players' board holds only the top 10, and the rank in the player's status is
as of their last answer. A calm quiz shows the player's own score, never a rank.

A listening question's word is played through the machine's sound player as it opens
(client/listening.py: fetched from the web board, in a worker, so the screen never waits);
Ctrl+R plays it again, and at the reveal plays the word whose IPA the answer line shows.
Without a player the screen says to listen to the board.

In a self-paced quiz (homework, phase `open`) the screen asks for the player's next
question (client/homework.py says which, from the player's retained status), shows it
with the player's own clock, and after the verdict opens the next one on key n or after
a short pause, until the last; a player who quits and comes back gets the question they
had open with the clock it had.

Names and deck words are data, never markup: Statics show text with markup off and the
choice buttons get `Text` labels (a str label would be parsed).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import Button, ContentSwitcher, Footer, Header, Input, Static

from client import homework
from client.errors import QuizError
from client.listening import SoundError, Speaker, sound_line
from client.reconnect import Connected
from client.review import to_review
from client.standings import Everyone, PageCleared, standings_pages
from client.text import printable
from protocol.messages import (
    MAX_TYPED,
    TYPED_KINDS,
    Leaderboard,
    PlayerStatus,
    QuestionView,
    Reply,
    State,
    Words,
)
from tui import formatting as fmt
from tui import selfpaced
from tui.base import QuizApp, while_running
from tui.events import (
    BoardChanged,
    ConnectionChanged,
    PlayerChanged,
    ReplyReceived,
    StandingsChanged,
    StateChanged,
)
from tui.live import Live
from tui.widgets import ChoiceButton, ConnectionBanner, Countdown

# Rows of the leaderboard shown under the question between questions.
STANDINGS_ROWS = 5
# Which view each phase shows (a reveal keeps the question on screen, with its answer).
VIEWS = {"lobby": "lobby", "question": "question", "reveal": "question", "finished": "finished",
         "open": "homework"}


class PlayApp(QuizApp):
    """A player's live screen for one quiz; the player has joined before it starts."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["quiz.tcss", "play.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "choose(0)", "Answer", key_display="1-4"),
        Binding("2", "choose(1)", "Answer 2", show=False),
        Binding("3", "choose(2)", "Answer 3", show=False),
        Binding("4", "choose(3)", "Answer 4", show=False),
        Binding("n", "next_question", "Next question"),
        # a typed answer's text input has the letters: the replay key is one it leaves alone
        Binding("ctrl+r", "hear", "Hear the word"),
    ]

    def __init__(self, live: Live, *, clock: Callable[[], float] | None = None,
                 speaker: Speaker | None = None) -> None:
        if live.player is None:
            raise ValueError("the play screen needs the player's credentials")
        super().__init__(live, clock=clock)
        self.me = live.player
        self.sub_title = printable(self.me.name)
        self.state: State | None = None
        self.board: Leaderboard | None = None
        self.status: PlayerStatus | None = None
        # question index -> what this screen sent: a choice (0-based), or the text typed
        self.sent: dict[int, int | str] = {}
        self.last_seen = -1  # the last question the screen saw
        self.last_closed = -1  # the last question seen closed (revealed, or passed)
        self.words: Words | None = None  # the finished quiz's words, for the review
        self.words_missing = False  # asked, and none came in time
        self.typed_for = -1  # the question the text input belongs to
        # Everyone's standings, followed once the quiz is over: the final place
        self.everyone = Everyone()
        self.everyone_followed = False
        # A self-paced quiz: the player's own question (with its clock), the question
        # asked for and the request that asks, and the question whose verdict is timed to
        # move on.
        self.own: QuestionView | None = None
        self.opening: int | None = None
        self.opening_req = ""
        self.moving_on = -1
        # The spoken word (None: no sound here, the board is heard): the question whose
        # sound played as it opened, and what the last attempt to play said.
        self.speaker = speaker
        self.heard_for: tuple[int, str] | None = None
        self.sound_problem = ""
        self.sound_playing = False

    def compose(self) -> ComposeResult:
        """The layout: the player's line on top, one view per phase, the keys at the bottom."""
        yield Header()
        yield ConnectionBanner(str(self.live.broker))
        yield Static(id="me", markup=False)
        with ContentSwitcher(initial="lobby"):
            with Vertical(id="lobby"):
                yield Static("Waiting for the host to start the quiz…", classes="title")
                yield Static(id="lobby-players", markup=False)
            with Vertical(id="homework"):
                yield Static(id="homework-text", classes="title", markup=False)
            with Vertical(id="question"):
                yield Static(id="prompt", markup=False)
                yield Static(id="sound", markup=False)
                yield Countdown(clock=self.clock, id="countdown")
                with Grid(id="choices"):
                    for index in range(4):
                        yield ChoiceButton(str(index + 1), id=f"choice-{index}")
                yield Input(id="typed", max_length=MAX_TYPED,
                            placeholder="type the word, then press Enter")
                yield Static(id="result", markup=False)
                yield Static(id="standings", markup=False)
            with Vertical(id="finished"):
                yield Static("The quiz is over. Final standings:", id="over", classes="title")
                yield Static(id="podium", markup=False)
                yield Static(id="place", markup=False)
                with VerticalScroll(id="review"):
                    yield Static(id="review-words", markup=False)
        yield Footer()

    # --- what arrives ----------------------------------------------------------------------

    @while_running
    def on_state_changed(self, message: StateChanged) -> None:
        """Switch to the phase's view and fill it in."""
        self.state = message.state
        question = self.state.question
        if question is not None:
            self.last_seen = question.index
        if self.state.phase in ("reveal", "finished"):  # the last question seen is closed
            self.last_closed = max(self.last_closed, self.last_seen)
        elif question is not None:  # the questions before the open one are
            self.last_closed = max(self.last_closed, question.index - 1)
        self.refresh_bindings()  # keys 1-4 answer only while a question is open
        self.query_one(ContentSwitcher).current = VIEWS[self.state.phase]
        if self.state.question is not None:
            self._show_question(self.state.question)
        self._homework()
        self._show_result()
        self._show_standings()
        self._show_me()
        self._show_review()
        if self.state.phase == "finished" and self.words is None:
            self.fetch_words()
        if self.state.phase == "finished" and not self._calm() and not self.everyone_followed:
            self.everyone_followed = True
            self.follow_final_place()

    @while_running
    def on_board_changed(self, message: BoardChanged) -> None:
        """Take a newer leaderboard (an older one overtaken on the way is dropped)."""
        if not fmt.is_newer(self.board, message.board):
            return
        self.board = message.board
        self.query_one("#lobby-players", Static).update(fmt.lobby_text(
            [s.name for s in self.board.top], self.board.players))
        self._show_standings()
        self._show_me()

    @while_running
    def on_player_changed(self, message: PlayerChanged) -> None:
        """The player's own status: score, streak, and the verdict on the last answer."""
        if message.status.player != self.me.player:
            return
        self.status = message.status
        self.refresh_bindings()  # a kicked player answers no more
        self._homework()
        self._show_result()
        self._show_me()
        self._show_review()
        question = self._question()
        if question is not None:
            self._show_question(question)

    @while_running
    def on_reply_received(self, message: ReplyReceived) -> None:
        """A refused answer says why (a successful one comes as the player's status)."""
        reply = message.reply
        if reply.req == self.opening_req:
            self._opened(reply)
            return
        # "Already answered" only says a verdict exists (a kept answer sent twice across a
        # reconnect, or an answer from another device): the player's status shows it.
        if not reply.ok and reply.reason != "already_answered":
            self._result(fmt.refused_text(reply.error or "refused"))
        if reply.reason == "paused" and self.state is not None \
                and self.state.question is not None:
            # nothing was stored: the player answers again once the host resumes
            self.sent.pop(self.state.question.index, None)
            self.refresh_bindings()
            self._show_question(self.state.question)

    @while_running
    def on_connection_changed(self, message: ConnectionChanged) -> None:
        """Back online after the end without the words: ask for them again.

        A self-paced question asked for whose reply did not come is asked for again (the
        same clock: the scorer stores the first opening).
        """
        if isinstance(message.event, Connected) and self.words is None \
                and self.state is not None and self.state.phase == "finished":
            self.fetch_words()
        if isinstance(message.event, Connected) and self.opening is not None:
            self.opening = None
            self._homework()

    # --- a self-paced quiz ----------------------------------------------------------------

    def _step(self) -> homework.Step | None:
        """Where the player is in a self-paced quiz (None: not one, or no status yet)."""
        state, status = self.state, self.status
        if state is None or state.phase != "open" or status is None or status.kicked:
            return None
        return homework.step(status, state.settings.questions)

    def _homework(self) -> None:
        """Show the player's step in a self-paced quiz, and ask for its question when due."""
        step, state = self._step(), self.state
        if step is None or state is None:
            return
        switcher, text = self.query_one(ContentSwitcher), self.query_one("#homework-text", Static)
        self.last_closed = max(self.last_closed, self.status.opened - 1 if self.status else -1)
        if isinstance(step, homework.Ready):
            switcher.current = "homework"
            text.update(selfpaced.ready_text(state.settings))
        elif isinstance(step, homework.Done):
            switcher.current = "homework"
            last = self.status.last if self.status is not None else None
            verdict = "" if last is None else (
                f"Question {last.q + 1}: "
                + fmt.result_text(last, 0 if self._calm() or self.status is None
                                  else self.status.streak) + "\n\n")
            text.update(verdict + selfpaced.done_text(state.settings.questions,
                                                      state.settings.until))
        elif isinstance(step, homework.Answering):
            if self.own is None or self.own.index != step.q:
                self._ask(step.q)  # resumes with the clock it had if it was open already
            else:
                switcher.current = "question"
        else:
            if self.own is None or self.own.index != step.q:  # came back after a verdict
                switcher.current = "homework"
                text.update(f"Question {step.q + 1} is answered.\n"
                            + selfpaced.next_text(step.q))
            else:
                switcher.current = "question"
            if self.moving_on != step.q:
                self.moving_on = step.q
                self.set_timer(selfpaced.NEXT_PAUSE_SECONDS, lambda: self._move_on(step.q))
        self.refresh_bindings()

    def _move_on(self, q: int) -> None:
        """The pause after question q's verdict is over: open the next, unless done already."""
        if self.is_running and self._step() == homework.Answered(q):
            self._ask(q + 1)

    def _ask(self, q: int) -> None:
        if self.opening == q:
            return  # asked already; its reply is on the way
        self.opening = q
        self.send_open(q)

    @work(group="opens")
    async def send_open(self, q: int) -> None:
        """Ask the scorer for question q; the reply (an event) brings it with its clock."""
        try:
            self.opening_req = await self.live.open_question(q)
        except QuizError as exc:  # offline: asked again when the connection is back
            self._result(printable(f"{fmt.WRONG} {exc}"))

    def _opened(self, reply: Reply) -> None:
        """The reply to an `open`: the player's question with its own clock, or why not."""
        self.opening, self.opening_req = None, ""
        if not reply.ok or reply.question is None:
            if reply.reason != "finished":  # the finished state follows
                self._result(fmt.refused_text(reply.error or "refused"))
            return
        self.own = reply.question
        self.query_one(ContentSwitcher).current = "question"
        self.refresh_bindings()
        self._show_question(self.own)
        self._show_result()
        # when its clock runs out: say so, and offer the next question
        self.set_timer(max(self.own.deadline - self.clock(), 0.0) + 0.1, self._clock_ran_out)

    def _clock_ran_out(self) -> None:
        if self.is_running:
            self.refresh_bindings()
            self._show_result()

    def action_next_question(self) -> None:
        """Open the next question of a self-paced quiz (the first, from the start)."""
        step = self._step()
        if isinstance(step, homework.Ready):
            self._ask(0)
        elif isinstance(step, homework.Answered):
            self._ask(step.q + 1)
        elif isinstance(step, homework.Answering) and self._time_up() \
                and step.q + 1 < self.state.settings.questions:  # type: ignore[union-attr]
            self._ask(step.q + 1)  # leaves this one unanswered for good
        else:
            self.bell()

    def _time_up(self) -> bool:
        return self.own is not None and self.clock() >= self.own.deadline

    @work(exclusive=True, group="final-place")
    async def follow_final_place(self) -> None:
        """Read everyone's standings pages from the end on, for the player's final place."""
        async for update in standings_pages(self.live.broker, self.live.code):
            self.post_message(StandingsChanged(update))

    @while_running
    def on_standings_changed(self, message: StandingsChanged) -> None:
        """A page of everyone's standings came (or went): the final place may change."""
        update = message.update
        changed = (self.everyone.clear(update.page) if isinstance(update, PageCleared)
                   else self.everyone.take(update))
        if changed:
            self._show_me()

    def words_arrived(self, words: Words | None) -> None:
        """The player's words to review can be shown (or that none came in time)."""
        self.words, self.words_missing = words, words is None
        self._show_review()
        self._show_me()

    # --- what the player does --------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The answer keys are offered only while a choice question is open and not answered."""
        if action == "choose":
            question = self._open_question()
            return question is not None and question.kind not in TYPED_KINDS \
                and not self._answered(question.index)
        if action == "hear":
            return bool(self._sound_address()) and self.speaker is not None \
                and self.speaker.available
        if action == "next_question":
            step = self._step()
            return isinstance(step, homework.Ready | homework.Answered) or (
                isinstance(step, homework.Answering) and self.own is not None
                and self.own.index + 1 < self.own.count)
        return True

    def action_hear(self) -> None:
        """Play the word again: the open question's sound, or the revealed word's."""
        address = self._sound_address()
        if not address or self.speaker is None or not self.speaker.available:
            self.bell()
            return
        self.hear(address)

    @work(exclusive=True, group="sound")
    async def hear(self, address: str) -> None:
        """Play a sound to its end; a new one cancels it (and stops its player)."""
        if self.speaker is None:
            return
        self.sound_playing, self.sound_problem = True, ""
        self._show_sound_line()
        try:
            await self.speaker.play(address)
        except SoundError as exc:
            self.sound_problem = str(exc)
        finally:
            self.sound_playing = False
        if self.is_running:
            self._show_sound_line()

    def on_unmount(self) -> None:
        """The fetched sounds go with the screen."""
        if self.speaker is not None:
            self.speaker.close()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A click on a choice answers like its key."""
        if event.button.id and event.button.id.startswith("choice-"):
            self.action_choose(int(event.button.id.removeprefix("choice-")))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the text input answers a typed question with what was typed."""
        question = self._open_question()
        text = event.value.strip()
        if question is None or question.kind not in TYPED_KINDS or self._answered(question.index) \
                or not text:
            self.bell()
            return
        self._give(question, text)

    def action_choose(self, choice: int) -> None:
        """Answer the open question with `choice` (0-based), once."""
        question = self._open_question()
        if question is None or question.kind in TYPED_KINDS or self._answered(question.index) \
                or choice >= len(question.choices):
            self.bell()
            return
        self._give(question, choice)

    def _give(self, question: QuestionView, given: int | str) -> None:
        self.sent[question.index] = given
        self.refresh_bindings()  # one answer per question: the keys go
        self._result(fmt.typed_sent_text(given) if isinstance(given, str)
                     else fmt.sent_text(given, question.choices[given]))
        self._show_question(question)
        self.send_answer(question.index, given)

    @work(group="answers")
    async def send_answer(self, q: int, given: int | str) -> None:
        """Publish the answer (kept while offline); its verdict arrives through the feed."""
        again = "Enter" if isinstance(given, str) else str(given + 1)
        try:
            outgoing = await self.live.answer(q, given)
        except QuizError as exc:
            self.sent.pop(q, None)
            self.refresh_bindings()  # not sent: the keys are back
            self._result(printable(f"{fmt.WRONG} {exc}; press {again} to try again"))
            question = self._question()
            if question is not None:
                self._show_question(question)
            return
        # The verdict may have come already (the connection came back meanwhile): then
        # the notice would hide it.
        if outgoing.queued and self.is_running and self.live.is_kept(q):
            what = f"“{printable(given)}”" if isinstance(given, str) else str(given + 1)
            self._result(f"no connection: answer {what} is kept and goes out "
                         "as soon as the connection is back")

    # --- drawing ---------------------------------------------------------------------------

    def _calm(self) -> bool:
        return self.state is not None and self.state.settings.calm

    def _question(self) -> QuestionView | None:
        """The question on screen: the quiz's, or in a self-paced quiz the player's own."""
        state = self.state
        if state is not None and state.phase == "open":
            return self.own
        return state.question if state is not None else None

    def _open_question(self) -> QuestionView | None:
        state = self.state
        if self.status is not None and self.status.kicked:
            return None
        if state is not None and state.phase == "open":
            return self.own  # late after its clock, but open until the next one opens
        if state is None or state.phase != "question" or state.question is None \
                or state.paused:  # answers wait for the host to resume
            return None
        return state.question

    def _answered(self, index: int) -> bool:
        last = self.status.last if self.status else None
        return index in self.sent or (last is not None and last.q == index)

    def _show_question(self, question: QuestionView) -> None:
        state = self.state
        reveal = state.reveal if state is not None and state.phase == "reveal" else None
        self.query_one("#prompt", Static).update(
            f"{fmt.question_title(question)}\n{printable(question.prompt)}")
        given = self.sent.get(question.index)
        chosen = given if isinstance(given, int) else None
        closed = self._open_question() is None or self._answered(question.index)
        typed = question.kind in TYPED_KINDS
        grid = self.query_one("#choices", Grid)
        grid.display = not typed
        grid.set_class(question.kind == "reverse", "-long")  # definitions: a line each
        for index, word in enumerate(question.choices[:4]):
            button = self.query_one(f"#choice-{index}", Button)
            button.label = Text(fmt.choice_label(index, word, chosen=chosen,
                                                 correct=reveal.correct if reveal else None))
            button.disabled = closed
            button.set_class(index == chosen, "-chosen")
            button.set_class(reveal is not None and index == reveal.correct, "-correct")
        self._show_input(question, given if isinstance(given, str) else None, closed)
        self._show_sound(question, reveal is not None)
        countdown = self.query_one(Countdown)
        if reveal is not None:
            countdown.stop(fmt.answer_line(question, reveal))
        elif state is not None and state.phase == "open":
            if self._answered(question.index):
                countdown.stop(f"question {question.index + 1} of {question.count} answered")
            else:  # the player's own clock, from when they first opened it
                countdown.start(question.deadline, question.deadline - question.opened_at)
        elif state is not None:
            countdown.follow(state)

    def _sound_address(self) -> str:
        """What Ctrl+R plays: the open listening question's sound, or the revealed word's."""
        state, question = self.state, self._question()
        if state is None or question is None:
            return ""
        if state.phase == "reveal":
            reveal = state.reveal
            return reveal.audio if reveal is not None and reveal.index == question.index else ""
        return question.audio if state.phase in ("question", "open") else ""

    def _show_sound(self, question: QuestionView, revealed: bool) -> None:
        """A listening question's line about its sound; the sound plays once as it opens."""
        listening = bool(question.audio) and not revealed
        self.query_one("#sound", Static).display = listening
        if not listening:
            return
        heard = (question.index, question.audio)
        if self.heard_for != heard:
            self.heard_for, self.sound_problem = heard, ""
            if self.speaker is not None and self.speaker.available:
                self.hear(question.audio)
        self._show_sound_line()

    def _show_sound_line(self) -> None:
        self.query_one("#sound", Static).update(
            sound_line(self.speaker, self.sound_problem, playing=self.sound_playing))

    def _show_input(self, question: QuestionView, given: str | None, closed: bool) -> None:
        box = self.query_one("#typed", Input)
        typed = question.kind in TYPED_KINDS
        box.display = typed
        if self.typed_for != question.index:  # a new question: an empty box
            self.typed_for = question.index
            box.value = ""
        if given is not None and box.value != given:
            box.value = given  # what was sent stays on screen
        box.disabled = not typed or closed
        if typed and not closed:
            box.focus()

    def _show_result(self) -> None:
        state, status = self.state, self.status
        if status is not None and status.kicked:
            self._result("You were removed from the quiz by the host.")
            return
        question = self._question()
        if state is None or question is None:
            return
        index = question.index
        last = status.last if status else None
        given = self.sent.get(index)
        if last is not None and last.q == index:
            # a calm quiz promises no streak: none shows, whatever a status says
            streak = status.streak if status is not None and not self._calm() else 0
            verdict = fmt.result_text(last, streak, given if isinstance(given, str) else None)
            if state.phase == "open" and index + 1 < question.count:
                verdict += "\n" + selfpaced.next_text(index)
            self._result(verdict)
        elif state.phase == "open" and index not in self.sent and self._time_up():
            self._result(selfpaced.time_up_text(index, question.count))
        elif state.phase == "reveal":
            self._result("You did not answer this one.")
        elif index not in self.sent and state.paused:
            self._result("The host paused the question: answer when it resumes.")
        elif index not in self.sent:
            self._result("Type the word and press Enter." if question.kind in TYPED_KINDS
                         else "Press 1-4 (or click) to answer.")

    def _result(self, text: str) -> None:
        self.query_one("#result", Static).update(text)

    def _show_standings(self) -> None:
        calm = self._calm()  # no ranking anywhere in a calm quiz
        standings = self.query_one("#standings", Static)
        standings.display = self.state is not None and self.state.phase == "reveal" \
            and not calm
        self.query_one("#podium", Static).display = not calm
        self.query_one("#over", Static).update(
            "The quiz is over." if calm else "The quiz is over. Final standings:")
        if self.board is None:
            return
        lines = fmt.leaderboard_lines(self.board.top, me=self.me.player, limit=STANDINGS_ROWS)
        standings.update("\n".join(["Leaderboard", *lines]))
        self.query_one("#podium", Static).update("\n".join(fmt.podium_lines(self.board.top)))

    def _show_me(self) -> None:
        status = self.status
        score = status.score if status else 0
        if self._calm():
            right = len(status.right) if status else 0
            asked = len(self.words.words) if self.words is not None else None
            self.query_one("#me", Static).update(fmt.calm_status_line(self.me.name, score, right))
            self.query_one("#place", Static).update(fmt.calm_place(score, right, asked))
            return
        # The players' board and the state change at phase changes, the status at each of
        # the player's answers: the one with the later event number knows best.
        seen = status.last.seq if status is not None and status.last is not None else 0
        board = self.board if self.board is not None and self.board.seq >= seen else None
        rank = fmt.own_rank(board, self.me.player, status.rank if status else 0)
        views = [view for view in (self.board, self.state) if view is not None]
        players = max(views, key=lambda view: view.seq).players if views else 0
        final = self.everyone.standing(self.me.player)
        if final is not None and self.state is not None and self.state.phase == "finished":
            rank, players = final.rank, self.everyone.players  # the place everyone sees
        # The status changes only when the player answers: a question that closed without
        # their answer ended the streak, as the scorer counts it.
        streak = fmt.streak_now(status.streak, status.last.q if status.last else None,
                                self.last_closed) if status else 0
        self.query_one("#me", Static).update(fmt.status_line(
            self.me.name, score, rank, players, streak))
        self.query_one("#place", Static).update(fmt.own_place(rank, players, score))

    def _show_review(self) -> None:
        review = self.query_one("#review-words", Static)
        if self.words is None:
            review.update("Your words to review: not published yet (quiz review "
                          f"{self.live.code} shows them later)." if self.words_missing
                          else "Your words to review: coming…")
            return
        if self.status is None:
            return
        words = to_review(self.words.words, self.status)
        review.update("\n".join(fmt.review_lines(words, len(self.words.words))))
