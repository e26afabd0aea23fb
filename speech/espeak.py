"""The edge that runs espeak-ng: a word's WAV and its IPA.

The text goes in on standard input, never as an argument, so a word that starts with "-"
is said, not taken for an option. espeak-ng ships its voices in its Debian package:
nothing is downloaded.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from speech.names import SpeechError, check_voice, clean_ipa, spoken

# The binary, as the Debian package installs it.
ESPEAK = "espeak-ng"
# How to get it, for the messages that say it is missing.
INSTALL_HINT = "apt-get install espeak-ng"
# One word takes espeak-ng a few ms; a machine under load gets far more.
RUN_TIMEOUT_SECONDS = 20.0


def find() -> str | None:
    """The path of espeak-ng, or None when it is not installed."""
    return shutil.which(ESPEAK)


def _run(binary: str, args: list[str], word: str) -> bytes:
    try:
        done = subprocess.run([binary, *args, "--stdin"], input=spoken(word).encode(),  # noqa: S603
                              capture_output=True, timeout=RUN_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpeechError(f"espeak-ng failed on {word!r}: {exc}") from None
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip() or f"exit {done.returncode}"
        raise SpeechError(f"espeak-ng failed on {word!r}: {why}")
    return done.stdout


def write_wav(binary: str, word: str, voice: str, path: Path) -> None:
    """Say `word` in `voice` into the WAV file `path` (written whole, then renamed)."""
    partial = path.with_name(f".{path.name}.partial")
    _run(binary, ["-v", check_voice(voice), "-w", str(partial)], word)
    if not partial.exists() or partial.stat().st_size == 0:
        raise SpeechError(f"espeak-ng wrote no sound for {word!r}")
    partial.replace(path)


def ipa(binary: str, word: str, voice: str) -> str:
    """How `word` is said in `voice`, in IPA."""
    return clean_ipa(_run(binary, ["-v", check_voice(voice), "-q", "--ipa"], word)
                     .decode(errors="replace"))
