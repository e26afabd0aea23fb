"""The spoken word on the web board, in Chromium: a listening question's sound, the IPA.

Real `quiz serve` (espeak-ng says the words), players from the CLI, headless Chromium as in
test_web_board.py. The page's <audio> element is read for what a class hears: a source
that loads with a duration, and a new `playing` each time a button asks for it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from protocol.messages import QUESTION_KINDS
from tests.conftest import free_port, require_espeak
from tests.e2e.cli import quiz
from tests.e2e.test_web_board import CHROMIUM, CHROMIUM_ARGS, SLOW_MS, require_chromium, serving

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = [pytest.mark.chromium, pytest.mark.timeout(300)]

# Counts each start of the board's sound; the test waits for the count to grow. Added as an
# init script: Playwright's page.evaluate runs as a user gesture, which would unlock sound.
COUNT_PLAYS = ("window.plays = 0; document.addEventListener('playing', () => {"
               " window.plays += 1; }, true);")
# A classroom browser's autoplay policy, which headless Chromium does not apply: no sound
# before someone clicked or typed on the page. (navigator.userActivation will not do:
# Playwright's own scripts run as user gestures.)
AUTOPLAY_POLICY = ("let touched = false;"
                   " for (const kind of ['pointerdown', 'keydown'])"
                   "  addEventListener(kind, () => { touched = true; }, true);"
                   " const play = HTMLMediaElement.prototype.play;"
                   " HTMLMediaElement.prototype.play = function () {"
                   "  if (!touched) return Promise.reject("
                   "   new DOMException('play() needs a user gesture', 'NotAllowedError'));"
                   "  return play.call(this); };")
# The board's sound has loaded: its length is known (a spoken word: well under 3 s).
LOADED = ("() => { const a = document.getElementById('audio');"
          " return a.readyState >= 1 && a.duration > 0.2 && a.duration < 3; }")


def state_of(code: str, home: Path, broker: str) -> dict[str, Any]:
    """The state on the wire, as `quiz watch --json` prints it."""
    watched = quiz("watch", code, "--json", "--updates", "1", home=home, broker=broker)
    state: dict[str, Any] = json.loads(watched.out.splitlines()[0])
    return state


def plays(page: Page, more_than: int) -> int:
    page.wait_for_function(f"() => window.plays > {more_than}", timeout=SLOW_MS)
    count: int = page.evaluate("() => window.plays")
    return count


def ended(page: Page) -> None:
    page.wait_for_function("() => document.getElementById('audio').ended", timeout=SLOW_MS)


def test_the_reveal_shows_the_ipa_and_the_word_is_heard(tmp_path: Path) -> None:
    require_chromium()
    require_espeak()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, broker = tmp_path / "home", f"mqtt://127.0.0.1:{port}"

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    with serving(port, ws_port, web_port, tmp_path / "quiz.db"), \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            code = cli("create", "--kinds", "typed", "--questions", "1",
                       "--seconds", "300")["quiz"]
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.add_init_script(COUNT_PLAYS)
            page.goto(f"http://127.0.0.1:{web_port}/{code}")
            cli("join", code, "--name", "ann")
            cli("start", code)
            expect(page.locator("#q-number")).to_have_text("Question 1 of 1", timeout=SLOW_MS)
            question = state_of(code, home, broker)["question"]
            assert question["audio"] == ""  # a question that is read has no sound
            expect(page.locator("#sound")).to_be_hidden()
            cli("next", code)
            expect(page.locator("#say")).to_be_visible(timeout=SLOW_MS)
            reveal = state_of(code, home, broker)["reveal"]
            assert reveal["ipa"] and reveal["audio"].startswith("/audio/")
            assert reveal["term"] not in reveal["audio"]
            expect(page.locator("#ipa")).to_have_text(f"/{reveal['ipa']}/")
            page.locator("#say-hear").click()  # a click: the browser lets it play
            assert plays(page, 0) == 1
            page.wait_for_function(LOADED, timeout=SLOW_MS)
            assert page.evaluate("() => document.getElementById('audio').getAttribute('src')") \
                == reveal["audio"]
            ended(page)
            page.locator("#say-hear").click()
            assert plays(page, 1) == 2
        finally:
            browser.close()


@pytest.mark.skipif("listen" not in QUESTION_KINDS, reason="the listen kind is not in yet")
def test_a_listening_question_plays_and_never_shows_its_word_before_the_reveal(
        tmp_path: Path) -> None:
    require_chromium()
    require_espeak()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, broker = tmp_path / "home", f"mqtt://127.0.0.1:{port}"

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    with serving(port, ws_port, web_port, tmp_path / "quiz.db"), \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            code = cli("create", "--kinds", "listen", "--questions", "1",
                       "--seconds", "300")["quiz"]
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.add_init_script(COUNT_PLAYS)
            page.add_init_script(AUTOPLAY_POLICY)
            page.goto(f"http://127.0.0.1:{web_port}/{code}")
            expect(page.locator("#lobby-code")).to_have_text(code, timeout=SLOW_MS)
            cli("join", code, "--name", "ann")
            cli("start", code)
            expect(page.locator("#q-number")).to_have_text("Question 1 of 1", timeout=SLOW_MS)
            wire = state_of(code, home, broker)
            heard = wire["question"]["audio"]
            assert heard.startswith("/audio/")
            # Nobody touched this page: the browser holds the sound back, and the page says so.
            expect(page.locator("#sound-enable")).to_be_visible(timeout=SLOW_MS)
            page.locator("#sound-enable").click()
            assert plays(page, 0) == 1
            expect(page.locator("#sound-enable")).to_be_hidden()
            page.wait_for_function(LOADED, timeout=SLOW_MS)
            assert page.evaluate("() => document.getElementById('audio').getAttribute('src')") \
                == heard
            ended(page)
            page.locator("#sound-replay").click()
            assert plays(page, 1) == 2
            shown_before = page.locator("body").inner_text()
            cli("next", code)
            expect(page.locator("#say")).to_be_visible(timeout=SLOW_MS)
            word = state_of(code, home, broker)["reveal"]["term"]
            assert word.lower() not in json.dumps(wire).lower()
            assert word.lower() not in shown_before.lower()
            expect(page.locator("#reveal-line")).to_contain_text(word)
        finally:
            browser.close()
