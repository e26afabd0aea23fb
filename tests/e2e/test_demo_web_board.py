"""`make demo` (`quiz demo`) serves the browser board the README describes beside it.

The demo's own server, its crowd, and headless Chromium on the address the terminal board
shows in its title: the same quiz, with the crowd's players on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_tui import SIZE, screen_text, shows
from tests.e2e.test_web_board import CHROMIUM, CHROMIUM_ARGS, SLOW_MS, require_chromium
from tui.board import BoardApp
from tui.demo import DemoSettings, running_demo
from tui.live import Live

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.async_api import async_playwright, expect

pytestmark = [pytest.mark.chromium, pytest.mark.timeout(300)]


async def test_the_demo_shows_its_board_in_a_browser_too(tmp_path: Path) -> None:
    require_chromium()
    settings = DemoSettings(players=6, questions=2, seconds=30.0, lobby=0.5, seed=7)
    async with running_demo(settings, tmp_path) as demo, async_playwright() as playwright:
        assert demo.board_url is not None and demo.board_url.endswith(f"/{demo.code}")
        browser = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                   args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 720})
            await page.goto(demo.board_url)
            await expect(page.locator("#head-code")).to_have_text(demo.code, timeout=SLOW_MS)
            await expect(page.locator("#q-number")).to_have_text("Question 1 of 2",
                                                                 timeout=SLOW_MS)
            await expect(page.locator("#rows .row")).to_have_count(6, timeout=SLOW_MS)
        finally:
            await browser.close()
        # the terminal board names that address in its title
        app = BoardApp(Live(demo.broker, demo.code), subtitle=demo.subtitle())
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Question 1 of 2")
            assert demo.board_url in screen_text(app)
