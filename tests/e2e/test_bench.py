"""`quiz bench` works end to end and loses nothing (small; the big numbers are in the docs)."""

from __future__ import annotations

import json
import math
import subprocess

import pytest

from cli.bench import percentiles
from tests.conftest import free_port, require_mosquitto
from tests.e2e.cli import QUIZ, ROOT


@pytest.mark.parametrize("broker", ["embedded", "mosquitto"])
def test_a_small_bench_scores_every_answer_once(broker: str) -> None:
    if broker == "mosquitto":
        require_mosquitto()
    done = subprocess.run([*QUIZ, "bench", "--players", "200", "--quizzes", "2", "--spread", "1",
                           "--broker", broker, "--port", str(free_port()), "--json"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["players"], result["quizzes"]) == (200, 2)
    assert result["stored_answers"] == result["answers_sent"] == 200
    assert result["lost"] == result["counted_twice"] == 0
    assert result["answers_without_a_board"] == 0
    assert 0 < result["own_result_ms"]["p50"] <= result["own_result_ms"]["max"]
    assert result["echo_baseline_per_second"] > 0
    assert result["scorer_cpu_seconds"] > 0 and result["loadgen_cpu_seconds"] > 0
    if broker == "mosquitto":
        # a separate process, read from /proc (a light run may stay below one clock tick)
        assert isinstance(result["broker_cpu_seconds"], float)
    else:
        assert result["broker_cpu_seconds"] is None  # inside the scorer's process


def test_percentiles_in_milliseconds() -> None:
    values = [i / 1000 for i in range(1, 101)]  # 1..100 ms
    assert percentiles(values) == {"p50": 50.0, "p95": 95.0, "p99": 99.0, "max": 100.0}
    assert math.isnan(percentiles([])["p50"])
