"""The spoken word on the player page, in Chromium on a phone: a listening question, the IPA.

Real `quiz serve` (espeak-ng says the words), a phone-sized page at a classroom address as
in test_web_player.py, with a phone's autoplay policy (no sound before a touch; a reload
starts untouched). The page's <audio> element is read for what the player hears: a source
that loads with a duration, and a new `playing` each time the player asks for it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from protocol.messages import QUESTION_KINDS
from tests.conftest import free_port, require_espeak
from tests.e2e.cli import quiz
from tests.e2e.test_web_board import CHROMIUM, SLOW_MS, require_chromium, serving
from tests.e2e.test_web_player import (
    CLASSROOM,
    PHONE_ARGS,
    fits_the_phone,
    join,
    phone,
    small_targets,
)
from tests.e2e.test_web_sound import AUTOPLAY_POLICY, COUNT_PLAYS, LOADED, ended, plays, state_of

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = [pytest.mark.chromium, pytest.mark.timeout(300),
              pytest.mark.skipif("listen" not in QUESTION_KINDS,
                                 reason="the listen kind is not in yet")]

SOURCE = "() => document.getElementById('audio').getAttribute('src')"


def heard_again(page: Page, button: str, src: str, before: int) -> int:
    """Tap `button`: the page plays `src` (loaded, with a duration) to its end."""
    page.locator(button).tap()
    count = plays(page, before)
    assert count == before + 1
    page.wait_for_function(LOADED, timeout=SLOW_MS)
    assert page.evaluate(SOURCE) == src
    ended(page)
    return count


def test_a_phone_plays_a_listening_question_and_shows_the_ipa_at_every_reveal(
        tmp_path: Path) -> None:
    require_chromium()
    require_espeak()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, broker = tmp_path / "home", f"mqtt://127.0.0.1:{port}"
    problems: list[str] = []

    def cli(*args: str) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    with serving(port, ws_port, web_port, tmp_path / "quiz.db"), \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=PHONE_ARGS)
        try:
            code = cli("create", "--kinds", "listen,typed", "--questions", "2",
                       "--seconds", "300")["quiz"]
            page = phone(browser, problems)
            page.add_init_script(COUNT_PLAYS)
            page.add_init_script(AUTOPLAY_POLICY)
            url = f"http://{CLASSROOM}:{web_port}/play/{code}"
            join(page, url, "ann")
            # A phone picked up again: the page resumes the player, and nobody touched it.
            page.reload()
            expect(page.locator("#lobby")).to_be_visible(timeout=SLOW_MS)
            cli("start", code)
            count, touched = 0, False
            for index in range(2):
                expect(page.locator("#q-number")).to_have_text(f"Question {index + 1} of 2",
                                                               timeout=SLOW_MS)
                wire = state_of(code, home, broker)
                question = wire["question"]
                assert question["index"] == index
                heard = question["audio"]
                if question["kind"] == "typed":  # read, not heard: no sound, no button
                    assert heard == ""
                    expect(page.locator("#sound")).to_be_hidden()
                else:
                    assert heard.startswith("/audio/")
                    expect(page.locator("#sound-play")).to_be_visible()
                    if touched:  # the phone lets it play as the question opens
                        count = plays(page, count)
                        expect(page.locator("#sound-hint")).to_be_hidden()
                    else:  # held back: the page says to tap, and the tap plays it
                        expect(page.locator("#sound-hint")).to_be_visible(timeout=SLOW_MS)
                        assert page.evaluate("() => window.plays") == 0
                        count = heard_again(page, "#sound-play", heard, count)
                        expect(page.locator("#sound-hint")).to_be_hidden()
                        touched = True
                    count = heard_again(page, "#sound-play", heard, count)
                    fits_the_phone(page)
                    assert small_targets(page) == []
                expect(page.locator("#say")).to_be_hidden()
                shown_before = page.locator("body").inner_text()
                cli("next", code)  # the reveal
                expect(page.locator("#say")).to_be_visible(timeout=SLOW_MS)
                reveal = state_of(code, home, broker)["reveal"]
                word = reveal["term"]
                if question["kind"] == "listen":  # never on the wire nor the page before
                    assert word.lower() not in json.dumps(wire).lower()
                    assert word.lower() not in shown_before.lower()
                expect(page.locator("#answer-line")).to_contain_text(word)
                expect(page.locator("#sound")).to_be_hidden()
                assert reveal["ipa"] and reveal["audio"].startswith("/audio/")
                expect(page.locator("#ipa")).to_have_text(f"/{reveal['ipa']}/")
                count = heard_again(page, "#say-hear", reveal["audio"], count)
                touched = True
                fits_the_phone(page)
                assert small_targets(page) == []
                cli("next", code)
            expect(page.locator("body")).to_have_attribute("data-view", "finished",
                                                           timeout=SLOW_MS)
            assert problems == []
        finally:
            browser.close()
