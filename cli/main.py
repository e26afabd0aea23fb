"""The `quiz` command: thin Typer commands over the client and the scorer.

Each command parses its options, calls one function, and prints: text for
people, `--json` for scripts. Errors are one line on stderr and exit code 1.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import errno
import functools
import io
import json
import logging
import sqlite3
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer

from cli import decks as decks_cli
from cli import render, review
from cli import results as quiz_results
from client import deadline
from client.answers import answer as send_answer
from client.answers import open_next
from client.credentials import Credentials, PlayerCredentials
from client.errors import QuizError
from client.follow import follow
from client.joining import join as join_quiz
from client.options import (
    NAME_HELP,
    Broker,
    Code,
    HostToken,
    Json,
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
from client.reconnect import Connected, Disconnected
from client.requests import QuizClient
from protocol import auth
from protocol.address import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_URL,
    BrokerAddress,
    Brokers,
    broker_url,
)
from protocol.messages import MAX_TYPED, CefrLevel, DeckEntry, clean_name
from scorer import deck as decks
from web.server import DEFAULT_WEB_PORT

log = logging.getLogger(__name__)

app = typer.Typer(
    help="A live vocabulary quiz over MQTT: serve it, create one, join, answer, watch.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    # Click's plain help: at 80 columns Rich's option panels cut help text short (…).
    rich_markup_mode=None,
)


def emit(as_json: bool, data: dict[str, Any], text: str) -> None:
    """Print JSON for scripts or text for people."""
    typer.echo(json.dumps(data) if as_json else text)


def client_command(func: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async command body with `run`, keeping Typer's view of its signature."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        run(func(*args, **kwargs))
    return wrapper


T = TypeVar("T")


def carried(value: T | None, what: str) -> T:
    """A field the scorer's message must carry: a malformed one is a QuizError, not a crash."""
    if value is None:
        raise QuizError(f"the scorer's message carried no {what}; is it a compatible scorer?")
    return value


# --- server ---------------------------------------------------------------------------------


@app.command()
def serve(
    broker: Annotated[str, typer.Option(
        "--broker", envvar="QUIZ_SERVE_BROKER",
        help="'embedded' (default): an amqtt broker in-process; 'mosquitto': start Mosquitto "
             "with the project's mosquitto.conf; 'nats': start one nats-server with the "
             "project's nats.conf (no web board); or a mqtt://user:pass@host:port URL of a "
             "running broker; several, comma-separated (the nodes of one cluster), are "
             "tried in order and the next taken over when one is lost.")] = "embedded",
    host: Annotated[str, typer.Option(
        help="Embedded, Mosquitto or NATS: address to listen on.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(
        envvar="QUIZ_PORT", min=1, max=65535,
        help="Embedded, Mosquitto or NATS: MQTT port to listen on.")] = DEFAULT_PORT,
    db: Annotated[Path, typer.Option(
        envvar="QUIZ_DB", help="SQLite file of quizzes, players and answers.")]
    = Path("quiz-data/quiz.db"),
    mosquitto_dir: Annotated[Path, typer.Option(
        envvar="QUIZ_MOSQUITTO_DIR", help="Mosquitto: folder of accounts, ACL and persistence.")]
    = Path("quiz-data/mosquitto"),
    nats_dir: Annotated[Path, typer.Option(
        envvar="QUIZ_NATS_DIR",
        help="NATS: folder of the accounts (`quiz cluster accounts`) and JetStream store.")]
    = Path("quiz-data/nats"),
    client_id: Annotated[str, typer.Option(
        envvar="QUIZ_SCORER_ID", help="MQTT client id of the scorer's persistent session.")]
    = "quiz-scorer",
    leaderboard_interval: Annotated[float, typer.Option(
        min=0.01, max=10.0, help="Seconds between two leaderboard publishes of a quiz.")] = 0.1,
    top: Annotated[int, typer.Option(min=1, max=100, help="Players on the leaderboard.")] = 10,
    log_level: Annotated[Literal["debug", "info", "warning", "error"], typer.Option(
        envvar="QUIZ_LOG_LEVEL", help="How much the scorer logs.")] = "warning",
    log_format: Annotated[Literal["text", "json"], typer.Option(
        envvar="QUIZ_LOG_FORMAT", help="text, or json (one JSON object per line).")] = "text",
    metrics_port: Annotated[int, typer.Option(
        envvar="QUIZ_METRICS_PORT", min=0, max=65535,
        help="Serve /metrics, /healthz and /readyz on this port (0: off).")] = 0,
    metrics_host: Annotated[str, typer.Option(
        envvar="QUIZ_METRICS_HOST", help="Address of the metrics endpoint.")] = "127.0.0.1",
    standby: Annotated[bool, typer.Option(
        "--standby", envvar="QUIZ_STANDBY",
        help="When a scorer already runs on this --db (or, with --broker mqtt://..., on that "
             "broker with this --client-id), wait and take over as soon as it stops, instead "
             "of refusing to start. With --scorers N, each scorer is the twin of the one "
             "with its client id and database file.")] = False,
    web_port: Annotated[int, typer.Option(
        envvar="QUIZ_WEB_PORT", min=0, max=65535,
        help="Serve the classroom board, a web page, on this port at the --host address "
             "(0: off; always off with --broker nats: NATS 2.9 has no MQTT over "
             "WebSockets).")] = DEFAULT_WEB_PORT,
    ws_port: Annotated[int | None, typer.Option(
        envvar="QUIZ_WS_PORT", min=1, max=65535, show_default="--port + 1",
        help="MQTT over WebSockets, for the web board: the port the embedded broker or "
             "Mosquitto listens on (default --port + 1), or that of the running --broker "
             "(default 9001, as in mosquitto.conf).")] = None,
    scorers: Annotated[int, typer.Option(
        envvar="QUIZ_SCORERS", min=1, max=64,
        help="Scorer processes, one per core, each owning some quizzes; a dead one is "
             "restarted. Scorer K (from 1) uses --client-id-K and the --db file with -K "
             "added.")] = 1,
    partition: Annotated[str, typer.Option(
        envvar="QUIZ_PARTITION", hidden=True,
        help="K/N: run only scorer K of N (0-based); set by --scorers for its children.")]
    = "0/1",
) -> None:
    """Run the scorer: on an embedded broker by default, or against --broker mqtt://HOST:PORT."""
    from protocol.topics import is_scorer_id  # noqa: PLC0415
    from scorer.logs import configure_logging  # noqa: PLC0415 - keeps `quiz --help` fast
    from scorer.partition import Partition  # noqa: PLC0415
    from scorer.service import ScorerSettings  # noqa: PLC0415
    from serve.local import LocalBroker, WebSettings  # noqa: PLC0415
    from serve.process import serve as serve_forever  # noqa: PLC0415
    from serve.process import serve_several, until_terminated  # noqa: PLC0415

    try:
        configure_logging(log_level, log_format)
    except ValueError as exc:
        raise fail(str(exc)) from None
    local = None
    if broker in ("embedded", "mosquitto", "nats"):
        folder = nats_dir if broker == "nats" else mosquitto_dir
        local = LocalBroker(broker, host, port, folder)  # type: ignore[arg-type]
    try:
        part = Partition.parse(partition)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--partition") from None
    if not is_scorer_id(client_id):  # it names the scorer's status topic
        raise typer.BadParameter("1-64 letters, digits, '-', '_' or '.'",
                                 param_hint="--client-id")
    settings = ScorerSettings(
        broker=BrokerAddress() if local else brokers(broker), database=db,
        client_id=client_id, leaderboard_interval=leaderboard_interval, top_n=top,
        partition=part)
    # No MQTT over WebSockets in NATS 2.9, so no board: said once online, not refused,
    # since --web-port is on by default.
    # the wheels terminal players install from are kept beside the database
    # and the spoken words (audio/, settings.audio_folder()) beside it too
    web = (WebSettings(host, web_port, ws_port, wheels=db.parent / "wheels",
                       audio=settings.audio_folder())
           if web_port and broker != "nats" else None)

    def ready(public: BrokerAddress) -> None:
        from web.join import public_hosts  # noqa: PLC0415

        # a broker on every interface (--host 0.0.0.0) is named by this machine's LAN
        # address: 0.0.0.0 is no address another machine can use
        shown = dataclasses.replace(public, host=public_hosts(public.host)[0])
        typer.echo(render.server_ready(shown, broker, db, _installed_quiz()))
        if broker == "nats":
            typer.echo(f"NATS: host accounts with `quiz cluster accounts teacher --role host "
                       f"--dir {nats_dir}` (read at the next start); no web board (NATS 2.9 "
                       "has no MQTT over WebSockets: use --broker mosquitto for one)")

    def board_ready(url: str, live: list[str]) -> None:
        from web.wheels import project_wheel  # noqa: PLC0415

        typer.echo(render.board_ready(url, live, project_wheel()))

    if scorers > 1:
        children = ["--leaderboard-interval", str(leaderboard_interval), "--top", str(top),
                    "--log-level", log_level, "--log-format", log_format,
                    "--metrics-host", metrics_host, *(["--standby"] if standby else [])]
        if standby:  # each scorer waits for its twin (same client id and database file)
            typer.echo(f"standby: {scorers} scorers take over one by one as the live "
                       "ones with their client ids stop")
        main = serve_several(settings, scorers, local=local, on_ready=ready,
                             child_options=children, metrics_port=metrics_port, web=web,
                             on_board=board_ready)
    else:
        main = serve_forever(
            settings, local=local, on_ready=ready, standby=standby, on_standby=typer.echo,
            metrics_address=(metrics_host, metrics_port) if metrics_port else None,
            web=web, on_board=board_ready)
    _run_server(until_terminated(main), host=host, port=port, db=db,
                metrics=(metrics_host, metrics_port))


def _installed_quiz() -> Path | None:
    """This `quiz` when it lives in a virtualenv, which a new terminal's PATH lacks; else None.

    Relative to the working directory when under it (`.venv/bin/quiz`, as `make run` makes).
    """
    if sys.prefix == sys.base_prefix:
        return None
    script = Path(sys.prefix) / "bin" / "quiz"
    if not script.is_file():
        return None
    try:
        return script.relative_to(Path.cwd())
    except ValueError:
        return script


def _run_server(main: Coroutine[Any, Any, None], *, host: str, port: int, db: Path,
                metrics: tuple[str, int]) -> None:
    """Run `quiz serve`'s main coroutine; turn each way it can fail into one line."""
    from broker.embedded import PortInUseError  # noqa: PLC0415 - keeps `quiz --help` fast
    from broker.mosquitto import MosquittoError  # noqa: PLC0415
    from broker.nats import NatsError  # noqa: PLC0415
    from cli.status import live_scorer  # noqa: PLC0415
    from scorer.store import StorageError  # noqa: PLC0415
    from scorer.transport import ScorerSubscriptionRefusedError  # noqa: PLC0415
    from serve.standby import AlreadyServingError  # noqa: PLC0415
    from web.server import WebPortError  # noqa: PLC0415

    metrics_host, metrics_port = metrics
    try:
        asyncio.run(main)
    except KeyboardInterrupt:
        typer.echo("stopped.")
    except AlreadyServingError as exc:  # one scorer per database and client id
        raise fail(str(exc)) from None
    except PortInUseError:
        if live_scorer(host, port) is not None:
            raise fail(f"a quiz server already runs on {host}:{port}: use it (`quiz status "
                       f"--broker {broker_url(host, port)}`), or stop it first") from None
        raise fail(f"port {port} on {host} is in use (another broker is running?): use that "
                   f"broker with `quiz serve --broker {broker_url(host, port)}`, or choose another "
                   f"port with `quiz serve --port {port + 1}` (or QUIZ_PORT)") from None
    except (MosquittoError, NatsError, WebPortError, ScorerSubscriptionRefusedError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        if metrics_port and exc.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
            raise fail(f"cannot serve metrics on {metrics_host}:{metrics_port}: {exc}") from None
        raise fail(str(exc)) from None
    except StorageError as exc:
        raise fail(f"{exc}; stopped without acknowledging that batch (the broker keeps it): "
                   "free the disk and start again") from None
    except sqlite3.Error as exc:  # --db is not a database, or cannot be opened
        raise fail(f"cannot use {db} as the database: {exc}") from None
    else:  # SIGTERM: stopped as by Ctrl-C
        typer.echo("stopped.")


@app.command()
def accounts(
    name: Annotated[str, typer.Argument(help="The account name (MQTT username).")],
    role: Annotated[Literal["host", "scorer"], typer.Option(
        help="host: creates and controls quizzes; scorer: the scorer's own account.")]
    = "host",
    password: Annotated[str | None, typer.Option(
        prompt=True, hide_input=True, confirmation_prompt=True, envvar="QUIZ_ACCOUNT_PASSWORD",
        show_default=False, help="The password (prompted for when not given).")] = None,
    mosquitto_dir: Annotated[Path, typer.Option(
        envvar="QUIZ_MOSQUITTO_DIR", help="Folder of Mosquitto's password and ACL files.")]
    = Path("quiz-data/mosquitto"),
) -> None:
    """Create or update a Mosquitto account; Mosquitto rereads it.

    A host account creates and controls quizzes; the scorer's reads and writes them all.
    The ACL is rewritten, and the Mosquitto that writes its pid file in --mosquitto-dir
    (`quiz serve --broker mosquitto`, or `mosquitto -c mosquitto.conf`) rereads its
    accounts at once.
    """
    from broker.mosquitto import Accounts, reload_accounts  # noqa: PLC0415

    try:
        Accounts(mosquitto_dir).add(name, "host" if role == "host" else "scorer", password or "")
    except ValueError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{role} account {name!r} saved in {mosquitto_dir}")
    try:
        pid = reload_accounts(mosquitto_dir)
    except PermissionError:
        raise fail(f"cannot signal the Mosquitto of {mosquitto_dir} (another user's): run "
                   f"`kill -HUP $(cat {mosquitto_dir}/mosquitto.pid)` as its user") from None
    typer.echo(f"Mosquitto (pid {pid}) reloaded its accounts" if pid else
               f"no Mosquitto runs with {mosquitto_dir}: it reads them when it starts")


# --- host -----------------------------------------------------------------------------------


@app.command()
@client_command
async def create(
    ctx: typer.Context,
    deck: Annotated[str, typer.Option(
        help="A built-in deck name (see `quiz decks`) or a deck file: CSV or TSV (term, "
             "definition[, part of speech]...), an Anki or Quizlet export. Its warnings "
             "(`quiz decks check`) go to stderr.")] = decks.BUILTIN_DEFAULT,
    questions: Annotated[int, typer.Option(min=1, max=100, help="Number of questions.")] = 10,
    seconds: Annotated[float, typer.Option(min=3, max=600, help="Seconds per question.")]
    = 20.0,
    speed_bonus: Annotated[bool, typer.Option(
        "--speed-bonus/--no-speed-bonus", help="Faster correct answers score more.")] = True,
    streak: Annotated[bool, typer.Option(
        "--streak/--no-streak", help="Bonus for consecutive correct answers.")] = True,
    auto: Annotated[bool, typer.Option(
        "--auto", help="Advance questions on their timer, with no host.")] = False,
    kinds: Annotated[str, typer.Option(
        callback=parse_kinds, metavar="KIND[,KIND...]",
        help="The kinds of question to mix: choice (a definition: pick the word), reverse "
             "(a word: pick its definition), cloze (a sentence with a blank: pick the "
             "word), typed (a definition: type the word), listen (hear the word: type "
             "it), listen-choice (hear the word: pick it among four that sound alike).")] \
        = "choice",
    calm: Annotated[bool, typer.Option(
        "--calm", help="No speed points, no streak, and no ranking on the public boards; "
                       "each player still sees their own score.")] = False,
    level: Annotated[CefrLevel | None, typer.Option(
        help="Only the deck's words of this CEFR level (see `quiz decks`).")] = None,
    separator: decks_cli.Separator = None, row_separator: decks_cli.RowSeparator = None,
    again: Annotated[str | None, typer.Option(
        metavar="CODE",
        help="Run quiz CODE again, for the next class or a second round: the same questions "
             "and settings, under a new code and host token. It needs CODE's host token "
             "(from the credentials file, or --token).")] = None,
    shuffle: Annotated[bool, typer.Option(
        "--shuffle", help="With --again: the same questions in another order.")] = False,
    self_paced: Annotated[bool, typer.Option(
        "--self-paced", help="Homework: each player gets the questions one after another, "
                             "at their own pace, any time until --until or for --for; each "
                             "question is timed from the moment that player opens it. No "
                             "host: nobody starts it.")] = False,
    until: Annotated[str | None, typer.Option(
        metavar="'YYYY-MM-DD HH:MM'",
        help="With --self-paced: when it closes (your local time; a date alone is the end "
             "of that day).")] = None,
    open_for: Annotated[str | None, typer.Option(
        "--for", metavar="DURATION",
        help="With --self-paced: how long it stays open from now: 3d, 12h, 90m or 1d12h.")]
    = None,
    token: HostToken = None,
    broker: Broker = DEFAULT_URL, timeout: Timeout = 10.0, as_json: Json = False,
) -> None:
    """Create a quiz; print its code and the host token (kept in the credentials file).

    With --self-paced and --until or --for, a homework quiz that players do at their own
    pace until the deadline.
    """
    closes = _deadline(self_paced, until, open_for, auto)
    if again is not None or shuffle:  # --token (or QUIZ_HOST_TOKEN) is read with --again only
        await _create_again(ctx, again, shuffle, token, broker, timeout, as_json, closes)
        return
    entries: list[DeckEntry] | None = None
    path = Path(deck)
    if path.is_file():
        read, report = decks_cli.read_file(path, separator, row_separator)
        for warning in decks_cli.warnings_for_quiz(report, kind_list(kinds), level):
            typer.echo(warning, err=True)
        if not report.quiz_possible:
            raise decks.DeckError(f"{path}: no quiz can be made from this deck "
                                  f"(`quiz decks check {path}` says why)")
        entries = [DeckEntry(e.term, e.definition, e.pos, e.example,
                             e.level, list(e.accept), list(e.distractors))  # type: ignore[arg-type]
                   for e in read]
    elif deck not in decks.builtin_names():
        raise decks.DeckError(f"{deck!r} is neither a file nor a built-in deck "
                              f"({', '.join(decks.builtin_names())})")
    host_key = auth.new_secret()
    where = brokers(broker)
    async with QuizClient.connect(where, timeout) as client:
        code = await client.create(deck=path.name if entries else deck, entries=entries,
                                   questions=questions, seconds=seconds,
                                   speed_bonus=speed_bonus, streak=streak, auto=auto,
                                   host_key=host_key, kinds=kind_list(kinds), calm=calm,
                                   level=level or "", until=closes)
    # printed first: if keeping it fails, the host still has it; the address without its
    # password (a host's terminal is often on a projector)
    players = ",".join(str(BrokerAddress(address.host, address.port))  # no account
                       for address in Brokers.of(where).addresses)
    emit(as_json, {"quiz": code, "host_token": host_key, **({"until": closes} if closes else {})},
         render.created(code, host_key, str(where), players, until=closes))
    Credentials.default().save_host_key(code, host_key)


# What --again takes from the old quiz: giving one of these with it is a usage error.
QUIZ_OPTIONS = ("deck", "questions", "seconds", "speed_bonus", "streak", "auto", "kinds",
                "calm", "level", "separator", "row_separator")


def _deadline(self_paced: bool, until: str | None, open_for: str | None, auto: bool) -> float:
    """A self-paced quiz's deadline from --until or --for (0.0: a live quiz)."""
    if not self_paced:
        if until is not None or open_for is not None:
            raise typer.BadParameter("--until and --for go with --self-paced",
                                     param_hint="--self-paced")
        return 0.0
    if (until is None) == (open_for is None):
        raise typer.BadParameter("a self-paced quiz needs a deadline: give either --until "
                                 "'YYYY-MM-DD HH:MM' or --for DURATION (such as 3d)",
                                 param_hint="--self-paced")
    if auto:
        raise typer.BadParameter("a self-paced quiz has no host to wait for: leave out --auto",
                                 param_hint="--auto")
    try:
        if open_for is not None:
            return time.time() + deadline.parse_duration(open_for)
        closes = deadline.parse_until(until or "")
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--until" if until else "--for") from None
    if closes <= time.time():
        raise typer.BadParameter(f"{deadline.shown(closes)} has passed already",
                                 param_hint="--until")
    return closes


async def _create_again(ctx: typer.Context, code: str | None, shuffle: bool,
                        token: str | None, broker: str, timeout: float, as_json: bool,
                        until: float = 0.0) -> None:
    """`quiz create --again CODE`: a new quiz of CODE's questions, proved with its token."""
    if code is None:
        raise typer.BadParameter("--shuffle goes with --again CODE", param_hint="--shuffle")
    given = [name for name in QUIZ_OPTIONS  # typed on the command line, not defaults
             if getattr(ctx.get_parameter_source(name), "name", "") == "COMMANDLINE"]
    if given:
        names = ", ".join(f"--{name.replace('_', '-')}" for name in given)
        raise typer.BadParameter(f"a quiz run again keeps its questions and settings: "
                                 f"leave out {names}", param_hint="--again")
    old = parse_code(code)
    old_key = host_token(old, token)
    host_key = auth.new_secret()
    where = brokers(broker)
    async with QuizClient.connect(where, timeout) as client:
        new = await client.create_again(old, old_key, host_key, shuffle=shuffle, until=until)
    players = ",".join(str(BrokerAddress(address.host, address.port))  # no account
                       for address in Brokers.of(where).addresses)
    order = "shuffled" if shuffle else "in the same order"
    emit(as_json, {"quiz": new, "host_token": host_key, "again": old, "shuffle": shuffle},
         f"the questions of quiz {old}, {order}\n"
         + render.created(new, host_key, str(where), players, until=until))
    Credentials.default().save_host_key(new, host_key)


async def _host(code: str, action: str, token: str | None, broker: str, timeout: float,
                as_json: bool) -> None:
    code = parse_code(code)
    key = host_token(code, token)
    async with QuizClient.connect(brokers(broker), timeout) as client:
        state = await client.state(code)
        if state.phase == "finished":  # the scorer would say ok and change nothing
            raise QuizError(f"quiz {code} is finished: nothing to {action} (`quiz results "
                            f"{code}` prints its results)")
        if action in ("pause", "resume") and state.phase not in ("question", "reveal"):
            raise QuizError(f"quiz {code} has no question on screen: nothing to {action}")
        index = state.question.index if state.question else -1
        await client.control(code, key, action, at=index)
        state = await client.state(code)
    emit(as_json, render.numbered(state), render.state_line(state))


@app.command()
@client_command
async def start(code: Code, token: HostToken = None, broker: Broker = DEFAULT_URL,
                timeout: Timeout = 10.0, as_json: Json = False) -> None:
    """Start the quiz: open the first question."""
    await _host(code, "start", token, broker, timeout, as_json)


@app.command(name="next")
@client_command
async def next_(code: Code, token: HostToken = None, broker: Broker = DEFAULT_URL,
                timeout: Timeout = 10.0, as_json: Json = False) -> None:
    """Reveal the open question, or open the next one after a reveal."""
    await _host(code, "next", token, broker, timeout, as_json)


@app.command()
@client_command
async def end(code: Code, token: HostToken = None, broker: Broker = DEFAULT_URL,
              timeout: Timeout = 10.0, as_json: Json = False) -> None:
    """Finish the quiz now."""
    await _host(code, "end", token, broker, timeout, as_json)


@app.command()
@client_command
async def pause(code: Code, token: HostToken = None, broker: Broker = DEFAULT_URL,
                timeout: Timeout = 10.0, as_json: Json = False) -> None:
    """Stop the clock of the open question for everyone; answers wait until `quiz resume`.

    The time left is kept (across a scorer restart too), and speed points count only the
    time the clock ran. After a reveal, an --auto quiz waits before the next question.
    """
    await _host(code, "pause", token, broker, timeout, as_json)


@app.command()
@client_command
async def resume(code: Code, token: HostToken = None, broker: Broker = DEFAULT_URL,
                 timeout: Timeout = 10.0, as_json: Json = False) -> None:
    """Start the clock of a paused question again, with the time it had left."""
    await _host(code, "resume", token, broker, timeout, as_json)


@app.command()
@client_command
async def kick(code: Code, name: Annotated[str, typer.Option(
                   help="The player's name (or player id).")],
               token: HostToken = None, broker: Broker = DEFAULT_URL,
               timeout: Timeout = 10.0, as_json: Json = False) -> None:
    """Remove a player; their answers stay in the results.

    It prints who was removed (name and player id); `quiz results` marks their answers
    kicked.
    """
    code = parse_code(code)
    key = host_token(code, token)
    async with QuizClient.connect(brokers(broker), timeout) as client:
        before = await client.control(code, key, "results")
        standings = carried(before.results, "results").standings
        who = render.find_player(standings, name)
        await client.control(code, key, "kick", player=name)
    # the retained state counts players at phase changes only: count from the standings
    left = len(standings) - (1 if who else 0)
    removed = {"player": who.player, "name": who.name} if who else None
    emit(as_json, {"quiz": code, "removed": removed, "already_removed": who is None,
                   "players": left}, render.kicked(code, name, who, left))


@app.command()
@client_command
async def results(
    code: Code,
    fmt: Annotated[Literal["csv", "json", "text", "anki"] | None, typer.Option(
        "--format", help="csv (the default; one row per answer, per word with --by-word, "
                         "per player with --by-player), json, text (--by-player's "
                         "default, for people), or anki (the class's words as an Anki "
                         "import file; implies --by-word).")] = None,
    by_word: Annotated[bool, typer.Option(
        "--by-word", help="Once the quiz is over: each word with how many got it right, "
                          "most missed first.")] = False,
    by_player: Annotated[bool, typer.Option(
        "--by-player", help="Once the quiz is over: each player's right, near and wrong "
                            "answers, score, rank and the words they missed.")] = False,
    token: HostToken = None, broker: Broker = DEFAULT_URL, timeout: Timeout = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (as --format json).")]
    = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="With --format anki: write the file here, and each word's "
                               "sound (WAV, from espeak-ng) beside it for Anki.")] = None,
) -> None:
    """Print the standings and every answer, or the class's words or players (host only).

    As CSV (--format csv, the default) or JSON (--format json, or --json). Every row
    names its question: number (from 1, as `quiz answer --choice` counts choices), kind,
    word, prompt and right answer (those four once the quiz is over); a typed answer has
    no choice and its text. With --by-word: one row per word with its accuracy (right,
    in time, spelled right, of the players), most missed first; --format anki writes
    those words as a file Anki imports, with their IPA (and with --output, their sounds
    beside it). With --by-player: one line per player, as text by default.
    """
    fmt = "json" if as_json else fmt
    if fmt == "anki":
        by_word = True
    if by_word and by_player:
        raise typer.BadParameter("choose one of --by-word and --by-player",
                                 param_hint="--by-player")
    if fmt == "text" and not by_player:
        raise typer.BadParameter("the text format is for --by-player", param_hint="--format")
    if by_word and fmt != "text":
        typer.echo(await review.class_words(code, token, broker, timeout, fmt or "csv",
                                            output))
        return
    code = parse_code(code)
    key = host_token(code, token)
    async with QuizClient.connect(brokers(broker), timeout) as client:
        scored = carried((await client.control(code, key, "results")).results, "results")
        # the words say what each question asked; they come when the quiz is over
        words = (await client.words(code)).words \
            if by_player or scored.phase == "finished" else []
    if by_player:
        summaries = quiz_results.by_player(scored, words)
        if fmt == "json":
            typer.echo(json.dumps(quiz_results.by_player_json(code, summaries, len(words))))
        elif fmt == "csv":
            _csv(quiz_results.by_player_rows(summaries))
        else:
            typer.echo(quiz_results.by_player_text(code, summaries, len(words)))
    elif fmt == "json":
        typer.echo(json.dumps(quiz_results.results_json(scored, words)))
    else:
        _csv(quiz_results.results_rows(scored, words))


def _csv(rows: list[list[object]]) -> None:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    typer.echo(out.getvalue(), nl=False)


# --- player ---------------------------------------------------------------------------------


@app.command()
@client_command
async def join(code: Code, name: Annotated[str, typer.Option(help=NAME_HELP)],
               broker: Broker = DEFAULT_URL, timeout: Timeout = 10.0,
               as_json: Json = False) -> None:
    """Join a quiz (or resume as the same player); print the player id.

    Through a broker that is lost on the way it tries again until --timeout: the secret is
    kept first, so a join sent again resumes the same player.
    """
    code = parse_code(code)
    joined = await join_quiz(brokers(broker), code, clean_name(name), timeout,
                             Credentials.default(), notice=say)
    reply, me = joined.reply, joined.me
    emit(as_json, {"quiz": code, "player": me.player, "name": reply.name,
                   "score": reply.score, "resumed": joined.resumed},
         render.joined(code, me.name, me.player, reply.score or 0, joined.resumed))


def _me(code: str, name: str | None) -> PlayerCredentials:
    credentials = Credentials.default()
    joined = credentials.players(code)
    if name is not None:
        found = [p for p in joined if p.name.casefold() == name.casefold()]
        if not found:
            raise QuizError(f"{name!r} has not joined quiz {code} from this machine: "
                            f"run `quiz join {code} --name {name}`")
        return found[0]
    if len(joined) == 1:
        return joined[0]
    if not joined:
        unconfirmed = credentials.players(code, reserved=True)
        if len(unconfirmed) == 1:
            them = unconfirmed[0].name
            raise QuizError(f"the join of {them!r} to quiz {code} was not confirmed: run "
                            f"`quiz join {code} --name {them}` again (it resumes that player)")
        raise QuizError(f"you have not joined quiz {code}: run `quiz join {code} --name NAME`")
    raise QuizError(f"several players joined {code} from here: choose one with --name")


@app.command()
@client_command
async def answer(
    code: Code,
    choice: Annotated[int | None, typer.Option(
        min=1, max=4, help="Your choice, 1 to 4 (a choice, reverse or cloze question).")]
    = None,
    text: Annotated[str | None, typer.Option(
        help="The word you type (a typed question).")] = None,
    name: Annotated[str | None, typer.Option(
        help="Which of your players answers (when several joined from here).")] = None,
    show: Annotated[bool, typer.Option(
        "--open", help="A self-paced quiz: open your next question and print it (its clock "
                       "starts now; run again, the same question with the same clock). "
                       "Then answer it with --choice or --text.")] = False,
    broker: Broker = DEFAULT_URL, timeout: Timeout = 10.0, as_json: Json = False,
    web: Web = None,
) -> None:
    """Answer the open question with --choice N or --text WORD; print the verdict.

    It prints the points, score and rank. Run again for a question already answered, it
    prints the verdict recorded then. In a self-paced quiz, --open first shows your next
    question (a listening one: where its word is heard, on the web board).
    """
    if show:
        if choice is not None or text is not None:
            raise typer.BadParameter("--open shows the question: answer it in a second "
                                     "command, with --choice N or --text WORD")
        code = parse_code(code)
        me = _me(code, name)
        async with QuizClient.connect(brokers(broker), timeout) as client:
            question = await open_next(client, code, me.player, me.secret)
        board = web_board(brokers(broker), web)
        emit(as_json, render.numbered(question), render.own_question(code, question, board))
        return
    if (choice is None) == (text is None):
        raise typer.BadParameter("give either --choice N or --text WORD")
    if text is not None and not 1 <= len(text.strip()) <= MAX_TYPED:
        raise typer.BadParameter(f"a typed answer has 1 to {MAX_TYPED} characters",
                                 param_hint="--text")
    code = parse_code(code)
    me = _me(code, name)
    given: int | str = choice - 1 if choice is not None else (text or "").strip()
    verdict = await send_answer(brokers(broker), code, me.player, me.secret, given, timeout,
                                notice=say)
    status = verdict.status
    text = render.answered(status, None if isinstance(given, int) else given)
    if verdict.already:
        text = f"question {carried(status.last, 'verdict').q + 1} was already answered; {text}"
    emit(as_json, {**render.numbered(status), "already_answered": verdict.already}, text)


# --- displays -------------------------------------------------------------------------------


@app.command()
@client_command
async def watch(
    code: Code,
    updates: Annotated[int, typer.Option(
        min=0, help="Stop after this many leaderboard updates (0: no limit).")] = 0,
    everyone: Annotated[bool, typer.Option(
        "--all", help="Also print everyone's standings, a page of 100 at each change.")]
    = False,
    keep: Annotated[bool, typer.Option(
        "--follow", help="Keep watching after the quiz finishes (until Ctrl-C).")] = False,
    broker: Broker = DEFAULT_URL, timeout: Timeout = 10.0, as_json: Json = False,
    web: Web = None,
) -> None:
    """Print the state and leaderboard as they change.

    Only changes are printed; once the quiz finishes it exits 0 (--follow keeps watching).
    --json prints one JSON document per change. A listening question's line says where
    its word is heard (the web board's address of its sound); a reveal, the word's IPA.
    """
    from collections.abc import AsyncGenerator, AsyncIterator  # noqa: PLC0415
    from contextlib import aclosing  # noqa: PLC0415

    from client.standings import standings_pages  # noqa: PLC0415 - only with --all

    code = parse_code(code)
    where = brokers(broker)
    printer = render.WatchPrinter(as_json=as_json, everyone=everyone,
                                  board=web_board(where, web))
    sources: list[AsyncIterator[Any]] = [follow(where, code, timeout)]
    if everyone:
        sources.append(standings_pages(where, code))

    async def merged() -> AsyncGenerator[Any, None]:
        queue: asyncio.Queue[tuple[Any, BaseException | None]] = asyncio.Queue()

        async def pump(source: AsyncIterator[Any]) -> None:
            try:
                async for item in source:
                    await queue.put((item, None))
            except Exception as exc:  # handed to the reader, raised there
                await queue.put((None, exc))

        tasks = [asyncio.create_task(pump(source), name="watch-feed") for source in sources]
        try:
            while True:
                item, error = await queue.get()
                if error is not None:
                    raise error
                yield item
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    stop_at: float | None = None  # once finished: the final board still comes, then exit
    link = render.LinkNotices()
    async with aclosing(merged()) as feed:
        while True:
            try:
                async with asyncio.timeout_at(stop_at):
                    update = await anext(feed)
            except TimeoutError:
                return
            # one line when the link is lost and one when it is back, however many
            # attempts between; each attempt's broker and reason go to the log
            if isinstance(update, Connected | Disconnected):
                if isinstance(update, Disconnected):
                    log.info("connection to %s lost (%s); attempt %d in %.1fs", update.broker,
                             update.reason, update.attempt, update.retry_in)
                said = link.lost() if isinstance(update, Disconnected) else link.connected()
                if said:
                    typer.echo(said, err=True)
                continue
            text = printer.show(update)
            if text is not None:
                typer.echo(text)
                sys.stdout.flush()
            if updates and printer.boards >= updates:
                return
            if printer.finished and not keep and stop_at is None:
                stop_at = asyncio.get_running_loop().time() + render.WATCH_FINISH_SECONDS


@app.command()
def bench(
    players: Annotated[int, typer.Option(min=1, max=100_000, help="Simulated players.")] = 200,
    quizzes: Annotated[int, typer.Option(min=1, max=10_000, help="Quizzes they spread over.")]
    = 1,
    spread: Annotated[float, typer.Option(
        min=0, max=60, help="Seconds over which the players' answers are spread (0: at once).")]
    = 3.0,
    broker: Annotated[Literal["embedded", "mosquitto", "nats", "nats-cluster"], typer.Option(
        help="The broker the bench starts: nats is one nats-server with nats.conf, "
             "nats-cluster three (players on the first node, the host on the second, the "
             "scorer on the third with all three as its list; MQTT on --port and the next "
             "two).")]
    = "embedded",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port for the bench's broker.")]
    = 11999,
    leaderboard_interval: Annotated[float, typer.Option(
        min=0.01, max=10, help="The scorer's leaderboard interval, seconds.")] = 0.1,
    echo: Annotated[bool, typer.Option(
        "--echo/--no-echo", help="Also measure the bare Python echo baseline.")] = True,
    per_player_connections: Annotated[bool, typer.Option(
        "--per-player-connections",
        help="One MQTT connection per player, following what a player's screen follows, "
             "plus --displays displays (default: 500 players per connection).")] = False,
    displays: Annotated[int | None, typer.Option(
        min=0, max=1000, help="Display connections with one connection per player, on "
                              "distinct quizzes chosen at random while there are enough "
                              "[default: 3 for one quiz, 30 for several].",
        show_default=False)] = None,
    compare: Annotated[bool, typer.Option(
        "--compare", help="Run both modes on the same scenario and print the fan-out "
                          "penalty (own-result p99, per-player / multiplexed).")] = False,
    scorers: Annotated[int, typer.Option(
        min=1, max=64, help="Scorer processes (quiz serve --scorers), each owning some "
                            "quizzes; CPU and memory are summed over them.")] = 1,
    typed: Annotated[bool, typer.Option(
        "--typed", help="The question is a typed one: each player types a word of the "
                        "deck, which the scorer judges (default: a choice question).")]
    = False,
    transport: Annotated[Literal["tcp", "websockets"], typer.Option(
        help="How players and displays reach the broker: MQTT over TCP, or over WebSockets "
             "as the player page does (--broker mosquitto only: the bench opens its "
             "WebSockets listener on --port + 1).")] = "tcp",
    repeat: Annotated[int, typer.Option(
        min=1, max=100, help="Run the scenario this many times, each on a fresh broker and "
                             "scorer, and say how many runs met each target.")] = 1,
    background_load: Annotated[bool, typer.Option(
        "--background-load", help="Keep one core busy beside the bench (a bounded busy "
                                  "loop), as other work on the machine would.")] = False,
    as_json: Json = False,
) -> None:
    """Simulate players answering over a real broker; print rates, latencies and losses."""
    from rich.progress import Progress  # noqa: PLC0415

    from cli import bench as bench_lib  # noqa: PLC0415

    config = bench_lib.BenchConfig(players=players, quizzes=quizzes, spread=spread,
                                   broker=broker, leaderboard_interval=leaderboard_interval,
                                   echo=echo, per_player=per_player_connections,
                                   displays=bench_lib.default_displays(quizzes)
                                   if displays is None else displays,
                                   scorers=scorers, typed=typed,
                                   transport=transport)
    problem = bench_lib.usage_problem(config)
    if problem:
        raise typer.BadParameter(problem, param_hint="--transport")
    try:
        if config.per_player or compare:
            bench_lib.raise_open_files_limit(bench_lib.open_files_needed(config))
    except bench_lib.BenchError as exc:
        raise fail(str(exc)) from None
    with Progress(console=render.stderr_console(), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done)

        if compare and repeat > 1:
            raise typer.BadParameter("--compare runs once; leave out --repeat",
                                     param_hint="--repeat")
        try:
            with bench_lib.background_load(background_load):
                if compare:
                    result = run(bench_lib.compare(config, port, progress))
                elif repeat > 1:
                    result = run(bench_lib.repeat(config, port, progress, repeat))
                else:
                    result = run(bench_lib.run(config, port, progress))
        except bench_lib.BenchError as exc:
            raise fail(str(exc)) from None
    if background_load:
        result["background_load"] = True
    typer.echo(json.dumps(result) if as_json else bench_lib.describe(result))
    if result["lost"] or result["counted_twice"]:
        raise typer.Exit(1)


def register(quiz: typer.Typer) -> None:
    """Add the CLI's commands to the `quiz` command (quiz/main.py assembles it)."""
    quiz.registered_commands.extend(app.registered_commands)
    quiz.command(name="review")(review.review)
    decks_cli.register(quiz)
