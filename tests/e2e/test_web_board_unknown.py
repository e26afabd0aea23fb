"""The web board at a code no quiz has: it says so, as `quiz board` does, and recovers.

A mistyped code on a projector must not show a lobby a class cannot join. Real `quiz serve`
with its embedded broker and web board, headless Chromium; the quiz "appears later" when
the server that has it comes back on the same ports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.e2e.cli import quiz
from tests.e2e.test_web_board import CHROMIUM, CHROMIUM_ARGS, SLOW_MS, require_chromium, serving

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import expect, sync_playwright

pytestmark = [pytest.mark.chromium, pytest.mark.timeout(300)]


def test_an_unknown_code_says_no_such_quiz_then_follows_it_once_created(
        tmp_path: Path) -> None:
    require_chromium()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, db = tmp_path / "home", tmp_path / "quiz.db"
    broker = f"mqtt://127.0.0.1:{port}"

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    # the quiz is made on a server that then stops (its embedded broker forgets it)
    with serving(port, ws_port, web_port, db):
        code = cli("create", "--questions", "2")["quiz"]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            # a server that has never heard of the code
            with serving(port, ws_port, web_port, tmp_path / "other.db"):
                page.goto(f"http://127.0.0.1:{web_port}/{code.lower()}")
                expect(page.locator("#unknown-title")).to_have_text(
                    f"No quiz with code {code} \u2014 check the code", timeout=SLOW_MS)
                expect(page.locator("#board")).to_be_hidden()
                expect(page.locator("#lobby-players")).to_be_hidden()
                expect(page.locator("body")).to_have_attribute("data-phase", "unknown")
                # `quiz board` says the same of this code
                board = quiz("board", code, home=home, broker=broker)
                assert board.code == 1
                assert f"no live quiz with code {code}" in board.err

            # the quiz's server comes (back): the open page follows the quiz, unreloaded
            with serving(port, ws_port, web_port, db):
                expect(page.locator("#lobby-code")).to_be_visible(timeout=SLOW_MS)
                expect(page.locator("#lobby-code")).to_have_text(code)
                expect(page.locator("#unknown")).to_be_hidden()
                expect(page.locator("#lobby-players")).to_have_text("0 players have joined")

                # a code that exists never shows the screen, however long one looks
                known = browser.new_page(viewport={"width": 1280, "height": 720})
                known.goto(f"http://127.0.0.1:{web_port}/{code}")
                expect(known.locator("#lobby-code")).to_have_text(code, timeout=SLOW_MS)
                known.wait_for_timeout(3000)  # longer than the board waits for a state
                expect(known.locator("#unknown")).to_be_hidden()
                expect(known.locator("#lobby")).to_be_visible()
        finally:
            browser.close()
