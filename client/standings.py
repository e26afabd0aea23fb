"""Everyone's standings: the retained pages of a quiz, as they come and as they go.

The scorer publishes everyone's standings in retained pages (`quiz/<code>/standings/<n>`)
and clears a page with an empty retained message when the standings shrink. The board's
`a` key and `quiz watch --all` read them on a connection of their own, reconnecting (to
the next broker) silently: the main feed says when the broker is away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiomqtt

from client.connection import CONNECT_TIMEOUT_SECONDS, Cleared, Received, connect
from client.errors import QuizError
from client.reconnect import Reconnect
from protocol import topics
from protocol.address import BrokerAddress, Brokers
from protocol.messages import Standing, StandingsPage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PageCleared:
    """A standings page the scorer cleared: the standings no longer reach it."""

    page: int


async def standings_pages(where: BrokerAddress | Brokers, code: str) -> AsyncIterator[
        StandingsPage | PageCleared]:
    """Every page of a quiz's full standings, retained ones first, then as they change.

    A page the scorer cleared (the standings shrank) comes as `PageCleared`.
    """
    retry = Reconnect(where)
    wanted = topics.standings_of(code)
    while True:
        try:
            async with connect(retry.order(), timeout=CONNECT_TIMEOUT_SECONDS) as connection:
                with connection.follow({wanted: StandingsPage}, cleared=True) as follower:
                    await connection.subscribe(wanted)
                    retry.connected(connection.broker)
                    while True:
                        update = page_of(code, await follower.get())
                        if update is not None:
                            yield update
        except (aiomqtt.MqttError, OSError, QuizError) as exc:
            log.info("standings of %s: connection lost (%s)", code, exc)
        await asyncio.sleep(retry.lost())


def page_of(code: str, received: Received) -> StandingsPage | PageCleared | None:
    """The page (or the clearing of one) that `received` carries, if it is one of `code`."""
    number = received.topic.rsplit("/", 1)[-1]
    if not number.isdigit() or received.topic != topics.standings(code, int(number)):
        return None
    message = received.message
    if isinstance(message, Cleared):
        return PageCleared(int(number))
    if isinstance(message, StandingsPage) and message.quiz == code \
            and message.page == int(number):
        return message
    return None


class Everyone:
    """Everyone's standings, put together from the retained pages as they come.

    Pure bookkeeping: a page replaces the one of the same number unless it is older (a
    lower `seq`), and a cleared page (the standings shrank) is dropped.
    """

    def __init__(self) -> None:
        self.pages: dict[int, StandingsPage] = {}

    def take(self, page: StandingsPage) -> bool:
        """Keep a page; True when what it shows changed."""
        shown = self.pages.get(page.page)
        if shown is not None and page.seq < shown.seq:
            return False
        self.pages[page.page] = page
        return shown is None or (shown.rows, shown.pages, shown.players) != \
            (page.rows, page.pages, page.players)

    def clear(self, number: int) -> bool:
        """Forget a page the scorer cleared; True when it was shown."""
        return self.pages.pop(number, None) is not None

    @property
    def players(self) -> int:
        """Players in the standings, as the newest page says."""
        newest = max(self.pages.values(), key=lambda page: page.seq, default=None)
        return newest.players if newest is not None else 0

    def standing(self, player: str) -> Standing | None:
        """The player's row in the newest page that holds them (None: in no page seen).

        A player moves between pages as the standings change; their row in an older page
        is stale, so the newest page's row wins.
        """
        found = [(page.seq, row) for page in self.pages.values() for row in page.rows
                 if row.player == player]
        return max(found, key=lambda seen: seen[0])[1] if found else None

    def rows(self) -> list[Standing]:
        """Every standing, best first (pages past the newest page count are left out)."""
        newest = max(self.pages.values(), key=lambda page: page.seq, default=None)
        count = newest.pages if newest is not None else 0
        return [row for number in sorted(self.pages) if number <= count
                for row in self.pages[number].rows]
