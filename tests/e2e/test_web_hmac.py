"""The player page's HMAC-SHA256 (web/static/hmac.js) in Chromium, against Python's hmac.

RFC 4231's test cases, random keys and messages of every length around SHA-256's block,
and the project's own answer signatures (protocol/auth.py) for choices and typed texts in
any script: the page's signature must be the scorer's, byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from protocol import auth, topics
from tests.e2e.test_web_board import CHROMIUM, CHROMIUM_ARGS, require_chromium

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import Page, sync_playwright

pytestmark = [pytest.mark.chromium]

HMAC_JS = Path(__file__).resolve().parents[2] / "web" / "static" / "hmac.js"
# RFC 4231, section 4: (key, data, HMAC-SHA-256); case 5's output is truncated to 128 bits.
RFC_4231 = [
    (b"\x0b" * 20, b"Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"Jefe", b"what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    (b"\xaa" * 20, b"\xdd" * 50,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    (bytes(range(1, 26)), b"\xcd" * 50,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    (b"\x0c" * 20, b"Test With Truncation", "a3b6167473100ee06e0c796c2955552b"),
    (b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    (b"\xaa" * 131, b"This is a test using a larger than block-size key and a larger than "
     b"block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
]
# Typed answers as players type them: accents, other scripts, emoji, the separator itself.
TEXTS = ["receive", "naïve", "Straße", "день", "東京", "🙂 smile", "a|b", " spaced ", "1"]

HMAC_OF = ("([key, data]) => QuizHmac.hex(QuizHmac.hmacSha256(new Uint8Array(key),"
           " new Uint8Array(data)))")


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto("about:blank")
        page.add_script_tag(content=HMAC_JS.read_text())
        yield page
        browser.close()


@pytest.mark.parametrize(("key", "data", "mac"), RFC_4231)
def test_rfc_4231_test_cases(page: Page, key: bytes, data: bytes, mac: str) -> None:
    got = page.evaluate(HMAC_OF, [list(key), list(data)])
    assert got[:len(mac)] == mac
    assert got == hmac.new(key, data, hashlib.sha256).hexdigest()


def test_random_keys_and_messages_around_the_block_size(page: Page) -> None:
    rng = random.Random(23)
    lengths = [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 200, 1000]
    cases = [(rng.randbytes(rng.choice(lengths)), rng.randbytes(n)) for n in lengths * 3]
    got = page.evaluate(f"(cases) => cases.map({HMAC_OF})",
                        [[list(key), list(data)] for key, data in cases])
    assert got == [hmac.new(key, data, hashlib.sha256).hexdigest() for key, data in cases]


def test_strings_are_signed_as_utf8(page: Page) -> None:
    got = page.evaluate("(texts) => texts.map((t) => QuizHmac.hex(QuizHmac.hmacSha256(t, t)))",
                        TEXTS)
    assert got == [hmac.new(t.encode(), t.encode(), hashlib.sha256).hexdigest() for t in TEXTS]


def test_answers_are_signed_as_the_scorer_verifies_them(page: Page) -> None:
    rng = random.Random(4231)
    answers: list[tuple[str, str, str, int, int | str]] = []
    for i in range(60):
        given: int | str = rng.randrange(4) if i % 2 else rng.choice(TEXTS)
        answers.append((auth.new_secret(), topics.new_code(), topics.new_player_id(),
                        rng.randrange(100), given))
    got = page.evaluate("(answers) => answers.map((a) => QuizHmac.signAnswer(...a))",
                        [list(answer) for answer in answers])
    assert got == [auth.sign_answer(*answer) for answer in answers]
    assert all(auth.verify_answer(*answer, sig) for answer, sig in zip(answers, got,
                                                                       strict=True))
    # the text "1" is not choice 1: different labels, different signatures
    secret, code, player = auth.new_secret(), topics.new_code(), topics.new_player_id()
    text, choice = page.evaluate(
        "(a) => [QuizHmac.signAnswer(...a, '1'), QuizHmac.signAnswer(...a, 1)]",
        [secret, code, player, 0])
    assert text != choice
    assert (text, choice) == (auth.sign_answer(secret, code, player, 0, "1"),
                              auth.sign_answer(secret, code, player, 0, 1))
