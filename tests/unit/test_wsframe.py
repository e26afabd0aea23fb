"""The load generator's WebSocket framing: the handshake, masking, frames split across reads."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli.wsframe import (
    BINARY,
    CLOSE,
    PING,
    FrameError,
    accept_value,
    check_upgrade,
    frame,
    mask,
    split_frames,
    upgrade_request,
)

RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455, 1.3


def server_frame(payload: bytes, opcode: int = BINARY) -> bytes:
    """A frame as a server sends it: final, not masked."""
    size = len(payload)
    if size < 126:
        return bytes((0x80 | opcode, size)) + payload
    if size < 1 << 16:
        return bytes((0x80 | opcode, 126)) + struct.pack("!H", size) + payload
    return bytes((0x80 | opcode, 127)) + struct.pack("!Q", size) + payload


def test_the_accept_value_is_the_rfc_example() -> None:
    assert accept_value(RFC_KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_the_upgrade_asks_for_the_mqtt_subprotocol() -> None:
    request = upgrade_request("127.0.0.1", 9001, RFC_KEY).decode()
    assert request.startswith("GET /mqtt HTTP/1.1\r\n")
    assert "Sec-WebSocket-Protocol: mqtt\r\n" in request
    assert f"Sec-WebSocket-Key: {RFC_KEY}\r\n" in request
    assert request.endswith("\r\n\r\n")


def test_an_upgrade_is_accepted_only_with_101_and_the_right_accept() -> None:
    good = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    check_upgrade(good, RFC_KEY)
    with pytest.raises(FrameError, match="did not switch"):
        check_upgrade(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0", RFC_KEY)
    with pytest.raises(FrameError, match="Accept"):
        check_upgrade(good, "AAAAAAAAAAAAAAAAAAAAAA==")


def test_masking_is_the_rfc_example_and_undoes_itself() -> None:
    key = bytes.fromhex("37fa213d")
    assert mask(b"Hello", key) == bytes.fromhex("7f9f4d5158")  # RFC 6455, 5.7
    assert mask(mask(b"Hello", key), key) == b"Hello"
    assert mask(b"", key) == b""


@pytest.mark.parametrize("size", [0, 125, 126, 65_535, 65_536])
def test_a_client_frame_is_masked_with_the_right_length(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    data = frame(payload, key=b"\x01\x02\x03\x04")
    assert data[0] == 0x80 | BINARY
    assert data[1] & 0x80  # masked, as a client's frames must be
    assert payload == b"" or payload not in data
    assert split_frames(bytearray(data)) == [(BINARY, payload)]


@given(st.lists(st.tuples(st.sampled_from([BINARY, PING, CLOSE]), st.binary(max_size=300)),
                min_size=1, max_size=12),
       st.integers(min_value=1, max_value=40), st.booleans())
def test_frames_survive_any_split_into_reads(frames: list[tuple[int, bytes]], chunk: int,
                                             masked: bool) -> None:
    stream = b"".join(frame(p, op) if masked else server_frame(p, op) for op, p in frames)
    buffer, got = bytearray(), []
    for at in range(0, len(stream), chunk):
        buffer += stream[at:at + chunk]
        got += split_frames(buffer)
    assert not buffer
    assert got == frames


def test_a_huge_frame_is_refused() -> None:
    with pytest.raises(FrameError):
        split_frames(bytearray(b"\x82\x7f" + struct.pack("!Q", 1 << 40)))
