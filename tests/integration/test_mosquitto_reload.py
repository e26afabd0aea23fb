"""`quiz accounts` reloads the Mosquitto of its folder, and no other process."""

from __future__ import annotations

import os
from pathlib import Path

import aiomqtt
import pytest
from typer.testing import CliRunner

from broker.mosquitto import (
    PID_FILE,
    PROJECT_CONF,
    Accounts,
    reload_accounts,
    render_config,
    run_mosquitto,
)
from quiz.main import app
from tests.conftest import free_port, require_mosquitto, until


async def can_log_in(port: int, user: str, password: str) -> bool:
    try:
        async with aiomqtt.Client("127.0.0.1", port, username=user, password=password,
                                  timeout=5):
            return True
    except aiomqtt.MqttError:
        return False


async def test_a_new_account_works_at_once_on_the_mosquitto_of_that_folder(
        tmp_path: Path) -> None:
    require_mosquitto()
    folder, port = tmp_path / "mosquitto", free_port()
    with run_mosquitto(folder, port) as process:
        await until((folder / PID_FILE).exists)
        assert int((folder / PID_FILE).read_text()) == process.pid  # its own pid file
        Accounts(folder).add("teacher", "host", "pw-1")
        assert not await can_log_in(port, "teacher", "pw-1")  # not read yet
        assert reload_accounts(folder) == process.pid
        told = CliRunner().invoke(app, ["accounts", "lia", "--password", "pw-2",
                                        "--mosquitto-dir", str(folder)])
        assert told.exit_code == 0, told.output
        assert f"Mosquitto (pid {process.pid}) reloaded its accounts" in told.output
        for _ in range(50):  # Mosquitto rereads its files in its next loop
            if await can_log_in(port, "teacher", "pw-1"):
                break
        else:
            pytest.fail("the new account was never accepted")
        assert process.poll() is None  # reloaded, not stopped


def test_a_stale_pid_file_signals_nobody(tmp_path: Path) -> None:
    (tmp_path / PID_FILE).write_text(f"{os.getpid()}\n")  # this test: not a Mosquitto
    assert reload_accounts(tmp_path) is None  # and pytest is still here
    (tmp_path / PID_FILE).write_text("garbage")
    assert reload_accounts(tmp_path) is None
    assert reload_accounts(tmp_path / "nothing-here") is None


@pytest.mark.parametrize("ws_port", [None, 9999])
def test_the_generated_config_names_the_pid_file_of_its_folder(tmp_path: Path,
                                                              ws_port: int | None) -> None:
    text = render_config(PROJECT_CONF.read_text(), port=5555, ws_port=ws_port, data=tmp_path)
    assert [line for line in text.splitlines() if line.startswith("pid_file")] == \
        [f"pid_file {tmp_path / PID_FILE}"]
