"""`quiz status`: which scorers run on this broker, since when, and how busy they are.

It reads each scorer's retained status (`quiz/scorer/status`, and
`quiz/scorer/status/<id>` for the scorers of several: docs/protocol.md): a scorer
publishes `online` when it connects, and the broker publishes its last will,
`offline`, when the connection drops. The numbers (quizzes, players, answer rate,
backlog) come from its retained load, refreshed every 5 s, when there is one.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from typing import Any

import aiomqtt
import msgspec
import typer

from client.errors import QuizError
from client.options import Broker, Json, Timeout, fail
from client.requests import RETAINED_TIMEOUT_SECONDS, QuizClient
from protocol import topics
from protocol.address import DEFAULT_URL, BrokerAddress, Brokers
from protocol.messages import ScorerStatus


def register(app: typer.Typer) -> None:
    """Add the `status` command to the `quiz` app."""
    app.command(name="status")(status)


def status(
    broker: Broker = DEFAULT_URL,
    timeout: Timeout = 10.0,
    as_json: Json = False,
) -> None:
    """Show whether the scorer is online and since when, its quizzes, players and load."""
    try:
        where = Brokers.parse(broker)
        found = asyncio.run(read_statuses(where, timeout))
    except (QuizError, ValueError) as exc:
        raise fail(str(exc)) from None
    except aiomqtt.MqttError as exc:
        raise fail(f"lost the connection to the broker at {where}: {exc}") from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    if not found:
        raise fail(f"no scorer status on {where}: no scorer has run on this broker "
                    "(start one with `quiz serve`)")
    scorers = [{"broker": str(where), **msgspec.to_builtins(one)} for one in found]
    if as_json:  # one scorer: its status, as before; several: {"scorers": [...]}
        typer.echo(json.dumps(scorers[0] if len(scorers) == 1 else {"scorers": scorers}))
    else:
        typer.echo("\n".join(describe(data, time.time()) for data in scorers))


async def read_statuses(broker: BrokerAddress | Brokers, timeout: float) -> list[ScorerStatus]:
    """Every scorer's retained status on `broker`, with the numbers of its retained load.

    Empty when no scorer ever published one. Sorted by client id, the default first.
    """
    kinds = {topics.scorer_status(): ScorerStatus, topics.other_scorers_status(): ScorerStatus,
             topics.scorer_load(): ScorerStatus, topics.other_scorers_load(): ScorerStatus}
    statuses: dict[str, ScorerStatus] = {}
    loads: dict[str, ScorerStatus] = {}
    async with QuizClient.connect(broker, timeout) as client:
        for topic, message in await client.all_retained(kinds, min(timeout,
                                                                   RETAINED_TIMEOUT_SECONDS)):
            if not isinstance(message, ScorerStatus):
                continue
            named = message.scorer or topics.DEFAULT_SCORER
            (loads if "/load" in topic else statuses)[named] = message
    merged = []
    for name, said in sorted(statuses.items(), key=lambda item: item[0] != topics.DEFAULT_SCORER):
        load = loads.get(name)
        if said.status == "online" and load is not None and load.since == said.since:
            said = msgspec.structs.replace(  # noqa: PLW2901 - the same run: its latest numbers
                said, quizzes=load.quizzes, players=load.players,
                answers_per_second=load.answers_per_second, backlog=load.backlog)
        merged.append(said)
    return merged


async def read_status(broker: BrokerAddress | Brokers, timeout: float) -> ScorerStatus | None:
    """The default scorer's status on `broker` (else the first found), or None."""
    found = await read_statuses(broker, timeout)
    return found[0] if found else None


def live_scorer(host: str, port: int) -> ScorerStatus | None:
    """The status of the scorer online on host:port, or None (offline, none, or no broker).

    `quiz serve` asks before its "port in use" hint: a quiz server already running there
    must not be answered with advice that starts a second scorer beside it.
    """
    where = BrokerAddress("127.0.0.1" if host in ("0.0.0.0", "::", "") else host, port)  # noqa: S104
    try:
        found = asyncio.run(read_status(where, RETAINED_TIMEOUT_SECONDS))
    except (QuizError, ValueError, OSError, aiomqtt.MqttError):
        return None  # not an MQTT broker we can read, or none at all
    return found if found is not None and found.status == "online" else None


def describe(data: dict[str, Any], now: float) -> str:
    """The status for people: state and since when, then quizzes, players and load."""
    since = float(data.get("since") or 0)
    if since > 0:
        when = datetime.fromtimestamp(since).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        head = f"since {when} ({ago(now - since)})"
    else:  # a last will is written at connection time: it cannot know when the link dropped
        head = "since an unknown time (its connection dropped)"
    name = f" ({data['scorer']})" if data.get("scorer") else ""
    lines = [f"scorer{name} {data['status']} {head} on {data['broker']}",
             f"  {data.get('quizzes', 0)} quizzes, {data.get('players', 0)} players"]
    load = []
    if data.get("answers_per_second") is not None:
        load.append(f"{float(data['answers_per_second']):.1f} answers/s")
    if data.get("backlog") is not None:
        load.append(f"backlog {int(data['backlog'])} messages")
    if load:
        lines.append("  " + ", ".join(load))
    return "\n".join(lines)


def ago(seconds: float) -> str:
    """A duration in the past, for people: `just now`, `42s ago`, `5m ago`, `3h 05m ago`."""
    seconds = max(0, int(seconds))
    if seconds < 1:
        return "just now"
    if seconds < 60:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m ago"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h ago"
