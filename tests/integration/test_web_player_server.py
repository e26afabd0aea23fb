"""The player page's side of the web server: its page, its config, the QR code, the hosts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from protocol import topics, views
from tests.integration.test_web_server import get
from web import join
from web.server import BrokerForBrowsers, WebBoard

CODE = "ABCDEF"
EVERY = "0.0.0.0"  # noqa: S104 - a name, never bound here


@pytest.fixture
async def board() -> AsyncIterator[WebBoard]:
    async with WebBoard(BrokerForBrowsers(ws_port=11884, mqtt_port=11883), "127.0.0.1",
                        0) as running:
        yield running


@pytest.mark.parametrize("target", ["/play", "/play/", f"/play/{CODE}",
                                    f"/play/{CODE.lower()}"])
async def test_the_player_page_is_served_with_and_without_a_code(board: WebBoard,
                                                                 target: str) -> None:
    status, headers, body = await get(board, target)
    assert (status, headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert b'<script src="/static/play.js"' in body
    assert b'<script src="/static/hmac.js"' in body
    assert "script-src 'self'" in headers["content-security-policy"]


@pytest.mark.parametrize("target", ["/play/ABCDEFG", "/play/../server.py", "/play/ABCDEF/x",
                                    "/qr/ABCDEFG.svg", "/qr/../server.svg", "/player.json",
                                    "/player.json?code=nope"])
async def test_nothing_else_under_play_is_served(board: WebBoard, target: str) -> None:
    status, _, body = await get(board, target)
    assert status == 404
    assert b"import" not in body


async def test_the_player_config_names_what_a_player_follows(board: WebBoard) -> None:
    status, _, body = await get(board, f"/player.json?code={CODE.lower()}")
    assert status == 200
    config = json.loads(body)
    assert config["code"] == CODE
    assert config["join"] == topics.join(CODE)
    client, player = "0123456789abcdef", "89abcdef"

    def filled(template: str) -> str:
        return template.replace(config["slots"]["client"], client).replace(
            config["slots"]["player"], player)

    assert filled(config["answer"]) == topics.answer(CODE, player)
    assert {filled(topic): kind for topic, kind in config["follows"].items()} == {
        topic: kind.__name__ for topic, kind in views.player_follows(CODE, client,
                                                                     player).items()}
    assert config["words"] == {topics.words(CODE): "Words"}
    assert config["everyone"] == {topics.standings_of(CODE): "StandingsPage"}
    assert config["ws"] == {"host": "", "port": 11884, "path": "/mqtt"}
    assert "secret" not in body.decode() and "password" not in body.decode()


async def test_the_board_config_names_the_player_page_and_its_qr_code(board: WebBoard) -> None:
    _, _, body = await get(board, f"/config.json?code={CODE}")
    play = json.loads(body)["play"]
    assert play == {"url": f"http://127.0.0.1:{board.port}/play/{CODE}",
                    "qr": f"/qr/{CODE}.svg"}


async def test_the_qr_code_is_an_svg_of_the_player_page(board: WebBoard) -> None:
    status, headers, body = await get(board, f"/qr/{CODE.lower()}.svg")
    assert (status, headers["content-type"]) == (200, "image/svg+xml")
    assert body.startswith(b"<svg") and b"viewBox" in body
    assert f"<title>http://127.0.0.1:{board.port}/play/{CODE}</title>".encode() in body


def test_a_server_on_every_interface_never_names_0_0_0_0(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(join, "lan_addresses", lambda: ["192.168.1.20", "10.0.0.7"])
    for wildcard in (EVERY, "::", ""):
        assert join.public_hosts(wildcard) == ["192.168.1.20", "10.0.0.7"]
    board = WebBoard(BrokerForBrowsers(ws_port=11884), EVERY, 8080)
    assert board.url == "http://192.168.1.20:8080/"
    assert board.urls == ["http://192.168.1.20:8080/", "http://10.0.0.7:8080/"]
    monkeypatch.setattr(join, "lan_addresses", list)
    assert join.public_hosts(EVERY) == ["127.0.0.1"]
    assert join.public_hosts("192.168.1.20") == ["192.168.1.20"]


def test_lan_addresses_are_never_loopback_or_unspecified() -> None:
    for address in join.lan_addresses():
        assert not address.startswith(("127.", "0.", "169.254."))
