"""The web board in a real browser: `quiz serve`, players from the CLI, headless Chromium.

Debian's chromium is driven by Playwright (`executable_path`, no browser download). The
page talks MQTT over WebSockets to the embedded broker; the test reads only what the page
shows, and saves a screenshot of each phase under its tmp_path. Everyone's standings are
checked against what `quiz results` says, screen by screen as the page turns them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from broker.mosquitto import stop_process
from protocol import views
from scorer import deck as decks
from tests.conftest import free_port, require_mosquitto
from tests.e2e.cli import QUIZ, ROOT, default_sigint, quiz

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = [pytest.mark.chromium, pytest.mark.timeout(300)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# A name runs as markup only if some code builds HTML from it (24 characters at most).
HOSTILE = "<svg onload=alert(1)>"
# What a name run as markup would add: the only images are the QR codes of the player page
# (the lobby's, and homework's).
MARKUP = "#board svg, #board img:not(#lobby-qr):not(#hw-qr)"
# The board promises a change within a second of an answer; the bound doubles it for a
# loaded CI machine. It bounds a wait for a condition, it does not measure anything.
UPDATE_MS = 2000
# Anything slower to show (a page load, a reconnect after a restart) gets this long.
SLOW_MS = 20000
SERVE_TIMEOUT_SECONDS = 30
# Rows glide to a new place in half a second; a screenshot waits that long.
SETTLE_MS = 600
SCREENSHOT = ROOT / "docs" / "web-board.png"
# More players than the leaderboard's 10: at the end, the podium and everyone take turns.
CROWD = 16
# A window this small holds fewer rows of everyone's standings than the crowd: they page.
SMALL = {"width": 480, "height": 320}
# Seconds each screen of everyone's standings stays (`?rotate=`), so pages turn in a test.
ROTATE_S = 1
# Turns of the screens read before giving up on seeing the final standings.
MAX_TURNS = 60


def require_chromium() -> None:
    """Skip where Chromium is missing; fail instead when QUIZ_REQUIRE_CHROMIUM=1 (CI)."""
    if os.path.exists(CHROMIUM):
        return
    reason = f"{CHROMIUM} is missing (Debian: apt-get install chromium)"
    if os.environ.get("QUIZ_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"{reason}, and QUIZ_REQUIRE_CHROMIUM=1 says it must be tested")
    pytest.skip(f"{reason}: the web board's browser test needs it")


@contextmanager
def serving(port: int, ws_port: int, web_port: int, db: Path, *extra: str) -> Iterator[str]:
    """`quiz serve` with its web board; yields what it printed once the board is up."""
    process = subprocess.Popen(
        [*QUIZ, "serve", "--port", str(port), "--ws-port", str(ws_port),
         "--web-port", str(web_port), "--db", str(db), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        preexec_fn=default_sigint)  # noqa: PLW1509
    try:
        assert process.stdout is not None
        printed: list[str] = []
        deadline = time.monotonic() + SERVE_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            printed.append(line)
            if line.startswith("classroom board in a browser:"):
                break
            if not line and process.poll() is not None:
                error = process.stderr.read() if process.stderr else ""
                raise RuntimeError(f"quiz serve exited: {error}")
        else:
            raise TimeoutError("quiz serve did not print its board's address")
        yield "".join(printed)
    finally:
        stop_process(process)


def correct_choice(page: Page) -> int:
    """The index of the right term among the choices shown (the prompt is its definition)."""
    prompt = page.locator("#prompt").text_content()
    terms = [e.term for e in decks.load_builtin("everyday") if e.definition == prompt]
    assert terms, f"no term of the deck has the definition shown: {prompt!r}"
    choices = page.locator("#choices .term").all_text_contents()
    return choices.index(terms[0])


ORDER = ("() => [...document.querySelectorAll('#rows .row:not(.leaving)')]"
         ".sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)"
         ".map((row) => row.dataset.player)")


def order(page: Page) -> list[str]:
    """Player ids from top to bottom, as the rows are placed on screen."""
    ids: list[str] = page.evaluate(ORDER)
    return ids


def wait_for_top(page: Page, player: str, timeout: float) -> None:
    """Wait until `player`'s row is shown on top (rows glide there in half a second)."""
    page.wait_for_function(f"(player) => ({ORDER})()[0] === player", arg=player,
                           timeout=timeout)


def fits(page: Page) -> None:
    """Everything the board shows lies inside the window, none of it cut off."""
    outside = page.evaluate(
        "() => [...document.querySelectorAll('#board *')].filter((node) => {"
        "  const box = node.getBoundingClientRect();"
        "  return box.width > 0 && (box.right > innerWidth + 1 || box.bottom > innerHeight + 1);"
        "}).map((node) => node.id || node.className)")
    assert outside == [], f"outside the window: {outside}"


def shot(page: Page, folder: Path, name: str) -> Path:
    page.wait_for_timeout(SETTLE_MS)  # a picture of where the rows are going, not mid-way
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def row(page: Page, player: str) -> Any:
    return page.locator(f'#rows .row[data-player="{player}"]')


SCREEN = ("() => { const panel = document.getElementById('everyone');"
          "  return { screen: Number(panel.dataset.screen), screens: Number(panel.dataset.screens),"
          "    where: document.getElementById('everyone-where').textContent,"
          "    rows: [...document.querySelectorAll('#everyone-rows .erow:not(.blank)')]"
          "      .map((r) => [Number(r.querySelector('.rank').textContent), r.dataset.player,"
          "                   r.querySelector('.name').textContent,"
          "                   Number(r.querySelector('.score').textContent)]) }; }")


def everyone_shown(page: Page, expected: list[list[Any]]) -> dict[int, Any]:
    """Everyone's standings as the page turns its screens, read until they are `expected`.

    Each screen is read whole in one go; the screens seen are joined in order. Returns the
    screens last read (by number), whether or not they add up to `expected`.
    """
    screens: dict[int, Any] = {}
    for _ in range(MAX_TURNS):
        got = page.evaluate(SCREEN)
        screens[got["screen"]] = got
        screens = {n: s for n, s in screens.items() if n <= got["screens"]}
        if len(screens) == got["screens"] and \
                [r for n in sorted(screens) for r in screens[n]["rows"]] == expected:
            return screens
        page.wait_for_function(  # the next screen, or the same one changed
            "([screen, rows]) => { const now = (" + SCREEN + ")();"
            "  return now.screen !== screen || JSON.stringify(now.rows) !== rows; }",
            arg=[got["screen"], json.dumps(got["rows"], separators=(",", ":"))],
            timeout=SLOW_MS)
    return screens


def test_web_board_follows_a_quiz(tmp_path: Path) -> None:
    require_chromium()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    db, home = tmp_path / "quiz.db", tmp_path / "home"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    broker = f"mqtt://127.0.0.1:{port}"

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda message: problems.append(message.text)
                if "Content Security Policy" in message.text else None)
        try:
            with serving(port, ws_port, web_port, db) as printed:
                assert f"http://127.0.0.1:{web_port}/" in printed
                code = cli("create", "--deck", "everyday", "--questions", "2",
                           "--seconds", "300")["quiz"]

                # the page asks the server where the broker is, then subscribes itself
                config = page.request.get(
                    f"http://127.0.0.1:{web_port}/config.json?code={code}").json()
                assert sorted(config["follows"]) == sorted(views.display_follows(code))
                page.goto(f"http://127.0.0.1:{web_port}/{code.lower()}")
                expect(page.locator("#lobby-code")).to_have_text(code, timeout=SLOW_MS)
                expect(page.locator("#lobby-command")).to_have_text(
                    f"quiz play {code} --name NAME --broker mqtt://127.0.0.1:{port}")
                expect(page.locator("body")).to_have_attribute("data-connection", "connected",
                                                               timeout=SLOW_MS)

                # players appear, a hostile name as the text it is
                ids = {name: cli("join", code, "--name", name)["player"]
                       for name in ("alice", "bob", HOSTILE)}
                for name, player in ids.items():
                    expect(row(page, player).locator(".name")).to_have_text(name,
                                                                           timeout=SLOW_MS)
                expect(page.locator("#lobby-players")).to_have_text("3 players have joined")
                # join-ordered zeros are the players list, no leaderboard yet
                expect(page.locator("#standings-title")).to_have_text("Players")
                # no markup from a name: the only image is the QR code of the player page
                assert page.locator(MARKUP).count() == 0
                expect(page.locator("#lobby-play-url")).to_have_text(
                    f"http://127.0.0.1:{web_port}/play/{code}")
                expect(page.locator("#lobby-qr")).to_have_attribute("src", f"/qr/{code}.svg")
                assert page.evaluate(
                    "() => document.getElementById('lobby-qr').naturalWidth") > 0
                shot(page, shots, "1-lobby")

                # the question, its choices and a countdown on the scorer's clock
                cli("start", code)
                expect(page.locator("#q-number")).to_have_text("Question 1 of 2",
                                                                timeout=SLOW_MS)
                expect(page.locator("#choices .choice")).to_have_count(4)
                expect(page.locator("#timer-text")).to_have_text(
                    re.compile(r"^\d+ s$"))
                correct = correct_choice(page)
                fits(page)
                shot(page, shots, "2-question")

                # whoever is shown last answers right first, and moves to the top at once
                before = order(page)
                first = next(p for p in reversed(before) if p != ids[HOSTILE])
                second = next(p for p in before if p not in (first, ids[HOSTILE]))
                names = {player: name for name, player in ids.items()}
                got = cli("answer", code, "--choice", str(correct + 1), "--name", names[first])
                assert got["last"]["correct"]
                expect(row(page, first).locator(".score")).to_have_text(
                    str(got["score"]), timeout=UPDATE_MS)
                expect(row(page, first).locator(".gain")).to_have_text(
                    f"+{got['last']['points']}", timeout=UPDATE_MS)
                wait_for_top(page, first, UPDATE_MS)
                assert order(page) != before, "the order did not change"
                expect(page.locator("#standings-title")).to_have_text("Leaderboard")
                got2 = cli("answer", code, "--choice", str(correct + 1), "--name", names[second])
                expect(row(page, second).locator(".score")).to_have_text(
                    str(got2["score"]), timeout=UPDATE_MS)
                wrong = (correct + 1) % 4
                cli("answer", code, "--choice", str(wrong + 1), "--name", HOSTILE)
                expect(page.locator("#answered")).to_have_text("3 of 3 answered",
                                                               timeout=UPDATE_MS)
                expect(row(page, ids[HOSTILE]).locator(".rank")).to_have_text("3")
                shot(page, shots, "3-answered")

                # the reveal: the right term and how the room answered
                cli("next", code)
                expect(page.locator("body")).to_have_attribute("data-phase", "reveal",
                                                               timeout=SLOW_MS)
                choices = page.locator("#choices .choice")
                expect(choices.nth(correct)).to_have_class(re.compile("correct"))
                expect(choices.nth(correct)).to_have_attribute("data-count", "2")
                expect(choices.nth(wrong)).to_have_attribute("data-count", "1")
                fits(page)
                reveal_shot = shot(page, shots, "4-reveal")
                page.set_viewport_size({"width": 1920, "height": 1080})
                page.wait_for_timeout(SETTLE_MS)
                fits(page)
                shot(page, shots, "4-reveal-1080")
                page.set_viewport_size({"width": 1280, "height": 720})

            # the broker is gone: the page says so, and comes back by itself
            expect(page.locator("body")).to_have_attribute("data-connection", "reconnecting",
                                                           timeout=SLOW_MS)
            expect(page.locator("#connection")).to_be_visible()
            shot(page, shots, "5-reconnecting")
            with serving(port, ws_port, web_port, db):
                expect(page.locator("body")).to_have_attribute("data-connection", "connected",
                                                               timeout=SLOW_MS)
                expect(page.locator("#connection")).to_be_hidden()
                expect(page.locator("#scorer")).to_be_hidden(timeout=SLOW_MS)
                expect(page.locator("body")).to_have_attribute("data-phase", "reveal")
                cli("next", code)
                expect(page.locator("#q-number")).to_have_text("Question 2 of 2",
                                                               timeout=UPDATE_MS)
                correct = correct_choice(page)
                got3 = cli("answer", code, "--choice", str(correct + 1), "--name", HOSTILE)
                expect(row(page, ids[HOSTILE]).locator(".score")).to_have_text(
                    str(got3["score"]), timeout=UPDATE_MS)
                shot(page, shots, "6-after-restart")

                # the podium, with every name as typed
                cli("end", code)
                expect(page.locator("body")).to_have_attribute("data-phase", "finished",
                                                               timeout=SLOW_MS)
                podium = page.locator("#podium .who")
                expect(podium).to_have_count(3)
                shown = sorted(podium.all_text_contents())
                assert shown == sorted(["alice", "bob", HOSTILE])
                assert page.locator(MARKUP).count() == 0
                fits(page)
                shot(page, shots, "7-podium")
        finally:
            browser.close()

    assert dialogs == [], f"a name ran as markup: {dialogs}"
    assert problems == []
    if os.environ.get("QUIZ_UPDATE_SCREENSHOT") == "1":  # refresh the README's picture
        shutil.copyfile(reveal_shot, SCREENSHOT)


@pytest.mark.mosquitto
def test_web_board_on_mosquitto(tmp_path: Path) -> None:
    """`quiz serve --broker mosquitto` opens Mosquitto's WebSockets listener for the board."""
    require_chromium()
    require_mosquitto()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    folder, home = tmp_path / "mosquitto", tmp_path / "home"
    made = quiz("accounts", "teacher", "--role", "host", "--password", "pw",
                "--mosquitto-dir", str(folder), home=home, broker="")
    assert made.code == 0, made.err
    with serving(port, ws_port, web_port, tmp_path / "quiz.db", "--broker", "mosquitto",
                 "--mosquitto-dir", str(folder)), \
            sync_playwright() as playwright:
        created = quiz("create", "--json", home=home,
                       broker=f"mqtt://teacher:pw@127.0.0.1:{port}")
        assert created.code == 0, created.err
        code = created.json()["quiz"]
        joined = quiz("join", code, "--name", HOSTILE, "--json", home=home,
                      broker=f"mqtt://127.0.0.1:{port}")
        assert joined.code == 0, joined.err
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"http://127.0.0.1:{web_port}/{code}")
            expect(row(page, joined.json()["player"]).locator(".name")).to_have_text(
                HOSTILE, timeout=SLOW_MS)
            expect(page.locator("#lobby-players")).to_have_text("1 player has joined")
            shot(page, tmp_path, "mosquitto-lobby")
        finally:
            browser.close()


def test_web_board_shows_everyones_standings(tmp_path: Path) -> None:
    """Every player, ranked as the scorer says, a screenful at a time, turning by itself."""
    require_chromium()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, shots = tmp_path / "home", tmp_path / "screenshots"
    shots.mkdir()
    broker = f"mqtt://127.0.0.1:{port}"

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    with serving(port, ws_port, web_port, tmp_path / "quiz.db"), \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        dialogs: list[str] = []
        problems: list[str] = []
        try:
            code = cli("create", "--deck", "everyday", "--questions", "1",
                       "--seconds", "300")["quiz"]
            # one board kept on everyone's standings, on a small window; one as usual
            pinned = browser.new_page(viewport=SMALL)
            board = browser.new_page(viewport={"width": 1280, "height": 720})
            for page in (pinned, board):
                page.on("dialog", lambda dialog: (dialogs.append(dialog.message),
                                                  dialog.dismiss()))
                page.on("pageerror", lambda error: problems.append(str(error)))
            base = f"http://127.0.0.1:{web_port}/{code}"
            pinned.goto(f"{base}?view=standings&rotate={ROTATE_S}")
            board.goto(f"{base}?rotate={ROTATE_S}")
            expect(pinned.locator("#everyone")).to_be_visible(timeout=SLOW_MS)
            expect(pinned.locator("#everyone-back")).to_be_visible()
            expect(pinned.locator("#stage")).to_be_hidden()
            expect(board.locator("#lobby")).to_be_visible(timeout=SLOW_MS)

            names = [HOSTILE, *(f"player {n:02d}" for n in range(1, CROWD))]
            ids = [cli("join", code, "--name", name)["player"] for name in names]
            expect(pinned.locator("#everyone-players")).to_have_text(f"({CROWD})",
                                                                     timeout=SLOW_MS)
            cli("start", code)
            expect(board.locator("#q-number")).to_have_text("Question 1 of 1", timeout=SLOW_MS)
            correct = correct_choice(board)
            for i, name in enumerate(names[:12]):  # some right, some wrong, some silent
                choice = correct if i % 3 else (correct + 1) % 4
                cli("answer", code, "--choice", str(choice + 1), "--name", name)
            cli("end", code)
            results = cli("results", code)
            expected = [[s["rank"], s["player"], s["name"], s["score"]]
                        for s in results["standings"]]
            assert sorted(p for _, p, _, _ in expected) == sorted(ids)
            assert len({score for *_, score in expected}) > 2, "the scores hardly differ"

            # the small window: every player once, in order, over screens it turns itself
            expect(pinned.locator("#everyone-title")).to_have_text("Final standings",
                                                                   timeout=SLOW_MS)
            pinned.evaluate("() => { window.firstRow ="
                            " document.querySelector('#everyone-rows .erow'); }")
            screens = everyone_shown(pinned, expected)
            shown = [r for n in sorted(screens) for r in screens[n]["rows"]]
            assert shown == expected
            assert len(screens) >= 2, f"{CROWD} players fit one screen at {SMALL}: no paging"
            assert screens[2]["where"].endswith(f"page 2 of {len(screens)}")
            first, last = screens[2]["rows"][0][0], screens[2]["rows"][-1][0]
            assert screens[2]["where"].startswith(
                f"ranks {first}\N{EN DASH}{last}" if first != last else f"rank {first}")
            assert pinned.evaluate("() => document.querySelector('#everyone-rows .erow')"
                                   " === window.firstRow"), "rows were made anew, not updated"
            fits(pinned)
            shot(pinned, shots, "8-everyone-small")

            # the usual board at the end: the podium, then everyone, then the podium again
            expect(board.locator("#podium")).to_be_visible(timeout=SLOW_MS)
            expect(board.locator("#everyone")).to_be_visible(timeout=SLOW_MS)
            expect(board.locator("#podium")).to_be_hidden()
            expect(board.locator("#everyone")).to_have_attribute("data-screens", "1")
            assert everyone_shown(board, expected)[1]["rows"] == expected
            expect(board.locator("#podium")).to_be_visible(timeout=SLOW_MS)

            # S keeps everyone's standings on screen, and S again gives the podium back
            board.keyboard.press("s")
            expect(board.locator("#everyone-back")).to_be_visible()
            expect(board.locator("#everyone")).to_be_visible()
            expect(board.locator("#podium")).to_be_hidden()
            assert "view=standings" in board.url
            fits(board)
            shot(board, shots, "9-everyone")
            board.locator("#everyone-back").click()  # the button as a mouse sees it
            expect(board.locator("#podium")).to_be_visible(timeout=SLOW_MS)
            assert "view=standings" not in board.url
            assert board.locator(MARKUP).count() == 0
        finally:
            browser.close()

    assert dialogs == [], f"a name ran as markup: {dialogs}"
    assert problems == []
