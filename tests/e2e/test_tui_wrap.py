"""A choice too long for a narrow terminal wraps under its own text, not under its key.

`quiz play` at 50x20 (a phone's terminal, a split pane), Pilot against a real broker and
scorer: each definition of a reverse question reads as one block beside its number.
"""

from __future__ import annotations

import re
from pathlib import Path

from broker.embedded import Embedded
from tests.e2e.test_tui import shows
from tests.e2e.test_tui_kinds import quiz_of
from tui.live import Live
from tui.play import PlayApp

NARROW = (50, 20)
CHOICE = re.compile(r"^(\s*(?:[✓✗▶] )?([1-4])  )(\S.*?)\s*$")


def choices_on(frame: str) -> dict[int, tuple[int, list[str]]]:
    """Each choice on screen: the column its text starts at, and its lines of text."""
    lines = frame.splitlines()
    start = next(i for i, line in enumerate(lines) if CHOICE.match(line))
    found: dict[int, tuple[int, list[str]]] = {}
    number = 0
    for line in lines[start:]:
        indent = len(line) - len(line.lstrip())
        if not line.strip() or (indent < 2 and not CHOICE.match(line)):  # the hint, the verdict
            break
        if (match := CHOICE.match(line)) and int(match[2]) == number + 1:
            number = int(match[2])
            found[number] = (len(match[1]), [match[3]])
        else:
            column, texts = found[number]
            assert line[:column].strip() == "" and line[column] != " ", (
                f"a continuation not under its text (column {column}):\n{frame}")
            texts.append(line.strip())
    return found


async def test_a_long_choice_wraps_under_its_text_at_50x20(embedded: Embedded,
                                                           tmp_path: Path) -> None:
    async with quiz_of(embedded, tmp_path, ["reverse"]) as room:
        alice = await room.join("alice")
        await room.control("start")
        question = room.question(0)
        app = PlayApp(Live(room.broker.public, room.code, player=alice))
        async with app.run_test(size=NARROW) as pilot:
            frame = await shows(pilot, "pick its meaning", "Press 1-4")
            shown = choices_on(frame)
            assert sorted(shown) == [1, 2, 3, 4], frame
            for number, definition in enumerate(question.choices, start=1):
                assert " ".join(shown[number][1]) == definition, frame
            # three of the deck's six definitions are too long for this width: one is here
            assert any(len(texts) > 1 for _, texts in shown.values()), frame

            # after the answer and the reveal, the marks move the text: it still hangs
            await pilot.press(str(question.correct + 1))
            await room.control("next", at=0)
            frame = await shows(pilot, "The answer")
            shown = choices_on(frame)
            for number, definition in enumerate(question.choices, start=1):
                assert " ".join(shown[number][1]) == definition, frame

