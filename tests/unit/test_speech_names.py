# ruff: noqa: RUF001 - IPA is written in IPA letters
"""The audio cache's pure rules: names that do not tell the word, addresses, IPA text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.messages import LISTENING_KINDS
from speech.names import (
    address,
    audio_name,
    check_voice,
    clean_ipa,
    is_audio_name,
    missing_espeak,
    name_of,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def test_a_name_is_the_same_for_the_same_word_and_voice() -> None:
    assert audio_name(KEY, "en-us", "ship") == audio_name(KEY, "en-us", " ship ")
    assert audio_name(KEY, "en-us", "ship") != audio_name(KEY, "en-us", "sheep")
    assert audio_name(KEY, "en-us", "ship") != audio_name(KEY, "en-gb", "ship")


def test_a_name_depends_on_the_key_so_a_dictionary_cannot_reverse_it() -> None:
    import hashlib

    name = audio_name(KEY, "en-us", "ship")
    assert name != audio_name(OTHER_KEY, "en-us", "ship")
    for guess in ("ship", "en-us\nship", "en-us ship"):
        assert hashlib.sha256(guess.encode()).hexdigest()[:32] not in name
        assert hashlib.md5(guess.encode()).hexdigest() not in name  # noqa: S324


@given(st.text(min_size=1, max_size=80))
def test_a_name_never_holds_the_word_and_is_served(word: str) -> None:
    name = audio_name(KEY, "en-us", word)
    assert is_audio_name(name)
    assert name_of(address(name)) == name
    if len(word.strip()) > 2:
        assert word.strip().lower() not in name


@pytest.mark.parametrize("path", [
    "/audio/../key", "/audio/key", "/audio/ship.wav", "/audio/" + "a" * 32 + ".ipa",
    "/audio/" + "A" * 32 + ".wav", "/audio/" + "a" * 32 + ".wav\n", "/static/x.wav",
    "/audio/" + "a" * 31 + ".wav", "/audio//" + "a" * 32 + ".wav",
])
def test_only_audio_names_are_served(path: str) -> None:
    assert name_of(path) is None


@pytest.mark.parametrize("voice", ["en-us", "en", "en-gb-x-rp"])
def test_voices(voice: str) -> None:
    assert check_voice(voice) == voice


@pytest.mark.parametrize("voice", ["", "-w", "../en", "en us", "EN-US"])
def test_not_voices(voice: str) -> None:
    with pytest.raises(ValueError, match="not a voice"):
        check_voice(voice)


def test_ipa_is_one_line() -> None:
    assert clean_ipa(" lˈʊk ˈæftɚ\n") == "lˈʊk ˈæftɚ"
    assert clean_ipa("ˈə\nbˈiː\n") == "ˈə bˈiː"


def test_the_refusal_names_the_kinds_and_how_to_install() -> None:
    why = missing_espeak(LISTENING_KINDS)
    assert "apt-get install espeak-ng" in why
    assert why.startswith("listen and listen-choice questions need speech from espeak-ng")
