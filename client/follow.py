"""`quiz watch`: a quiz's views for as long as it runs, failing over when a broker dies.

It follows exactly what a classroom display follows (`protocol.views.display_follows`):
each state carries the latest live counts (client/counts.py), like the screens', and the
counts come on their own too, so a reader prints them as they change.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiomqtt

from client.errors import BrokerUnreachableError
from client.reconnect import Connected, Disconnected, Reconnect
from client.requests import REPLY_TIMEOUT_SECONDS, QuizClient
from protocol.address import BrokerAddress, Brokers
from protocol.messages import Counts, Leaderboard, ScorerStatus, State

# What a display follows, and the news of its link.
Followed = State | Leaderboard | Counts | ScorerStatus | Connected | Disconnected


async def follow(where: BrokerAddress | Brokers, code: str,
                 timeout: float = REPLY_TIMEOUT_SECONDS,
                 ) -> AsyncIterator[Followed]:
    """A quiz's updates forever, reconnecting (to the next broker) when the link is lost.

    The first connection must succeed and the quiz must exist (QuizError otherwise). Each
    connection is announced (Connected) before its updates, each loss after them.
    """
    retry = Reconnect(where)
    first = True
    while True:
        broker = str(retry.current)
        reason = "the broker closed the connection"
        try:
            async with QuizClient.connect(retry.order(), timeout) as client:
                broker = str(client.broker)
                retry.connected(client.broker)
                if first:
                    await client.state(code)  # an unknown code fails here, clearly
                    first = False
                yield Connected(broker)
                async for update in client.updates(code):
                    yield update
        except (aiomqtt.MqttError, BrokerUnreachableError) as exc:
            if first:
                raise
            reason = str(exc)
        delay = retry.lost()
        yield Disconnected(broker, reason, delay, retry.attempt)
        await asyncio.sleep(delay)
