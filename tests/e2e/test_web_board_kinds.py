"""The web board with every kind of question, a calm quiz and the words to review.

Real `quiz serve`, players from the CLI, headless Chromium, as in test_web_board.py. The
right answer of each question is found from what the scorer published (`quiz watch`)
and the built-in deck; the page is read only for what it shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from protocol import topics
from scorer import deck as decks
from scorer.questions import cloze_prompt
from tests.conftest import free_port
from tests.conftest import near_miss as conftest_near_miss
from tests.e2e.cli import quiz
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

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = [pytest.mark.chromium, pytest.mark.timeout(300)]

DECK = decks.load_builtin("everyday")
# Seconds each screen of the end stays (`?rotate=`), so the end's screens turn in a test.
ROTATE_S = 2


def open_question(code: str, home: Path, broker: str) -> dict[str, Any]:
    """The question on screen, as `quiz watch --json` shows it."""
    watched = quiz("watch", code, "--json", "--updates", "1", home=home, broker=broker)
    state = json.loads(watched.out.splitlines()[0])
    assert state["type"] == "state" and state["phase"] == "question", watched
    question: dict[str, Any] = state["question"]
    return question


def word_of(question: dict[str, Any]) -> str:
    """The word a question asks for, found in the deck from its prompt."""
    prompt, kind = question["prompt"], question["kind"]
    if kind == "reverse":
        return str(prompt)
    if kind == "cloze":
        found = [e.term for e in DECK if e.term in question["choices"]
                 and cloze_prompt(e) == prompt]
    else:
        found = [e.term for e in DECK if e.definition == prompt]
    assert found, f"no word of the deck fits {question!r}"
    return found[0]


def right_choice(question: dict[str, Any]) -> int:
    """The right choice, numbered from 1 as `quiz answer --choice` takes it."""
    word = word_of(question)
    if question["kind"] == "reverse":
        definition = next(e.definition for e in DECK if e.term == word)
        return int(question["choices"].index(definition)) + 1
    return int(question["choices"].index(word)) + 1


def near_miss(word: str) -> str:
    """One letter off the word, no other word of the deck and no English word at all."""
    return conftest_near_miss(word, avoid=(e.term for e in DECK))


REVIEW = ("() => [...document.querySelectorAll('#review-words .review-word')].map((w) =>"
          " [w.querySelector('.term').textContent, w.querySelector('.pct').textContent,"
          "  w.querySelector('.definition').textContent])")


def review_shown(page: Page) -> list[list[str]]:
    """The words to review as the page lists them: term, share right, definition."""
    shown: list[list[str]] = page.evaluate(REVIEW)
    return shown


def expected_review(by_word: dict[str, Any]) -> list[list[str]]:
    """What the page should list, from `quiz results --by-word` (most missed first)."""
    return [[w["term"], f"{round(100 * w['accuracy'])}% right", w["definition"]]
            for w in by_word["words"]][:8]


def browser_page(playwright: Any, problems: list[str]) -> tuple[Any, Callable[[], Page]]:
    """A Chromium and a maker of 1280x720 pages that note script errors and dialogs."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    def new_page() -> Page:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.on("dialog", lambda dialog: (problems.append(f"dialog {dialog.message}"),
                                          dialog.dismiss()))
        page.on("pageerror", lambda error: problems.append(str(error)))
        return page

    return browser, new_page


def test_web_board_shows_typed_and_reverse_questions_and_the_words_to_review(
        tmp_path: Path) -> None:
    require_chromium()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, shots = tmp_path / "home", tmp_path / "screenshots"
    shots.mkdir()
    broker = f"mqtt://127.0.0.1:{port}"
    problems: list[str] = []

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    with serving(port, ws_port, web_port, tmp_path / "quiz.db"), \
            sync_playwright() as playwright:
        browser, new_page = browser_page(playwright, problems)
        try:
            code = cli("create", "--kinds", "typed,reverse", "--questions", "2",
                       "--seconds", "300")["quiz"]
            page = new_page()
            config = page.request.get(
                f"http://127.0.0.1:{web_port}/config.json?code={code}").json()
            assert config["words"] == {topics.words(code): "Words"}  # read from the start
            page.goto(f"http://127.0.0.1:{web_port}/{code}?rotate={ROTATE_S}")
            expect(page.locator("#lobby-code")).to_have_text(code, timeout=SLOW_MS)
            names = ["ann", "bob", HOSTILE]
            for name in names:
                cli("join", code, "--name", name)
            expect(page.locator("#lobby-players")).to_have_text("3 players have joined",
                                                                timeout=SLOW_MS)
            cli("start", code)
            kinds = []
            for n in (1, 2):
                expect(page.locator("#q-number")).to_have_text(f"Question {n} of 2",
                                                               timeout=SLOW_MS)
                question = open_question(code, home, broker)
                kinds.append(question["kind"])
                word = word_of(question)
                if question["kind"] == "typed":
                    # the definition, no choices, and what to do
                    expect(page.locator("#q-kind")).to_have_text("Type the word")
                    expect(page.locator("#prompt")).to_have_text(question["prompt"])
                    expect(page.locator("#type-hint")).to_be_visible()
                    expect(page.locator("#choices .choice")).to_have_count(0)
                    fits(page)
                    shot(page, shots, f"{n}-typed")
                    cli("answer", code, "--text", word, "--name", "ann")
                    cli("answer", code, "--text", near_miss(word), "--name", "bob")
                    cli("answer", code, "--text", "zzzz", "--name", HOSTILE)
                    expect(page.locator("#answered")).to_have_text("3 of 3 answered",
                                                                   timeout=UPDATE_MS)
                    cli("next", code)
                    # the word, and right, near miss and wrong: one each
                    expect(page.locator("#reveal-line")).to_have_text(f"Answer: {word}",
                                                                      timeout=SLOW_MS)
                    expect(page.locator("#type-hint")).to_be_hidden()
                    tally = page.locator("#typed-tally")
                    expect(tally).to_be_visible()
                    for outcome in ("right", "near", "wrong"):
                        item = tally.locator(f'[data-outcome="{outcome}"]')
                        expect(item).to_have_attribute("data-count", "1")
                        expect(item.locator(".n")).to_have_text("1")
                    expect(tally.locator('[data-outcome="near"]')).to_contain_text("Near miss")
                    fits(page)
                    shot(page, shots, f"{n}-typed-reveal")
                else:
                    # the word large, four definitions to choose from
                    expect(page.locator("#q-kind")).to_have_text("Pick the meaning")
                    expect(page.locator("#prompt")).to_have_text(word)
                    expect(page.locator("#type-hint")).to_be_hidden()
                    choices = page.locator("#choices .term")
                    expect(choices).to_have_text(question["choices"])
                    fits(page)
                    shot(page, shots, f"{n}-reverse")
                    right = right_choice(question)
                    cli("answer", code, "--choice", str(right), "--name", "ann")
                    cli("answer", code, "--choice", str(right), "--name", "bob")
                    cli("answer", code, "--choice", str(right % 4 + 1), "--name", HOSTILE)
                    cli("next", code)
                    items = page.locator("#choices .choice")
                    expect(items.nth(right - 1)).to_have_class(re.compile(r"\bcorrect\b"),
                                                               timeout=SLOW_MS)
                    expect(items.nth(right - 1)).to_have_attribute("data-count", "2")
                    expect(items.nth(right % 4)).to_have_attribute("data-count", "1")
                    expect(page.locator("#typed-tally")).to_be_hidden()
                    fits(page)
                    shot(page, shots, f"{n}-reverse-reveal")
                if n == 1:
                    cli("next", code)
            assert sorted(kinds) == ["reverse", "typed"]
            cli("end", code)

            # the end: the podium first, then the class's words to review, most missed first
            by_word = cli("results", code, "--by-word")
            expected = expected_review(by_word)
            assert [w[1] for w in expected] == ["33% right", "67% right"]
            expect(page.locator("#podium")).to_be_visible(timeout=SLOW_MS)
            expect(page.locator("#review")).to_be_visible(timeout=SLOW_MS)
            expect(page.locator("#podium")).to_be_hidden()
            expect(page.locator("#standings")).to_be_hidden()  # the words take the width
            page.wait_for_function(f"() => ({REVIEW})().length === {len(expected)}",
                                   timeout=UPDATE_MS)
            assert review_shown(page) == expected
            fits(page)
            shot(page, shots, "3-review")
            expect(page.locator("#podium")).to_be_visible(timeout=SLOW_MS)  # and again
            expect(page.locator("#standings")).to_be_visible()
        finally:
            browser.close()

    assert problems == []


def test_a_calm_quiz_on_the_web_board_ranks_nobody(tmp_path: Path) -> None:
    require_chromium()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, shots = tmp_path / "home", tmp_path / "screenshots"
    shots.mkdir()
    broker = f"mqtt://127.0.0.1:{port}"
    problems: list[str] = []
    # names that no text of the page could hold by chance
    names = ["Zephyrine", "Quillon", HOSTILE]

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    def ranks_nobody(page: Page) -> None:
        for hidden in ("#standings", "#podium", "#everyone", "#everyone-toggle"):
            expect(page.locator(hidden)).to_be_hidden()
        assert page.locator("#rows .row").count() == 0
        text = page.locator("body").inner_text()
        assert not [name for name in names if name in text], text

    with serving(port, ws_port, web_port, tmp_path / "quiz.db"), \
            sync_playwright() as playwright:
        browser, new_page = browser_page(playwright, problems)
        try:
            code = cli("create", "--calm", "--kinds", "cloze,choice", "--questions", "2",
                       "--seconds", "300")["quiz"]
            base = f"http://127.0.0.1:{web_port}/{code}"
            page, pinned = new_page(), new_page()
            page.goto(base)
            pinned.goto(f"{base}?view=standings")  # no standings to keep on screen
            for name in names:
                cli("join", code, "--name", name)
            expect(page.locator("#progress-players")).to_have_text("3 players",
                                                                   timeout=SLOW_MS)
            expect(page.locator("#progress")).to_be_visible()
            expect(page.locator("#progress-questions .qbar")).to_have_count(2)
            ranks_nobody(page)
            expect(pinned.locator("#progress-players")).to_have_text("3 players",
                                                                     timeout=SLOW_MS)
            ranks_nobody(pinned)
            shot(page, shots, "1-calm-lobby")

            cli("start", code)
            kinds = []
            for n in (1, 2):
                expect(page.locator("#q-number")).to_have_text(f"Question {n} of 2",
                                                               timeout=SLOW_MS)
                question = open_question(code, home, broker)
                kinds.append(question["kind"])
                word = word_of(question)
                right = right_choice(question)
                blank = page.locator("#prompt .blank")
                if question["kind"] == "cloze":
                    # the sentence, its gap a box of its own
                    expect(page.locator("#q-kind")).to_have_text("Fill the gap")
                    before, after = question["prompt"].split("_____", 1)
                    expect(blank).to_have_count(1)
                    expect(page.locator("#prompt")).to_contain_text(before.strip())
                    expect(page.locator("#prompt")).to_contain_text(after.strip())
                    assert "_" not in (page.locator("#prompt").text_content() or "")
                else:
                    expect(page.locator("#q-kind")).to_have_text("Pick the word")
                    expect(page.locator("#prompt")).to_have_text(question["prompt"])
                expect(page.locator("#choices .term")).to_have_text(question["choices"])
                # the first question: two of three right; the second: all three
                wrong = [HOSTILE] if n == 1 else []
                for name in names:
                    choice = right % 4 + 1 if name in wrong else right
                    cli("answer", code, "--choice", str(choice), "--name", name)
                expect(page.locator("#progress-answered")).to_have_text("3 of 3 answered",
                                                                        timeout=UPDATE_MS)
                ranks_nobody(page)
                fits(page)
                shot(page, shots, f"{n}-calm-{question['kind']}")
                page.keyboard.press("s")  # no standings in a calm quiz: it says so
                expect(page.locator("#note")).to_have_text("No ranking in a calm quiz")
                expect(page.locator("#everyone")).to_be_hidden()
                cli("next", code)
                expect(page.locator("body")).to_have_attribute("data-phase", "reveal",
                                                               timeout=SLOW_MS)
                if question["kind"] == "cloze":
                    expect(blank).to_have_text(word)  # the gap filled
                share = "67" if n == 1 else "100"
                bar = page.locator("#progress-questions .qbar").nth(n - 1)
                expect(bar).to_have_attribute("data-right", share)
                expect(bar.locator(".pct")).to_have_text(f"{share}%")
                ranks_nobody(page)
                fits(page)
                shot(page, shots, f"{n}-calm-reveal")
                if n == 1:
                    cli("next", code)
            assert sorted(kinds) == ["choice", "cloze"]
            cli("next", code)  # after the last reveal: the end

            # the end screen is the words to review, and still no ranking anywhere
            expect(page.locator("body")).to_have_attribute("data-phase", "finished",
                                                           timeout=SLOW_MS)
            expected = expected_review(cli("results", code, "--by-word"))
            assert [w[1] for w in expected] == ["67% right", "100% right"]
            expect(page.locator("#review")).to_be_visible()
            page.wait_for_function(f"() => ({REVIEW})().length === {len(expected)}",
                                   timeout=SLOW_MS)
            assert review_shown(page) == expected
            ranks_nobody(page)
            fits(page)
            shot(page, shots, "3-calm-review")
            ranks_nobody(pinned)
            expect(pinned.locator("#review")).to_be_visible()
        finally:
            browser.close()

    assert problems == []
