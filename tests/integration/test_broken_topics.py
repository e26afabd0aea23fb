"""Both brokers treat a request on a broken topic alike: the scorer reports it on quiz/errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiomqtt
import pytest

from protocol import topics
from protocol.messages import BrokenMessage, decode
from tests.conftest import BrokerUnderTest, running_scorer

# Topics of a request's shape whose code or player id is not one (docs/protocol.md).
BROKEN = ["quiz/@@@/join", "quiz/ABCDEF/answers/NOTAHEX", "quiz/abcdef/join",
          "quiz/abcdef/answers/0011aabb"]


@pytest.mark.parametrize("topic", BROKEN)
async def test_a_request_on_a_broken_topic_is_reported_on_both_brokers(
        broker: BrokerUnderTest, tmp_path: Path, topic: str) -> None:
    async with running_scorer(broker.scorer, tmp_path / "q.db"), \
            aiomqtt.Client(broker.public.host, broker.public.port) as client:
        await client.subscribe(topics.errors(), qos=1)
        await client.publish(topic, b'{"v":1}', qos=1)
        async with asyncio.timeout(10):
            async for message in client.messages:
                assert isinstance(message.payload, bytes)
                report = decode(BrokenMessage, message.payload)
                if report.topic == topic:
                    break
    assert "topic" in report.error or "player id" in report.error
