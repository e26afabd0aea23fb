"""Pure rules of the audio cache: keyed file names, addresses on the web board, IPA text.

An audio file's name must not tell the word: a player reading quiz/<code>/state sees the
address of a listening question's audio before the reveal. So the name is an HMAC of the
voice and the word under a random key kept beside the audio (an unkeyed hash would be
reversed with a dictionary), and the same word in the same voice always has the same name.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from typing import Protocol

# The voice of every sound: espeak-ng's General American English (shipped in its package).
DEFAULT_VOICE = "en-us"
# Hex digits of the HMAC in a name: 128 bits, no collision between the words of any deck.
NAME_HEX = 32
# Where the web board serves the audio (web/server.py): AUDIO_PATH + name.
AUDIO_PATH = "/audio/"
AUDIO_SUFFIX = ".wav"
_NAME = re.compile(rf"\A[0-9a-f]{{{NAME_HEX}}}\.wav\Z")
# A voice name as espeak-ng spells them (en, en-us, en-gb-x-rp): never an option or a path.
_VOICE = re.compile(r"\A[a-z]{2,3}(?:-[a-z0-9]{1,8})*\Z")


class SpeechError(RuntimeError):
    """A word could not be spoken or transcribed (espeak-ng missing or failing)."""


def check_voice(voice: str) -> str:
    """The voice, or ValueError when it is not a voice name."""
    if not _VOICE.match(voice):
        raise ValueError(f"{voice!r} is not a voice name (such as en-us or en-gb)")
    return voice


def spoken(word: str) -> str:
    """The text espeak-ng says for a word: NFC, one line, white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", word).split())


def audio_name(key: bytes, voice: str, word: str) -> str:
    """The file name of a word's audio: keyed, so it does not reveal the word."""
    digest = hmac.new(key, f"{voice}\n{spoken(word)}".encode(), hashlib.sha256).hexdigest()
    return digest[:NAME_HEX] + AUDIO_SUFFIX


def is_audio_name(name: str) -> bool:
    """True for a name `audio_name` could have made (and nothing that names a path)."""
    return bool(_NAME.match(name))


def address(name: str) -> str:
    """The audio's address on the web board, relative to the board's URL."""
    return AUDIO_PATH + name


def name_of(path: str) -> str | None:
    """The audio name an address (`/audio/NAME`) asks for, or None."""
    if not path.startswith(AUDIO_PATH):
        return None
    name = path.removeprefix(AUDIO_PATH)
    return name if is_audio_name(name) else None


def clean_ipa(text: str) -> str:
    """espeak-ng's IPA output as one line (it ends clauses with line breaks)."""
    return " ".join(text.split())


class Pronouncer(Protocol):
    """What the scorer's pure core asks of the spoken words (speech.cache.SpeechCache)."""

    @property
    def available(self) -> bool:
        """True when words can be said (espeak-ng is installed)."""

    def address(self, word: str) -> str:
        """The word's audio address on the web board ("" when none can be made)."""

    def ipa(self, word: str) -> str:
        """The word's IPA when known, else ""."""


def missing_espeak(listening: Iterable[str]) -> str:
    """Why a quiz with these listening kinds cannot be made where espeak-ng is missing.

    Which kinds are heard is the protocol's word (protocol.messages.LISTENING_KINDS), a
    layer speech does not import: the scorer picks them and passes them in.
    """
    return (f"{' and '.join(sorted(set(listening)))} questions need speech from espeak-ng, "
            "which the scorer's machine lacks: install it there (apt-get install espeak-ng) "
            "and restart quiz serve; the other kinds of question work without it")
