"""`quiz cluster up|down|status|accounts`: a three-node NATS cluster on this machine.

For trying the quiz on a clustered broker: three nats-server processes with the project's
nats.conf (MQTT, JetStream with three replicas), on consecutive ports of 127.0.0.1. They
outlive the command; `down` stops them by the pid files in their folders. Production runs
one node per machine with nats.conf as it is (docs/operations.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from broker.mosquitto import write_private
from broker.nats import (
    Cluster,
    NatsAccounts,
    NatsError,
    PortsInUseError,
    cluster_down,
    cluster_up,
    mqtt_accepts,
)
from protocol.address import broker_url

# Not 1883 (a system broker) nor 11883 (`quiz serve`): the first node's MQTT port.
DEFAULT_MQTT_PORT = 4883
# NATS's usual route port; the nodes take it and the next two.
DEFAULT_ROUTE_PORT = 6222

cluster = typer.Typer(help="A three-node NATS cluster on this machine: up, down, status, "
                           "accounts.", no_args_is_help=True)

Folder = Annotated[Path, typer.Option(
    "--dir", envvar="QUIZ_NATS_DIR",
    help="Folder of the NATS accounts; the nodes keep their JetStream stores, logs and pid "
         "files under its cluster/ folder.")]
DEFAULT_FOLDER = Path("quiz-data/nats")


def fail(message: str) -> typer.Exit:
    """Print a one-line error on stderr; return the exit to raise (code 1)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `quiz cluster` and its commands to the `quiz` app."""
    app.add_typer(cluster, name="cluster")


def nodes_folder(folder: Path) -> Path:
    """Where the cluster's nodes live, beside the accounts they share."""
    return folder / "cluster"


def scorer_url_file(folder: Path) -> Path:
    """The scorer's broker URL, with its password (mode 0600)."""
    return nodes_folder(folder) / "scorer.url"


@cluster.command()
def up(
    port: Annotated[int, typer.Option(
        min=1, max=65533, help="MQTT port of node quiz-1; quiz-2 and quiz-3 take the next two.")]
    = DEFAULT_MQTT_PORT,
    route_port: Annotated[int, typer.Option(
        min=1, max=65533, help="Cluster route port of quiz-1; the others take the next two.")]
    = DEFAULT_ROUTE_PORT,
    folder: Folder = DEFAULT_FOLDER,
) -> None:
    """Start three NATS nodes and print the broker list for clients and the scorer."""
    accounts = NatsAccounts(folder)
    password = accounts.scorer_password()  # made on first start, as `quiz serve` does
    running = Cluster.on(nodes_folder(folder), port, route_port)
    try:
        cluster_up(running, accounts)
    except PortsInUseError as exc:  # the option that moves them
        raise fail(f"{exc}; choose others with --port (quiz-1's MQTT port, the others take "
                   "the next two) or --route-port") from None
    except NatsError as exc:
        raise fail(str(exc)) from None
    # The scorer starts on the last node (the players on the first), and fails over to the
    # others in turn when its node dies.
    nodes = ",".join(broker_url("127.0.0.1", port, "scorer", password)
                     for port in reversed(running.mqtt_ports))
    write_private(scorer_url_file(folder), nodes + "\n")
    for name, pid in running.running().items():
        typer.echo(f"{name}: pid {pid}")
    typer.echo(f"brokers: {running.brokers()}")
    # from a file through the environment: the password stays out of the process list
    # a database of its own: `make run`'s scorer may hold the default one
    typer.echo(f'scorer:  QUIZ_SERVE_BROKER="$(cat {scorer_url_file(folder)})" '
               f"quiz serve --web-port 0 --db {nodes_folder(folder) / 'quiz.db'}")
    # the whole list: a client whose node dies moves to the next one
    typer.echo(f"clients: quiz play CODE --name NAME --broker {running.brokers()}")


@cluster.command()
def down(folder: Folder = DEFAULT_FOLDER) -> None:
    """Stop the cluster's nodes (their JetStream stores are kept for the next `up`)."""
    found = Cluster.load(nodes_folder(folder))
    if found is None:
        raise fail(f"no cluster was started from {folder} (`quiz cluster up`)")
    stopped = cluster_down(found)
    typer.echo(f"stopped {', '.join(stopped)}" if stopped else "no node was running")


@cluster.command()
def status(folder: Folder = DEFAULT_FOLDER) -> None:
    """Each node: its pid, and whether it accepts MQTT sessions now."""
    found = Cluster.load(nodes_folder(folder))
    if found is None:
        raise fail(f"no cluster was started from {folder} (`quiz cluster up`)")
    for node, pid in zip(found.nodes(), found.running().values(), strict=True):
        serving = "accepts MQTT" if pid and mqtt_accepts(node.mqtt_port) else "not serving"
        where = broker_url("127.0.0.1", node.mqtt_port)
        typer.echo(f"{node.name}: {f'pid {pid}' if pid else 'down'}, {where}, {serving}")
    typer.echo(f"brokers: {found.brokers()}")


@cluster.command()
def accounts(
    name: Annotated[str, typer.Argument(help="The account name (MQTT username).")],
    role: Annotated[str, typer.Option(help="'host' (creates and controls quizzes) or "
                                           "'scorer'.")] = "host",
    password: Annotated[str, typer.Option(
        prompt=True, hide_input=True, confirmation_prompt=True, envvar="QUIZ_ACCOUNT_PASSWORD",
        help="The password (prompted for when not given).")] = "",
    folder: Folder = DEFAULT_FOLDER,
) -> None:
    """Create or update a NATS account (host or scorer) and rewrite auth.conf."""
    if role not in ("host", "scorer"):
        raise fail(f"--role must be host or scorer, not {role!r}")
    try:
        NatsAccounts(folder).add(name, "host" if role == "host" else "scorer", password)
    except ValueError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{role} account {name!r} saved in {folder}; running NATS nodes read it at "
               "their next start (`quiz cluster down`, then `up`)")
