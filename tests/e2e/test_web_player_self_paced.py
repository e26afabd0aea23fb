"""The player page in Chromium on a self-paced quiz (homework): at the player's own pace.

A phone opens question 1 when ready, answers it on its own clock, reads the verdict and
is taken to the next question after a short pause; reloaded with question 2 open, it
finds it on the clock it had; after the last one it says when the results come. What
the page showed is checked against what the scorer stored (`quiz results`).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import pytest

from client.deadline import shown
from tests.conftest import free_port
from tests.e2e.cli import quiz
from tests.e2e.test_web_board import CHROMIUM, SLOW_MS, correct_choice, require_chromium
from tests.e2e.test_web_board import serving as board_serving
from tests.e2e.test_web_player import CLASSROOM, PHONE_ARGS, phone, verdict

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import expect, sync_playwright

pytestmark = [pytest.mark.chromium, pytest.mark.timeout(300)]

SECONDS = 120


def seconds_left(text: str | None) -> int:
    found = re.fullmatch(r"(\d+) s", text or "")
    assert found, text
    return int(found.group(1))


def test_a_phone_does_the_homework_at_its_own_pace_and_resumes_on_its_clock(
        tmp_path: Path) -> None:
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
        page = phone(browser, problems)
        created = cli("create", "--self-paced", "--for", "3d", "--questions", "2",
                      "--seconds", str(SECONDS))
        code, until = created["quiz"], created["until"]
        url = f"http://{CLASSROOM}:{web_port}/play/{code}"
        page.goto(url)
        page.fill("#join-name", "maya")
        page.click("#join-button")
        expect(page.locator("#hw-text")).to_contain_text(
            f"2 questions, {SECONDS} s each, open until {shown(until)}", timeout=SLOW_MS)
        expect(page.locator("#hw-go")).to_have_text("Open question 1")
        page.locator("#hw-go").tap()  # its clock starts now
        expect(page.locator("#q-number")).to_have_text("Question 1 of 2", timeout=SLOW_MS)
        page.locator(".choice").nth(correct_choice(page)).tap()
        assert verdict(page) == "correct"
        expect(page.locator("#hw-next")).to_have_text("Next: question 2")
        # nobody taps: question 2 opens by itself after the pause
        expect(page.locator("#q-number")).to_have_text("Question 2 of 2", timeout=SLOW_MS)
        expect(page.locator("#result")).to_have_text("Tap your answer.")
        # a reload once the clock has run a few seconds: the same question, its clock on
        expect(page.locator("#q-time")).to_have_text(
            re.compile(rf"^({'|'.join(str(n) for n in range(1, SECONDS - 2))}) s$"),
            timeout=SLOW_MS)
        before = seconds_left(page.locator("#q-time").text_content())
        page.reload()
        expect(page.locator("#q-number")).to_have_text("Question 2 of 2", timeout=SLOW_MS)
        expect(page.locator("#q-time")).to_have_text(re.compile(r"^\d+ s$"))
        assert seconds_left(page.locator("#q-time").text_content()) <= before
        page.locator(".choice").nth((correct_choice(page) + 1) % 4).tap()  # a wrong one
        expect(page.locator("#hw-verdict")).to_have_text("Question 2: ✗ Wrong: 0 points",
                                                         timeout=SLOW_MS)
        expect(page.locator("#hw-text")).to_have_text(
            f"Done: you answered all 2 questions. Results when the quiz closes at "
            f"{shown(until)}.")
        expect(page.locator("#hw-go")).to_be_hidden()
        stored = cli("results", code)
        answers = [(a["question"], a["correct"], a["late"]) for a in stored["answers"]]
        assert answers == [(1, True, False), (2, False, False)], stored
    assert problems == []
