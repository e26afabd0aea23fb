"""The `quiz` command: every command of the CLI (cli/) and of the screens (tui/).

Each side registers its own commands; the screens' commands load Textual only when a
screen opens, so `quiz --help` stays fast.
"""

from __future__ import annotations

import typer

from cli import cluster as nats_cluster
from cli import main as cli_commands
from cli import status
from tui import commands as screen_commands

app = typer.Typer(
    help="A live vocabulary quiz over MQTT: serve it, create one, join, answer, watch.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    # Click's plain help: at 80 columns Rich's option panels cut help text short (…).
    rich_markup_mode=None,
)
cli_commands.register(app)  # serve, accounts, create ... watch, bench, decks
screen_commands.register(app)  # play, board, host, demo
status.register(app)  # status
nats_cluster.register(app)  # cluster up, down, status, accounts


def main() -> None:
    """Entry point for `python -m quiz` (and `python -m cli`)."""
    app()
