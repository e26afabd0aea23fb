"""What the web board says at a reveal and in a calm quiz (issue 22, "What the screens say").

A reverse question's right choice is a definition: the reveal names it, with the word
(`answerText` in web/static/board.js, the twin of client/reveal.py). A calm quiz shows no
streak and no rank. The pure function is tested in the page itself, its files served by
the test with no quiz server; the reveal in a real quiz with `quiz serve` and the CLI, as
tests/e2e/test_web_board_kinds.py does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.e2e.cli import ROOT, quiz
from tests.e2e.test_web_board import (
    CHROMIUM,
    CHROMIUM_ARGS,
    HOSTILE,
    SLOW_MS,
    UPDATE_MS,
    fits,
    require_chromium,
    serving,
    shot,
)
from tests.e2e.test_web_board_kinds import DECK, open_question, word_of

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import Page, Route, expect, sync_playwright

pytestmark = [pytest.mark.chromium, pytest.mark.timeout(300)]

STATIC = ROOT / "web" / "static"
# Where the test serves the page's files from (the browser never reaches the network).
ORIGIN = "http://board.test"
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
MEANS = "to stop something from happening"
REVERSE = {"kind": "reverse", "prompt": "prevent", "choices": ["a trip", MEANS, "b", "c"]}
# Words a calm quiz never shows (as whole words: a definition may hold "frank").
RANKING = re.compile(r"\b(streak|rank|ranked|podium|leaderboard)\b", re.IGNORECASE)


def serve_static(route: Route) -> None:
    """The board's page at /, its files at /static/NAME; nothing else exists."""
    path = route.request.url.removeprefix(ORIGIN).split("?")[0]
    name = "index.html" if path == "/" else path.removeprefix("/static/")
    file = STATIC / name
    if name == path or "/" in name or not file.is_file():  # not / and not a file of static/
        route.fulfill(status=404, body="")
        return
    route.fulfill(status=200, body=file.read_bytes(),
                  content_type=TYPES.get(file.suffix, "application/octet-stream"))


# (question, reveal, what the reveal says), for the board's answerText and for its twin in
# the player page (tests/e2e/test_web_player_answer_key.py).
REVEALS: list[tuple[dict[str, Any], dict[str, Any], str]] = [
    ({**REVERSE, "kind": "choice", "choices": ["stop", "prevent", "allow", "cause"]},
     {"correct": 1, "term": "prevent"}, "prevent"),
    ({**REVERSE, "kind": "typed", "choices": []}, {"correct": -1, "term": "prevent"}, "prevent"),
    ({**REVERSE, "kind": "cloze", "choices": ["stop", "prevent", "a", "b"]},
     {"correct": 1, "term": "prevent"}, "prevent"),
    (REVERSE, {"correct": 1, "term": "prevent"}, f"prevent — {MEANS}"),
    (REVERSE, {"correct": 9, "term": "prevent"}, "prevent"),  # no such choice: the word
    (REVERSE, {"correct": -1, "term": "prevent"}, "prevent"),
    ({**REVERSE, "choices": "not a list"}, {"correct": 1, "term": "prevent"}, "prevent"),
    ({**REVERSE, "choices": [HOSTILE, "b", "c", "d"]}, {"correct": 0, "term": HOSTILE},
     f"{HOSTILE} — {HOSTILE}"),  # text, never markup: it goes into textContent as typed
]


@pytest.mark.parametrize(("question", "reveal", "text"), REVEALS)
def test_the_reveal_names_a_reverse_questions_definition(
        question: dict[str, Any], reveal: dict[str, Any], text: str) -> None:
    require_chromium()
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.route(f"{ORIGIN}/**", serve_static)
            page.goto(f"{ORIGIN}/")
            page.wait_for_function("() => globalThis.quizBoardText !== undefined")
            shown = page.evaluate("([q, r]) => quizBoardText.answerText(q, r)",
                                  [question, reveal])
        finally:
            browser.close()
    assert shown == text
    assert problems == []


def test_a_calm_quiz_of_reverse_questions_reveals_each_meaning_and_ranks_nobody(
        tmp_path: Path) -> None:
    require_chromium()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, shots = tmp_path / "home", tmp_path / "screenshots"
    shots.mkdir()
    broker = f"mqtt://127.0.0.1:{port}"
    problems: list[str] = []
    names = ["Zephyrine", "Quillon"]  # that no text of the page could hold by chance

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    def ranks_nobody(page: Page) -> None:
        text = page.locator("body").inner_text()
        assert not RANKING.findall(text), text
        assert not [name for name in names if name in text], text

    with serving(port, ws_port, web_port, tmp_path / "quiz.db"), \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.on("pageerror", lambda error: problems.append(str(error)))
            code = cli("create", "--calm", "--kinds", "reverse", "--questions", "2",
                       "--seconds", "300")["quiz"]
            page.goto(f"http://127.0.0.1:{web_port}/{code}")
            for name in names:
                cli("join", code, "--name", name)
            expect(page.locator("#progress-players")).to_have_text("2 players",
                                                                   timeout=SLOW_MS)
            cli("start", code)
            for n in (1, 2):
                expect(page.locator("#q-number")).to_have_text(f"Question {n} of 2",
                                                               timeout=SLOW_MS)
                question = open_question(code, home, broker)
                word = word_of(question)
                meaning = next(e.definition for e in DECK if e.term == word)
                right = question["choices"].index(meaning) + 1
                for name in names:  # both right both times: a streak, were one counted
                    cli("answer", code, "--choice", str(right), "--name", name)
                expect(page.locator("#progress-answered")).to_have_text("2 of 2 answered",
                                                                        timeout=UPDATE_MS)
                cli("next", code)
                expect(page.locator("#reveal-line")).to_have_text(
                    f"Answer: {word} — {meaning}", timeout=SLOW_MS)
                expect(page.locator("#choices .choice").nth(right - 1)).to_have_class(
                    re.compile(r"\bcorrect\b"))
                ranks_nobody(page)
                fits(page)
                shot(page, shots, f"{n}-calm-reverse-reveal")
                if n == 1:
                    cli("next", code)
            # what the page would have had to hide: the player's status counts no streak
            status = cli("answer", code, "--choice", "1", "--name", names[0])
            assert status["already_answered"] and status["streak"] == 0, status
        finally:
            browser.close()
    assert problems == []
