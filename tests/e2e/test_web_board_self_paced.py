"""The web board in Chromium on a self-paced quiz (homework): progress, not a lobby.

A real `quiz serve`; players do the homework from the CLI (`quiz answer --open`, then
`--choice`), each at their own pace. The board says when the quiz closes, how many players
started and finished, and shows the standings so far as they change; a reload shows the
same from the retained views; at the deadline (here `quiz end`, which closes it early) it
shows the end as for a live quiz: the podium, then the words to review.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import pytest

from client.deadline import shown
from scorer import deck as decks
from tests.conftest import free_port
from tests.e2e.cli import quiz
from tests.e2e.test_web_board import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SLOW_MS,
    UPDATE_MS,
    fits,
    order,
    require_chromium,
    row,
    serving,
    shot,
    wait_for_top,
)

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = [pytest.mark.chromium, pytest.mark.timeout(300)]

# Long enough that every answer from the CLI is in time, whatever the machine's load.
SECONDS = 300
QUESTIONS = 2
# Seconds each screen at the end stays (`?rotate=`), so the podium gives way to the review.
ROTATE_S = 1
DECK = decks.load_builtin("everyday")


def right_choice(question: dict[str, Any]) -> int:
    """The 1-based choice of the right term (the prompt of a choice question is its meaning)."""
    term = next(e.term for e in DECK if e.definition == question["prompt"])
    return int(question["choices"].index(term)) + 1


def progress(page: Page, text: str) -> None:
    """Wait until the board says how far the class got (the counts come every 2 s)."""
    expect(page.locator("#hw-progress")).to_have_text(text, timeout=SLOW_MS)


def test_the_board_shows_the_homework_progress_and_the_standings_so_far(
        tmp_path: Path) -> None:
    require_chromium()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, db = tmp_path / "home", tmp_path / "quiz.db"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    broker = f"mqtt://127.0.0.1:{port}"
    problems: list[str] = []

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    def homework(name: str, *, right: bool) -> int:
        """`name` opens their next question and answers it; their score."""
        question = cli("answer", code, "--open", "--name", name)
        choice = right_choice(question)
        if not right:
            choice = choice % len(question["choices"]) + 1
        got = cli("answer", code, "--choice", str(choice), "--name", name)
        assert got["last"]["correct"] is right, got
        return int(got["score"])

    with sync_playwright() as playwright, contextlib.ExitStack() as server:
        server.enter_context(serving(port, ws_port, web_port, db))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        server.callback(browser.close)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.on("pageerror", lambda error: problems.append(str(error)))
        created = cli("create", "--self-paced", "--for", "3d", "--kinds", "choice",
                      "--questions", str(QUESTIONS), "--seconds", str(SECONDS))
        code, until = created["quiz"], created["until"]
        page.goto(f"http://127.0.0.1:{web_port}/{code}?rotate={ROTATE_S}")

        # no lobby, no question: when it closes, how to join, and nobody yet
        expect(page.locator("body")).to_have_attribute("data-phase", "open", timeout=SLOW_MS)
        expect(page.locator("#homework")).to_be_visible()
        expect(page.locator("#lobby")).to_be_hidden()
        expect(page.locator("#question")).to_be_hidden()
        expect(page.locator("#hw-until")).to_have_text(f"Open until {shown(until)}")
        progress(page, "0 of 0 players started, 0 finished")
        expect(page.locator("#hw-command")).to_have_text(
            f"quiz play {code} --name NAME --broker {broker}")
        expect(page.locator("#hw-play-url")).to_have_text(
            f"http://127.0.0.1:{web_port}/play/{code}")

        ids = {name: cli("join", code, "--name", name)["player"] for name in ("alice", "bob")}
        progress(page, "0 of 2 players started, 0 finished")
        for name, player in ids.items():
            expect(row(page, player).locator(".name")).to_have_text(name, timeout=SLOW_MS)
        expect(page.locator("#standings-title")).to_have_text("Players")

        # alice does it all: one right, one wrong; she leads, and has finished
        alice = homework("alice", right=True)
        expect(row(page, ids["alice"]).locator(".score")).to_have_text(str(alice),
                                                                      timeout=UPDATE_MS)
        wait_for_top(page, ids["alice"], UPDATE_MS)
        expect(page.locator("#standings-title")).to_have_text("Standings so far")
        progress(page, "1 of 2 players started, 0 finished")
        assert homework("alice", right=False) == alice
        progress(page, "1 of 2 players started, 1 finished")

        # bob starts later: right once, and he has started but not finished
        bob = homework("bob", right=True)
        expect(row(page, ids["bob"]).locator(".score")).to_have_text(str(bob),
                                                                  timeout=UPDATE_MS)
        progress(page, "2 of 2 players started, 1 finished")
        fits(page)
        shot(page, shots, "1-homework")

        # right twice against alice's once: bob goes ahead, and has finished too
        bob = homework("bob", right=True)
        assert bob > alice
        expect(row(page, ids["bob"]).locator(".score")).to_have_text(str(bob),
                                                                  timeout=UPDATE_MS)
        wait_for_top(page, ids["bob"], UPDATE_MS)
        progress(page, "2 of 2 players started, 2 finished")

        # a board opened now shows the same, from the retained views
        page.reload()
        progress(page, "2 of 2 players started, 2 finished")
        wait_for_top(page, ids["bob"], SLOW_MS)
        assert order(page) == [ids["bob"], ids["alice"]]

        # the deadline (brought forward): the end as for a live quiz
        cli("end", code)
        expect(page.locator("body")).to_have_attribute("data-phase", "finished",
                                                       timeout=SLOW_MS)
        expect(page.locator("#homework")).to_be_hidden()
        expect(page.locator("#podium .first .who")).to_have_text("bob", timeout=SLOW_MS)
        expect(page.locator("#podium .second .who")).to_have_text("alice")
        shot(page, shots, "2-podium")
        expect(page.locator("body")).to_have_attribute("data-screen", "review",
                                                       timeout=SLOW_MS)
        words = page.locator("#review-words .review-word")
        expect(words).to_have_count(QUESTIONS)
        # each word's share right: both got question 1, bob alone question 2
        expect(page.locator('#review-words .review-word[data-q="0"]')).to_have_attribute(
            "data-right", "100")
        expect(page.locator('#review-words .review-word[data-q="1"]')).to_have_attribute(
            "data-right", "50")
        expect(page.locator("#review-words .review-word .pct").first).to_have_text(
            re.compile(r"^50% right$"))
        shot(page, shots, "3-review")
    assert problems == []


def test_a_calm_homework_shows_the_class_progress_and_ranks_nobody(tmp_path: Path) -> None:
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
        server.enter_context(serving(port, ws_port, web_port, db))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        server.callback(browser.close)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.on("pageerror", lambda error: problems.append(str(error)))
        code = cli("create", "--self-paced", "--for", "3d", "--calm", "--kinds", "choice",
                   "--questions", str(QUESTIONS), "--seconds", str(SECONDS))["quiz"]
        page.goto(f"http://127.0.0.1:{web_port}/{code}")
        expect(page.locator("body")).to_have_attribute("data-phase", "open", timeout=SLOW_MS)
        for name in ("ann", "ben", "cy"):
            cli("join", code, "--name", name)
        question = cli("answer", code, "--open", "--name", "ann")
        cli("answer", code, "--choice", str(right_choice(question)), "--name", "ann")
        progress(page, "1 of 3 players started, 0 finished")
        # the side panel says the same, and nobody is ranked
        expect(page.locator("#progress-answered")).to_have_text(
            "1 of 3 players started, 0 finished")
        expect(page.locator("#progress-players")).to_have_text("3 players")
        expect(page.locator("#standings")).to_be_hidden()
        expect(page.locator("#progress-questions .qbar")).to_have_count(QUESTIONS)
        fits(page)
    assert problems == []
