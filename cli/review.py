"""The words to review: `quiz review` for a player, `quiz results --by-word` for the class.

Both read the retained words of a finished quiz (quiz/<code>/words: every question's
word, definition and example, with how the class did); a player's own words are the
questions missing from the `right` list of their retained status (the pure helpers are in
client/review.py, shared with the play screen). The Anki format is a plain-text import
Anki reads as is: tab-separated fields under `#separator`, `#html` and `#columns` header
lines.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
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

ANKI_HEADER = ("#separator:tab", "#html:false", "#columns:Front\tBack\tExample")
ReviewFormat = Literal["text", "json", "anki"]


# --- pure -----------------------------------------------------------------------------------


def _field(text: str) -> str:
    # a tab or a line break would start a new field or note in Anki's import
    return " ".join(text.split())


def anki_lines(words: Sequence[Word]) -> list[str]:
    """A file Anki imports as notes: the word on the front, definition and example behind."""
    return [*ANKI_HEADER, *(f"{_field(w.term)}\t{_field(w.definition)}\t{_field(w.example)}"
                            for w in words)]


def word_json(word: Word, players: int | None = None) -> dict[str, object]:
    """One word for --json, question numbered from 1 as everywhere in the CLI."""
    data: dict[str, object] = {"question": word.q + 1, "kind": word.kind, "term": word.term,
                               "pos": word.pos, "definition": word.definition,
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
        lines.append(printable(f"  {word.term} ({word.pos}): {word.definition}"
                               if word.pos else f"  {word.term}: {word.definition}"))
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
    elif fmt == "anki":
        typer.echo("\n".join(anki_lines(missed)))
    else:
        typer.echo(review_text(code, status.name, missed))


async def class_words(code: str, token: str | None, broker: str, timeout: float,
                      fmt: Literal["csv", "json", "anki"]) -> str:
    """`quiz results CODE --by-word`: the class's words, most missed first (host only)."""
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
    if fmt == "anki":
        return "\n".join(anki_lines(by_word(words, players)))
    out = io.StringIO()
    csv.writer(out).writerows(by_word_rows(words, players))
    return out.getvalue().rstrip("\n")

