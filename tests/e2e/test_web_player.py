"""The player page in a real browser: a phone joins, answers every kind, reloads, loses the
broker, and finishes with its words to review; a hostile name and a hostile deck word.

Real `quiz serve`, Debian's Chromium through Playwright with a phone's viewport (360x640,
touch). The page is opened at a name that is not localhost (`quiz.classroom`, mapped to
127.0.0.1 by Chromium's resolver), as a phone on the classroom's network opens it over
plain HTTP: not a secure context, so no `crypto.subtle`, and the page signs with hmac.js.
What the page shows is checked against what the scorer stored (`quiz results`).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scorer import deck as decks
from scorer.questions import cloze_ready
from tests.conftest import free_port
from tests.e2e.cli import QUIZ, ROOT, quiz
from tests.e2e.test_web_board import CHROMIUM, CHROMIUM_ARGS, HOSTILE, SLOW_MS, require_chromium
from tests.e2e.test_web_board import serving as board_serving
from tests.e2e.test_web_board_kinds import near_miss, open_question, right_choice, word_of

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import Browser, Page, expect, sync_playwright

pytestmark = [pytest.mark.chromium, pytest.mark.timeout(400)]

# A host name that is not localhost: the page is not a secure context there.
CLASSROOM = "quiz.classroom"
PHONE_ARGS = [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {CLASSROOM} 127.0.0.1"]
PHONES = ({"width": 360, "height": 640}, {"width": 390, "height": 844})
# A verdict shows once the scorer committed the answer; a loaded CI machine gets this long.
VERDICT_MS = 10000
KIND_LABELS = {"choice": "Pick the word", "reverse": "Pick the meaning",
               "cloze": "Fill the gap", "typed": "Type the word"}


def phone(browser: Browser, problems: list[str], size: dict[str, int] = PHONES[0]) -> Page:
    """A page in a phone-sized context of its own (its own localStorage), noting errors."""
    context = browser.new_context(viewport=size, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    page.on("dialog", lambda dialog: (problems.append(f"dialog {dialog.message}"),
                                      dialog.dismiss()))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if "Content Security Policy" in message.text else None)
    return page


def fits_the_phone(page: Page) -> None:
    """Nothing wider than the screen: no horizontal scroll, no element past the right edge."""
    wide = page.evaluate(
        "() => [document.documentElement.scrollWidth > innerWidth,"
        " [...document.querySelectorAll('body *')].filter((n) => {"
        "   const b = n.getBoundingClientRect(); return b.width > 0 && b.right > innerWidth + 1;"
        " }).map((n) => n.id || n.className)]")
    assert wide == [False, []], f"wider than the phone: {wide}"


def small_targets(page: Page) -> list[str]:
    """The visible buttons and inputs smaller than 48 px high (a thumb's target)."""
    found: list[str] = page.evaluate(
        "() => [...document.querySelectorAll('button, input')].filter((n) => {"
        "  const b = n.getBoundingClientRect(); return b.width > 0 && b.height < 48;"
        "}).map((n) => n.id || n.className)")
    return found


def join(page: Page, url: str, name: str) -> None:
    page.goto(url)
    page.fill("#join-name", name)
    page.click("#join-button")
    expect(page.locator("body")).to_have_attribute("data-view", re.compile("lobby|question"),
                                                   timeout=SLOW_MS)


def verdict(page: Page) -> str:
    """The verdict the page shows for the open question, once it came."""
    expect(page.locator("#result")).to_have_attribute(
        "data-verdict", re.compile("correct|wrong|late|near"), timeout=VERDICT_MS)
    return str(page.locator("#result").get_attribute("data-verdict"))


def kept(page: Page, code: str) -> dict[str, Any]:
    """What the page keeps in localStorage for the quiz."""
    got: dict[str, Any] = page.evaluate(
        "(code) => JSON.parse(localStorage.getItem('quiz-player:' + code))", code)
    return got


def kinds() -> list[str]:
    """Every kind of question the built-in deck can make (cloze needs written distractors)."""
    cloze = any(cloze_ready(entry) for entry in decks.load_builtin("everyday"))
    return ["choice", "reverse", *(["cloze"] if cloze else []), "typed"]


def results(code: str, home: Path, broker: str) -> dict[str, Any]:
    """What the scorer stored, as `quiz results --json` gives it (the host's token in home)."""
    done = quiz("results", code, "--json", home=home, broker=broker)
    assert done.code == 0, done.err
    got: dict[str, Any] = done.json()
    return got


def test_a_phone_plays_every_kind_of_question_over_plain_http(tmp_path: Path) -> None:
    require_chromium()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, shots, db = tmp_path / "home", tmp_path / "screenshots", tmp_path / "quiz.db"
    shots.mkdir()
    broker = f"mqtt://127.0.0.1:{port}"
    problems: list[str] = []

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    server = contextlib.ExitStack()
    with sync_playwright() as playwright, server:
        server.enter_context(board_serving(port, ws_port, web_port, db))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=PHONE_ARGS)
        page = phone(browser, problems)
        code = cli("create", "--kinds", ",".join(kinds()), "--questions", "4",
                   "--seconds", "300")["quiz"]
        cli("join", code, "--name", "alice")
        url = f"http://{CLASSROOM}:{web_port}/play/{code}"
        page.goto(url)
        # plain HTTP at a classroom address: WebCrypto is not there, hmac.js signs
        assert page.evaluate("() => [isSecureContext, typeof crypto.subtle]") == \
            [False, "undefined"]
        expect(page.locator("#join-code")).to_have_value(code)
        fits_the_phone(page)
        assert small_targets(page) == []
        page.screenshot(path=str(shots / "1-join.png"))
        join(page, url, HOSTILE)
        expect(page.locator("#me-name")).to_have_text(HOSTILE)
        expect(page.locator("#lobby-players")).to_have_text("2 players have joined",
                                                            timeout=SLOW_MS)
        assert page.locator("svg, img").count() == 0
        me = kept(page, code)
        assert re.fullmatch(r"[0-9a-f]{64}", me["secret"]) and me["name"] == HOSTILE
        page.screenshot(path=str(shots / "2-lobby.png"))

        cli("start", code)
        outcomes: dict[int, str] = {}  # question -> the verdict the page should show
        for index in range(4):
            question = open_question(code, home, broker)
            kind, word = question["kind"], word_of(question)
            expect(page.locator("#q-number")).to_have_text(f"Question {index + 1} of 4",
                                                           timeout=SLOW_MS)
            expect(page.locator("#q-kind")).to_have_text(KIND_LABELS[kind])
            if kind == "typed":
                cli("answer", code, "--text", word, "--name", "alice")
            else:
                cli("answer", code, "--choice", str(right_choice(question)), "--name", "alice")
            fits_the_phone(page)
            assert small_targets(page) == []
            page.screenshot(path=str(shots / f"3-{index}-{kind}.png"))
            def answer_right(kind: str = kind, question: dict[str, Any] = question) -> None:
                if kind == "typed":
                    page.fill("#typed-text", word_of(question))
                    page.click("#typed-send")
                else:
                    page.locator(".choice").nth(right_choice(question) - 1).tap()

            if index == 3:  # the broker goes away; the answer is kept, then gets through
                server.close()
                expect(page.locator("body")).to_have_attribute(
                    "data-connection", "reconnecting", timeout=SLOW_MS)
                answer_right()
                expect(page.locator("#result")).to_have_text(re.compile("^No connection"))
                assert list(kept(page, code)["pending"]) == [str(index)]
                page.screenshot(path=str(shots / f"3-{index}-{kind}-offline.png"))
                server.enter_context(board_serving(port, ws_port, web_port, db))
                outcomes[index] = "correct"
            elif kind == "typed":  # a near miss: accepted, for half the points
                page.fill("#typed-text", near_miss(word))
                page.click("#typed-send")
                outcomes[index] = "near"
            elif kind == "reverse":  # wrong on purpose: a word to review
                page.locator(".choice").nth(right_choice(question) % 4).tap()
                outcomes[index] = "wrong"
            else:
                answer_right()
                outcomes[index] = "correct"
            assert verdict(page) == outcomes[index]
            assert kept(page, code)["pending"] == {}
            expect(page.locator("#me-rank")).to_have_text(re.compile(r"^[12](st|nd) of 2$"))
            page.screenshot(path=str(shots / f"4-{index}-{kind}-verdict.png"))
            if index == 1:  # a reload mid-quiz: the same player, the same score
                score = page.locator("#me-score").get_attribute("data-score")
                page.reload()
                expect(page.locator("#result")).to_have_attribute(
                    "data-verdict", outcomes[index], timeout=SLOW_MS)
                expect(page.locator("#me-score")).to_have_attribute("data-score", str(score))
                assert kept(page, code)["player"] == me["player"]
            cli("next", code)  # the reveal: the answer, and the players' board
            # a reverse question's answer is the word and its right definition, as on the
            # board and in `quiz play`
            meaning = (f" — {question['choices'][right_choice(question) - 1]}"
                       if kind == "reverse" else "")
            expect(page.locator("#answer-line")).to_have_text(f"The answer: {word}{meaning}",
                                                              timeout=SLOW_MS)
            expect(page.locator("#rows .row.me .name")).to_have_text(HOSTILE)
            page.screenshot(path=str(shots / f"5-{index}-{kind}-reveal.png"), full_page=True)
            cli("next", code)  # the next question; after the last, the end

        # the end: the place, and the words to review (the wrong one and the near miss)
        expect(page.locator("body")).to_have_attribute("data-view", "finished",
                                                       timeout=SLOW_MS)
        stored = results(code, home, broker)
        mine = next(s for s in stored["standings"] if s["player"] == me["player"])
        expect(page.locator("#place")).to_have_text(
            f"You finished {ordinal(mine['rank'])} of 2 with {mine['score']} points.")
        expect(page.locator("#me-score")).to_have_attribute("data-score", str(mine["score"]))
        answers = {a["question"] - 1: a for a in stored["answers"] if a["player"] == me["player"]}
        assert sorted(answers) == [0, 1, 2, 3]
        for q, outcome in outcomes.items():
            assert (answers[q]["correct"], answers[q]["typo"]) == \
                {"correct": (True, False), "near": (True, True), "wrong": (False, False)}[outcome]
        review = {q for q, outcome in outcomes.items() if outcome != "correct"}
        expect(page.locator("#review .word")).to_have_count(len(review), timeout=SLOW_MS)
        shown = page.locator("#review .word").evaluate_all("(ws) => ws.map((w) => w.dataset.q)")
        assert sorted(int(q) for q in shown) == sorted(review)
        fits_the_phone(page)
        page.screenshot(path=str(shots / "6-finished.png"), full_page=True)
        browser.close()
    assert problems == []


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


# A deck word and definition that would run as markup if the page built HTML from them.
HOSTILE_TERM = "<img src=x onerror=alert(1)>"
HOSTILE_DEFINITION = "<b>bold</b> & <script>alert(2)</script>"


def test_a_hostile_deck_word_and_name_show_as_text(tmp_path: Path) -> None:
    require_chromium()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, db = tmp_path / "home", tmp_path / "quiz.db"
    deck = tmp_path / "hostile.tsv"
    deck.write_text(f"#html:false\n{HOSTILE_TERM}\t{HOSTILE_DEFINITION}\tnoun\n"
                    "apple\ta round fruit\tnoun\nbread\ta baked food\tnoun\n"
                    "chair\ta seat for one\tnoun\ndoor\ta way into a room\tnoun\n")
    broker = f"mqtt://127.0.0.1:{port}"
    problems: list[str] = []

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    with sync_playwright() as playwright, board_serving(port, ws_port, web_port, db):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=PHONE_ARGS)
        page = phone(browser, problems, PHONES[1])
        code = cli("create", "--deck", str(deck), "--kinds", "reverse,choice", "--questions",
                   "5", "--seconds", "300")["quiz"]
        join(page, f"http://{CLASSROOM}:{web_port}/play/{code}", HOSTILE)
        cli("start", code)
        seen: set[str] = set()
        for _ in range(5):
            question = open_question(code, home, broker)
            expect(page.locator("#prompt")).to_have_text(question["prompt"], timeout=SLOW_MS)
            expect(page.locator(".choice .term")).to_have_text(question["choices"])
            seen |= {question["prompt"], *question["choices"]}
            assert page.locator("img, b, script:not([src]), svg").count() == 0
            fits_the_phone(page)
            page.locator(".choice").first.tap()
            verdict(page)
            cli("next", code)
            cli("next", code)
        assert {HOSTILE_TERM, HOSTILE_DEFINITION} <= seen
        expect(page.locator("body")).to_have_attribute("data-view", "finished",
                                                       timeout=SLOW_MS)
        expect(page.locator("#review .word").first).to_be_visible(timeout=SLOW_MS)
        terms = page.locator("#review .word .term").all_text_contents()
        assert page.locator("img, b, script:not([src]), svg").count() == 0
        assert set(terms) <= {HOSTILE_TERM, "apple", "bread", "chair", "door"}
        page.screenshot(path=str(tmp_path / "hostile-finished.png"), full_page=True)
        browser.close()
    assert problems == []


# A classroom: phones and terminals in one quiz.
BROWSER_PLAYERS = 30
TERMINAL_PLAYERS = 10
CROWD_QUESTIONS = 3


def test_thirty_phones_and_ten_terminals_play_one_quiz(tmp_path: Path) -> None:
    """Every verdict and score on every page is what SQLite stored: nothing lost or twice."""
    require_chromium()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, db = tmp_path / "home", tmp_path / "quiz.db"
    broker = f"mqtt://127.0.0.1:{port}"
    problems: list[str] = []
    rng = random.Random(30)

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    def terminals(*args: str) -> None:
        """`quiz ARGS --name tNN` for every terminal player at once, each from its own home."""
        env = {**os.environ, "QUIZ_BROKER": broker, "QUIZ_TIMEOUT": "30"}
        running = [subprocess.Popen(
            [*QUIZ, *[a.replace("NAME", f"t{i:02}") for a in args]],
            env={**env, "QUIZ_HOME": str(tmp_path / f"t{i:02}")}, cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i in range(TERMINAL_PLAYERS)]
        for process in running:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err

    with sync_playwright() as playwright, board_serving(port, ws_port, web_port, db):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=PHONE_ARGS)
        code = cli("create", "--questions", str(CROWD_QUESTIONS), "--seconds", "300")["quiz"]
        terminals("join", code, "--name", "NAME")
        pages = []
        for i in range(BROWSER_PLAYERS):
            page = phone(browser, problems)
            join(page, f"http://{CLASSROOM}:{web_port}/play/{code}", f"p{i:02}")
            pages.append(page)
        players = BROWSER_PLAYERS + TERMINAL_PLAYERS
        expect(pages[0].locator("#lobby-players")).to_have_text(
            f"{players} players have joined", timeout=SLOW_MS)
        cli("start", code)
        shown: dict[int, list[str]] = {}  # question -> each page's verdict
        for index in range(CROWD_QUESTIONS):
            question = open_question(code, home, broker)
            for page in pages:
                expect(page.locator("#q-number")).to_have_text(
                    f"Question {index + 1} of {CROWD_QUESTIONS}", timeout=SLOW_MS)
                page.locator(".choice").nth(rng.randrange(4)).tap()
            terminals("answer", code, "--choice", str(right_choice(question)))
            shown[index] = [verdict(page) for page in pages]
            cli("next", code)
            cli("next", code)
        for page in pages:
            expect(page.locator("body")).to_have_attribute("data-view", "finished",
                                                           timeout=SLOW_MS)
        stored = results(code, home, broker)
        answers = [(a["player"], a["question"]) for a in stored["answers"]]
        assert len(answers) == len(set(answers)) == players * CROWD_QUESTIONS
        by_player = {s["name"]: s for s in stored["standings"]}
        assert len(by_player) == players
        for i, page in enumerate(pages):
            me = by_player[f"p{i:02}"]
            mine = {a["question"] - 1: a for a in stored["answers"]
                    if a["player"] == me["player"]}
            assert [shown[q][i] for q in range(CROWD_QUESTIONS)] == \
                ["correct" if mine[q]["correct"] else "wrong" for q in range(CROWD_QUESTIONS)]
            expect(page.locator("#me-score")).to_have_attribute("data-score", str(me["score"]))
            expect(page.locator("#place")).to_have_text(
                f"You finished {ordinal(me['rank'])} of {players} with {me['score']} points.")
        browser.close()
    assert problems == []
