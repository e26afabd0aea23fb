"""A scorer given several brokers (the nodes of a cluster) moves to the next when its own dies."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from broker.embedded import run_embedded
from protocol import auth, topics
from protocol.address import Brokers
from protocol.messages import ScorerStatus
from tests.conftest import connected, first_that, running_scorer, until


async def test_the_scorer_fails_over_to_the_next_broker_and_serves_there(tmp_path: Path) -> None:
    async with AsyncExitStack() as stack:
        second = await stack.enter_async_context(run_embedded(port=0))
        first_stack = AsyncExitStack()
        first = await first_stack.enter_async_context(run_embedded(port=0))
        try:
            scorer = await stack.enter_async_context(running_scorer(
                Brokers((first.scorer, second.scorer)), tmp_path / "q.db"))
            assert scorer.broker == first.scorer
        finally:
            await first_stack.aclose()  # the first broker dies
        await until(lambda: scorer.broker == second.scorer and scorer.connected.is_set(),
                    timeout=20)
        client = await stack.enter_async_context(connected(second.public))
        status = await first_that(
            lambda: client.retained(ScorerStatus, topics.scorer_status()),
            lambda found: found is not None and found.status == "online")
        assert status is not None
        code = await client.create(host_key=auth.new_secret(), deck="everyday", entries=None,
                                   questions=1, seconds=20.0, speed_bonus=True, streak=True,
                                   auto=False)
        assert code in scorer.quizzes
