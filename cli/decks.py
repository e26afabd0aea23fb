"""`quiz decks` and `quiz decks check`: the built-in decks, and what to fix in a deck.

Thin commands over scorer/deck.py (reading) and scorer/deckcheck.py (the check); `quiz
create --deck FILE` reads and checks a file through `read_file` too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from cli import render
from client.options import Json, fail
from client.text import printable
from scorer import deck as decks
from scorer import deckcheck
from scorer.deckfile import separator_from

decks_app = typer.Typer(
    help="The built-in vocabulary decks (`quiz decks`), and what to fix in a deck "
         "(`quiz decks check`).",
    invoke_without_command=True, no_args_is_help=False)

Separator = Annotated[str | None, typer.Option(
    "--separator", metavar="TEXT",
    help="What separates a term from its definition in the file: tab, comma, semicolon, "
         "pipe, colon, space, or any text (' - ' for a Quizlet export with a custom "
         "separator; \\t is a tab). Default: the file's Anki #separator: line, or guessed.")]
RowSeparator = Annotated[str | None, typer.Option(
    "--row-separator", metavar="TEXT",
    help="What separates two rows when it is not a new line (a Quizlet export with "
         "semicolon or custom rows); \\n is a new line.")]


def register(quiz: typer.Typer) -> None:
    """Add `quiz decks` and its commands to the `quiz` app."""
    quiz.add_typer(decks_app, name="decks")


@decks_app.callback()
def list_decks(ctx: typer.Context, as_json: Json = False) -> None:
    """List the built-in vocabulary decks, with their words per CEFR level."""
    if ctx.invoked_subcommand is not None:
        return
    found = {name: decks.load_builtin(name) for name in decks.builtin_names()}
    typer.echo(json.dumps({name: {"words": len(entries), "levels": decks.levels(entries)}
                           for name, entries in found.items()}) if as_json else
               "\n".join(render.deck_line(name, len(entries), decks.levels(entries))
                         for name, entries in found.items()))


@decks_app.command()
def check(
    deck: Annotated[str, typer.Argument(
        help="A deck file (CSV, TSV, an Anki or Quizlet export) or a built-in deck's name.")],
    separator: Separator = None, row_separator: RowSeparator = None, as_json: Json = False,
) -> None:
    """Print what to fix in a deck, one finding a line naming its lines.

    Exits 1 only when no quiz can be made from the deck (or it cannot be read).
    """
    try:
        report = (deckcheck.check_builtin(deck) if _is_builtin(deck)
                  else read_file(Path(deck), separator, row_separator)[1])
    except (decks.DeckError, OSError) as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(report.to_json()))
    else:
        for finding in report.findings:
            typer.echo(printable(deckcheck.describe(finding, report.source, report.unit)))
        typer.echo(summary(report))
    if not report.quiz_possible:
        raise typer.Exit(1)


def summary(report: deckcheck.Report) -> str:
    """The last line of `quiz decks check`: words, findings, and whether a quiz can be made."""
    errors = sum(f.severity == "error" for f in report.findings)
    warnings = len(report.findings) - errors
    counts = ", ".join(part for part in (
        f"{errors} error{'s' * (errors != 1)}" if errors else "",
        f"{warnings} warning{'s' * (warnings != 1)}" if warnings else "") if part)
    verdict = "a quiz can be made" if report.quiz_possible else "no quiz can be made"
    return (f"{printable(report.source)}: {report.words} words, {counts or 'nothing to fix'}; "
            f"{verdict}")


def read_file(path: Path, separator: str | None, row_separator: str | None,
              ) -> tuple[list[decks.Entry], deckcheck.Report]:
    """A deck file's entries and its check; DeckError (or OSError) when it cannot be read."""
    if not path.is_file():
        raise decks.DeckError(f"{str(path)!r} is neither a file nor a built-in deck "
                              f"({', '.join(decks.builtin_names())})")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise decks.DeckError(f"{path}: byte {exc.start + 1} is not UTF-8 text; save the file "
                              f"as UTF-8 (Anki and Quizlet export UTF-8)") from None
    entries, lines = decks.parse_deck_lines(
        text, delimiter=separator_from(separator) if separator is not None else None,
        row_separator=separator_from(row_separator) if row_separator is not None else None,
        source=str(path))
    return entries, deckcheck.report(entries, lines, source=str(path))


def warnings_for_quiz(report: deckcheck.Report, kinds: Sequence[str],
                      level: str | None) -> list[str]:
    """The lines `quiz create --deck FILE` prints on stderr: the findings that touch this quiz."""
    return [printable(f"warning: {deckcheck.describe(finding, report.source, report.unit)}")
            for finding in deckcheck.for_quiz(report.findings, kinds, level)]


def _is_builtin(deck: str) -> bool:
    return deck in decks.builtin_names() and not Path(deck).is_file()
