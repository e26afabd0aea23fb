"""A small HTTP/1.1 server on asyncio streams: GET and HEAD, one request per connection.

For endpoints that answer a few fixed paths from memory (the scorer's metrics, the web
board's files): no framework and no thread, so every answer is computed on the event
loop that owns what it reads. A subclass says what each path answers (`respond`).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from http import HTTPStatus
from typing import Self

# What a path answers: its status, content type and body.
Response = tuple[HTTPStatus, str, bytes]
# A large body (a wheel of a few MB) gets as long to go out as the slowest client worth
# serving needs: a phone or a laptop on a crowded classroom Wi-Fi, 100 kB/s.
SLOWEST_BYTES_PER_SECOND = 100_000


@dataclass(frozen=True)
class Limits:
    """What a server puts up with from its clients."""

    request_bytes: int  # the request line and headers: more is answered 431
    timeout_seconds: float  # a client that sends no complete request within this is let go
    connections: int  # more connections open at once than this are closed at once


class HttpServer:
    """Answers GET and HEAD with `respond`; anything else gets a one-line error.

    `cache_control` is the Cache-Control of every response; `headers`, more header lines
    (each ending in CRLF) for every response. Use it as an async context manager, or call
    `start` and `stop`.
    """

    def __init__(self, host: str, port: int, limits: Limits, *, cache_control: str,
                 headers: str = "") -> None:
        self.host = host
        self.port = port
        self.limits = limits
        self._headers = f"Cache-Control: {cache_control}\r\n", headers
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    def respond(self, path: str, query: str) -> Response:
        """The answer to a GET of `path` (`query`: what followed a `?`, or "")."""
        raise NotImplementedError

    async def answer(self, path: str, query: str) -> Response:
        """`respond`, for a path whose answer must be awaited (made, or read from disk).

        The request's timeout bounds reading the request, not this: a subclass bounds
        what it awaits.
        """
        return self.respond(path, query)

    async def start(self) -> None:
        """Listen; raise OSError when it cannot (the port is in use). `port` 0 picks a free one."""
        self._server = await asyncio.start_server(self._connection, self.host, self.port,
                                                  limit=self.limits.request_bytes)
        self.port = self._server.sockets[0].getsockname()[1]

    async def serve_forever(self) -> None:
        """Serve until cancelled, then stop."""
        if self._server is None:
            await self.start()
        try:
            await asyncio.get_running_loop().create_future()  # never done: wait to be cancelled
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Stop listening and close the connections still open."""
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._open):
            writer.close()
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        if len(self._open) >= self.limits.connections:
            writer.close()
            return
        self._open.add(writer)
        timeout = self.limits.timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                request = await self._request(reader)
            if isinstance(request[0], HTTPStatus):
                (status, content_type, body), head_only = request[:3], False
            else:
                path, query, head_only = request
                status, content_type, body = await self.answer(path, query)
            sent = b"" if head_only else body
            async with asyncio.timeout(timeout + len(sent) / SLOWEST_BYTES_PER_SECOND):
                writer.write(self._response(status, content_type, sent, len(body)))
                await writer.drain()
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass  # a client that left or stalled: nothing to answer
        finally:
            self._open.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError, TimeoutError):
                async with asyncio.timeout(timeout):
                    await writer.wait_closed()

    async def _request(self, reader: asyncio.StreamReader) -> Response | tuple[str, str, bool]:
        """(path, query, HEAD or not) of a well-formed request; else the error to answer."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            return text(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request too large")
        parts = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            return text(HTTPStatus.BAD_REQUEST, "bad request line")
        method, target = parts[0], parts[1]
        if method not in ("GET", "HEAD"):
            return text(HTTPStatus.METHOD_NOT_ALLOWED, "only GET and HEAD")
        path, _, query = target.partition("?")
        return path, query, method == "HEAD"

    def _response(self, status: HTTPStatus, content_type: str, body: bytes,
                  length: int) -> bytes:
        cache, more = self._headers
        allow = "Allow: GET, HEAD\r\n" if status is HTTPStatus.METHOD_NOT_ALLOWED else ""
        head = (f"HTTP/1.1 {status.value} {status.phrase}\r\n"
                f"Content-Type: {content_type}\r\n"
                f"Content-Length: {length}\r\n"
                f"{cache}{allow}{more}"
                "Connection: close\r\n\r\n")
        return head.encode("latin-1") + body


def text(status: HTTPStatus, line: str) -> Response:
    """A one-line plain text answer."""
    return status, "text/plain; charset=utf-8", f"{line}\n".encode()
