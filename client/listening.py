"""Hearing a word on a terminal: the board's audio, fetched over HTTP and played here.

The wire carries where a word is heard (`/audio/NAME`, docs/protocol.md, Audio), to be
joined to the address of the web board of `quiz serve`: by default port 8080 of the
broker's host, else what `--web` (QUIZ_WEB) says. The sound goes to the first system
player found (`paplay`, `aplay`, `ffplay`); without one, or when the board cannot be
reached, the player listens to the board. The pure parts (the player's command, the
sound's URL, what the screen says) are separate from the edges (`fetch`, `play`).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from protocol.address import BrokerAddress, Brokers
from protocol.errors import FailureError
from speech.names import name_of

# `quiz serve`'s --web-port by default (web.server.DEFAULT_WEB_PORT; a test checks they agree).
WEB_PORT = 8080
# The players tried, in order: PulseAudio (and PipeWire's), ALSA, then ffmpeg's player,
# which would open a window and wait at the end without its options.
PLAYERS: tuple[tuple[str, ...], ...] = (("paplay",), ("aplay",),
                                        ("ffplay", "-nodisp", "-autoexit"))
# A word's WAV is a few dozen kB: on a classroom's network it comes well within this.
FETCH_TIMEOUT_SECONDS = 5.0
# No spoken word is longer: a WAV past this is not one (and is not kept in memory).
MAX_AUDIO_BYTES = 2_000_000
# What a player without sound is told.
LISTEN_TO_THE_BOARD = "listen to the board"


class SoundError(FailureError, RuntimeError):
    """The word could not be fetched or played here."""


def player_command(which: Callable[[str], str | None] = shutil.which) -> tuple[str, ...] | None:
    """The command that plays a WAV file (its path goes last), or None without a player."""
    for command in PLAYERS:
        found = which(command[0])
        if found is not None:
            return (found, *command[1:])
    return None


def board_url(broker: BrokerAddress | Brokers, web: str | None = None) -> str:
    """The web board's address: `web` when given, else port 8080 of the (first) broker's host."""
    if web:
        parts = urllib.parse.urlsplit(web if "://" in web else f"http://{web}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"web board URL {web!r} must be http://host[:port]")
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/",
                                        "", ""))
    first = broker.addresses[0] if isinstance(broker, Brokers) else broker
    host = f"[{first.host}]" if ":" in first.host else first.host
    return f"http://{host}:{WEB_PORT}/"


def audio_url(board: str, address: str) -> str | None:
    """Where a view's audio address is heard on the board, or None when it names no sound."""
    name = name_of(address)
    if name is None:
        return None
    return urllib.parse.urljoin(board, address)


def fetch(url: str) -> bytes:
    """The WAV at `url` (blocking: call it in a thread); SoundError when it does not come."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise SoundError(f"{url} is not a web address")
    board = f"{parts.scheme}://{parts.netloc}/"  # the name says nothing to a person
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only, checked above
            body: bytes = response.read(MAX_AUDIO_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SoundError(f"no sound from {board} ({_why(exc)})") from None
    if len(body) > MAX_AUDIO_BYTES or body[:4] != b"RIFF":
        raise SoundError(f"no sound from {board} (not a spoken word's WAV)")
    return body


def _why(exc: Exception) -> str:
    """An error in a few words: "Connection refused", not "<urlopen error [Errno 111] ...>"."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


@dataclass
class Speaker:
    """Plays the board's sounds on this machine: `command` None means there is no player."""

    board: str
    command: tuple[str, ...] | None
    _folder: tempfile.TemporaryDirectory[str] | None = field(default=None, init=False)
    _files: dict[str, Path] = field(default_factory=dict, init=False)

    @property
    def available(self) -> bool:
        """True when sound can be played here."""
        return self.command is not None

    def url(self, address: str) -> str | None:
        """The board's URL of a view's audio address (None: no sound)."""
        return audio_url(self.board, address)

    async def file(self, address: str) -> Path:
        """The WAV of `address` in a folder of this speaker, fetched once."""
        url = self.url(address)
        if url is None:
            raise SoundError(f"{address!r} names no sound")
        if address not in self._files:
            body = await asyncio.to_thread(fetch, url)
            if self._folder is None:
                self._folder = tempfile.TemporaryDirectory(prefix="quiz-sound-")
            path = Path(self._folder.name) / url.rsplit("/", 1)[-1]
            await asyncio.to_thread(path.write_bytes, body)
            self._files[address] = path
        return self._files[address]

    async def play(self, address: str) -> None:
        """Fetch (once) and play the sound to its end; cancelled, it stops playing."""
        if self.command is None:
            raise SoundError(f"no sound player here: {LISTEN_TO_THE_BOARD}")
        path = await self.file(address)
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command, str(path), stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        except OSError as exc:
            raise SoundError(f"{self.command[0]} failed: {exc}") from None
        try:
            code = await process.wait()
        except asyncio.CancelledError:
            if process.returncode is None:
                process.terminate()
                await process.wait()
            raise
        if code != 0:
            raise SoundError(f"{Path(self.command[0]).name} could not play the sound "
                             f"(exit {code})")

    def close(self) -> None:
        """Remove the fetched sounds."""
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        self._files.clear()


def sound_line(speaker: Speaker | None, problem: str = "", *, playing: bool = False) -> str:
    """What the screen says under a listening question: how to hear it again, or why not."""
    if speaker is None or not speaker.available:
        return (f"🔊 Listen to the board: the word is heard there (no sound player here: "
                f"{', '.join(c[0] for c in PLAYERS)}).")
    if problem:
        return f"🔊 {problem}: {LISTEN_TO_THE_BOARD}, or press Ctrl+R to try again."
    return "🔊 Playing the word…  (Ctrl+R: play it again)" if playing else \
        "🔊 Press Ctrl+R to hear the word again."
