"""Serve the web board's files over HTTP: the page, its script and style, and its config.

The server only hands out files; the page gets every update from the broker itself, over
MQTT WebSockets, like any display. What it may serve is the fixed set of files in
static/, read once at start and looked up by name: nothing in a request names a path on
disk, so no request can reach outside that folder.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import urllib.parse
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from httpserve.server import HttpServer, Limits, Response, text
from protocol import topics, views
from protocol.errors import FailureError
from protocol.messages import StandingsPage, Words
from speech.names import AUDIO_PATH, name_of
from web.join import base_url, public_hosts, qr_svg
from web.wheels import Wheelhouse, WheelsError, index_page

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
# The default port of the web board (`quiz serve --web-port`).
DEFAULT_WEB_PORT = 8080
# A browser's request line and headers fit in far less; more is not a browser.
MAX_REQUEST_BYTES = 16 * 1024
# A client that sends no complete request within this long is let go.
REQUEST_TIMEOUT_SECONDS = 10.0
# A classroom opens a few boards; more open connections than this are closed at once.
MAX_CONNECTIONS = 100
# The three above, for the HTTP server.
LIMITS = Limits(MAX_REQUEST_BYTES, REQUEST_TIMEOUT_SECONDS, MAX_CONNECTIONS)
# The path MQTT.js and Mosquitto use for MQTT over WebSockets (amqtt accepts any).
WS_PATH = "/mqtt"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".whl": "application/octet-stream",
    ".wav": "audio/wav",
}
# Placeholders in the player page's topic templates, which the page fills in once it has
# its client id and player id; the topics themselves come from protocol/topics.py.
CLIENT_SLOT = "{client}"
PLAYER_SLOT = "{player}"
# The page runs only its own files, and talks only to this server and to a broker's
# WebSockets: a name that slipped into markup still could not run a script.
SECURITY_HEADERS = (
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self' ws: wss:; img-src 'self'; media-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: no-referrer\r\n"
)
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::", "")  # noqa: S104 - names, not binds


class WebPortError(FailureError, RuntimeError):
    """The web board cannot listen where it was asked to."""


@dataclass(frozen=True)
class BrokerForBrowsers:
    """Where a browser finds the broker, and what players type to join.

    A host of "" means the machine the page came from: a broker on this machine's
    loopback is reached from a projector's browser at the address the page was opened at.
    """

    ws_port: int
    ws_host: str = ""
    mqtt_port: int = 0  # players' `quiz play --broker`; 0 when it is the default address
    mqtt_host: str = ""

    @staticmethod
    def host_for(host: str) -> str:
        """The host a browser should use for a broker on `host` ("" for this machine)."""
        return "" if host in _LOOPBACK else host


def config(broker: BrokerForBrowsers, code: str | None, play: str = "") -> dict[str, object]:
    """The page's config: the broker's WebSockets and, for a quiz, what a display follows.

    The topics come from `protocol.views.display_follows`, so the page subscribes to exactly
    what `quiz board` does, named by the module that names every topic; under "everyone",
    the pages of everyone's standings, which the page (as `quiz board` on its key `a`)
    subscribes to only once it shows them; under "words", the words of the finished quiz
    (retained, published once at the end), for the words to review; under "play", the
    player page's address for this quiz (`play`, as players type it) and its QR code.
    """
    out: dict[str, object] = {
        "ws": {"host": broker.ws_host, "port": broker.ws_port, "path": WS_PATH},
        "mqtt": {"host": broker.mqtt_host, "port": broker.mqtt_port},
    }
    if code is not None:
        out["code"] = code
        # topic filter -> message kind: two filters carry a ScorerStatus (the default
        # scorer's and the others'), so the filter is the key
        out["follows"] = {topic: kind.__name__
                          for topic, kind in views.display_follows(code).items()}
        out["everyone"] = {topics.standings_of(code): StandingsPage.__name__}
        out["words"] = {topics.words(code): Words.__name__}
        if play:
            out["play"] = {"url": f"{play}play/{code}", "qr": f"/qr/{code}.svg"}
    return out


def player_config(broker: BrokerForBrowsers, code: str) -> dict[str, object]:
    """The player page's config: the broker's WebSockets and the topics a player uses.

    The topics come from `protocol.views.player_follows`, so the page follows what `quiz
    play` does; those that name the page's client id or its player id hold CLIENT_SLOT or
    PLAYER_SLOT, which the page replaces once it knows them. Once the quiz finishes, the
    page also reads the words (for the words to review) and everyone's standings (its final
    place when the players' board, the top 10, does not hold it).
    """
    follows = views.player_follows(code, CLIENT_SLOT, PLAYER_SLOT)
    return {
        "ws": {"host": broker.ws_host, "port": broker.ws_port, "path": WS_PATH},
        "code": code,
        "join": topics.join(code),
        "answer": topics.answer(code, PLAYER_SLOT),
        "slots": {"client": CLIENT_SLOT, "player": PLAYER_SLOT},
        "follows": {topic: kind.__name__ for topic, kind in follows.items()},
        "words": {topics.words(code): Words.__name__},
        # at the end only: the final place of a player below the players' board's top
        "everyone": {topics.standings_of(code): StandingsPage.__name__},
    }


def _load_static() -> dict[str, tuple[str, bytes]]:
    files: dict[str, tuple[str, bytes]] = {}
    for path in sorted(STATIC.iterdir()):
        if path.is_file() and path.suffix in CONTENT_TYPES:
            files[path.name] = (CONTENT_TYPES[path.suffix], path.read_bytes())
    return files


class WebBoard(HttpServer):
    """The web board's HTTP server on asyncio streams, one request per connection.

    `GET /` and `GET /CODE` give the board; `/play` and `/play/CODE` the player page;
    `/static/NAME` their files; `/config.json?code=CODE` where the broker is and the quiz's
    topics for the board, `/player.json?code=CODE` for the player page; `/qr/CODE.svg` a
    QR code of the player page of quiz CODE; with `wheels`, `/wheels/` the page of the
    wheels terminal players install `quiz` from, and `/wheels/NAME` each (web/wheels.py);
    with `audio`, `/audio/NAME` a spoken word of the scorer's cache (speech/cache.py).
    Use it as an async context manager.
    """

    def __init__(self, broker: BrokerForBrowsers, host: str, port: int,
                 wheels: Wheelhouse | None = None, audio: Path | None = None) -> None:
        super().__init__(host, port, LIMITS, cache_control="no-cache", headers=SECURITY_HEADERS)
        self.broker = broker
        self.wheels = wheels
        self.audio = audio
        self._files = _load_static()

    @property
    def url(self) -> str:
        """The board's address, for people: on every interface, this machine's LAN address."""
        return base_url(public_hosts(self.host)[0], self.port)

    @property
    def urls(self) -> list[str]:
        """Every address of the server that another machine may use (the best first)."""
        return [base_url(host, self.port) for host in public_hosts(self.host)]

    async def start(self) -> None:
        """Listen; raise WebPortError when it cannot. `port` 0 picks a free port."""
        try:
            await super().start()
        except OSError as exc:
            why = "the port is in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise WebPortError(f"cannot serve the web board on {self.host}:{self.port} "
                               f"({why or exc}): choose another --web-port (or "
                               "QUIZ_WEB_PORT), or 0 for no board") from None
        log.info("web board on %s", self.url)

    def respond(self, path: str, query: str) -> Response:
        """The answer to a GET of `path`, its query parsed."""
        return self.route(path, urllib.parse.parse_qs(query))

    async def answer(self, path: str, query: str) -> Response:
        """The wheels, built on the first request for them; any other path as `respond`."""
        if path.startswith(AUDIO_PATH):
            return await self._audio(path)
        if self.wheels is None or not (path == "/wheels" or path.startswith("/wheels/")):
            return self.respond(path, query)
        try:
            wheels = await self.wheels.files()
        except WheelsError as exc:
            log.error("no wheels for terminal players: %s", exc)  # noqa: TRY400 - one line
            return text(HTTPStatus.SERVICE_UNAVAILABLE, f"the wheels could not be built: {exc}")
        name = path.removeprefix("/wheels").removeprefix("/")
        if not name:
            return HTTPStatus.OK, CONTENT_TYPES[".html"], index_page(list(wheels))
        found = wheels.get(name)  # a name of the folder's listing: no path from the request
        if found is None:
            return text(HTTPStatus.NOT_FOUND, f"no wheel {name}; the list: /wheels/")
        return HTTPStatus.OK, CONTENT_TYPES[".whl"], await asyncio.to_thread(found.read_bytes)

    async def _audio(self, path: str) -> Response:
        """A spoken word: a name of the cache's form, read in a thread; else 404.

        The name is checked against the form `speech.names.audio_name` makes (hex digits
        and .wav), so nothing in a request reaches outside the audio folder, nor its key.
        """
        name = name_of(path)
        if name is None or self.audio is None:
            return text(HTTPStatus.NOT_FOUND, "no such sound")
        try:
            body = await asyncio.to_thread((self.audio / name).read_bytes)
        except OSError:
            return text(HTTPStatus.NOT_FOUND, "no such sound (not said yet, or unknown)")
        return HTTPStatus.OK, CONTENT_TYPES[".wav"], body

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        """The status, content type and body for a GET of `path`."""
        if path == "/" or _quiz_code(path.removeprefix("/")) is not None:
            return HTTPStatus.OK, *self._files["index.html"]
        if path in ("/play", "/play/") or (path.startswith("/play/") and _quiz_code(
                path.removeprefix("/play/")) is not None):
            return HTTPStatus.OK, *self._files["play.html"]
        if path.startswith("/static/"):
            found = self._files.get(path.removeprefix("/static/"))
            if found is not None:
                return HTTPStatus.OK, *found
        if path == "/favicon.ico":  # browsers ask for it; there is none, and that is no error
            return HTTPStatus.NO_CONTENT, CONTENT_TYPES[".html"], b""
        return self._quiz_route(path, query)

    def _quiz_route(self, path: str, query: dict[str, list[str]]) -> Response:
        """What a quiz code names: the configs, the QR code; else 404."""
        if path.startswith("/qr/") and path.endswith(".svg"):
            code = _quiz_code(path.removeprefix("/qr/").removesuffix(".svg"))
            if code is not None:
                return HTTPStatus.OK, CONTENT_TYPES[".svg"], qr_svg(f"{self.url}play/{code}")
        if path in ("/config.json", "/player.json"):
            asked = query.get("code", [""])[0]
            code = _quiz_code(asked)
            if code is None and (asked or path == "/player.json"):
                return _json(HTTPStatus.NOT_FOUND, {"error": f"{asked!r} is not a quiz code"})
            if code is not None and path == "/player.json":
                return _json(HTTPStatus.OK, player_config(self.broker, code))
            return _json(HTTPStatus.OK, config(self.broker, code, self.url))
        return text(HTTPStatus.NOT_FOUND, "not found; open / or /CODE, or /play to play")


def _quiz_code(text: str) -> str | None:
    try:
        return topics.normalize_code(text)
    except topics.TopicError:
        return None


def _json(status: HTTPStatus, data: dict[str, object]) -> Response:
    return status, CONTENT_TYPES[".json"], json.dumps(data).encode()
