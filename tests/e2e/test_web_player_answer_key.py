"""What the player page says at a reveal: the same as the board and the terminal screens.

A reverse question's right choice is a definition, so its reveal names the word and that
definition ("The answer: prevent — to stop something from happening"), as client/reveal.py
and the board's answerText do. The page's twin, `answerText` in web/static/play.js, is
tested in the page itself with the board's cases, its files served by the test with no quiz
server; the reveal in a real quiz is checked by tests/e2e/test_web_player.py.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_web_board import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.e2e.test_web_board_answer_key import ORIGIN, REVEALS, STATIC, TYPES

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import Route, sync_playwright

pytestmark = [pytest.mark.chromium, pytest.mark.timeout(300)]


def serve_static(route: Route) -> None:
    """The player page at /play, its files at /static/NAME; nothing else exists."""
    path = route.request.url.removeprefix(ORIGIN).split("?")[0]
    name = "play.html" if path == "/play" else path.removeprefix("/static/")
    file = STATIC / name
    if name == path or "/" in name or not file.is_file():
        route.fulfill(status=404, body="")
        return
    route.fulfill(status=200, body=file.read_bytes(),
                  content_type=TYPES.get(file.suffix, "application/octet-stream"))


def test_the_page_reveals_as_the_board_does() -> None:
    require_chromium()
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.route(f"{ORIGIN}/**", serve_static)
            page.goto(f"{ORIGIN}/play")
            page.wait_for_function("() => globalThis.quizPlayText !== undefined")
            shown = [page.evaluate("([q, r]) => quizPlayText.answerText(q, r)", [q, r])
                     for q, r, _ in REVEALS]
        finally:
            browser.close()
    assert shown == [text for _, _, text in REVEALS]
    assert problems == []
