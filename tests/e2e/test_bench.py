"""`quiz bench` works end to end and loses nothing (small; the big numbers are in the docs)."""

from __future__ import annotations

import json
import math
import os
import random
import resource
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest

from cli.bench import (
    TARGETS,
    Display,
    Fleet,
    Sim,
    count_refusals,
    default_displays,
    display_quizzes,
    percentiles,
    published_scores,
)
from protocol import topics, views
from protocol.messages import Leaderboard, Standing
from tests.conftest import WAIT_SECONDS, free_port, require_mosquitto, require_nats
from tests.e2e.cli import QUIZ, ROOT
from tests.integration.test_cluster import free_ports_in_a_row


def bench(*args: str, timeout: float = 120,
          preexec_fn: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """`quiz bench ARGS` in a process group of its own, stopped whatever happens to the test.

    The bench starts a scorer and brokers (a NATS cluster's three nodes among them): a
    timeout that killed the bench alone left them running, and the next tests beside them.
    """
    process = subprocess.Popen([*QUIZ, "bench", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               start_new_session=True,
                               preexec_fn=preexec_fn)  # noqa: PLW1509 - a setrlimit, as before
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        stop_group(process)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def stop_group(process: subprocess.Popen[Any]) -> None:
    """SIGTERM the process's group, and SIGKILL what is left of it after WAIT_SECONDS."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        deadline = time.monotonic() + WAIT_SECONDS
        try:
            os.killpg(process.pid, sig)
            while time.monotonic() < deadline:
                process.poll()  # reap the bench itself; the others are init's to reap
                os.killpg(process.pid, 0)
                time.sleep(0.05)
        except ProcessLookupError:  # nobody left in the group
            break
    process.wait()



@pytest.mark.parametrize("broker", ["embedded", "mosquitto", "nats", "nats-cluster"])
def test_a_small_bench_scores_every_answer_once(broker: str) -> None:
    if broker == "mosquitto":
        require_mosquitto()
    if broker.startswith("nats"):
        require_nats()
    # a cluster takes this port and the next two (and its routes 1,000 above them)
    port = free_ports_in_a_row() if broker == "nats-cluster" else free_port()
    done = bench("--players", "200", "--quizzes", "2", "--spread", "1",
                           "--broker", broker, "--port", str(port), "--json", timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["players"], result["quizzes"]) == (200, 2)
    assert result["stored_answers"] == result["answers_sent"] == 200
    assert result["lost"] == result["counted_twice"] == 0
    assert result["answers_without_a_board"] == 0
    assert 0 < result["own_result_ms"]["p50"] <= result["own_result_ms"]["max"]
    assert result["echo_baseline_per_second"] > 0
    assert result["scorer_cpu_seconds"] > 0 and result["loadgen_cpu_seconds"] > 0
    if broker != "embedded":
        # separate processes, read from /proc (a light run may stay below one clock tick)
        assert isinstance(result["broker_cpu_seconds"], float)
    else:
        assert result["broker_cpu_seconds"] is None  # inside the scorer's process


def group_members(pgid: int) -> dict[int, str]:
    """The processes of a process group, by pid: their command lines (from /proc)."""
    found = {}
    for proc in Path("/proc").iterdir():
        try:
            # the fifth field of stat, after the command in parentheses, is the group
            if proc.name.isdigit() and int(
                    (proc / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                found[int(proc.name)] = (proc / "cmdline").read_text().replace("\0", " ")
        except (OSError, IndexError, ValueError):  # ended while read
            continue
    return found


def test_a_bench_stopped_midway_leaves_no_scorer_or_cluster_node_running() -> None:
    require_nats()
    process = subprocess.Popen([*QUIZ, "bench", "--players", "200", "--broker", "nats-cluster",
                                "--port", str(free_ports_in_a_row()), "--json"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        # the scorer up (`quiz serve`) on a cluster of three nodes: in the bench's group
        while time.monotonic() < deadline:
            members = group_members(process.pid).values()
            if (sum("nats-server" in member for member in members) == 3
                    and any(" serve " in member for member in members)):
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"no scorer and three nodes in the bench's group: {members}")
    finally:
        stop_group(process)  # as a test's timeout does
    assert group_members(process.pid) == {}



def _bench(broker: str, *args: str) -> dict[str, Any]:
    if broker == "mosquitto":
        require_mosquitto()
    done = bench("--players", "200", "--spread", "1", "--broker", broker,
                           "--port", str(free_port()), "--json", *args, timeout=240)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _check_per_player(result: dict[str, Any]) -> None:
    """Each player had a connection of its own, and every answer was scored once."""
    assert result["mode"] == "per-player"
    assert result["stored_answers"] == result["answers_sent"] == result["players"] == 200
    assert result["lost"] == result["counted_twice"] == 0
    # distinct sockets in the generator, and the kernel's count of the broker's side
    assert result["connections"]["players"] == 200
    assert result["connections"]["displays"] == result["displays"] == 3
    assert result["connections"]["at_broker"] >= 200 + 3
    assert 0 < result["own_result_ms"]["p50"] <= result["own_result_ms"]["max"]
    # every display saw the live leaderboard include every answer (3 displays x 200)
    assert result["answers_without_a_board"] == 0
    assert result["leaderboard_ms"]["p50"] > 0
    # the players' board, where the scorer publishes one, or "no board received"
    board = result["player_board_ms"]
    if board is None:
        assert result["players_without_a_board"] == 200
    else:
        assert board["p50"] <= board["max"] and result["players_without_a_board"] < 200
    # every player got at least its own result and the question in the window
    assert result["messages_to_players"] >= 2 * 200
    assert result["loadgen_cpu_seconds"] > 0 and result["scorer_cpu_seconds"] > 0
    assert result["refused_subscriptions"] == {"players": {}, "displays": {}}
    # what the scorer published equals what it stored: each player's own status, and every
    # row of the displays' final boards
    assert result["players_without_a_status"] == result["published_below_stored"] == 0
    assert result["board_rows_checked"] > 0 and result["board_rows_wrong"] == 0
    assert result["watched_quizzes"] == 1


def test_a_small_bench_with_a_connection_per_player() -> None:
    _check_per_player(_bench("embedded", "--per-player-connections", "--no-echo"))


def test_compare_runs_both_modes_and_prints_the_fan_out_penalty() -> None:
    result = _bench("mosquitto", "--compare")
    assert result["mode"] == "compare"
    multiplexed = result["multiplexed"]
    assert multiplexed["mode"] == "multiplexed" and multiplexed["lost"] == 0
    assert multiplexed["answers_without_a_board"] == 0
    _check_per_player(result["per_player"])
    assert isinstance(result["per_player"]["broker_cpu_seconds"], float)
    assert result["lost"] == result["counted_twice"] == 0
    ratio = result["per_player"]["own_result_ms"]["p99"] / multiplexed["own_result_ms"]["p99"]
    assert result["fan_out_penalty"] == round(ratio, 1)


def test_a_bench_over_websockets_scores_every_answer_once() -> None:
    require_mosquitto()
    port = free_ports_in_a_row(2)  # MQTT on port, WebSockets on port + 1
    done = bench("--players", "300", "--spread", "2", "--broker",
                           "mosquitto", "--port", str(port), "--per-player-connections",
                           "--transport", "websockets", "--no-echo", "--json", timeout=240)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["transport"], result["mode"]) == ("websockets", "per-player")
    # checked against SQLite: every answer stored once
    assert result["stored_answers"] == result["answers_sent"] == 300
    assert result["lost"] == result["counted_twice"] == 0
    # every player and display on a socket of its own, all at the WebSockets listener
    assert result["connections"]["players"] == 300
    assert result["connections"]["at_broker"] == 300 + 3
    assert result["answers_without_a_board"] == 0
    assert 0 < result["own_result_ms"]["p50"] <= result["own_result_ms"]["max"]
    assert result["refused_subscriptions"] == {"players": {}, "displays": {}}


@pytest.mark.parametrize("broker", ["embedded", "nats"])
def test_websockets_on_a_broker_without_a_listener_is_a_usage_error(broker: str) -> None:
    done = bench("--broker", broker, "--transport", "websockets",
                           "--per-player-connections", "--port", str(free_port()), timeout=60)
    assert done.returncode == 2, done.stderr
    assert "--broker mosquitto" in done.stderr and f"not {broker}" in done.stderr


def test_too_few_open_files_for_the_players_is_one_clear_line() -> None:
    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    done = bench("--players", "1000", "--per-player-connections",
                           "--port", str(free_port()), timeout=60, preexec_fn=few_files)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "1067 open files" in done.stderr and "256" in done.stderr


def test_displays_cover_every_quiz_while_they_last() -> None:
    assert display_quizzes(["A", "B"], 3) == ["A", "B", "A"]
    assert display_quizzes(["A", "B", "C"], 2) == ["A", "B"]
    assert display_quizzes(["A"], 0) == []


def test_refused_subscriptions_are_counted_by_filter_with_every_id_as_plus() -> None:
    codes = [topics.new_code(), topics.new_code()]
    first, second = (views.player_follows(code, topics.new_client_id(), "abcd1234")
                     for code in codes)
    refused = [(first, [topics.board(codes[0])]),
               (second, [topics.board(codes[1]), topics.scorer_status()]),
               (first, [])]
    assert count_refusals(refused, views.player_follows("+", "+", "+")) == {
        topics.board("+"): 2, topics.scorer_status(): 1}


def test_percentiles_in_milliseconds() -> None:
    values = [i / 1000 for i in range(1, 101)]  # 1..100 ms
    assert percentiles(values) == {"p50": 50.0, "p95": 95.0, "p99": 99.0, "max": 100.0}
    assert math.isnan(percentiles([])["p50"])


def test_a_small_bench_with_two_scorers_scores_every_answer_once() -> None:
    require_mosquitto()
    done = bench("--players", "200", "--quizzes", "20", "--spread",
                           "1", "--broker", "mosquitto", "--scorers", "2", "--no-echo",
                           "--port", str(free_port()), "--json", timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    # the answers are in two databases (quiz.db and quiz-1.db): all found, none twice
    assert result["stored_answers"] == result["answers_sent"] == 200
    assert result["lost"] == result["counted_twice"] == 0
    assert result["scorer_cpu_seconds"] > 0  # summed over the supervisor and its scorers


def test_a_small_bench_of_typed_answers_scores_every_answer_once() -> None:
    result = _bench("embedded", "--typed", "--no-echo")
    assert result["question"] == "typed"
    assert result["stored_answers"] == result["answers_sent"] == 200
    assert result["lost"] == result["counted_twice"] == 0


def test_repeated_runs_on_many_quizzes_watch_distinct_quizzes_and_count_the_targets_met(
) -> None:
    result = _bench("embedded", "--players", "100", "--quizzes", "20",
                    "--per-player-connections", "--no-echo", "--repeat", "2")
    assert result["mode"] == "repeat" and len(result["runs"]) == 2
    for one in result["runs"]:
        assert one["lost"] == one["counted_twice"] == one["board_rows_wrong"] == 0
        assert one["watched_quizzes"] == one["displays"] == 20  # 30 by default, 20 exist
        assert one["leaderboard_per_quiz_p99_ms"]["p50"] <= \
            one["leaderboard_per_quiz_p99_ms"]["max"]
    assert set(result["met"]) == set(TARGETS)
    assert result["met"]["lost"] == result["met"]["counted_twice"] == 2
    assert all(0 <= met <= 2 for met in result["met"].values())


def test_displays_watch_distinct_quizzes_at_random_while_there_are_enough() -> None:
    codes = [f"Q{n}" for n in range(100)]
    chosen = display_quizzes(codes, 30, random.Random(1))
    assert len(set(chosen)) == 30 and chosen != codes[:30]
    assert default_displays(1) == 3 and default_displays(1000) == 30


def test_a_published_score_above_the_stored_points_counts_as_counted_twice() -> None:
    sims = [Sim("Q", "a", "s", player="p1", score=200), Sim("Q", "b", "s", player="p2",
                                                            score=50),
            Sim("Q", "c", "s", player="p3", score=None)]
    display = Display("Q", cast(Any, None), Fleet())
    display.last = Leaderboard(quiz="Q", seq=3, players=3, updated_at=0.0, top=[
        Standing(rank=1, player="p1", name="a", score=100),
        Standing(rank=2, player="p2", name="b", score=100)])
    checked = published_scores(sims, [display], {("Q", "p1"): 100, ("Q", "p2"): 100})
    assert checked == {"counted_twice": 1, "published_below_stored": 1,
                       "players_without_a_status": 1, "board_rows_checked": 2,
                       "board_rows_wrong": 0}
    checked = published_scores([], [display], {("Q", "p1"): 50})
    assert checked["board_rows_wrong"] == 2  # p1 above its points, p2 with none stored
