"""`quiz watch` says a lost link once and its return once, however many attempts between."""

from __future__ import annotations

from cli.render import RECONNECTING, LinkNotices
from tests.conftest import FakeClock


def test_an_outage_is_two_lines_whatever_its_attempts() -> None:
    clock = FakeClock()
    link = LinkNotices(clock)
    assert link.connected() is None  # the first connection is no news
    said = [link.lost()]
    for _ in range(30):  # thirty attempts in a twenty-second restart
        clock.advance(0.7)
        said.append(link.lost())
    said.append(link.connected())
    assert [line for line in said if line] == [RECONNECTING, "back after 21 s"]
    assert link.connected() is None  # once
    assert link.lost() == RECONNECTING  # the next outage is said again
