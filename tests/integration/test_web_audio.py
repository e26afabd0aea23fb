"""The web board serves the scorer's spoken words at /audio/NAME, and nothing else there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from speech.cache import SpeechCache
from tests.conftest import require_espeak
from tests.integration.test_web_server import get
from web.server import BrokerForBrowsers, WebBoard


@pytest.fixture
def cache(tmp_path: Path) -> SpeechCache:
    said = SpeechCache(tmp_path / "audio", "en-us", require_espeak())
    said.prepare(["ship"])
    return said


@pytest.fixture
async def board(cache: SpeechCache) -> AsyncIterator[WebBoard]:
    async with WebBoard(BrokerForBrowsers(ws_port=11884), "127.0.0.1", 0,
                        audio=cache.folder) as running:
        yield running


async def test_a_word_is_served_as_wav(board: WebBoard, cache: SpeechCache) -> None:
    status, headers, body = await get(board, cache.address("ship"))
    assert status == 200
    assert headers["content-type"] == "audio/wav"
    assert body == cache.path("ship").read_bytes()
    assert body[:4] == b"RIFF"
    assert "media-src 'self'" in headers["content-security-policy"]


async def test_nothing_else_of_the_folder_is_served(board: WebBoard, cache: SpeechCache) -> None:
    name = cache.path("ship").name
    for target in ("/audio/key", "/audio/../audio/key", f"/audio/{name[:-4]}.ipa",
                   "/audio/ship.wav", "/audio/", "/audio/%2e%2e/key",
                   "/audio/" + "0" * 32 + ".wav"):  # the form, but no word said
        status, _, body = await get(board, target)
        assert status == 404, target
        assert cache.folder.joinpath("key").read_bytes()[:16] not in body


async def test_no_folder_no_sound(cache: SpeechCache) -> None:
    async with WebBoard(BrokerForBrowsers(ws_port=11884), "127.0.0.1", 0) as running:
        status, _, _ = await get(running, cache.address("ship"))
    assert status == 404
