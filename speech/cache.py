"""A folder of spoken words: each word's WAV and IPA, made once per word and voice.

`quiz serve` keeps it beside its database (`audio/` next to quiz.db), and the web board
serves its WAVs at /audio/NAME. The folder holds `key` (the random key of the names, made
on first use), `NAME.wav` and `NAME.ipa` for each word said. Several scorers of one
`quiz serve` share it: files are written whole and renamed, so a reader never sees half
of one, and two scorers writing the same word write the same sound.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from speech import espeak
from speech.names import (
    AUDIO_SUFFIX,
    DEFAULT_VOICE,
    SpeechError,
    address,
    audio_name,
    check_voice,
    spoken,
)

KEY_FILE = "key"
IPA_SUFFIX = ".ipa"
# Bytes of the key of the names: as long as the HMAC's hash.
KEY_BYTES = 32


def load_key(folder: Path) -> bytes:
    """The folder's key, made (readable by its owner only) when there is none yet."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(KEY_BYTES))
    text = path.read_text().strip()
    if len(text) != 2 * KEY_BYTES:  # another scorer is still writing it, or it was cut
        raise SpeechError(f"{path} is not a key of the audio's names: remove it")
    return bytes.fromhex(text)


class SpeechCache:
    """Each word's audio and IPA in `folder`; `binary` is espeak-ng's path (None: missing)."""

    def __init__(self, folder: Path, voice: str = DEFAULT_VOICE,
                 binary: str | None = None) -> None:
        self.folder = folder
        self.voice = check_voice(voice)
        self.binary = binary
        self._key = load_key(folder)
        self._ipa: dict[str, str] = {}

    @classmethod
    def found(cls, folder: Path, voice: str = DEFAULT_VOICE) -> SpeechCache:
        """A cache that speaks with the espeak-ng installed here, if any."""
        return cls(folder, voice, espeak.find())

    @property
    def available(self) -> bool:
        """True when words can be said here (espeak-ng is installed)."""
        return self.binary is not None

    def name(self, word: str) -> str:
        """The file name of the word's audio (it does not reveal the word)."""
        return audio_name(self._key, self.voice, word)

    def address(self, word: str) -> str:
        """The audio's address on the web board ("" when no sound can be made here)."""
        return address(self.name(word)) if self.available else ""

    def path(self, word: str) -> Path:
        """The word's WAV file (made by `prepare`)."""
        return self.folder / self.name(word)

    def ipa(self, word: str) -> str:
        """The word's IPA once `prepare` made it, else "" (never runs anything)."""
        return self._ipa.get(spoken(word), "")

    def prepare(self, words: Iterable[str]) -> None:
        """Make the WAV and IPA of each word not made yet; blocking: call it off the loop."""
        if self.binary is None:
            return
        for word in dict.fromkeys(spoken(w) for w in words):
            if word in self._ipa:
                continue
            wav = self.path(word)
            ipa_file = wav.with_suffix(IPA_SUFFIX)
            if not wav.exists():
                espeak.write_wav(self.binary, word, self.voice, wav)
            if ipa_file.exists():
                said = ipa_file.read_text(encoding="utf-8").strip()
            else:
                said = espeak.ipa(self.binary, word, self.voice)
                partial = ipa_file.with_name(f".{ipa_file.name}.partial")
                partial.write_text(said + "\n", encoding="utf-8")
                partial.replace(ipa_file)
            self._ipa[word] = said

    async def prepare_soon(self, words: Iterable[str]) -> None:
        """`prepare` in a worker thread: the event loop goes on answering meanwhile."""
        await asyncio.to_thread(self.prepare, list(words))


__all__ = ["AUDIO_SUFFIX", "SpeechCache", "SpeechError", "load_key"]
