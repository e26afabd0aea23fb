"""The words to review: `quiz review` for a player, `quiz results --by-word` for the class.

Both read the retained words of a finished quiz (quiz/<code>/words: every question's
word, definition and example, with how the class did); a player's own words are the
questions missing from the `right` list of their retained status (the pure helpers are in
client/review.py, shared with the play screen). The Anki format is a plain-text import
Anki reads as is: tab-separated fields under `#separator`, `#html` and `#columns` header
lines. Each note carries the word's IPA (from the scorer) and, written with --output, its
sound as Anki expects: a `[sound:NAME.wav]` field, the WAV files beside the export, to be
copied into Anki's collection.media folder before the import.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Literal

import typer

from client.credentials import Credentials
from client.errors import QuizError
from client.options import Broker, Code, Timeout, brokers, fail, host_token, parse_code, run
from client.requests import QuizClient
from client.review import accuracy, by_word, missed_by, to_review
from client.text import printable
from protocol import topics
from protocol.address import DEFAULT_URL
from protocol.messages import PlayerStatus, Results, Word
from speech import espeak
from speech.names import DEFAULT_VOICE, SpeechError

ANKI_HEADER = ("#separator:tab", "#html:false", "#columns:Front\tBack\tExample\tIPA\tSound")
# Anki keeps every deck's media in one folder: the prefix keeps ours apart from others'.
ANKI_SOUND_PREFIX = "vocab-quiz-"
ReviewFormat = Literal["text", "json", "anki"]


# --- pure -----------------------------------------------------------------------------------


def _field(text: str) -> str:
    # a tab or a line break would start a new field or note in Anki's import
    return " ".join(text.split())


def anki_lines(words: Sequence[Word], sounds: Mapping[str, str] | None = None) -> list[str]:
    """A file Anki imports as notes: the word on the front, definition, example, IPA and sound.

    `sounds` names each term's WAV file (anki_sound_name); a term without one has an empty
    Sound field.
    """
    sounds = sounds or {}
    return [*ANKI_HEADER, *(
        f"{_field(w.term)}\t{_field(w.definition)}\t{_field(w.example)}\t{_field(w.ipa)}\t"
        + (f"[sound:{sounds[w.term]}]" if w.term in sounds else "") for w in words)]


def anki_sound_name(term: str, voice: str = DEFAULT_VOICE) -> str:
    """The file name of a term's sound in Anki's media folder: readable, and only [a-z0-9-].

    A term that loses letters on the way (accents, apostrophes) gets a short hash of itself,
    so two terms never share a file.
    """
    ascii_term = unicodedata.normalize("NFKD", term).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_term.lower()).strip("-")
    if slug.replace("-", " ") != term.lower().strip():
        slug = f"{slug}-{hashlib.sha256(term.encode()).hexdigest()[:8]}".strip("-")
    return f"{ANKI_SOUND_PREFIX}{voice}-{slug}.wav"


def write_anki(path: Path, words: Sequence[Word]) -> int:
    """Write the Anki file at `path` and each word's sound beside it; the sounds written.

    Without espeak-ng here, the file is written without sounds and SpeechError says why.
    """
    binary = espeak.find()
    sounds: dict[str, str] = {}
    if binary is not None:
        for word in words:
            name = anki_sound_name(word.term)
            espeak.write_wav(binary, word.term, DEFAULT_VOICE, path.parent / name)
            sounds[word.term] = name
    path.write_text("\n".join(anki_lines(words, sounds)) + "\n", encoding="utf-8")
    if binary is None:
        raise SpeechError(f"wrote {path} without sounds: espeak-ng is missing here "
                          f"({espeak.INSTALL_HINT})")
    return len(sounds)


def anki_written(path: Path, sounds: int) -> str:
    """What the CLI says once an Anki file is written with --output."""
    return (f"wrote {path} and {sounds} sounds beside it ({ANKI_SOUND_PREFIX}*.wav): copy the "
            "sounds into your Anki profile's collection.media folder, then import the file "
            "in Anki (File > Import)")


def word_json(word: Word, players: int | None = None) -> dict[str, object]:
    """One word for --json, question numbered from 1 as everywhere in the CLI."""
    data: dict[str, object] = {"question": word.q + 1, "kind": word.kind, "term": word.term,
                               "ipa": word.ipa, "pos": word.pos, "definition": word.definition,
                               "example": word.example}
    if players is not None:
        data |= {"answered": word.answered, "right": word.right, "near": word.near,
                 "missed": missed_by(word, players),
                 "accuracy": round(accuracy(word, players), 3)}
    return data


def review_text(code: str, name: str, words: Sequence[Word]) -> str:
    """What `quiz review` prints for people."""
    if not words:
        return printable(f"{name} got every word of quiz {code} right: nothing to review")
    lines = [printable(f"{len(words)} words to review for {name} (quiz {code}):")]
    for word in words:
        said = f" /{word.ipa}/" if word.ipa else ""
        lines.append(printable(f"  {word.term}{said} ({word.pos}): {word.definition}"
                               if word.pos else f"  {word.term}{said}: {word.definition}"))
        if word.example:
            lines.append(printable(f"      e.g. {word.example}"))
    return "\n".join(lines)


BY_WORD_COLUMNS = ["question", "kind", "term", "answered", "right", "near", "missed",
                   "accuracy"]


def by_word_rows(words: Sequence[Word], players: int) -> list[list[object]]:
    """CSV rows of `quiz results --by-word`: one per word, most missed first."""
    rows: list[list[object]] = [list(BY_WORD_COLUMNS)]
    for word in by_word(words, players):
        data = word_json(word, players)
        rows.append([data[column] for column in BY_WORD_COLUMNS])
    return rows


def players_of(results: Results) -> int:
    """Players who count for the class's accuracy: those in the standings."""
    return len(results.standings)


# --- commands -------------------------------------------------------------------------------


def review(
    code: Code,
    name: Annotated[str | None, typer.Option(
        help="Which of your players (when several joined from here).")] = None,
    fmt: Annotated[ReviewFormat, typer.Option(
        "--format", help="text for people, json for scripts, anki for an Anki import "
                         "(quiz review CODE --format anki > missed.txt).")] = "text",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (as --format json).")]
    = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="With --format anki: write the file here, and each word's "
                               "sound (WAV, from espeak-ng) beside it for Anki.")] = None,
    broker: Broker = DEFAULT_URL, timeout: Timeout = 10.0,
) -> None:
    """The words you missed or answered late in a finished quiz, with definition and example."""
    code = parse_code(code)
    joined = Credentials.default().players(code)
    if name is not None:
        joined = [p for p in joined if p.name.casefold() == name.casefold()]
    if len(joined) != 1:  # one line on stderr, exit 1: this command runs outside run()
        raise fail(f"you have not joined quiz {code} from here" if not joined else
                   "several players joined from here: choose one with --name")
    me = joined[0]

    async def fetch() -> tuple[list[Word], PlayerStatus]:
        async with QuizClient.connect(brokers(broker), timeout) as client:
            words = await client.words(code)
            status = await client.retained(PlayerStatus, topics.player(code, me.player))
        if status is None:
            raise QuizError(f"the scorer has no status for {me.name} in quiz {code}")
        return words.words, status

    words, status = run(fetch())
    missed = to_review(words, status)
    if as_json or fmt == "json":
        typer.echo(json.dumps({"quiz": code, "name": status.name, "player": status.player,
                               "words": [word_json(word) for word in missed]}))
    elif fmt == "anki" and output is not None:
        try:
            typer.echo(anki_written(output, write_anki(output, missed)))
        except (SpeechError, OSError) as exc:
            raise fail(str(exc)) from None
    elif fmt == "anki":
        typer.echo("\n".join(anki_lines(missed)))
    else:
        typer.echo(review_text(code, status.name, missed))


async def class_words(code: str, token: str | None, broker: str, timeout: float,
                      fmt: Literal["csv", "json", "anki"], output: Path | None = None) -> str:
    """`quiz results CODE --by-word`: the class's words, most missed first (host only).

    With `output` and the anki format, the file and its sounds are written there, and what
    was written is returned.
    """
    code = parse_code(code)
    key = host_token(code, token)

    async with QuizClient.connect(brokers(broker), timeout) as client:
        words = (await client.words(code)).words
        reply = await client.control(code, key, "results")
    if reply.results is None:
        raise QuizError("the scorer's reply carried no results")
    results = reply.results
    players = players_of(results)
    if fmt == "json":
        return json.dumps({"quiz": code, "players": players,
                           "words": [word_json(w, players) for w in by_word(words, players)]})
    if fmt == "anki" and output is not None:
        try:
            return anki_written(output, write_anki(output, by_word(words, players)))
        except SpeechError as exc:
            raise QuizError(str(exc)) from None
    if fmt == "anki":
        return "\n".join(anki_lines(by_word(words, players)))
    out = io.StringIO()
    csv.writer(out).writerows(by_word_rows(words, players))
    return out.getvalue().rstrip("\n")

