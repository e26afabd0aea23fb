"""The metrics endpoint over real sockets, and `quiz status` against a real broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import typer
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner, Result

from cli.status import ago, describe, register
from protocol import topics
from protocol.messages import ScorerStatus, encode
from scorer.metrics import DEFAULT_METRICS_HOST, MAX_REQUEST_BYTES, Metrics, serve_http
from tests.conftest import connected, free_port, running_scorer

# Every socket operation of these tests is bounded by this.
IO_TIMEOUT = 5.0


async def http(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one raw request; return the status code, headers and body of the response."""
    async with asyncio.timeout(IO_TIMEOUT):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(request)
            await writer.drain()
            raw = await reader.read()  # the server closes the connection after one response
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split(" ")[1]), headers, body


async def get(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    return await http(port, f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())


@contextlib.asynccontextmanager
async def serving(metrics: Metrics, ready: Callable[[], bool] | None = None) -> AsyncIterator[int]:
    """serve_http as a task on a free port, up before the block and stopped after it."""
    port = free_port()
    task = asyncio.create_task(serve_http(metrics, "127.0.0.1", port, ready), name="metrics")
    async with asyncio.timeout(IO_TIMEOUT):
        while True:
            with contextlib.suppress(ConnectionError, OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            await asyncio.sleep(0.02)
    try:
        yield port
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_metrics_are_served_in_the_text_format() -> None:
    metrics = Metrics()
    metrics.scored(0.004, count=3)
    metrics.refused("bad_signature")
    async with serving(metrics, lambda: True) as port:
        status, headers, body = await get(port, "/metrics")
    assert status == 200
    assert headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert int(headers["content-length"]) == len(body)
    assert headers["connection"] == "close"
    values = {(s.name, tuple(s.labels.items())): s.value
              for f in text_string_to_metric_families(body.decode()) for s in f.samples}
    assert values[("quiz_answers_scored_total", ())] == 3
    assert values[("quiz_requests_refused_total", (("reason", "bad_signature"),))] == 1


async def test_each_scrape_sees_the_current_values() -> None:
    metrics = Metrics(process=False)
    async with serving(metrics) as port:
        _, _, before = await get(port, "/metrics")
        metrics.answer_received(5)
        _, _, after = await get(port, "/metrics")
    assert b"quiz_answers_received_total 0.0" in before
    assert b"quiz_answers_received_total 5.0" in after


async def test_healthz_answers_while_the_process_runs_ready_or_not() -> None:
    async with serving(Metrics(process=False), lambda: False) as port:
        status, headers, body = await get(port, "/healthz")
    assert (status, body) == (200, b"ok\n")
    assert headers["content-type"].startswith("text/plain")


async def test_readyz_follows_the_ready_callable() -> None:
    metrics = Metrics(process=False)
    state = {"ready": False}
    async with serving(metrics, lambda: state["ready"]) as port:
        not_yet = await get(port, "/readyz")
        state["ready"] = True
        ready = await get(port, "/readyz")
        state["ready"] = False
        metrics.broker_down()
        again = await get(port, "/readyz")
    assert not_yet[0] == 503
    assert not_yet[2].startswith(b"not ready: ")
    assert not_yet[2].count(b"\n") == 1  # one line
    assert (ready[0], ready[2]) == (200, b"ready\n")
    assert again[0] == 503
    assert b"not connected to the MQTT broker" in again[2]


async def test_readyz_by_default_means_connected_with_a_working_database() -> None:
    metrics = Metrics(process=False)
    async with serving(metrics) as port:
        assert (await get(port, "/readyz"))[0] == 503
        metrics.broker_up()
        down = await get(port, "/readyz")
        metrics.database(True)
        up = await get(port, "/readyz")
        metrics.database(False)
        sick = await get(port, "/readyz")
    assert down[2] == b"not ready: the database does not answer\n"
    assert up[0] == 200
    assert sick[0] == 503


async def test_other_paths_methods_and_broken_requests_are_refused() -> None:
    async with serving(Metrics(process=False)) as port:
        missing = await get(port, "/admin")
        query = await get(port, "/healthz?verbose=1")
        post = await get(port, "/metrics", method="POST")
        head = await get(port, "/metrics", method="HEAD")
        garbage = await http(port, b"hello\r\n\r\n")
        huge = await http(port, b"GET /metrics HTTP/1.1\r\nX-Pad: " +
                          b"a" * (MAX_REQUEST_BYTES * 2) + b"\r\n\r\n")
    assert missing[0] == 404
    assert query[0] == 200
    assert post[0] == 405
    assert post[1]["allow"] == "GET, HEAD"
    assert head[0] == 200
    assert head[2] == b""
    assert int(head[1]["content-length"]) > 1000
    assert garbage[0] == 400
    assert huge[0] == 431


async def test_a_silent_client_does_not_hold_up_the_others() -> None:
    async with serving(Metrics(process=False)) as port:
        _, silent = await asyncio.open_connection("127.0.0.1", port)
        try:
            status, _, _ = await get(port, "/healthz")
        finally:
            silent.close()
    assert status == 200


async def test_cancelling_the_server_frees_the_port() -> None:
    async with serving(Metrics(process=False)) as port:
        assert (await get(port, "/healthz"))[0] == 200
    with pytest.raises(ConnectionRefusedError):
        await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), IO_TIMEOUT)


def test_the_endpoint_listens_on_loopback_by_default() -> None:
    assert DEFAULT_METRICS_HOST == "127.0.0.1"


# --- quiz status ----------------------------------------------------------------------------


def status_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:
        """Keep `status` a subcommand (a one-command Typer app has none)."""

    return app


async def quiz_status(*args: str) -> Result:
    """`quiz status ARGS` in a worker thread (it runs its own event loop)."""
    return await asyncio.to_thread(CliRunner().invoke, status_app(), ["status", *args])


async def test_status_shows_a_running_scorer(embedded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async with running_scorer(embedded.scorer, tmp_path / "q.db"):
        text = await quiz_status("--broker", str(embedded.public))
        as_json = await quiz_status("--broker", str(embedded.public), "--json")
    assert text.exit_code == 0, text.stderr
    assert text.stdout.startswith("scorer (quiz-scorer) online since ")
    assert f"on {embedded.public}" in text.stdout
    assert "0 quizzes, 0 players" in text.stdout
    data = json.loads(as_json.stdout)
    assert data["status"] == "online"
    assert data["broker"] == str(embedded.public)
    assert data["quizzes"] == 0


async def test_status_shows_a_scorer_gone_offline(embedded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async with running_scorer(embedded.scorer, tmp_path / "q.db"):
        pass
    result = await quiz_status("--broker", str(embedded.public), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["status"] == "offline"


async def test_status_shows_load_once_the_scorer_reports_it(embedded) -> None:  # type: ignore[no-untyped-def]
    status = ScorerStatus(status="online", since=1.0, quizzes=3, players=57,
                          answers_per_second=12.5, backlog=4)
    async with connected(embedded.scorer) as client:
        await client.connection.mqtt.publish(topics.scorer_status(), encode(status), qos=1,
                                             retain=True)
    result = await quiz_status("--broker", str(embedded.public))
    assert result.exit_code == 0, result.stderr
    assert "3 quizzes, 57 players" in result.stdout
    assert "12.5 answers/s, backlog 4 messages" in result.stdout


async def test_status_without_a_scorer_is_one_line_and_exit_1(embedded) -> None:  # type: ignore[no-untyped-def]
    result = await quiz_status("--broker", str(embedded.public), "--timeout", "1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: no scorer status on ")


async def test_status_with_no_broker_is_one_line_and_exit_1() -> None:
    result = await quiz_status("--broker", f"mqtt://127.0.0.1:{free_port()}", "--timeout", "1")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "cannot reach the MQTT broker" in result.stderr


def test_status_text_for_people() -> None:
    data = {"broker": "mqtt://127.0.0.1:11883", "status": "online", "since": 1000.0,
            "quizzes": 2, "players": 9}
    text = describe(data, now=1000.0 + 3 * 3600 + 5 * 60)
    assert text.splitlines()[0].endswith("(3h 05m ago) on mqtt://127.0.0.1:11883")
    assert "answers/s" not in text
    assert "since an unknown time" in describe({**data, "since": 0}, now=5.0)
    loaded = describe({**data, "answers_per_second": 12.46, "backlog": 4}, now=1000.0)
    assert loaded.splitlines()[2] == "  12.5 answers/s, backlog 4 messages"


@pytest.mark.parametrize(("seconds", "text"), [
    (0.2, "just now"), (42, "42s ago"), (300, "5m ago"), (3 * 3600 + 60, "3h 01m ago"),
    (2 * 86400 + 7200, "2d 2h ago"), (-5, "just now"),
])
def test_ago(seconds: float, text: str) -> None:
    assert ago(seconds) == text
