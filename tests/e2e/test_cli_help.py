"""Every `quiz` command's help reads at 80 columns; every one that prints data has --json."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from quiz.main import app

GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)  # type: ignore[attr-defined]
# Subcommands of a group (`quiz cluster up`), as argument lists.
SUBCOMMANDS = sorted([name, sub] for name, command in GROUP.commands.items()  # type: ignore[attr-defined]
                     for sub in getattr(command, "commands", {}))
# Commands that print no data: a server, an account tool and the screens.
NO_DATA = {"serve", "accounts", "play", "board", "host", "demo"}
WIDTH = 80


def help_of(*args: str) -> str:
    result = CliRunner(env={"COLUMNS": str(WIDTH)}).invoke(app, [*args, "--help"],
                                                           terminal_width=WIDTH)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS), *SUBCOMMANDS], ids=" ".join)
def test_help_fits_80_columns_and_cuts_nothing(command: list[str]) -> None:
    text = help_of(*command)
    too_long = [line for line in text.splitlines() if len(line) > WIDTH]
    assert not too_long, "\n".join(too_long)
    assert "…" not in text  # Rich's panels cut option help short at this width


def test_every_command_that_prints_data_accepts_json() -> None:
    assert len(COMMANDS) >= 18
    for command in sorted(set(COMMANDS) - NO_DATA - {name for name, _ in SUBCOMMANDS}):
        assert "--json" in help_of(command), f"quiz {command} has no --json"


def test_accounts_prompts_for_a_password_with_no_empty_default(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["accounts", "teacher", "--mosquitto-dir", str(tmp_path)],
                                input="s3cret\ns3cret\n")
    assert result.exit_code == 0, result.output
    assert "Password: " in result.output
    assert "[]" not in result.output  # `Password []:` read as if empty were the default
    assert "no Mosquitto runs with" in result.output


@pytest.mark.parametrize("command", [*([c] for c in COMMANDS), *SUBCOMMANDS], ids=" ".join)
def test_usage_lines_name_arguments_as_the_help_does(command: list[str]) -> None:
    usage = help_of(*command).splitlines()[0]
    assert "{" not in usage and "}" not in usage, usage  # Typer's {code}: CODE, as Click
    if command in (["results"], ["join"], ["play"], ["kick"]):
        assert usage.endswith(" CODE"), usage


def test_a_player_learns_how_to_answer_and_what_a_name_may_be() -> None:
    play = " ".join(help_of("play").split())
    assert "type the word and press Enter" in play and "Keys 1-4" in play
    for command in ("play", "join"):
        assert "1 to 24 characters" in " ".join(help_of(command).split())
