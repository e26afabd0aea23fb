"""What every quiz screen shares: the live feed in a worker, the connection banner, quit."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import aclosing
from typing import ClassVar, TypeVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message

from client.errors import QuizError
from client.reconnect import Connected
from protocol.messages import Words
from tui.events import ConnectionChanged, ScorerChanged, as_message
from tui.live import Live
from tui.widgets import ConnectionBanner

AppT = TypeVar("AppT", bound=App[None])
MessageT = TypeVar("MessageT", bound=Message)


def while_running(handler: Callable[[AppT, MessageT], None]) -> Callable[[AppT, MessageT], None]:
    """Drop a feed message that is handled after the app began to shut down.

    Textual removes the widgets first, then handles the messages still queued; an update
    that arrived in between has nothing left to draw on.
    """
    @functools.wraps(handler)
    def guarded(app: AppT, message: MessageT) -> None:
        if app.is_running:
            handler(app, message)
    return guarded


class QuizApp(App[None]):
    """A screen that follows one quiz: its MQTT loop runs in a worker and posts messages."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]
    ENABLE_COMMAND_PALETTE = False  # every action has its key in the footer

    def __init__(self, live: Live, *, clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        self.live = live
        # The scorer's time for the countdown (deadlines are its epoch seconds): the
        # feed's estimate, corrected for this machine's clock (tui/clock.py); tests fix it.
        self.clock = clock or live.scorer_time
        self.title = f"Quiz {live.code}"
        self._connected_before = False

    def on_mount(self) -> None:
        """Start following the quiz once the screen is up."""
        self.follow()

    @work(exclusive=True, group="words")
    async def fetch_words(self) -> None:
        """Read the finished quiz's words once (the words to review, the class's accuracy)."""
        try:
            words = await self.live.words()
        except QuizError:
            return  # offline: asked again once the connection is back
        if self.is_running:
            self.words_arrived(words)

    def words_arrived(self, words: Words | None) -> None:
        """The finished quiz's words came (None: none came in time); screens show them."""

    @work(exclusive=True, group="live")
    async def follow(self) -> None:
        """Read the live feed for as long as the app runs; the UI never waits for it."""
        async with aclosing(self.live.events()) as events:
            async for event in events:
                self.post_message(as_message(event))

    def banner(self) -> ConnectionBanner:
        """The screen's connection banner."""
        return self.query_one(ConnectionBanner)

    @while_running
    def on_connection_changed(self, message: ConnectionChanged) -> None:
        """Show or hide the reconnecting notice."""
        self.banner().show_connection(message.event)
        if isinstance(message.event, Connected):
            if self._connected_before:
                self.notify("reconnected", timeout=3)
            self._connected_before = True

    @while_running
    def on_scorer_changed(self, message: ScorerChanged) -> None:
        """Say when the scorer is offline (the broker still answers, nobody scores)."""
        self.banner().show_scorer(message.status.status == "online")
