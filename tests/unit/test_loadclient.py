"""The load generator's MQTT framing: lengths, packets, and packets split across reads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli.loadclient import (
    PUBLISH,
    LoadClientError,
    connect_packet,
    parse_publish,
    publish_packet,
    remaining_length,
    split_packets,
)


@pytest.mark.parametrize(("n", "encoded"), [
    (0, b"\x00"), (127, b"\x7f"), (128, b"\x80\x01"), (16_383, b"\xff\x7f"),
    (16_384, b"\x80\x80\x01"), (268_435_455, b"\xff\xff\xff\x7f"),
])
def test_remaining_length_matches_the_mqtt_spec_examples(n: int, encoded: bytes) -> None:
    assert remaining_length(n) == encoded


def test_connect_carries_the_client_id_and_credentials() -> None:
    data = connect_packet("abc", "scorer", "pw", keepalive=60)
    assert data[0] == 0x10
    assert b"\x00\x04MQTT\x04" in data
    assert data[9] == 0x02 | 0x80 | 0x40  # clean session, username, password
    assert data.endswith(b"\x00\x03abc\x00\x06scorer\x00\x02pw")


@given(st.lists(st.tuples(st.text(min_size=1, max_size=40).filter(lambda t: "\x00" not in t),
                          st.binary(max_size=400), st.sampled_from([0, 1])),
                min_size=1, max_size=20),
       st.integers(min_value=1, max_value=64))
def test_publishes_survive_any_split_into_reads(messages: list[tuple[str, bytes, int]],
                                                 chunk: int) -> None:
    stream = b"".join(publish_packet(topic, payload, qos, mid)
                      for mid, (topic, payload, qos) in enumerate(messages, start=1))
    buffer, got = bytearray(), []
    for at in range(0, len(stream), chunk):
        buffer += stream[at:at + chunk]
        got += [parse_publish(first, body) for first, body in split_packets(buffer)]
    assert not buffer
    assert [(t, p, q) for t, p, q, _ in got] == messages
    assert [mid for _, _, q, mid in got if q] == [i for i, m in enumerate(messages, 1) if m[2]]
    assert all(first & 0xF0 == PUBLISH for first, _ in split_packets(bytearray(stream)))


def test_a_length_longer_than_four_bytes_is_refused() -> None:
    with pytest.raises(LoadClientError):
        split_packets(bytearray(b"\x30\xff\xff\xff\xff\x01"))
