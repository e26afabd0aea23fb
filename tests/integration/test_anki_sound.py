# ruff: noqa: RUF001 - IPA is written in IPA letters
"""The Anki export carries the IPA and each word's sound as Anki imports it.

Anki's plain-text import: header lines `#separator:tab`, `#html:false`, `#columns:...`, one
note per line; a field `[sound:NAME]` plays the file NAME of the profile's collection.media
folder, where the files written beside the export are copied.
"""

from __future__ import annotations

import re
import wave
from pathlib import Path

import pytest

from cli.review import ANKI_HEADER, anki_lines, anki_sound_name, write_anki
from protocol.messages import Word
from tests.conftest import require_espeak


def word(q: int, term: str, ipa: str = "") -> Word:
    return Word(q=q, kind="typed", term=term, definition=f"meaning of {term}", answered=1,
                right=0, near=0, ipa=ipa)


@pytest.mark.parametrize(("term", "name"), [
    ("ship", "vocab-quiz-en-us-ship.wav"),
    ("look after", "vocab-quiz-en-us-look-after.wav"),
    ("Ship", "vocab-quiz-en-us-ship.wav"),
])
def test_sound_names_are_readable(term: str, name: str) -> None:
    assert anki_sound_name(term) == name


def test_terms_that_lose_letters_never_share_a_file() -> None:
    names = {anki_sound_name(t) for t in ("don't", "don-t", "dont", "café", "cafe", "naïve")}
    assert len(names) == 6
    assert all(re.fullmatch(r"vocab-quiz-en-us-[a-z0-9-]+\.wav", n) for n in names)


def test_the_ipa_and_the_sound_are_fields_of_their_own() -> None:
    lines = anki_lines([word(0, "ship", "ʃˈɪp")], {"ship": "vocab-quiz-en-us-ship.wav"})
    assert lines[2] == "#columns:Front\tBack\tExample\tIPA\tSound"
    assert lines[3].split("\t") == ["ship", "meaning of ship", "", "ʃˈɪp",
                                    "[sound:vocab-quiz-en-us-ship.wav]"]


def test_the_export_is_written_with_its_sounds_beside_it(tmp_path: Path) -> None:
    require_espeak()
    out = tmp_path / "export" / "missed.txt"
    out.parent.mkdir()
    words = [word(0, "ship", "ʃˈɪp"), word(1, "look after", "lˈʊk ˈæftɚ")]
    assert write_anki(out, words) == 2
    lines = out.read_text(encoding="utf-8").splitlines()
    assert tuple(lines[:3]) == ANKI_HEADER
    notes = [line.split("\t") for line in lines[3:]]
    assert [len(n) for n in notes] == [5, 5]
    for note in notes:
        found = re.fullmatch(r"\[sound:([^\]/\\]+)\]", note[4])
        assert found, note
        sound = out.parent / found.group(1)
        with wave.open(str(sound), "rb") as wav:
            assert 0.2 < wav.getnframes() / wav.getframerate() < 3.0
    assert [n[3] for n in notes] == ["ʃˈɪp", "lˈʊk ˈæftɚ"]
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(
        ["missed.txt", "vocab-quiz-en-us-ship.wav", "vocab-quiz-en-us-look-after.wav"])
