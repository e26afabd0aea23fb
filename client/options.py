"""What every `quiz` command shares: its common options and how it fails.

The CLI's commands and the screens' commands both take these, so they live here, below
both. A command's errors are one line on stderr and exit code 1 (usage errors exit 2,
from Typer); never a traceback.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar, cast

import aiomqtt
import typer

from client.credentials import Credentials
from client.errors import QuizError
from client.listening import board_url
from client.text import printable
from protocol import topics
from protocol.address import Brokers
from protocol.messages import MAX_NAME_LENGTH, QUESTION_KINDS, QuestionKind

T = TypeVar("T")

Broker = Annotated[str, typer.Option(
    "--broker", envvar="QUIZ_BROKER",
    help="MQTT broker URL: mqtt://host:port, or mqtt://user:pass@host:port; several, "
         "comma-separated, are tried in order and taken over when one is lost.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Code = Annotated[str, typer.Argument(help="The quiz code shown by `quiz create`.",
                                     metavar="CODE")]
# What a player's name may be (protocol.messages.clean_name), said where it is typed.
NAME_HELP = (f"Your name in the quiz: 1 to {MAX_NAME_LENGTH} characters, unique in the "
             "quiz (letter case aside).")
Timeout = Annotated[float, typer.Option(
    "--timeout", envvar="QUIZ_TIMEOUT", min=0.5,
    help="Seconds to wait for the scorer (join and answer: also for a lost broker).")]
Web = Annotated[str | None, typer.Option(
    "--web", envvar="QUIZ_WEB", metavar="URL",
    help="The web board of quiz serve, where a listening question's word is heard "
         "(default: http://<the broker's host>:8080).")]
HostToken = Annotated[str | None, typer.Option(
    "--token", envvar="QUIZ_HOST_TOKEN",
    help="Host token, when the quiz was created on another machine.")]


def parse_kinds(value: str) -> str:
    """Typer callback for --kinds: known kinds of question, comma-separated, each once."""
    kinds = [kind.strip().lower() for kind in value.split(",") if kind.strip()]
    unknown = [kind for kind in kinds if kind not in QUESTION_KINDS]
    if not kinds or unknown:
        raise typer.BadParameter(f"{', '.join(unknown) or 'nothing'} is not a kind of question;"
                                 f" choose from {', '.join(QUESTION_KINDS)}")
    if len(set(kinds)) != len(kinds):
        raise typer.BadParameter("a kind of question is listed twice")
    return ",".join(kinds)


def kind_list(value: str) -> list[QuestionKind]:
    """The kinds of a --kinds value that parse_kinds accepted, in the order given."""
    return [cast(QuestionKind, kind) for kind in value.split(",")]


def say(line: str) -> None:
    """Tell the user what is going on, on stderr: a line that may quote names and replies."""
    typer.echo(printable(line), err=True)


def fail(message: str) -> typer.Exit:
    """Print one line on stderr and return the exit to raise.

    The message may quote the scorer's reply (a name, a deck word): its control
    characters are shown, not obeyed, and cannot break the line.
    """
    typer.echo(f"error: {printable(message)}", err=True)
    return typer.Exit(1)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a client coroutine; what can go wrong becomes one line on stderr and exit 1."""
    try:
        return asyncio.run(coro)
    except (QuizError, topics.TopicError, ValueError) as exc:  # a bad deck is a ValueError
        raise fail(str(exc)) from None
    except aiomqtt.MqttError as exc:
        raise fail(f"lost the connection to the broker: {exc}") from None
    except (OSError, sqlite3.Error) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def parse_code(code: str) -> str:
    """Canonical quiz code, or exit with a readable error."""
    try:
        return topics.normalize_code(code)
    except topics.TopicError as exc:
        raise fail(str(exc)) from None


def brokers(urls: str) -> Brokers:
    """The broker addresses of --broker (one or several), or exit with a readable error."""
    try:
        return Brokers.parse(urls)
    except ValueError as exc:
        raise fail(str(exc)) from None


def web_board(where: Brokers, web: str | None) -> str:
    """The web board's address from --web (or the broker's host), or a usage error."""
    try:
        return board_url(where, web)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--web") from None


def host_token(code: str, token: str | None) -> str:
    """The host token from the option or the credentials file."""
    try:
        key = token or Credentials.default().host_key(code)
    except ValueError as exc:  # an unreadable credentials file
        raise fail(str(exc)) from None
    if not key:
        raise fail(f"no host token for quiz {code} on this machine: pass --token")
    return key
