"""The `quiz` command: every command of the CLI (cli/) and of the screens (tui/).

Each side registers its own commands; the screens' commands load Textual only when a
screen opens, so `quiz --help` stays fast.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperCommand

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
# Typer marks a required argument {code} on the usage line alone; its help and every
# sentence of ours write CODE, as Click does.
_REQUIRED = re.compile(r"\{([^{}]+)\}")


class Command(TyperCommand):
    """A `quiz` command whose usage line names its arguments as its help does: CODE."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # Typer's own Context
        """The usage line's pieces, required arguments without Typer's braces."""
        return [_REQUIRED.sub(lambda name: name.group(1).upper(), piece)
                for piece in super().collect_usage_pieces(ctx)]


def _plain_usage(typer_app: typer.Typer) -> None:
    """Give every command of `typer_app` and of its groups the plain usage line."""
    for command in typer_app.registered_commands:
        if command.cls in (None, TyperCommand):
            command.cls = Command
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _plain_usage(group.typer_instance)


cli_commands.register(app)  # serve, accounts, create ... watch, bench, decks
screen_commands.register(app)  # play, board, host, demo
status.register(app)  # status
nats_cluster.register(app)  # cluster up, down, status, accounts
_plain_usage(app)


def main() -> None:
    """Entry point for `python -m quiz` (and `python -m cli`)."""
    app()
