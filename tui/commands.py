"""The terminal UI's commands: `quiz play`, `quiz board`, `quiz host` and `quiz demo`.

Each command checks what it can before the screen opens (the broker answers, the quiz
exists, the name is free), so a mistake is one line on stderr and exit code 1, then
runs its Textual app. Textual is imported only when a screen opens, so `quiz --help`
stays fast.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Annotated

import typer

from client.credentials import Credentials
from client.errors import BrokerUnreachableError
from client.joining import join
from client.listening import Speaker, player_command
from client.options import (
    NAME_HELP,
    Broker,
    Code,
    HostToken,
    Timeout,
    Web,
    brokers,
    fail,
    host_token,
    kind_list,
    parse_code,
    parse_kinds,
    run,
    say,
    web_board,
)
from client.reconnect import Reconnect
from client.requests import QuizClient
from client.text import printable
from protocol.address import DEFAULT_URL, BrokerAddress, Brokers
from protocol.messages import clean_name
from tui.live import Live


def register(app: typer.Typer) -> None:
    """Add the terminal UI's commands to the `quiz` command."""
    for command in (play, board, host, demo):
        app.command()(command)


# --- the commands ---------------------------------------------------------------------------


def play(code: Code,
         name: Annotated[str, typer.Option(help=NAME_HELP)],
         broker: Broker = DEFAULT_URL, timeout: Timeout = 10.0, web: Web = None) -> None:
    """Play a quiz on a live screen: join (or resume) as NAME and answer as questions come.

    Keys 1-4 (or a click) pick a choice; for a typed or listen question, type the word and
    press Enter. A listening question's word plays through paplay, aplay or ffplay, the
    first found, fetched from the web board (Ctrl+R: again); without one, listen to the
    board. In a self-paced quiz (homework), key n opens your next question, on its own
    clock; run it again later to go on where you left off.
    """
    from tui.play import PlayApp  # noqa: PLC0415 - Textual loads only when a screen opens

    code, address = parse_code(code), brokers(broker)
    speaker = Speaker(web_board(address, web), player_command())
    ask = _ask_name if sys.stdin.isatty() else None
    me = run(join(address, code, _name(name), timeout, Credentials.default(), notice=say,
                  ask=ask)).me
    PlayApp(Live(address, code, player=me), speaker=speaker).run()


def board(code: Code, broker: Broker = DEFAULT_URL, timeout: Timeout = 10.0) -> None:
    """Show a quiz on a classroom display: the live leaderboard, question and countdown."""
    from tui.board import BoardApp  # noqa: PLC0415

    code, address = parse_code(code), brokers(broker)
    run(check_quiz(address, code, timeout, say))
    BoardApp(Live(address, code)).run()


def host(code: Code, token: HostToken = None, broker: Broker = DEFAULT_URL,
         timeout: Timeout = 10.0) -> None:
    """Run a quiz from the host's console: start, next, end, kick, live counts and results."""
    from tui.host import HostApp  # noqa: PLC0415

    code, address = parse_code(code), brokers(broker)
    key = host_token(code, token)
    run(check_quiz(address, code, timeout, say))
    HostApp(Live(address, code, host_key=key)).run()


def demo(
    players: Annotated[int, typer.Option(min=1, max=200, help="Simulated players.")] = 30,
    questions: Annotated[int, typer.Option(min=1, max=20, help="Questions in the quiz.")] = 5,
    seconds: Annotated[float, typer.Option(min=3, max=60, help="Seconds per question.")]
    = 10.0,
    lobby: Annotated[float, typer.Option(
        min=0, max=60, help="Seconds the lobby fills before the quiz starts.")] = 5.0,
    kinds: Annotated[str, typer.Option(
        callback=parse_kinds, metavar="KIND[,KIND...]",
        help="The kinds of question to mix (as quiz create --kinds): choice, reverse, "
             "cloze, typed.")] = "choice",
    calm: Annotated[bool, typer.Option(
        "--calm", help="A calm quiz: no speed points, no streak, no ranking on the board "
                       "(the class's progress instead).")] = False,
) -> None:
    """Watch a demo: an in-process server, simulated players and the classroom board."""
    from tui.demo import DemoSettings, run_demo  # noqa: PLC0415

    settings = DemoSettings(players=players, questions=questions, seconds=seconds,
                            lobby=lobby, kinds=tuple(kind_list(kinds)), calm=calm)
    run(run_demo(settings))


# --- before the screen opens ----------------------------------------------------------------


async def connect(stack: AsyncExitStack, broker: BrokerAddress | Brokers, reply_timeout: float,
                  say: Callable[[str], None]) -> QuizClient:
    """Connect, retrying with backoff while no broker is reachable (until Ctrl-C)."""
    retry = Reconnect(broker)
    while True:
        try:
            return await stack.enter_async_context(
                QuizClient.connect(retry.order(), reply_timeout))
        except BrokerUnreachableError as exc:
            delay = retry.lost()
            say(f"{exc}; retrying in {delay:g} s (Ctrl-C to stop)")
            await asyncio.sleep(delay)


async def check_quiz(broker: BrokerAddress | Brokers, code: str, reply_timeout: float,
                     say: Callable[[str], None]) -> None:
    """Raise RefusedError when no quiz has this code."""
    async with AsyncExitStack() as stack:
        client = await connect(stack, broker, reply_timeout, say)
        await client.state(code)


# --- small pieces ---------------------------------------------------------------------------


def _ask_name(question: str) -> str:
    return str(typer.prompt(printable(question)))


def _name(name: str) -> str:
    try:
        return clean_name(name)
    except ValueError as exc:
        raise fail(f"invalid name: {exc}") from None
