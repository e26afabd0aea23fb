"""Widgets the quiz screens share: the connection banner and the countdown.

Both show their text with markup off: a broker URL or an error message is data.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.content import Content
from textual.geometry import Size
from textual.widgets import Button, Static

from client.reconnect import Connected, Disconnected
from client.text import printable
from protocol.messages import State
from tui.formatting import countdown_line, hanging, remaining

# Four redraws a second keep a whole-second countdown on time without busy work.
COUNTDOWN_REFRESH_SECONDS = 0.25
# Width of the countdown before the first layout tells the real one.
COUNTDOWN_DEFAULT_WIDTH = 40
# What a screen says while its link is down.
RECONNECTING = "⚠ connection lost: reconnecting…"


class ConnectionBanner(Static):
    """Says when the screen is not live: connecting, reconnecting, or the scorer is away."""

    def __init__(self, broker: str, *, id: str | None = None) -> None:
        super().__init__(printable(f"connecting to {broker}…"), id=id, markup=False)
        self._link_up = False
        self._scorer_online = True

    def show_connection(self, event: Connected | Disconnected) -> None:
        """Follow the broker connection."""
        self._link_up = isinstance(event, Connected)
        if isinstance(event, Disconnected):
            # one short line for a room to read, the same through every attempt; the broker,
            # the reason and the attempts are in the log (tui/live.py)
            self.update(RECONNECTING)
        self._refresh_display()

    def show_scorer(self, online: bool) -> None:
        """Follow the scorer's status."""
        self._scorer_online = online
        if self._link_up and not online:
            self.update("⚠ the scorer is offline: waiting for it to come back…")
        self._refresh_display()

    @property
    def live(self) -> bool:
        """True when connected and the scorer is online: nothing to say."""
        return self._link_up and self._scorer_online

    def _refresh_display(self) -> None:
        self.display = not self.live


class ChoiceButton(Button):
    """A choice whose text wraps under itself, not under its key (a hanging indent).

    Its label is `formatting.choice_label`'s; it is laid out again for each width it gets.
    """

    def render(self) -> Content:
        """The label, wrapped to the width the button has now."""
        return self._lines(self.content_region.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """As many lines as the label takes at `width`."""
        return len(self._lines(width).plain.splitlines()) or 1

    def _lines(self, width: int) -> Content:
        label = Content.from_text(self.label)
        width -= 2 * self.styles.line_pad  # a Button pads each line of its label
        if width <= 0 or "\n" in label.plain:
            return label
        return Content("\n".join(hanging(label.plain, width)))


class Countdown(Static):
    """A bar that empties towards the question's deadline, with the seconds left."""

    def __init__(self, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._clock = clock
        self._deadline: float | None = None
        self._total = 0.0
        self._held: float | None = None  # the seconds left on a paused question's clock

    def on_mount(self) -> None:
        """Redraw a few times a second while a question is open."""
        self.set_interval(COUNTDOWN_REFRESH_SECONDS, self._tick)

    def start(self, deadline: float, total: float) -> None:
        """Count down to `deadline` (scorer time, seconds since the epoch)."""
        self._deadline, self._total, self._held = deadline, total, None
        self._tick()

    def follow(self, state: State) -> None:
        """Count down the open question of `state`, or show its clock stopped while paused."""
        question = state.question
        if question is None:
            return
        total = question.deadline - question.opened_at
        if state.paused:
            self._deadline, self._total, self._held = None, total, state.remaining
            self._draw_held()
        else:
            self.start(question.deadline, total)

    def on_resize(self) -> None:
        """A paused clock is drawn again to the new width (a running one on its next tick)."""
        self._draw_held()

    def _draw_held(self) -> None:
        if self._held is not None:
            width = self.content_size.width or COUNTDOWN_DEFAULT_WIDTH
            self.update(countdown_line(self._held, self._total, width, paused=True))

    def stop(self, text: str) -> None:
        """Stop counting and show `text` instead."""
        self._deadline = self._held = None
        self.update(text)

    def _tick(self) -> None:
        if self._deadline is None:
            return
        width = self.content_size.width or COUNTDOWN_DEFAULT_WIDTH
        self.update(countdown_line(remaining(self._deadline, self._clock()), self._total, width))
