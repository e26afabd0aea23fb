"""QoS 0 publishes queued without paho's bookkeeping (scorer/wire.py `fire`) arrive intact.

`fire` encodes the PUBLISH packet itself, so every boundary of the remaining-length field
is tried (1 to 3 bytes), with and without the retain flag, on each broker; what another
client receives must be byte for byte what was sent, in order, retained where asked.
"""

from __future__ import annotations

import asyncio

from protocol import topics
from protocol.messages import ScorerStatus
from scorer.transport import Link
from tests.conftest import BrokerUnderTest, raw_client

# Payload sizes around the limits of 1, 2 and 3 bytes of remaining length.
SIZES = (0, 1, 100, 127 - 20, 128, 16_383 - 30, 16_384, 70_000)


async def test_fired_publishes_arrive_whole_in_order_and_retained_as_asked(
        broker: BrokerUnderTest) -> None:
    code = "F" + topics.new_request_id()[:5].upper()
    # pages of the standings: a topic the scorer publishes and anyone may read
    sent = [(topics.standings(code, n + 1), bytes([n % 251]) * size, n % 2 == 0)
            for n, size in enumerate(SIZES)]
    got: list[tuple[str, bytes]] = []
    async with raw_client(broker.public) as reader:
        await reader.subscribe(topics.standings_of(code), qos=1)
        will = ScorerStatus(status="offline", since=0.0)
        async with Link.connect(broker.scorer, f"fire-{topics.new_request_id()[:8]}",
                                will) as link:
            for topic, payload, retain in sent:
                link.send(topic, payload, retain=retain, qos=0)
            async with asyncio.timeout(15):
                async for message in reader.messages:
                    got.append((str(message.topic), bytes(message.payload)))  # type: ignore[arg-type]
                    if len(got) == len(sent):
                        break
    assert got == [(topic, payload) for topic, payload, _ in sent]
    # A new subscriber gets exactly the retained ones (an empty retained payload clears).
    retained = {topic: payload for topic, payload, retain in sent if retain and payload}
    seen: dict[str, bytes] = {}
    async with raw_client(broker.public) as late:
        await late.subscribe(topics.standings_of(code), qos=1)
        try:
            async with asyncio.timeout(3):
                async for message in late.messages:
                    assert message.retain
                    seen[str(message.topic)] = bytes(message.payload)  # type: ignore[arg-type]
                    if len(seen) == len(retained):
                        break
        except TimeoutError:
            pass
    assert seen == retained
