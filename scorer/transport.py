"""The scorer's MQTT connection: aiomqtt, plus the things it does not offer.

aiomqtt acknowledges a QoS 1 message as soon as it arrives; the scorer must
acknowledge only after the message is committed, so manual acknowledgement is
switched on in the paho client underneath. Publishing must not wait for each
PUBACK in turn: results are handed to paho's queue, which sends and retries them.
And a connection the broker closes must fail what waits on it at once, not after
aiomqtt's timeout (10 s): a CONNECT that gets no CONNACK (NATS closes one that comes
within a second of a take-over of its client id), a SUBSCRIBE that gets no SUBACK.
All of these reach aiomqtt's private parts; this module is the one place that does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiomqtt
from paho.mqtt.client import MQTTMessageInfo
from paho.mqtt.reasoncodes import ReasonCode

from protocol.address import BrokerAddress
from protocol.errors import FailureError, RefusalError
from protocol.link import MAX_INFLIGHT, NO_DELAY, SUBACK_FAILURE
from protocol.messages import ScorerStatus, encode
from protocol.topics import status_of
from scorer.wire import bulk_reads, coalesce_writes, fire

log = logging.getLogger(__name__)

T = TypeVar("T")

KEEPALIVE_SECONDS = 15
# One recv() and one send() for many packets instead of several per packet (scorer/wire.py).
BULK_IO = True
# A clean stop waits this long at most to announce itself offline.
GOODBYE_SECONDS = 2.0


# Filters per SUBSCRIBE packet when a scorer subscribes to each of its quizzes: a few KB.
SUBSCRIBE_CHUNK = 100
# A refused subscription is asked again this many times in all, waiting 2, 4, 8, 16 s.
SUBSCRIBE_ATTEMPTS = 5
SUBSCRIBE_RETRY_SECONDS = 2.0


class ScorerSubscriptionRefusedError(RefusalError, RuntimeError):
    """The broker refused one of the scorer's subscriptions: it would run deaf to that topic."""

    def __init__(self, topic_filter: str, code: int) -> None:
        super().__init__(f"the broker refused the subscription to {topic_filter!r} "
                         f"(SUBACK return code 0x{code:02x}); check its ACL and limits "
                         "(for NATS, max_ack_pending)")
        self.topic_filter, self.code = topic_filter, code


def _refusal_fails_the_connect(client: aiomqtt.Client) -> None:
    """Make a connection closed before its CONNACK fail the connect now.

    aiomqtt ignores a disconnection before the CONNACK and waits out its timeout.
    """
    paho = client._client  # noqa: SLF001 - see the module docstring
    theirs = paho.on_disconnect

    def on_disconnect(*args: Any) -> None:
        connected = client._connected  # noqa: SLF001
        if client._lock.locked() and not connected.done():  # noqa: SLF001 - connecting
            connected.set_exception(aiomqtt.MqttError(
                "the broker closed the connection before accepting it"))
        if theirs is not None:
            theirs(*args)

    paho.on_disconnect = on_disconnect


class SessionLostError(FailureError, aiomqtt.MqttError):
    """The connection is up but the broker delivers nothing to the session any more."""


class Link:
    """A connected scorer session: batches in, acknowledgements and publishes out."""

    def __init__(self, client: aiomqtt.Client, status_topic: str) -> None:
        self.client = client
        self.status_topic = status_topic  # where this scorer says online or offline

    @classmethod
    @asynccontextmanager
    async def connect(cls, broker: BrokerAddress, client_id: str,
                      will: ScorerStatus) -> AsyncIterator[Link]:
        """Connect with a persistent session (clean_session=False) and manual acks."""
        client = aiomqtt.Client(
            broker.host, broker.port, username=broker.username, password=broker.password,
            identifier=client_id, clean_session=False, keepalive=KEEPALIVE_SECONDS,
            will=aiomqtt.Will(status_of(client_id), encode(will), qos=1, retain=True),
            max_inflight_messages=MAX_INFLIGHT,
            socket_options=[NO_DELAY],
        )
        client._client.manual_ack_set(True)  # noqa: SLF001 - see the module docstring
        # paho logs every packet it reads and writes (a Logger.log call each, 2% of the
        # scorer's time in the B load); aiomqtt and the scorer log what matters themselves.
        client._client.disable_logger()  # noqa: SLF001
        _refusal_fails_the_connect(client)
        if BULK_IO:
            bulk_reads(client._client)  # noqa: SLF001
            coalesce_writes(client._client)  # noqa: SLF001
        async with client:
            yield cls(client, status_of(client_id))

    async def subscribe(self, *filters: str) -> None:
        """Subscribe at QoS 1 (requests must not be lost); raise if the broker refuses one.

        Many filters go in SUBSCRIBE packets of SUBSCRIBE_CHUNK, not one round trip each. A
        refusal is asked again SUBSCRIBE_ATTEMPTS times, with a growing wait: a clustered
        broker refuses for a few seconds after losing a node. One that persists stops the
        scorer (ScorerSubscriptionRefusedError): running on would ignore a kind of request.
        """
        for start in range(0, len(filters), SUBSCRIBE_CHUNK):
            chunk = filters[start:start + SUBSCRIBE_CHUNK]
            for attempt in range(1, SUBSCRIBE_ATTEMPTS + 1):
                refused = await self._subscribe_chunk(chunk)
                if refused is None:
                    break
                if attempt == SUBSCRIBE_ATTEMPTS:
                    raise refused
                delay = SUBSCRIBE_RETRY_SECONDS * 2 ** (attempt - 1)
                log.warning("%s; asking again in %.0f s", refused, delay)
                await asyncio.sleep(delay)

    async def _subscribe_chunk(self, chunk: tuple[str, ...],
                               ) -> ScorerSubscriptionRefusedError | None:
        granted = await self._unless_lost(self.client.subscribe([(topic, 1) for topic in chunk]))
        codes = [int(c.value) if isinstance(c, ReasonCode) else c for c in granted or ()]
        for topic, value in zip(chunk, codes, strict=False):
            if value >= SUBACK_FAILURE:
                return ScorerSubscriptionRefusedError(topic, value)
        return None

    async def unsubscribe(self, *filters: str) -> None:
        """Stop reading these filters (a forgotten quiz's requests)."""
        for start in range(0, len(filters), SUBSCRIBE_CHUNK):
            await self._unless_lost(
                self.client.unsubscribe(list(filters[start:start + SUBSCRIBE_CHUNK])))

    async def _unless_lost(self, call: Awaitable[T]) -> T:
        """Wait for `call`; raise MqttError as soon as the connection is lost instead.

        aiomqtt waits for a SUBACK or UNSUBACK until its timeout (10 s) even when the
        connection is gone; its message iterator watches the same future as here.
        """
        task = asyncio.ensure_future(call)
        lost = self.client._disconnected  # noqa: SLF001 - see the module docstring
        try:
            await asyncio.wait((task, lost), return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not task.done():
                task.cancel()
        if task.done() and not task.cancelled():
            return task.result()
        raise aiomqtt.MqttError("the connection was lost while waiting for the broker")

    async def batches(self, limit: int) -> AsyncIterator[list[aiomqtt.Message]]:
        """Yield every message pending, at least one at a time and at most `limit`."""
        messages = self.client.messages
        async for first in messages:
            batch = [first]
            while len(messages) and len(batch) < limit:
                batch.append(await anext(messages))
            yield batch

    def pending(self) -> int:
        """Messages received and not yet taken by the batch loop."""
        return len(self.client.messages)

    def ack(self, message: aiomqtt.Message) -> None:
        """Acknowledge a QoS 1 message (after its effects are committed)."""
        if message.qos > 0:
            self.client._client.ack(message.mid, message.qos)  # noqa: SLF001

    async def goodbye(self, offline: bytes) -> None:
        """Say offline on the status topic before a clean disconnect (best effort)."""
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
            async with asyncio.timeout(GOODBYE_SECONDS):
                await self.client.publish(self.status_topic, offline, qos=1, retain=True)

    def publish(self, topic: str, payload: bytes, retain: bool = True,
                qos: int = 1) -> MQTTMessageInfo:
        """Queue a publish without waiting for its PUBACK; `is_published()` tells when."""
        return self.client._client.publish(topic, payload, qos=qos, retain=retain)  # noqa: SLF001

    def send(self, topic: str, payload: bytes, retain: bool = True, qos: int = 1) -> None:
        """Queue a publish nobody waits for: at QoS 0 without paho's bookkeeping (wire.fire)."""
        if qos == 0 and BULK_IO:
            fire(self.client._client, topic, payload, retain)  # noqa: SLF001
        else:
            self.publish(topic, payload, retain=retain, qos=qos)
