"""One `send()` for many packets: the scorer's writes, coalesced.

paho writes its queue one packet per `send()` call. A batch of answers queues a status
and perhaps a reply per answer, plus views: a hundred sends, each a system call and a
TCP segment, where one would do. `coalesce_writes` replaces the paho client's packet
writer with one that joins what is queued (up to MAX_WRITE_BYTES) into one buffer, sends
it once, and then finishes each packet that went out whole exactly as paho does: a QoS 0
publish is marked published and reported to `on_publish`; QoS 1 packets wait for their
PUBACK as before. A DISCONNECT in the queue, rare and special, goes through paho's own
writer. This reaches into paho's private queue: pyproject.toml pins paho to the minor
version it was written against.
"""

from __future__ import annotations

from typing import Any

from paho.mqtt.client import DISCONNECT, MQTT_LOG_ERR, PUBLISH, Client, time_func
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

# One write at most this large: a few dozen segments, without copying a huge backlog.
MAX_WRITE_BYTES = 256 * 1024


def coalesce_writes(client: Client) -> None:
    """Make `client` send what is queued in one `send()` per round (see the module doc)."""
    original = client._packet_write  # noqa: SLF001 - see the module docstring

    def packet_write() -> MQTTErrorCode:
        queue: Any = client._out_packet  # noqa: SLF001
        if len(queue) < 2 or any((p["command"] & 0xF0) == DISCONNECT for p in queue):
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


def _published(client: Client, packet: Any) -> None:
    """What paho does when a packet went out whole: QoS 0 publishes are done now."""
    if (packet["command"] & 0xF0) != PUBLISH or packet["qos"] != 0:
        return
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
