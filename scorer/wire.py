"""The scorer's socket in bulk: one `recv()` for many packets in, one `send()` for many out.

Reading: paho reads one packet per readiness event (its `loop_read` stops after one
unless QoS 2 messages are in flight), with a `recv()` for the command byte, one per
length byte and one for the body. When answers come from thousands of connections, the
broker forwards them to the scorer one small packet at a time, and the scorer paid an
event-loop round and four system calls per answer: its batches shrank to one answer
and it fell behind the offered rate while a third of its core sat idle.
`bulk_reads` gives paho a buffer filled by one `recv()` of up to READ_BYTES per
readiness event, and lets each event parse every packet that is complete in it.

Writing: paho writes its queue one packet per `send()` call. A batch of answers queues a status
and perhaps a reply per answer, plus views: a hundred sends, each a system call and a
TCP segment, where one would do. `coalesce_writes` replaces the paho client's packet
writer with one that joins what is queued (up to MAX_WRITE_BYTES) into one buffer, sends
it once, and then finishes each packet that went out whole exactly as paho does: a QoS 0
publish is marked published and reported to `on_publish`; QoS 1 packets wait for their
PUBACK as before. A DISCONNECT in the queue, rare and special, goes through paho's own
writer. This reaches into paho's private queue: pyproject.toml pins paho to the minor
version it was written against.

Fire and forget: a QoS 0 publish nobody waits for (a view, a reply) needs none of paho's
bookkeeping: no message id, no `MQTTMessageInfo` with its lock and condition, no
`on_publish` call into aiomqtt that looks for a waiter that does not exist. `fire` encodes
the PUBLISH packet itself and queues it; the writer above sends it with the rest and
forgets it. In the B load (1,000 quizzes of 10) that bookkeeping was 13% of the scorer's
time (issue 24).
"""

from __future__ import annotations

from typing import Any

from paho.mqtt.client import (
    DISCONNECT,
    MQTT_LOG_ERR,
    PUBLISH,
    Client,
    MQTTMessageInfo,
    MQTTv5,
    time_func,
)
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

# One write at most this large: a few dozen segments, without copying a huge backlog.
MAX_WRITE_BYTES = 256 * 1024
# One read at most this large: hundreds of answers at once.
READ_BYTES = 256 * 1024


def bulk_reads(client: Client) -> None:
    """Make `client` read in bulk and parse every complete packet per event (module doc).

    One `recv()` per readiness event: when the buffer runs dry inside a packet, the rest
    waits for the next event (the socket is level-triggered, and paho keeps the partial
    packet), so a steady stream of answers never keeps other tasks from their turn.
    """
    buffer = bytearray()
    reads_left = [0]

    def sock_recv(bufsize: int) -> bytes:
        if not buffer:
            sock = client._sock  # noqa: SLF001
            if sock is None:
                raise ConnectionError("the socket is closed")
            if reads_left[0] <= 0:
                raise BlockingIOError  # paho's cue to stop until the next event
            reads_left[0] -= 1
            data = sock.recv(READ_BYTES)  # BlockingIOError too when nothing waits
            if not data:
                return b""  # the broker closed the connection
            buffer.extend(data)
        taken = bytes(buffer[:bufsize])
        del buffer[:bufsize]
        return taken

    def loop_read(max_packets: int = 1) -> MQTTErrorCode:
        reads_left[0] = 1
        while True:
            if client._sock is None:  # noqa: SLF001
                return MQTTErrorCode.MQTT_ERR_NO_CONN
            rc = client._packet_read()  # noqa: SLF001
            if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
                return MQTTErrorCode.MQTT_ERR_SUCCESS
            if rc > 0:
                return client._loop_rc_handle(rc)  # noqa: SLF001
            if not buffer:
                return MQTTErrorCode.MQTT_ERR_SUCCESS  # the next bytes come with the next event

    client._sock_recv = sock_recv  # type: ignore[method-assign]  # noqa: SLF001
    client.loop_read = loop_read  # type: ignore[method-assign]


def coalesce_writes(client: Client) -> None:
    """Make `client` send what is queued in one `send()` per round (see the module doc)."""
    original = client._packet_write  # noqa: SLF001 - see the module docstring

    def packet_write() -> MQTTErrorCode:
        queue: Any = client._out_packet  # noqa: SLF001
        if any((p["command"] & 0xF0) == DISCONNECT for p in queue):
            for packet in queue:  # paho's writer expects every QoS 0 publish to have one
                if packet["info"] is None and (packet["command"] & 0xF0) == PUBLISH:
                    packet["info"] = MQTTMessageInfo(0)
            return original()
        while queue:
            batch, size = [], 0
            for packet in queue:
                batch.append(packet)
                size += packet["to_process"]
                if size >= MAX_WRITE_BYTES:
                    break
            data = b"".join(memoryview(p["packet"])[p["pos"]:] for p in batch)
            try:
                sent = client._sock_send(data)  # noqa: SLF001
            except (AttributeError, ValueError):
                return MQTTErrorCode.MQTT_ERR_SUCCESS
            except BlockingIOError:
                return MQTTErrorCode.MQTT_ERR_AGAIN
            except OSError as err:
                client._easy_log(MQTT_LOG_ERR, "failed to send on socket: %s", err)  # noqa: SLF001
                return MQTTErrorCode.MQTT_ERR_CONN_LOST
            for packet in batch:
                if sent <= 0:
                    break
                taken = min(sent, packet["to_process"])
                packet["pos"] += taken
                packet["to_process"] -= taken
                sent -= taken
                if packet["to_process"] == 0:
                    queue.popleft()
                    _published(client, packet)
        with client._msgtime_mutex:  # noqa: SLF001
            client._last_msg_out = time_func()  # noqa: SLF001
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    client._packet_write = packet_write  # type: ignore[method-assign]  # noqa: SLF001


def fire(client: Client, topic: str, payload: bytes, retain: bool) -> None:
    """Queue a QoS 0 PUBLISH without paho's bookkeeping (see the module doc).

    Like paho's own QoS 0 publish, it is dropped when there is no connection: the scorer
    publishes every view again when it connects.
    """
    if client._sock is None:  # noqa: SLF001
        return
    name = topic.encode()
    v5 = client._protocol == MQTTv5  # noqa: SLF001
    length = 2 + len(name) + v5 + len(payload)
    header = bytearray((PUBLISH | retain,))
    while True:  # the remaining length, 7 bits a byte
        byte, length = length % 128, length // 128
        header.append(byte | 0x80 if length else byte)
        if not length:
            break
    header += len(name).to_bytes(2, "big")
    header += name
    if v5:
        header.append(0)  # no properties
    client._packet_queue(PUBLISH, header + payload, 0, 0, None)  # noqa: SLF001


def _published(client: Client, packet: Any) -> None:
    """What paho does when a packet went out whole: QoS 0 publishes are done now."""
    if (packet["command"] & 0xF0) != PUBLISH or packet["qos"] != 0 or packet["info"] is None:
        return  # fired and forgotten, or waiting for its PUBACK
    on_publish: Any = client.on_publish
    if on_publish is not None:
        with client._in_callback_mutex:  # noqa: SLF001
            if client._callback_api_version == CallbackAPIVersion.VERSION1:  # noqa: SLF001
                on_publish(client, client._userdata, packet["mid"])  # noqa: SLF001
            else:
                on_publish(client, client._userdata, packet["mid"],  # noqa: SLF001
                           ReasonCode(PacketTypes.PUBACK),
                           Properties(PacketTypes.PUBACK))  # type: ignore[no-untyped-call]
    if packet["info"] is not None:
        packet["info"]._set_as_published()  # noqa: SLF001
