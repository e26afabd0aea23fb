"""The host's key a: the open question's answer on the console, from a sealed `key` reply."""

from __future__ import annotations

import msgspec

from protocol import answerkey
from protocol.answerkey import AnswerKey
from protocol.messages import Reply
from tests.conftest import until
from tests.e2e.test_tui_phases import PHASES, footer, host
from tests.e2e.test_tui_snapshots import CODE, QUESTION, SIZE, screen_text

HOST_KEY = "7" * 64  # the scripted host's key (tests/e2e/test_tui_phases.host)
SHOWN = "Answer (not shown to players): ephemeral"
NEXT = msgspec.structs.replace(PHASES["question"], question=msgspec.structs.replace(
    QUESTION, index=3, prompt="present everywhere at once"))


def key_reply(req: str, q: int, correct: int, term: str, host_key: str = HOST_KEY) -> Reply:
    sealed = answerkey.seal(host_key, CODE, req, AnswerKey(q=q, correct=correct, term=term))
    return Reply(req=req, ok=True, quiz=CODE, key=sealed)


def req_of(commands: list[tuple[str, int, str]], wanted: tuple[str, int, str]) -> str:
    """The request id the scripted feed gave a command (its 1-based place, in hex)."""
    return f"{commands.index(wanted) + 1:016x}"


async def test_key_a_shows_the_answer_and_hides_it_again() -> None:
    app = host([PHASES["question"]])
    live = app.live
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: "a Answer" in footer(screen_text(app)), timeout=5)
        assert "Answer (" not in screen_text(app)  # off by default: the console is public
        await pilot.press("a")
        await until(lambda: ("key", 2, "") in live.commands, timeout=5)  # type: ignore[attr-defined]
        req = req_of(live.commands, ("key", 2, ""))  # type: ignore[attr-defined]
        live._later.put_nowait(key_reply(req, 2, 0, "ephemeral"))  # type: ignore[attr-defined]
        await until(lambda: SHOWN in screen_text(app), timeout=5)
        assert "✓" in screen_text(app)  # the right choice is marked
        await pilot.press("a")
        await until(lambda: "Answer (" not in screen_text(app), timeout=5)
        assert "✓" not in screen_text(app)
        # on again: the next question's answer is asked for by itself when it opens
        await pilot.press("a")
        await until(lambda: SHOWN in screen_text(app), timeout=5)
        live._later.put_nowait(NEXT)  # type: ignore[attr-defined]
        await until(lambda: ("key", 3, "") in live.commands, timeout=5)  # type: ignore[attr-defined]
        assert SHOWN not in screen_text(app)  # never the last question's answer on this one
        req = req_of(live.commands, ("key", 3, ""))  # type: ignore[attr-defined]
        live._later.put_nowait(key_reply(req, 3, 1, "ubiquitous"))  # type: ignore[attr-defined]
        await until(lambda: "not shown to players): ubiquitous" in screen_text(app), timeout=5)


async def test_an_answer_key_sealed_with_another_key_is_not_shown() -> None:
    app = host([PHASES["question"]])
    live = app.live
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(lambda: "a Answer" in footer(screen_text(app)), timeout=5)
        await pilot.press("a")
        await until(lambda: ("key", 2, "") in live.commands, timeout=5)  # type: ignore[attr-defined]
        req = req_of(live.commands, ("key", 2, ""))  # type: ignore[attr-defined]
        live._later.put_nowait(key_reply(req, 2, 0, "ephemeral", host_key="8" * 64))  # type: ignore[attr-defined]
        await until(lambda: "answer key does not open" in screen_text(app), timeout=5)
        assert "Answer (" not in screen_text(app)


async def test_the_answer_key_is_offered_only_while_a_question_is_open() -> None:
    for phase in ("lobby", "reveal", "finished"):
        app = host([PHASES[phase]])
        async with app.run_test(size=SIZE):
            await until(lambda app=app: footer(screen_text(app)).strip() != "", timeout=5)
            await until(lambda app=app: app.state is not None, timeout=5)
            assert "Answer" not in footer(screen_text(app)), phase
