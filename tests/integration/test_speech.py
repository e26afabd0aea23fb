# ruff: noqa: RUF001 - IPA is written in IPA letters
"""Words said by espeak-ng into the audio cache: real sound, of a plausible length, once."""

from __future__ import annotations

import array
import asyncio
import math
import wave
from pathlib import Path

import pytest

from speech.cache import SpeechCache, load_key
from speech.names import is_audio_name
from tests.conftest import require_espeak

# A spoken word lasts more than this...
MIN_SECONDS = 0.2
# ...and less than this (espeak-ng's default rate is 175 words a minute).
MAX_SECONDS = 3.0
# Root mean square of 16-bit samples below this is silence (or a click).
MIN_RMS = 300.0


def measure(path: Path) -> tuple[float, float]:
    """(seconds, RMS of the samples) of a 16-bit mono WAV."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2
        assert wav.getnchannels() == 1
        frames = wav.readframes(wav.getnframes())
        seconds = wav.getnframes() / wav.getframerate()
    samples = array.array("h", frames)
    rms = math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))
    return seconds, rms


@pytest.fixture
def cache(tmp_path: Path) -> SpeechCache:
    return SpeechCache(tmp_path / "audio", "en-us", require_espeak())


@pytest.mark.parametrize("word", ["ship", "sheep", "look after", "-cheap", "thoroughly"])
def test_a_word_is_real_sound_of_a_plausible_length(cache: SpeechCache, word: str) -> None:
    cache.prepare([word])
    seconds, rms = measure(cache.path(word))
    assert MIN_SECONDS < seconds < MAX_SECONDS, seconds
    assert rms > MIN_RMS, rms
    assert cache.ipa(word)
    assert is_audio_name(cache.path(word).name)
    assert word.strip("-").split()[0] not in cache.address(word)


def test_ipa_of_known_words(cache: SpeechCache) -> None:
    cache.prepare(["ship", "sheep", "three", "tree"])
    assert cache.ipa("ship") == "ʃˈɪp"
    assert cache.ipa("sheep") == "ʃˈiːp"
    assert cache.ipa("three") != cache.ipa("tree")
    assert "θ" in cache.ipa("three")


def test_the_same_word_gives_the_same_file_from_the_cache(tmp_path: Path) -> None:
    binary = require_espeak()
    first = SpeechCache(tmp_path / "audio", "en-us", binary)
    first.prepare(["ship"])
    path = first.path("ship")
    made = path.stat().st_mtime_ns, path.read_bytes()
    # another scorer on the same folder (or the next start) finds the same file, unchanged
    again = SpeechCache(tmp_path / "audio", "en-us", binary)
    assert again.address("ship") == first.address("ship")
    again.prepare(["ship", "ship "])
    assert (path.stat().st_mtime_ns, path.read_bytes()) == made
    assert again.ipa("ship") == first.ipa("ship")
    assert sorted(p.name for p in (tmp_path / "audio").iterdir()) == sorted(
        ["key", path.name, path.with_suffix(".ipa").name])
    # another voice is another file
    other = SpeechCache(tmp_path / "audio", "en-gb", binary)
    assert other.path("ship") != path


def test_the_key_is_private_and_kept(tmp_path: Path) -> None:
    key = load_key(tmp_path / "audio")
    assert load_key(tmp_path / "audio") == key
    assert (tmp_path / "audio" / "key").stat().st_mode & 0o077 == 0


def test_without_espeak_nothing_is_said(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path / "audio", "en-us", None)
    assert not cache.available
    cache.prepare(["ship"])
    assert cache.address("ship") == ""
    assert cache.ipa("ship") == ""
    assert not cache.path("ship").exists()


async def test_saying_words_leaves_the_event_loop_free(cache: SpeechCache) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    try:
        await cache.prepare_soon([f"word{i}" for i in range(5)] + ["ship", "sheep"])
    finally:
        ticker.cancel()
    assert ticks > 1  # the loop ran while espeak-ng spoke
    assert cache.ipa("sheep")
