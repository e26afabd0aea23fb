"""Where a listening question is heard, from the command line: quiz watch and quiz answer --open.

A real `quiz serve` with its web board (espeak-ng says the words). The address each
command prints is fetched as a player would: it is the board's WAV of the word, and the
word itself is in neither the line nor the address before the reveal, whose line carries
the word's IPA.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from protocol.messages import QUESTION_KINDS
from tests.conftest import free_port, require_espeak
from tests.e2e.cli import quiz
from tests.e2e.test_web_board import serving

pytestmark = [pytest.mark.timeout(300),
              pytest.mark.skipif("listen" not in QUESTION_KINDS,
                                 reason="the listen kind is not in yet")]

LISTEN = re.compile(r"^  listen: (http://127\.0\.0\.1:\d+/audio/[0-9a-f]{32}\.wav)$", re.M)


def heard(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the test's own server
        body: bytes = response.read()
    return body


def test_quiz_watch_and_quiz_answer_say_where_the_word_is_heard(tmp_path: Path) -> None:
    require_espeak()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    home, broker = tmp_path / "home", f"mqtt://127.0.0.1:{port}"
    web = f"http://127.0.0.1:{web_port}"

    def cli(*args: str) -> Any:
        done = quiz(*args, home=home, broker=broker)
        assert done.code == 0, done.err
        return done

    with serving(port, ws_port, web_port, tmp_path / "quiz.db"):
        # a live quiz: quiz watch prints the question with the sound's address
        code = cli("create", "--kinds", "listen", "--questions", "1", "--seconds", "300",
                   "--json").json()["quiz"]
        cli("join", code, "--name", "ann")
        cli("start", code)
        shown = cli("watch", code, "--updates", "1", "--web", web).out
        found = LISTEN.search(shown)
        assert found, shown
        wav = heard(found.group(1))
        assert wav[:4] == b"RIFF" and len(wav) > 4000  # a spoken word, not an empty file
        # without --web: port 8080 of the broker's host, as quiz play fetches it
        default = cli("watch", code, "--updates", "1").out
        assert f"  listen: http://127.0.0.1:8080{found.group(1).removeprefix(web)}" in default
        cli("next", code)
        revealed = cli("watch", code, "--updates", "1", "--web", web).out
        watched = cli("watch", code, "--updates", "1", "--json").out
        reveal = json.loads(watched.splitlines()[0])["reveal"]  # the state comes first
        word, ipa = reveal["term"], reveal["ipa"]
        assert ipa and f"revealed: {word} /{ipa}/ (" in revealed
        assert word.lower() not in shown.lower()

        # a self-paced quiz: quiz answer --open prints its own question with the address
        homework = cli("create", "--kinds", "listen", "--questions", "1", "--self-paced",
                       "--for", "1d", "--json").json()["quiz"]
        cli("join", homework, "--name", "ann")
        opened = cli("answer", homework, "--open", "--web", web).out
        found = LISTEN.search(opened)
        assert found, opened
        assert heard(found.group(1))[:4] == b"RIFF"
        assert "type the word: quiz answer" in opened
