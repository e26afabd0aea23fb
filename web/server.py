"""Serve the web board's files over HTTP: the page, its script and style, and its config.

The server only hands out files; the page gets every update from the broker itself, over
MQTT WebSockets, like any display. What it may serve is the fixed set of files in
static/, read once at start and looked up by name: nothing in a request names a path on
disk, so no request can reach outside that folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import urllib.parse
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from protocol import topics, views
from protocol.messages import StandingsPage

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
# The path MQTT.js and Mosquitto use for MQTT over WebSockets (amqtt accepts any).
WS_PATH = "/mqtt"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".json": "application/json",
}
# The page runs only its own files, and talks only to this server and to a broker's
# WebSockets: a name that slipped into markup still could not run a script.
SECURITY_HEADERS = (
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self' ws: wss:; img-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: no-referrer\r\n"
)
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::", "")  # noqa: S104 - names, not binds


class WebPortError(RuntimeError):
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


def config(broker: BrokerForBrowsers, code: str | None) -> dict[str, object]:
    """The page's config: the broker's WebSockets and, for a quiz, what a display follows.

    The topics come from `protocol.views.display_follows`, so the page subscribes to exactly
    what `quiz board` does, named by the module that names every topic; and, under
    "everyone", the pages of everyone's standings, which the page (as `quiz board` on its
    key `a`) subscribes to only once it shows them.
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
    return out


def _load_static() -> dict[str, tuple[str, bytes]]:
    files: dict[str, tuple[str, bytes]] = {}
    for path in sorted(STATIC.iterdir()):
        if path.is_file() and path.suffix in CONTENT_TYPES:
            files[path.name] = (CONTENT_TYPES[path.suffix], path.read_bytes())
    return files


class WebBoard:
    """The web board's HTTP server on asyncio streams, one request per connection.

    `GET /` and `GET /CODE` give the page; `/static/NAME` its files; `/config.json?code=CODE`
    where the broker is and the quiz's topics. Use it as an async context manager.
    """

    def __init__(self, broker: BrokerForBrowsers, host: str, port: int) -> None:
        self.broker = broker
        self.host = host
        self.port = port
        self._files = _load_static()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """The board's address, for people (a wildcard host printed as 127.0.0.1)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104
        return f"http://[{host}]:{self.port}/" if ":" in host else f"http://{host}:{self.port}/"

    async def start(self) -> None:
        """Listen; raise WebPortError when it cannot. `port` 0 picks a free port."""
        try:
            self._server = await asyncio.start_server(self._connection, self.host, self.port,
                                                      limit=MAX_REQUEST_BYTES)
        except OSError as exc:
            why = "the port is in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise WebPortError(f"cannot serve the web board on {self.host}:{self.port} "
                               f"({why or exc}): choose another --web-port (or "
                               "QUIZ_WEB_PORT), or 0 for no board") from None
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("web board on %s", self.url)

    async def stop(self) -> None:
        """Stop listening and close the connections still open."""
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._open):
            writer.close()
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> WebBoard:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        if len(self._open) >= MAX_CONNECTIONS:
            writer.close()
            return
        self._open.add(writer)
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                status, content_type, body, head_only = await self._request(reader)
                writer.write(_response(status, content_type, b"" if head_only else body,
                                       len(body)))
                await writer.drain()
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass  # a client that left or stalled: nothing to answer
        finally:
            self._open.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError, TimeoutError):
                async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                    await writer.wait_closed()

    async def _request(self, reader: asyncio.StreamReader) -> tuple[HTTPStatus, str, bytes, bool]:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            return (*_text(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request too large"), False)
        parts = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            return (*_text(HTTPStatus.BAD_REQUEST, "bad request line"), False)
        method, target = parts[0], parts[1]
        if method not in ("GET", "HEAD"):
            return (*_text(HTTPStatus.METHOD_NOT_ALLOWED, "only GET and HEAD"), False)
        path, _, query = target.partition("?")
        return (*self.route(path, urllib.parse.parse_qs(query)), method == "HEAD")

    def route(self, path: str, query: dict[str, list[str]]) -> tuple[HTTPStatus, str, bytes]:
        """The status, content type and body for a GET of `path`."""
        if path == "/" or _quiz_code(path.removeprefix("/")) is not None:
            return HTTPStatus.OK, *self._files["index.html"]
        if path.startswith("/static/"):
            found = self._files.get(path.removeprefix("/static/"))
            if found is not None:
                return HTTPStatus.OK, *found
        if path == "/favicon.ico":  # browsers ask for it; there is none, and that is no error
            return HTTPStatus.NO_CONTENT, CONTENT_TYPES[".html"], b""
        if path == "/config.json":
            asked = query.get("code", [""])[0]
            code = _quiz_code(asked)
            if asked and code is None:
                return _json(HTTPStatus.NOT_FOUND, {"error": f"{asked!r} is not a quiz code"})
            return _json(HTTPStatus.OK, config(self.broker, code))
        return _text(HTTPStatus.NOT_FOUND, "not found; open / or /CODE")


def _quiz_code(text: str) -> str | None:
    try:
        return topics.normalize_code(text)
    except topics.TopicError:
        return None


def _text(status: HTTPStatus, line: str) -> tuple[HTTPStatus, str, bytes]:
    return status, "text/plain; charset=utf-8", f"{line}\n".encode()


def _json(status: HTTPStatus, data: dict[str, object]) -> tuple[HTTPStatus, str, bytes]:
    return status, CONTENT_TYPES[".json"], json.dumps(data).encode()


def _response(status: HTTPStatus, content_type: str, body: bytes, length: int) -> bytes:
    allow = "Allow: GET, HEAD\r\n" if status is HTTPStatus.METHOD_NOT_ALLOWED else ""
    head = (f"HTTP/1.1 {status.value} {status.phrase}\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Content-Length: {length}\r\n"
            f"Cache-Control: no-cache\r\n{allow}{SECURITY_HEADERS}"
            "Connection: close\r\n\r\n")
    return head.encode("latin-1") + body
