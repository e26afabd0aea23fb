"""The web board's HTTP server: its files, its config, and nothing else from the disk."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from protocol import topics, views
from web.server import BrokerForBrowsers, WebBoard, WebPortError

CODE = "ABCDEF"


async def get(board: WebBoard, target: str, method: str = "GET") -> tuple[int, dict[str, str],
                                                                          bytes]:
    """One request over a real socket: the status, headers and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", board.port)
    writer.write(f"{method} {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split(" ")[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.fixture
async def board() -> AsyncIterator[WebBoard]:
    async with WebBoard(BrokerForBrowsers(ws_port=11884, mqtt_port=11883), "127.0.0.1",
                        0) as running:
        yield running


async def test_the_page_is_served_at_the_root_and_at_a_quiz_code(board: WebBoard) -> None:
    for target in ("/", f"/{CODE}", f"/{CODE.lower()}"):
        status, headers, body = await get(board, target)
        assert status == 200
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert b'<script src="/static/board.js"' in body
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("name", "content_type"), [
    ("board.js", "text/javascript; charset=utf-8"),
    ("board.css", "text/css; charset=utf-8"),
    ("mqtt.min.js", "text/javascript; charset=utf-8"),
    ("mqtt.LICENSE.md", "text/plain; charset=utf-8"),
])
async def test_static_files_have_their_content_type(board: WebBoard, name: str,
                                                    content_type: str) -> None:
    status, headers, body = await get(board, f"/static/{name}")
    assert (status, headers["content-type"]) == (200, content_type)
    assert int(headers["content-length"]) == len(body) > 0


@pytest.mark.parametrize("target", [
    "/static/../server.py", "/static/%2e%2e/server.py", "/static/..%2fserver.py",
    "/../web/server.py", "/static//etc/passwd", "/static/", "/static/__init__.py",
    "/etc/passwd", "/ABCDEFG", "/config.json/../server.py",
])
async def test_nothing_outside_the_static_files_is_served(board: WebBoard, target: str) -> None:
    status, _, body = await get(board, target)
    assert status == 404
    assert b"import" not in body and b"root:" not in body


async def test_the_config_names_what_a_display_follows(board: WebBoard) -> None:
    status, headers, body = await get(board, f"/config.json?code={CODE.lower()}")
    assert (status, headers["content-type"]) == (200, "application/json")
    config = json.loads(body)
    assert config["code"] == CODE
    assert config["follows"] == {topic: kind.__name__
                                 for topic, kind in views.display_follows(CODE).items()}
    # everyone's standings, which the page follows once it shows them
    assert config["everyone"] == {topics.standings_of(CODE): "StandingsPage"}
    assert config["ws"] == {"host": "", "port": 11884, "path": "/mqtt"}


async def test_a_config_for_something_not_a_code_is_refused(board: WebBoard) -> None:
    status, _, body = await get(board, "/config.json?code=%3Cscript%3E")
    assert status == 404
    assert "follows" not in json.loads(body)


async def test_only_get_and_head(board: WebBoard) -> None:
    status, headers, body = await get(board, "/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0
    status, headers, _ = await get(board, "/", method="POST")
    assert status == 405 and headers["allow"] == "GET, HEAD"


async def test_a_taken_port_is_one_line_that_names_the_option(board: WebBoard) -> None:
    with pytest.raises(WebPortError, match="--web-port"):
        async with WebBoard(BrokerForBrowsers(ws_port=1), "127.0.0.1", board.port):
            pass


def test_a_broker_on_this_machine_is_reached_at_the_pages_own_host() -> None:
    assert BrokerForBrowsers.host_for("127.0.0.1") == ""
    assert BrokerForBrowsers.host_for("0.0.0.0") == ""  # noqa: S104
    assert BrokerForBrowsers.host_for("broker.school.example") == "broker.school.example"


async def test_the_embedded_brokers_websockets_keep_the_rules_of_a_display() -> None:
    """Over WebSockets a browser reads the public views and nothing a player sends."""
    import aiomqtt

    from broker.embedded import run_embedded
    from tests.conftest import free_port

    async with run_embedded("127.0.0.1", free_port(), ws_port=0) as broker:
        assert broker.ws_port
        async with aiomqtt.Client("127.0.0.1", broker.ws_port, transport="websockets",
                                  websocket_path="/mqtt", identifier="board-test") as client:
            granted = []
            for topic in [*views.display_follows(CODE), topics.standings_of(CODE),
                          topics.answer(CODE, "+")]:
                # aiomqtt raises on a refused filter where paho reports it: collect both
                try:
                    result = await client.subscribe(topic, qos=0)
                    granted.append(getattr(result[0], "value", result[0]))
                except aiomqtt.MqttCodeError:
                    granted.append(128)
    assert granted == [0] * (len(views.display_follows(CODE)) + 1) + [128]
