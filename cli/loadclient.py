"""A lean MQTT 3.1.1 client for the load generator, on an asyncio Protocol.

The load generator shares the machine's two cores with the broker and the scorer, so its
own cost per message is taken from theirs. With paho (through aiomqtt) it used about as
much CPU as the scorer: paho reads each packet with several `recv` calls and builds a
message object, a lock, a reason code and a properties object per packet. This client
parses whatever one `recv` brought, writes a round of packets with one `send`, and keeps
no state per message beyond a packet id.

It does only what the bench needs: connect, subscribe, publish at QoS 0 or 1 without
waiting for the PUBACK, and hand every PUBLISH received (acknowledged when QoS 1) to one
callback. Over TCP, or over WebSockets (`WebSocketLoadClient`, as the player page connects
to Mosquitto's WebSockets listener), with the same packets and the same one write a round.
The quiz's clients (CLI, TUI) and the scorer use paho and aiomqtt; so does the bench's
echo baseline, which stands for what a Python scorer can reach.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator, Callable
from typing import Literal

from cli import wsframe
from protocol.address import BrokerAddress
from protocol.errors import FailureError

CONNECT, CONNACK, PUBLISH, PUBACK = 0x10, 0x20, 0x30, 0x40
SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT = 0x82, 0x90, 0xC0, 0xD0, 0xE0
KEEPALIVE_SECONDS = 60
# How long the broker may take to answer a CONNECT or a SUBSCRIBE.
REQUEST_TIMEOUT_SECONDS = 30.0
# The key under which the WebSocket upgrade's response is awaited (packet ids are 1-65535).
UPGRADE = -1

OnMessage = Callable[[str, bytes], None]
# How the bench's players reach the broker: MQTT over TCP, or over WebSockets.
Transport = Literal["tcp", "websockets"]


class LoadClientError(FailureError, ConnectionError):
    """The broker refused the connection or a subscription, or the connection ended."""


def remaining_length(n: int) -> bytes:
    """MQTT's variable-length encoding of a packet's remaining length."""
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | 0x80 if n else digit)
        if not n:
            return bytes(out)


def string(value: str | bytes) -> bytes:
    """An MQTT UTF-8 string: a two-byte length, then the bytes."""
    raw = value.encode() if isinstance(value, str) else value
    return struct.pack("!H", len(raw)) + raw


def packet(first: int, body: bytes) -> bytes:
    """A whole packet: fixed header byte, remaining length, body."""
    return bytes((first,)) + remaining_length(len(body)) + body


def connect_packet(client_id: str, username: str | None, password: str | None,
                   keepalive: int = KEEPALIVE_SECONDS) -> bytes:
    """CONNECT with a clean session (the bench's players need no queue)."""
    flags = 0x02 | (0x80 if username else 0) | (0x40 if username and password else 0)
    body = string("MQTT") + bytes((4, flags)) + struct.pack("!H", keepalive) + string(client_id)
    if username:
        body += string(username)
        if password:
            body += string(password)
    return packet(CONNECT, body)


def publish_packet(topic: str, payload: bytes, qos: int, mid: int) -> bytes:
    """PUBLISH at QoS 0 or 1 (mid is ignored at QoS 0)."""
    head = string(topic) + (struct.pack("!H", mid) if qos else b"")
    return packet(PUBLISH | (qos << 1), head + payload)


def split_packets(buffer: bytearray) -> list[tuple[int, bytes]]:
    """Take every complete packet off the front of `buffer`: (first byte, body).

    What is left is the start of a packet still arriving.
    """
    packets: list[tuple[int, bytes]] = []
    at, end = 0, len(buffer)
    while at + 2 <= end:
        length, multiplier, pos = 0, 1, at + 1
        while True:
            if pos >= end:
                del buffer[:at]
                return packets
            digit = buffer[pos]
            length += (digit & 0x7F) * multiplier
            multiplier *= 128
            pos += 1
            if not digit & 0x80:
                break
            if multiplier > 128 ** 3:
                raise LoadClientError("malformed remaining length from the broker")
        if pos + length > end:
            break
        packets.append((buffer[at], bytes(buffer[pos:pos + length])))
        at = pos + length
    del buffer[:at]
    return packets


def parse_publish(first: int, body: bytes) -> tuple[str, bytes, int, int]:
    """(topic, payload, qos, packet id or 0) of a PUBLISH body."""
    qos = (first >> 1) & 0x03
    (size,) = struct.unpack_from("!H", body)
    topic = body[2:2 + size].decode()
    at, mid = 2 + size, 0
    if qos:
        (mid,) = struct.unpack_from("!H", body, at)
        at += 2
    return topic, body[at:], qos, mid


class LoadClient(asyncio.Protocol):
    """One connection; every message received goes to `on_message(topic, payload)`."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        self.on_message: OnMessage = lambda topic, payload: None
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._out: list[bytes] = []
        self._mid = 0
        self._waiting: dict[int, asyncio.Future[bytes]] = {}  # CONNACK (0), SUBACKs
        self._closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.error: LoadClientError | None = None  # why the connection ended
        self._pinger: asyncio.Task[None] | None = None

    # --- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to write to."""
        assert isinstance(transport, asyncio.Transport)  # noqa: S101 - a stream (TCP)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        """Handle every complete packet; acknowledge QoS 1 messages in one write."""
        self._buffer += data
        acks = []
        for first, body in split_packets(self._buffer):
            kind = first & 0xF0
            if kind == PUBLISH:
                topic, payload, qos, mid = parse_publish(first, body)
                if qos > 1:
                    raise LoadClientError("a QoS 2 message: the bench subscribes at 0 or 1")
                if qos:
                    acks.append(packet(PUBACK, struct.pack("!H", mid)))
                self.on_message(topic, payload)
            elif kind == CONNACK:
                self._resolve(0, body)
            elif kind == SUBACK:
                self._resolve(struct.unpack_from("!H", body)[0], body[2:])
        if acks and self._transport is not None:
            self._write(b"".join(acks))

    def connection_lost(self, exc: Exception | None) -> None:
        """Fail whoever waits for a reply from the broker, with the cause.

        An exception in `on_message` also ends here: asyncio closes the connection.
        """
        error = LoadClientError(f"connection lost: {exc!r}" if exc else
                                "connection closed")
        self.error = self.error or error
        for waiter in self._waiting.values():
            if not waiter.done():
                waiter.set_exception(error)
        self._waiting.clear()
        if not self._closed.done():
            self._closed.set_result(None)

    # --- what the bench calls -----------------------------------------------------------

    async def handshake(self, broker: BrokerAddress) -> None:
        """Send CONNECT and wait for the broker to accept it."""
        reply = await self._request(0, connect_packet(self.client_id, broker.username,
                                                      broker.password))
        if len(reply) < 2 or reply[1] != 0:
            raise LoadClientError(f"{broker} refused the connection (code {reply[1:2].hex()})")

    async def subscribe(self, topic: str | list[tuple[str, int]], qos: int = 0, *,
                        refusals_allowed: bool = False) -> list[str]:
        """Subscribe to one filter or a list of (filter, qos); wait for the SUBACK.

        Returns the filters the broker refused. A refusal raises LoadClientError unless
        `refusals_allowed` (the bench then reports them: a view the broker does not allow).
        """
        filters = [(topic, qos)] if isinstance(topic, str) else topic
        mid = self._next_mid()
        body = struct.pack("!H", mid) + b"".join(string(f) + bytes((q,)) for f, q in filters)
        granted = await self._request(mid, packet(SUBSCRIBE, body))
        refused = [f for (f, _), code in zip(filters, granted, strict=False) if code == 0x80]
        if refused and not refusals_allowed:
            raise LoadClientError(f"the broker refused a subscription among {refused[:3]}…")
        return refused

    @property
    def local_address(self) -> tuple[str, int] | None:
        """This connection's own (host, port), which no other open connection shares."""
        if self._transport is None:
            return None
        name = self._transport.get_extra_info("sockname")
        return (str(name[0]), int(name[1])) if name else None

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> None:
        """Publish without waiting: packets of one event-loop pass leave in one write."""
        if self._closed.done():
            raise self.error or LoadClientError("connection closed")
        self._out.append(publish_packet(topic, payload, qos, self._next_mid() if qos else 0))
        if len(self._out) == 1:
            asyncio.get_running_loop().call_soon(self._flush)

    async def until(self, event: asyncio.Event) -> None:
        """Wait for `event`; raise LoadClientError if the connection ends first."""
        waiting: asyncio.Future[object] = asyncio.ensure_future(event.wait())
        closed: asyncio.Future[object] = asyncio.shield(self._closed)
        try:
            await asyncio.wait({waiting, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
            closed.cancel()
        if not event.is_set():
            raise self.error or LoadClientError("connection closed")

    async def close(self) -> None:
        """DISCONNECT, then close the connection."""
        if self._pinger is not None:
            self._pinger.cancel()
        if self._transport is not None and not self._transport.is_closing():
            self._flush()
            self._write(packet(DISCONNECT, b""))
            self._transport.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._closed), 2.0)

    def start_pinging(self) -> None:
        """Run `keep_alive` in the background until `close()`."""
        if self._pinger is None:
            self._pinger = asyncio.get_running_loop().create_task(self.keep_alive())

    async def keep_alive(self) -> None:
        """PINGREQ at half the keepalive, until cancelled."""
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS / 2)
            self._out.append(packet(PINGREQ, b""))
            self._flush()

    # --- inside -------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        """Write MQTT bytes to the connection (a WebSocket client frames them)."""
        assert self._transport is not None  # noqa: S101 - callers check
        self._transport.write(data)

    def _flush(self) -> None:
        if self._out and self._transport is not None and not self._transport.is_closing():
            self._write(b"".join(self._out))
        self._out.clear()

    def _next_mid(self) -> int:
        self._mid = self._mid % 65535 + 1
        return self._mid

    async def _request(self, key: int, data: bytes) -> bytes:
        if self._transport is None or self._transport.is_closing():
            raise self.error or LoadClientError("not connected")
        waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiting[key] = waiter
        self._flush()
        self._write(data)
        try:
            return await asyncio.wait_for(waiter, REQUEST_TIMEOUT_SECONDS)
        finally:
            self._waiting.pop(key, None)

    def _resolve(self, key: int, body: bytes) -> None:
        waiter = self._waiting.pop(key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(body)


class WebSocketLoadClient(LoadClient):
    """The same client over MQTT over WebSockets: an HTTP upgrade, then binary frames.

    Each round of packets leaves as one masked frame; the payloads of the frames received
    are one MQTT byte stream, parsed as over TCP.
    """

    def __init__(self, client_id: str) -> None:
        super().__init__(client_id)
        self._key = wsframe.new_key()
        self._head: bytearray | None = bytearray()  # the HTTP response, until the upgrade
        self._frames = bytearray()

    def data_received(self, data: bytes) -> None:
        """Complete the upgrade, then unframe; hand the MQTT bytes to LoadClient."""
        if self._head is not None:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = bytes(self._head[:end]), bytes(self._head[end + 4:])
            self._head = None
            self._resolve(UPGRADE, head)
        self._frames += data
        stream = []
        for opcode, payload in wsframe.split_frames(self._frames):
            if opcode in (wsframe.BINARY, wsframe.CONTINUATION, wsframe.TEXT):
                stream.append(payload)
            elif opcode == wsframe.PING and self._transport is not None:
                self._transport.write(wsframe.frame(payload, wsframe.PONG))
            elif opcode == wsframe.CLOSE and self._transport is not None:
                self.error = LoadClientError("the broker closed the WebSocket")
                self._transport.close()
        if stream:
            super().data_received(b"".join(stream))

    def _write(self, data: bytes) -> None:
        assert self._transport is not None  # noqa: S101 - callers check
        self._transport.write(wsframe.frame(data))

    async def handshake(self, broker: BrokerAddress) -> None:
        """Upgrade the connection to a WebSocket, then send CONNECT."""
        if self._transport is None:
            raise LoadClientError("not connected")
        waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiting[UPGRADE] = waiter
        self._transport.write(wsframe.upgrade_request(broker.host, broker.port, self._key))
        try:
            head = await asyncio.wait_for(waiter, REQUEST_TIMEOUT_SECONDS)
        finally:
            self._waiting.pop(UPGRADE, None)
        try:
            wsframe.check_upgrade(head, self._key)
        except wsframe.FrameError as exc:
            raise LoadClientError(f"{broker}: {exc}") from None
        await super().handshake(broker)


async def open_client(broker: BrokerAddress, client_id: str, timeout: float = 30.0,
                      transport: Transport = "tcp") -> LoadClient:
    """A connected LoadClient that keeps itself alive until `close()`.

    With `transport="websockets"`, `broker` is a WebSockets listener. TCP_NODELAY is
    asyncio's default.
    """
    loop = asyncio.get_running_loop()
    kind = WebSocketLoadClient if transport == "websockets" else LoadClient
    async with asyncio.timeout(timeout):
        transport_, client = await loop.create_connection(lambda: kind(client_id),
                                                          broker.host, broker.port)
        try:
            await client.handshake(broker)
        except BaseException:
            transport_.close()
            raise
    client.start_pinging()
    return client


@contextlib.asynccontextmanager
async def load_client(broker: BrokerAddress, client_id: str, timeout: float = 30.0,
                      transport: Transport = "tcp") -> AsyncIterator[LoadClient]:
    """A connected LoadClient for the block."""
    client = await open_client(broker, client_id, timeout, transport)
    try:
        yield client
    finally:
        await client.close()
