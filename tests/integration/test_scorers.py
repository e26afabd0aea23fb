"""Several scorers on one broker, each owning some quizzes (scorer/partition.py)."""

from __future__ import annotations

import sqlite3
from contextlib import AsyncExitStack
from pathlib import Path

from cli.status import read_statuses
from protocol import auth, topics
from protocol.messages import Answer, State, encode
from scorer.partition import Partition
from scorer.service import Scorer
from tests.conftest import BrokerUnderTest, connected, first_that, running_scorer, until

HOST = auth.new_secret()
QUIZZES = 16  # 2 scorers: all on one of them happens once in 2**15 runs


def stored(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


async def scorers(stack: AsyncExitStack, broker: BrokerUnderTest, folder: Path,
                  count: int = 2) -> list[Scorer]:
    return [await stack.enter_async_context(running_scorer(
        broker.scorer, folder / f"q{k}.db", client_id=f"quiz-scorer-{k}",
        partition=Partition(k, count))) for k in range(count)]


async def test_each_quiz_lives_on_exactly_one_scorer(broker: BrokerUnderTest,
                                                     tmp_path: Path) -> None:
    async with AsyncExitStack() as stack:
        pair = await scorers(stack, broker, tmp_path)
        client = await stack.enter_async_context(connected(broker.host))
        codes = [await client.create(host_key=HOST, deck="everyday", entries=None,
                                     questions=2, seconds=20.0, speed_bonus=False,
                                     streak=False, auto=False) for _ in range(QUIZZES)]
        owned = [set(scorer.quizzes) for scorer in pair]
        assert owned[0].isdisjoint(owned[1])
        assert owned[0] | owned[1] == set(codes)
        assert owned[0] and owned[1], "crc32 sent every creation to one scorer"
        # every quiz plays through its own scorer: join, start, answer
        for code in codes:
            owner = next(s for s in pair if code in s.quizzes)
            secret = auth.new_secret()
            player = (await client.join(code, "ann", secret)).player
            assert player is not None
            await client.control(code, HOST, "start")
            correct = owner.quizzes[code].questions[0].correct
            status = await client.answer(code, player, secret, 0, correct)
            assert status.score == 1000
            state = await client.retained(State, topics.state(code))
            assert state is not None and state.scorer == owner.settings.client_id
    for k in (0, 1):
        rows = stored(tmp_path / f"q{k}.db", "SELECT quiz FROM answers")
        assert {row[0] for row in rows} == owned[k]  # each scorer stored its own answers


async def test_a_stopped_scorer_pauses_only_its_own_quizzes(broker: BrokerUnderTest,
                                                            tmp_path: Path) -> None:
    async with AsyncExitStack() as outer:
        client = await outer.enter_async_context(connected(broker.host, timeout=10.0))
        async with AsyncExitStack() as first:
            pair = await scorers(first, broker, tmp_path)
            codes = [await client.create(host_key=HOST, deck="everyday", entries=None,
                                         questions=2, seconds=60.0, speed_bonus=False,
                                         streak=False, auto=False) for _ in range(QUIZZES)]
            owner = {code: k for k, s in enumerate(pair) for code in s.quizzes}
            players = {}
            for code in codes:
                secret = auth.new_secret()
                players[code] = ((await client.join(code, "ann", secret)).player, secret)
                await client.control(code, HOST, "start")
            correct = {code: pair[owner[code]].quizzes[code].questions[0].correct
                       for code in codes}
        # scorer 1 alone comes back: scorer 0's quizzes wait, scorer 1's go on
        async with running_scorer(broker.scorer, tmp_path / "q1.db", client_id="quiz-scorer-1",
                                  partition=Partition(1, 2)):
            waiting = [c for c in codes if owner[c] == 0]
            for code in waiting:  # sent while their scorer is down: kept by the broker
                player, secret = players[code]
                await client.connection.mqtt.publish(topics.answer(code, player), auth_answer(
                    client.client_id, code, player, secret, correct[code]), qos=1)
            # sent after them, scored at once: scorer 1 goes on (and stored none of the
            # others: the count of its rows below)
            for code in [c for c in codes if owner[c] == 1]:
                player, secret = players[code]
                assert (await client.answer(code, player, secret, 0, correct[code])).score \
                    == 1000
        async with running_scorer(broker.scorer, tmp_path / "q0.db", client_id="quiz-scorer-0",
                                  partition=Partition(0, 2)) as back:
            await until(lambda: all(back.quizzes[c].players[players[c][0]].answered == 1
                                    for c in waiting), timeout=15)
    for k in (0, 1):
        rows = stored(tmp_path / f"q{k}.db", "SELECT quiz, player, q FROM answers")
        assert len(rows) == len(set(rows)) == sum(1 for c in codes if owner[c] == k)


def auth_answer(client_id: str, code: str, player: str, secret: str, choice: int) -> bytes:
    return encode(Answer(client=client_id, req=topics.new_request_id(), q=0, choice=choice,
                         sig=auth.sign_answer(secret, code, player, 0, choice)))


async def test_each_scorer_has_a_status_of_its_own(broker: BrokerUnderTest,
                                                   tmp_path: Path) -> None:
    async with AsyncExitStack() as stack:
        await scorers(stack, broker, tmp_path)
        both = await read_statuses(broker.public, 5.0)
        assert sorted((s.scorer, s.status) for s in both) == [  # in whatever order they come
            ("quiz-scorer-0", "online"), ("quiz-scorer-1", "online")]
        async with running_scorer(broker.scorer, tmp_path / "q2.db", client_id="quiz-scorer",
                                  partition=Partition(2, 3)):
            three = await read_statuses(broker.public, 5.0)
            assert three[0].scorer == "quiz-scorer"  # the default one first
            assert len(three) == 3
        # the one that stopped says offline on its own topic; the others stay online
        want = {"quiz-scorer": "offline", "quiz-scorer-0": "online", "quiz-scorer-1": "online"}
        # a clustered broker may take a moment to keep the goodbye
        await first_that(lambda: read_statuses(broker.public, 5.0),
                         lambda after: {s.scorer: s.status for s in after} == want,
                         timeout=30, step=0.25)
