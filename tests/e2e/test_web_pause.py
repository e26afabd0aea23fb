"""A paused question in Chromium: the board and a phone show the time left, the phone waits.

Real `quiz serve`, the host's `quiz pause` and `quiz resume`, the web board on a projector's
viewport and the player page on a phone's.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.e2e.cli import quiz
from tests.e2e.test_web_board import CHROMIUM, SLOW_MS, require_chromium
from tests.e2e.test_web_board import serving as board_serving
from tests.e2e.test_web_player import CLASSROOM, PHONE_ARGS, join, phone, verdict

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import expect, sync_playwright

pytestmark = [pytest.mark.chromium, pytest.mark.timeout(300)]

PAUSED = re.compile(r"paused, (\d+) s left")


def test_the_board_and_a_phone_stop_their_clocks_during_a_pause(tmp_path: Path) -> None:
    require_chromium()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, db = tmp_path / "home", tmp_path / "quiz.db"
    broker = f"mqtt://127.0.0.1:{port}"
    problems: list[str] = []

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    with sync_playwright() as playwright, contextlib.ExitStack() as server:
        server.enter_context(board_serving(port, ws_port, web_port, db))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=PHONE_ARGS)
        code = cli("create", "--questions", "2", "--seconds", "120")["quiz"]
        board = browser.new_page(viewport={"width": 1280, "height": 720})
        board.goto(f"http://127.0.0.1:{web_port}/{code}")
        page = phone(browser, problems)
        join(page, f"http://{CLASSROOM}:{web_port}/play/{code}", "ann")
        cli("start", code)
        expect(page.locator("#q-number")).to_have_text("Question 1 of 2", timeout=SLOW_MS)
        state = cli("pause", code)
        left = f"{int(-(-state['remaining'] // 1))} s left"
        expect(board.locator("#timer-text")).to_have_text(PAUSED, timeout=SLOW_MS)
        expect(board.locator("#timer-text")).to_contain_text(left)
        expect(page.locator("#q-time")).to_have_text(PAUSED, timeout=SLOW_MS)
        expect(page.locator("#q-time")).to_contain_text(left)
        expect(page.locator("#result")).to_contain_text("paused")
        expect(page.locator(".choice").first).to_be_disabled()
        page.wait_for_timeout(2000)  # the clock stands still
        expect(board.locator("#timer-text")).to_contain_text(left)
        expect(page.locator("#q-time")).to_contain_text(left)
        cli("resume", code)
        expect(page.locator("#q-time")).not_to_have_text(PAUSED, timeout=SLOW_MS)
        expect(board.locator("#timer-text")).not_to_have_text(PAUSED, timeout=SLOW_MS)
        page.locator(".choice").first.tap()
        assert verdict(page) in ("correct", "wrong")
        assert problems == []
