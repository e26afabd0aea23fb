"""A subscription the broker refuses is an error naming the filter, in the CLI and the screens.

The embedded broker refuses what its rules do not allow (a wildcard over answers, a
player id that is a wildcard): a real SUBACK failure (0x80), not a simulated one.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from broker.embedded import Embedded
from client.credentials import PlayerCredentials
from client.errors import SubscriptionRefusedError
from protocol import auth, topics
from protocol.messages import PlayerStatus
from tests.conftest import connected, running_scorer
from tests.e2e.cli import quiz
from tui.live import Connected, Disconnected, Live


async def test_a_refused_subscription_is_an_error_naming_the_filter(embedded: Embedded) -> None:
    async with connected(embedded.public) as client:
        with pytest.raises(SubscriptionRefusedError) as refused:
            await client.retained(PlayerStatus, topics.answer("+", "+"))
    assert refused.value.topic_filter == "quiz/+/answers/+"
    assert "the broker refused the subscription to quiz/+/answers/+" in str(refused.value)
    assert "0x80" in str(refused.value)


async def test_a_screen_treats_a_refused_subscription_as_a_failed_connection(
        embedded: Embedded) -> None:
    forged = PlayerCredentials(name="eve", player="#", secret="s" * 64)  # a wildcard id
    live = Live(embedded.public, topics.new_code(), player=forged, retry_min=0.05,
                retry_max=0.1)
    events = live.events()
    try:
        async with asyncio.timeout(10):
            first = await anext(events)
    finally:
        await events.aclose()
    assert isinstance(first, Disconnected), first  # never Connected on a half subscription
    assert not isinstance(first, Connected)
    assert "the broker refused the subscription to quiz/" in first.reason
    assert "/players/#" in first.reason


async def test_quiz_answer_says_which_subscription_was_refused(embedded: Embedded,
                                                               tmp_path: Path) -> None:
    async with running_scorer(embedded.scorer, tmp_path / "quiz.db"), \
            connected(embedded.public) as client:
        key = auth.new_secret()
        code = await client.create(deck="everyday", entries=None, questions=1, seconds=300,
                                   speed_bonus=True, streak=True, auto=False, host_key=key)
        await client.control(code, key, "start")
        home = tmp_path / "eve"
        home.mkdir()
        (home / "credentials.json").write_text(json.dumps({"hosts": {}, "players": {code: {
            "eve": {"name": "eve", "player": "#", "secret": "s" * 64}}}}))
        done = await asyncio.to_thread(quiz, "answer", code, "--choice", "1", home=home,
                                       broker=str(embedded.public), timeout=60)
    assert done.code == 1
    assert done.err.strip() == (f"error: the broker refused the subscription to "
                                f"quiz/{code}/players/# (Unspecified error, SUBACK 0x80)")
