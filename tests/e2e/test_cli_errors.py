"""What a user sees when something is wrong: one line on stderr, exit 1, no traceback."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from quiz.main import app
from tests.conftest import free_port
from tests.e2e.cli import QUIZ, ROOT, quiz, serving

ROOT_README = ROOT / "README.md"


def assert_one_line_error(result_code: int, err: str, *needles: str) -> None:
    assert result_code == 1
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_no_scorer_running_says_how_to_start_one(tmp_path: Path) -> None:
    result = quiz("create", home=tmp_path, broker=f"mqtt://127.0.0.1:{free_port()}")
    assert_one_line_error(result.code, result.err, "cannot reach the MQTT broker", "quiz serve")


def test_commands_against_a_running_server(tmp_path: Path) -> None:
    port = free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    bad_deck = tmp_path / "deck.csv"
    bad_deck.write_text("cat,an animal\ndog,another animal\nbird\nfish,it swims\n")
    with serving(port, tmp_path / "q.db"):
        unknown = quiz("join", "ABCDEF", "--name", "ann", home=tmp_path, broker=broker)
        assert_one_line_error(unknown.code, unknown.err, "no live quiz with code ABCDEF")
        not_a_code = quiz("join", "0000", "--name", "ann", home=tmp_path, broker=broker)
        assert_one_line_error(not_a_code.code, not_a_code.err, "not a quiz code")
        broken = quiz("create", "--deck", str(bad_deck), home=tmp_path, broker=broker)
        assert_one_line_error(broken.code, broken.err, "line 3")
        missing = quiz("create", "--deck", "nonsense", home=tmp_path, broker=broker)
        assert_one_line_error(missing.code, missing.err, "neither a file nor a built-in deck")

        code = quiz("create", "--json", home=tmp_path, broker=broker).json()["quiz"]
        empty = quiz("join", code, "--name", "   ", home=tmp_path, broker=broker)
        assert_one_line_error(empty.code, empty.err, "name is empty")
        early = quiz("answer", code, "--choice", "1", home=tmp_path, broker=broker)
        assert_one_line_error(early.code, early.err, "you have not joined")
        assert quiz("join", code, "--name", "ann", home=tmp_path, broker=broker).code == 0
        lobby = quiz("answer", code, "--choice", "1", home=tmp_path, broker=broker)
        assert_one_line_error(lobby.code, lobby.err, "no question is open")
        stranger = quiz("start", code, home=tmp_path / "elsewhere", broker=broker)
        assert_one_line_error(stranger.code, stranger.err, "no host token")
        forged = quiz("start", code, "--token", "ab" * 32, home=tmp_path / "elsewhere",
                      broker=broker)
        assert_one_line_error(forged.code, forged.err, "host token")
        user_deck = tmp_path / "mine.tsv"
        user_deck.write_text("term\tdefinition\nsun\tthe star we orbit\nmoon\tit orbits us\n"
                             "rain\twater from clouds\nsnow\tfrozen rain\n")
        ok = quiz("create", "--deck", str(user_deck), "--questions", "4", "--json",
                  home=tmp_path, broker=broker)
        assert ok.code == 0, ok.err


def test_serve_on_a_taken_port_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([*QUIZ, "serve", "--port", str(port), "--db",
                               str(tmp_path / "q.db")], capture_output=True, text=True,
                              timeout=30, cwd=ROOT, check=False)
    assert_one_line_error(done.returncode, done.stderr, f"port {port}", "--broker", "--port")


def test_ctrl_c_stops_the_server_cleanly(tmp_path: Path) -> None:
    with serving(free_port(), tmp_path / "q.db") as server:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=15)
        assert server.stderr is not None
        err = server.stderr.read()
    assert server.returncode == 0
    assert "Traceback" not in err


COMMANDS = sorted(command.name or command.callback.__name__  # type: ignore[union-attr]
                  for command in app.registered_commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    assert len(result.output.split("Usage")[1].strip()) > 40
    assert f"quiz {command}" in ROOT_README.read_text()


def test_every_option_and_argument_has_help() -> None:
    group = typer.main.get_command(app)
    commands = group.commands  # type: ignore[attr-defined]
    assert len(commands) >= 15
    for name, command in commands.items():
        assert command.help, f"quiz {name} has no docstring"
        for param in command.params:
            if param.name != "help":
                assert getattr(param, "help", None), f"quiz {name}: {param.name} has no help"


@pytest.mark.parametrize("args", [
    ("results", "ABCDEF", "--format", "xml"),
    ("accounts", "ann", "--role", "boss", "--password", "pw"),
    ("serve", "--log-format", "yaml"),
    ("serve", "--log-level", "loud"),
    ("bench", "--broker", "rabbitmq"),
])
def test_a_choice_outside_its_list_is_a_usage_error_that_lists_the_choices(
        tmp_path: Path, args: tuple[str, ...]) -> None:
    result = quiz(*args, home=tmp_path, broker=f"mqtt://127.0.0.1:{free_port()}")
    assert result.code == 2, result.err  # a usage error, as the README promises
    assert "is not one of" in result.err
