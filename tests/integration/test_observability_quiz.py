"""Metrics, readiness and logs of a real scorer during a real quiz."""

from __future__ import annotations

import asyncio
import io
import logging
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from broker.mosquitto import Accounts, run_mosquitto
from client.errors import RefusedError
from protocol import auth, topics
from protocol.address import BrokerAddress
from protocol.messages import BrokenMessage, decode
from scorer.logs import configure_logging
from scorer.metrics import Metrics, MetricsServer
from scorer.service import Scorer, ScorerSettings
from scorer.store import Store
from tests.conftest import (
    ONLINE_TIMEOUT,
    BrokerUnderTest,
    connected,
    first_that,
    free_port,
    raw_client,
    require_mosquitto,
)

HOST = auth.new_secret()


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = await asyncio.to_thread(get, port, "/metrics")
    assert status == 200
    return samples(body)


async def test_metrics_count_what_happened_in_a_quiz(broker: BrokerUnderTest,
                                                     tmp_path: Path) -> None:
    metrics = Metrics()
    store = Store(tmp_path / "q.db")
    scorer = Scorer(ScorerSettings(broker=broker.scorer, database=tmp_path / "q.db"), store,
                    metrics=metrics)
    async with MetricsServer(metrics, "127.0.0.1", 0) as server:
        task = asyncio.create_task(scorer.run())
        try:
            async with asyncio.timeout(ONLINE_TIMEOUT):
                await scorer.connected.wait()
            async with connected(broker.host) as client:
                code = await client.create(deck="everyday", entries=None, questions=2,
                                           seconds=60, speed_bonus=True, streak=True,
                                           auto=False, host_key=HOST)
                players = []
                for name in ("ann", "bob", "cat"):
                    secret = auth.new_secret()
                    players.append(((await client.join(code, name, secret)).player, secret))
                await client.control(code, HOST, "start")
                for player, secret in players:
                    await client.answer(code, player or "", secret, 0, 1)
                for _ in range(2):  # two forged signatures, then one repeat
                    with pytest.raises(RefusedError, match="not signed"):
                        await client.answer(code, players[0][0] or "", players[1][1], 0, 2)
                with pytest.raises(RefusedError, match="already answered"):
                    await client.answer(code, players[0][0] or "", players[0][1], 0, 1)
            # the leaderboard goes out at the next flush, after the last answer's verdict
            found = await first_that(lambda: scrape(server.port), lambda found: found.get(
                ("quiz_leaderboard_publishes_total", ()), 0) >= 1)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            store.close()
    assert found[("quiz_answers_scored_total", ())] == 3
    assert found[("quiz_answers_received_total", ())] == 6
    assert found[("quiz_requests_refused_total", (("reason", "bad_signature"),))] == 2
    assert found[("quiz_requests_refused_total", (("reason", "already_answered"),))] == 1
    assert found[("quiz_live_quizzes", ())] == 1
    assert found[("quiz_players", ())] == 3
    assert found[("quiz_broker_connected", ())] == 1
    assert found[("quiz_scoring_latency_seconds_count", ())] == 3


async def test_readiness_follows_the_broker(tmp_path: Path) -> None:
    require_mosquitto()
    folder, port = tmp_path / "mosquitto", free_port()
    Accounts(folder).add("scorer", "scorer", "pw")
    metrics = Metrics()
    store = Store(tmp_path / "q.db")
    scorer = Scorer(ScorerSettings(broker=BrokerAddress("127.0.0.1", port, "scorer", "pw"),
                                   database=tmp_path / "q.db"), store, metrics=metrics)

    async def readyz(expected: int) -> str:
        _, body = await first_that(lambda: asyncio.to_thread(get, server.port, "/readyz"),
                                   lambda got: got[0] == expected, timeout=20, step=0.1)
        return body

    async with MetricsServer(metrics, "127.0.0.1", 0) as server:
        assert (await asyncio.to_thread(get, server.port, "/healthz"))[0] == 200
        await readyz(503)  # not connected yet
        with run_mosquitto(folder, port):
            task = asyncio.create_task(scorer.run())
            await readyz(200)
        body = await readyz(503)  # the broker is gone
        assert "broker" in body
        assert (await asyncio.to_thread(get, server.port, "/healthz"))[0] == 200
        with run_mosquitto(folder, port):
            await readyz(200)  # back by itself
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    store.close()


async def test_no_log_line_carries_a_secret(broker: BrokerUnderTest, tmp_path: Path) -> None:
    lines = io.StringIO()
    handler = configure_logging("debug", "json", stream=lines)
    secrets_seen: list[str] = [HOST]
    if broker.scorer.password:
        secrets_seen.append(broker.scorer.password)
    store = Store(tmp_path / "q.db")
    scorer = Scorer(ScorerSettings(broker=broker.scorer, database=tmp_path / "q.db"), store)
    task = asyncio.create_task(scorer.run())
    try:
        async with asyncio.timeout(ONLINE_TIMEOUT):
            await scorer.connected.wait()
        async with connected(broker.host) as client, raw_client(broker.public) as errors:
            await errors.subscribe(topics.errors(), qos=1)
            code = await client.create(deck="everyday", entries=None, questions=1, seconds=60,
                                       speed_bonus=True, streak=True, auto=False, host_key=HOST)
            secret = auth.new_secret()
            secrets_seen.append(secret)
            player = (await client.join(code, "ann", secret)).player or ""
            with pytest.raises(RefusedError):
                await client.join(code, "ann", auth.new_secret())  # refused: logged
            await client.control(code, HOST, "start")
            await client.answer(code, player, secret, 0, 1)
            await client.connection.mqtt.publish(
                topics.join(code), b'{"v":1,"name":"x","secret":"' + secret.encode() + b'"',
                qos=1)
            async with asyncio.timeout(5):  # reported on quiz/errors once it has been logged
                async for message in errors.messages:
                    report = decode(BrokenMessage, bytes(message.payload))  # type: ignore[arg-type]
                    if report.topic == topics.join(code):
                        break
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        store.close()
        logging.getLogger().removeHandler(handler)
    text = lines.getvalue()
    assert text.count("\n") > 5, "the scorer logged nothing to check"
    for secret_value in secrets_seen:
        assert secret_value not in text
