"""Any name, any deck word: every screen shows it literally and keeps running.

Player names and deck words come from other people over the wire. A property test feeds
each screen (Pilot at 80x24, a scripted feed, no broker) names full of markup, action
links, brackets, control characters and wide characters, and checks that the screen
draws them as typed: never as markup, never a crash. Control characters, which no real
board carries (the scorer refuses them at join), are drawn as visible symbols
(`tui.formatting.printable`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

import msgspec
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.app import App
from textual.pilot import Pilot

from client.credentials import PlayerCredentials
from protocol.messages import (
    Leaderboard,
    QuestionView,
    Reply,
    Results,
    RevealView,
    Standing,
    State,
    Word,
    Words,
)
from tests.conftest import until
from tests.e2e.test_tui_snapshots import (
    ALICE,
    CODE,
    ONLINE,
    OPENED_AT,
    QUESTION,
    SIZE,
    ScriptedLive,
    alice_status,
    frozen_clock,
    screen_text,
    state,
)
from tui.board import BoardApp
from tui.formatting import printable
from tui.host import HostApp
from tui.live import Event
from tui.play import PlayApp

# Each example opens a screen and walks it through a quiz: a few dozen keep the suite fast.
EXAMPLES = 25
SHOW_TIMEOUT = 5.0

HOSTILE = ["[/]", "[b]BOSS[/b]", "[@click=app.quit]x[/]", "[link=http://x]y[/link]", "[",
           "]", "[[", "\\[b]", "x[/b", "[red]", "\x1b[31mred\x1b[0m", "a\nb", "tab\tx",
           "\x00\x07\x08\r", "\x9b2J", "\u202eevil", "中文名字", "👨‍👩‍👧 fam",
           "\uff46\uff55\uff4c\uff4c", "e\u0301", "🎉[/]🎉", ":smile:", "   ", "%s{0}"]
# Markup-ish ASCII, controls (C0, DEL, C1), CJK, emoji, combining marks, bidi controls.
ALPHABET = st.one_of(
    st.sampled_from("[]/\\@=:.{}%$ abAZ019"),
    st.characters(min_codepoint=0, max_codepoint=0x9F),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80),
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1F64F),
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),
    st.sampled_from("\u200d\ufe0f\u202a\u202e\u2066\u2069\u3164\u2800éß"),
)
TEXTS = st.sampled_from(HOSTILE) | st.text(ALPHABET, min_size=1, max_size=24)
# Deck words sit on buttons and one-line prompts: short enough to fit at 80 columns.
WORDS = st.sampled_from(HOSTILE[:12]) | st.text(ALPHABET, min_size=1, max_size=8)

# No shrinking: a failing screen prints a long traceback per try, and a hostile name reads
# well enough as found.
EXAMPLE_SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                            phases=[Phase.explicit, Phase.reuse, Phase.generate],
                            suppress_health_check=[HealthCheck.too_slow])


def standings(names: Sequence[str], scores: Sequence[int]) -> list[Standing]:
    return [Standing(rank, f"{rank:08x}", name, score)
            for rank, (name, score) in enumerate(zip(names, scores, strict=True), start=1)]


def leaderboard(seq: int, names: Sequence[str], scores: Sequence[int]) -> Leaderboard:
    return Leaderboard(quiz=CODE, seq=seq, players=len(names), top=standings(names, scores),
                       updated_at=OPENED_AT)


async def shows(pilot: Pilot[None], *texts: str) -> str:
    """Wait until every text is on screen; fail with the frame when one never comes."""
    deadline = time.monotonic() + SHOW_TIMEOUT
    while True:
        await pilot.pause(0.02)
        frame = screen_text(pilot.app)
        missing = [text for text in texts if text not in frame]
        if not missing:
            return frame
        if time.monotonic() > deadline:
            pytest.fail(f"{missing!r} not on screen after {SHOW_TIMEOUT}s:\n{frame}")


def run(app: App[None], steps: Callable[[Pilot[None]], Awaitable[None]]) -> None:
    """Run `steps(pilot)` against the app; a crash inside the app fails the test."""
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await steps(pilot)
            assert app.is_running, "the screen closed itself"
    asyncio.run(main())


def feed(live: ScriptedLive, *events: Event) -> None:
    for event in events:
        live._later.put_nowait(event)


def question(prompt: str, words: Sequence[str]) -> QuestionView:
    return msgspec.structs.replace(QUESTION, index=0, count=1, prompt=prompt,
                                   choices=list(words))


def revealed(prompt: str, words: Sequence[str]) -> State:
    """The reveal of `question(...)`: the second word was right."""
    return msgspec.structs.replace(
        state("reveal", players=3, answered=2, question=question(prompt, words)),
        reveal=RevealView(index=0, correct=1, term=words[1], distribution=[1, 1, 0, 0]))


@EXAMPLE_SETTINGS
@given(names=st.lists(TEXTS, min_size=3, max_size=3), prompt=WORDS,
       words=st.lists(WORDS, min_size=4, max_size=4))
def test_the_board_shows_any_name_and_word_literally(names: list[str], prompt: str,
                                                     words: list[str]) -> None:
    shown = [printable(name) for name in names]
    live = ScriptedLive([*ONLINE, state("lobby", players=3),
                         leaderboard(1, names, [0, 0, 0])])
    open_question = question(prompt, words)

    async def steps(pilot: Pilot[None]) -> None:
        await shows(pilot, "Lobby: 3 players", *shown)
        feed(live, state("question", players=3, question=open_question),
             leaderboard(2, [names[1], names[0], names[2]], [900, 500, 0]))
        await shows(pilot, f"(adj) {printable(prompt)}", *shown)
        feed(live, revealed(prompt, words))
        await shows(pilot, f"The answer: {printable(words[1])}",
                    *(f"{i + 1} {printable(word)}" for i, word in enumerate(words)))
        feed(live, state("finished", players=3),
             leaderboard(3, [names[1], names[0], names[2]], [900, 500, 0]))
        frame = await shows(pilot, "Podium", f" 1st  {shown[1]}", f" 2nd  {shown[0]}", *shown)
        assert " 3rd " not in frame  # no points, no podium
        lines = frame.splitlines()
        title = next(i for i, line in enumerate(lines) if "Leaderboard (3 players)" in line)
        rows = lines[title + 1:title + 4]
        assert [row.rstrip().endswith(score) for row, score in
                zip(rows, ("900", "500", " 0"), strict=True)] == [True] * 3
        # The scores end in one column, in terminal cells, whatever the names are made of.
        assert len({cell_len(row.rstrip()) for row in rows}) == 1, rows

    run(BoardApp(live, clock=frozen_clock), steps)


@EXAMPLE_SETTINGS
@given(names=st.lists(TEXTS, min_size=3, max_size=3), error=TEXTS)
def test_the_host_console_shows_any_name_literally(names: list[str], error: str) -> None:
    shown = [printable(name) for name in names]
    live = ScriptedLive([*ONLINE, state("lobby", players=3),
                         leaderboard(1, names, [0, 0, 0])], host_key="7" * 64)
    app = HostApp(live, clock=frozen_clock)

    async def steps(pilot: Pilot[None]) -> None:
        await shows(pilot, "Lobby: 3 players", *shown)
        await pilot.press("k")
        await shows(pilot, f"Remove {shown[0]}?")
        await pilot.press("k")
        await until(lambda: live.commands[-1:] == [("kick", -1, "00000001")], timeout=5)
        # the feed keeps its order: the replies are handled before what follows them
        feed(live, Reply(req=f"{len(live.commands):016x}", ok=True),
             Reply(req="f" * 16, ok=False, error=error))
        feed(live, state("finished", players=3),
             Reply(req="0" * 15 + "1", ok=True, results=Results(
                 quiz=CODE, phase="finished", answers=[],
                 standings=standings([names[1], names[0], names[2]], [900, 500, 0]))))
        frame = await shows(pilot, "Final results", f" 1st  {shown[1]}", f" 2nd  {shown[0]}")
        assert " 3rd " not in frame

    run(app, steps)


@EXAMPLE_SETTINGS
@given(me=TEXTS, names=st.lists(TEXTS, min_size=2, max_size=2), prompt=WORDS,
       words=st.lists(WORDS, min_size=4, max_size=4), error=WORDS)
def test_the_play_screen_shows_any_name_and_word_literally(
        me: str, names: list[str], prompt: str, words: list[str], error: str) -> None:
    player = PlayerCredentials(name=me, player="a11ce000", secret="5" * 64)
    everyone = [names[0], me, names[1]]
    ids = {"00000001": names[0], "a11ce000": me, "00000003": names[1]}
    top = [Standing(rank, pid, name, score) for rank, ((pid, name), score)
           in enumerate(zip(ids.items(), [900, 500, 0], strict=True), start=1)]
    board = Leaderboard(quiz=CODE, seq=1, players=3, top=top, updated_at=OPENED_AT)
    open_question = question(prompt, words)
    live = ScriptedLive([*ONLINE, state("lobby", players=3), board], player=player)

    async def steps(pilot: Pilot[None]) -> None:
        await shows(pilot, printable(me), "3 in the lobby")
        feed(live, state("question", players=3, question=open_question))
        await shows(pilot, printable(prompt),
                    *(f"{i + 1}  {printable(word)}" for i, word in enumerate(words)))
        await pilot.press("1")
        await shows(pilot, f"sent 1 ({printable(words[0])})")
        feed(live, Reply(req="f" * 16, ok=False, reason="closed", error=error))
        await shows(pilot, f"not counted: {printable(error)}")
        feed(live, revealed(prompt, words))
        await shows(pilot, f"The answer: {printable(words[1])}",
                    *(printable(name) for name in everyone))
        feed(live, state("finished", players=3))
        frame = await shows(pilot, "Final standings", f" 1st  {printable(names[0])}",
                            f" 2nd  {printable(me)}")
        assert " 3rd " not in frame

    run(PlayApp(live, clock=frozen_clock), steps)


def words_of(terms: Sequence[str], texts: Sequence[str]) -> Words:
    """A finished quiz's words: the terms, each with a hostile definition and example."""
    return Words(quiz=CODE, updated_at=OPENED_AT, words=[
        Word(q=q, kind="typed", term=term, pos="noun", definition=text, example=text,
             answered=3, right=1, near=1) for q, (term, text) in enumerate(zip(
                 terms, texts, strict=True))])


@EXAMPLE_SETTINGS
@given(word=WORDS, definitions=st.lists(TEXTS, min_size=4, max_size=4),
       terms=st.lists(WORDS, min_size=2, max_size=2))
def test_every_kind_and_the_words_to_review_show_deck_text_literally(
        word: str, definitions: list[str], terms: list[str]) -> None:
    reverse = msgspec.structs.replace(question(word, definitions), kind="reverse")
    status = msgspec.structs.replace(alice_status(500, 0, 0, 2), right=[])
    live = ScriptedLive([*ONLINE, state("question", players=3, question=reverse), status],
                        player=ALICE, final_words=words_of(terms, definitions[:2]))

    async def steps(pilot: Pilot[None]) -> None:
        await shows(pilot, "pick its meaning", printable(word))
        for i, definition in enumerate(definitions):  # on the buttons: Text, never markup
            label = str(pilot.app.query_one(f"#choice-{i}").label)
            assert label == f"{i + 1}  {printable(definition)}"
        feed(live, state("finished", players=3))
        await shows(pilot, "Words to review (2 of 2):",
                    *(f"• {printable(term)} (noun): " for term in terms))
        review = str(pilot.app.query_one("#review-words").render())
        assert all(f"e.g. {printable(text)}" in review for text in definitions[:2])

    run(PlayApp(live, clock=frozen_clock), steps)


@EXAMPLE_SETTINGS
@given(terms=st.lists(WORDS, min_size=2, max_size=2))
def test_the_host_sees_each_word_literally(terms: list[str]) -> None:
    live = ScriptedLive([*ONLINE, state("finished", players=3)], host_key="7" * 64,
                        final_words=words_of(terms, ["d", "d"]))

    async def steps(pilot: Pilot[None]) -> None:
        frame = await shows(pilot, "Per word, most missed first (3 players):")
        assert all(printable(term) in frame for term in terms)

    run(HostApp(live, clock=frozen_clock), steps)
