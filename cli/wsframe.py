"""WebSocket framing (RFC 6455) for the load generator's MQTT-over-WebSockets connections.

Pure functions: the opening handshake a client sends and checks, and frames both ways.
MQTT over WebSockets (MQTT 3.1.1, section 6) carries the MQTT byte stream in binary
frames, with no meaning to where one frame ends: the client concatenates the payloads of
the data frames it receives and parses packets from that stream, as over TCP.
"""

from __future__ import annotations

import base64
import hashlib
import random
import struct

from protocol.errors import RefusalError

# RFC 6455, 1.3: appended to the client's key to make the server's accept value.
ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# Mosquitto's and MQTT.js's path; Mosquitto serves MQTT on any path.
PATH = "/mqtt"
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
FIN = 0x80
MASKED = 0x80
# Larger than any frame the broker sends the bench (its packets are a few KiB at most).
MAX_FRAME_BYTES = 16 * 1024 * 1024


class FrameError(RefusalError, ValueError):
    """The server broke the WebSocket protocol (bad handshake or frame)."""


def new_key() -> str:
    """A Sec-WebSocket-Key: 16 random bytes, base64 (a nonce, not a secret)."""
    return base64.b64encode(random.randbytes(16)).decode()


def upgrade_request(host: str, port: int, key: str) -> bytes:
    """The HTTP request that opens a WebSocket for the `mqtt` subprotocol."""
    return (f"GET {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n").encode()


def accept_value(key: str) -> str:
    """The Sec-WebSocket-Accept a server must answer `key` with."""
    return base64.b64encode(hashlib.sha1(key.encode() + ACCEPT_GUID).digest()).decode()  # noqa: S324 - RFC 6455


def check_upgrade(response: bytes, key: str) -> None:
    """Raise FrameError unless `response` (the head, up to the blank line) accepts `key`."""
    lines = response.decode("latin-1").split("\r\n")
    status = lines[0].split(" ", 2)
    if len(status) < 2 or status[1] != "101":
        raise FrameError(f"the broker did not switch to WebSockets: {lines[0]!r}")
    headers = {name.strip().lower(): value.strip() for name, _, value in
               (line.partition(":") for line in lines[1:] if line)}
    if headers.get("sec-websocket-accept") != accept_value(key):
        raise FrameError("the broker's Sec-WebSocket-Accept does not match the key")


def mask(data: bytes, key: bytes) -> bytes:
    """`data` XOR the 4-byte `key` repeated (masking and unmasking are the same)."""
    if not data:
        return b""
    size = len(data)
    repeated = (key * (size // 4 + 1))[:size]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(size, "big")


def frame(payload: bytes, opcode: int = BINARY, key: bytes | None = None) -> bytes:
    """One final frame from the client: masked, as RFC 6455 requires of clients.

    `key` is the masking key (random when None; given only by tests).
    """
    key = random.randbytes(4) if key is None else key
    size = len(payload)
    if size < 126:
        head = bytes((FIN | opcode, MASKED | size))
    elif size < 1 << 16:
        head = bytes((FIN | opcode, MASKED | 126)) + struct.pack("!H", size)
    else:
        head = bytes((FIN | opcode, MASKED | 127)) + struct.pack("!Q", size)
    return head + key + mask(payload, key)


def split_frames(buffer: bytearray) -> list[tuple[int, bytes]]:
    """Take every complete frame off the front of `buffer`: (opcode, unmasked payload).

    What is left is the start of a frame still arriving. A server's frames are not
    masked; a masked one is unmasked all the same.
    """
    frames: list[tuple[int, bytes]] = []
    at, end = 0, len(buffer)
    while at + 2 <= end:
        first, second = buffer[at], buffer[at + 1]
        size, pos = second & 0x7F, at + 2
        if size == 126:
            if pos + 2 > end:
                break
            (size,) = struct.unpack_from("!H", buffer, pos)
            pos += 2
        elif size == 127:
            if pos + 8 > end:
                break
            (size,) = struct.unpack_from("!Q", buffer, pos)
            pos += 8
        if size > MAX_FRAME_BYTES:
            raise FrameError(f"a frame of {size} bytes from the broker")
        key = b""
        if second & MASKED:
            if pos + 4 > end:
                break
            key, pos = bytes(buffer[pos:pos + 4]), pos + 4
        if pos + size > end:
            break
        payload = bytes(buffer[pos:pos + size])
        frames.append((first & 0x0F, mask(payload, key) if key else payload))
        at = pos + size
    del buffer[:at]
    return frames
