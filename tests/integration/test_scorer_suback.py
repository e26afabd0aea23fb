"""A scorer whose subscription the broker refuses stops, naming the filter (issue 12)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from broker.embedded import run_embedded
from protocol import topics
from scorer.service import Scorer, ScorerSettings
from scorer.store import Store
from scorer.transport import ScorerSubscriptionRefusedError
from tests.conftest import free_port


async def test_a_refused_subscription_stops_the_scorer_with_the_filter_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scorer.transport.SUBSCRIBE_RETRY_SECONDS", 0.01)
    async with run_embedded("127.0.0.1", free_port()) as broker:
        # Logged in anonymously, not as the scorer: the embedded broker refuses anonymous
        # subscriptions to joins and answers (SUBACK 0x80), as a broker's ACL or limits may.
        store = Store(tmp_path / "q.db")
        scorer = Scorer(ScorerSettings(broker=broker.public, database=tmp_path / "q.db"), store)
        try:
            with pytest.raises(ScorerSubscriptionRefusedError) as refused:
                async with asyncio.timeout(20):
                    await scorer.run()
        finally:
            store.close()
    assert refused.value.topic_filter in topics.SCORER_SUBSCRIPTIONS
    assert refused.value.code == 0x80
    assert "0x80" in str(refused.value) and refused.value.topic_filter in str(refused.value)
