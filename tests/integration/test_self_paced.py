"""Homework (a self-paced quiz, contract revision 8) on a real broker and a real database.

Players go through the questions at their own pace, each timed by their own clock, until
the deadline finishes the quiz; a scorer killed with kill -9 in the middle keeps each
player's open question on its first clock.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.render import WatchPrinter
from client.deadline import shown
from client.errors import RefusedError
from client.follow import follow
from client.requests import QuizClient
from protocol import auth, topics
from protocol.messages import (
    Counts,
    Leaderboard,
    PlayerStatus,
    QuestionView,
    ScorerStatus,
    State,
    Words,
)
from scorer.rules import Rules, score_answer
from scorer.store import Store
from scorer.views import COUNTS_INTERVAL_SECONDS
from tests.conftest import (
    ONLINE_TIMEOUT,
    BrokerUnderTest,
    FakeClock,
    first_that,
    mosquitto_broker,
    running_scorer,
)
from tests.integration.test_faults import spawn_scorer, wait_online

HOST = auth.new_secret()
SECONDS = 20.0
DAYS = 3 * 86400.0


async def create(client: QuizClient, closes: float) -> str:
    return await client.create(deck="everyday", entries=None, questions=3, seconds=SECONDS,
                               speed_bonus=True, streak=True, auto=False, host_key=HOST,
                               until=closes)


class Pupil:
    """One player doing the homework through its own connection."""

    def __init__(self, client: QuizClient, code: str, name: str) -> None:
        self.client, self.code, self.name = client, code, name
        self.secret = auth.new_secret()
        self.player = ""

    async def join(self) -> None:
        reply = await self.client.join(self.code, self.name, self.secret)
        assert reply.player is not None
        self.player = reply.player

    async def open(self, q: int) -> QuestionView:
        return await self.client.open_question(self.code, self.player, self.secret, q)

    async def answer(self, q: int, choice: int) -> PlayerStatus:
        return await self.client.answer(self.code, self.player, self.secret, q, choice)


@pytest.mark.parametrize("broker", ["embedded", "mosquitto", "nats"], indirect=True)
async def test_players_at_their_own_pace_until_the_deadline(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    clock = FakeClock(time.time())
    db = tmp_path / "q.db"
    async with running_scorer(broker.scorer, db, clock=clock) as scorer, \
            QuizClient.connect(broker.host, 10) as host, \
            QuizClient.connect(broker.public, 10) as one, \
            QuizClient.connect(broker.public, 10) as two, \
            QuizClient.connect(broker.public, 10) as three:
        closes = clock() + DAYS
        code = await create(host, closes)
        state = await host.state(code)
        assert (state.phase, state.settings.until) == ("open", closes)
        ann, bob = Pupil(one, code, "ann"), Pupil(two, code, "bob")
        cid = Pupil(three, code, "cid")
        for pupil in (ann, bob, cid):
            await pupil.join()
        questions = scorer.quizzes[code].questions
        # ann does it all at once, quickly and right
        for q in range(3):
            view = await ann.open(q)
            assert view.index == q and view.opened_at == clock()
            clock.advance(2.0)
            status = await ann.answer(q, questions[q].correct)
            assert status.last is not None and status.last.correct and status.next == q + 1
        # bob opens question 1 an hour later and comes back to it after 10 s; then he leaves
        clock.advance(3600)
        opened = await bob.open(0)
        clock.advance(10.0)
        assert await bob.open(0) == opened  # a reload: the same question, the same clock
        status = await bob.answer(0, questions[0].correct)
        assert status.last is not None and status.last.points == 750
        await bob.open(1)
        clock.advance(1.0)
        wrong = (questions[1].correct + 1) % 4
        status = await bob.answer(1, wrong)
        assert status.last is not None and not status.last.correct and status.next == 2
        # cid opens the first question the next day and never answers it
        clock.advance(86400)
        await cid.open(0)
        # the counts go out every COUNTS_INTERVAL_SECONDS of the scorer's (fake) clock: one
        # sent at this very moment (bob's) would hold cid's back for good
        clock.advance(COUNTS_INTERVAL_SECONDS)
        counts = await first_that(lambda: host.retained(Counts, topics.counts(code)),
                                  lambda c: c is not None and (c.started, c.done) == (3, 1))
        assert counts is not None and counts.players == 3
        # the deadline passes
        clock.advance(DAYS)
        finished = await first_that(lambda: host.state(code), lambda s: s.phase == "finished")
        assert finished.phase == "finished"
        words = await first_that(lambda: host.retained(Words, topics.words(code)),
                                 lambda w: w is not None)
        assert words is not None
        assert [(w.q, w.answered, w.right) for w in words.words] == [(0, 2, 2), (1, 2, 1),
                                                                       (2, 1, 1)]
        results = (await host.control(code, HOST, "results")).results
    assert results is not None
    store = Store(db)
    try:
        stored = store.answers(code)
    finally:
        store.close()
    assert results.answers == stored
    assert sorted((a.name, a.q, a.elapsed_ms) for a in stored) == [
        ("ann", 0, 2000), ("ann", 1, 2000), ("ann", 2, 2000), ("bob", 0, 10_000),
        ("bob", 1, 1000)]
    streaks: dict[str, int] = {}
    for a in stored:  # each answer scored by the live rules, on the player's own clock
        outcome = score_answer(correct=a.correct, elapsed=a.elapsed_ms / 1000,
                               duration=SECONDS, streak_before=streaks.get(a.player, 0),
                               rules=Rules())
        assert a.points == outcome.points
        streaks[a.player] = outcome.streak
    totals = {s.name: s.score for s in results.standings}
    assert totals == {"ann": sum(a.points for a in stored if a.name == "ann"),
                      "bob": sum(a.points for a in stored if a.name == "bob"), "cid": 0}


@pytest.mark.parametrize("broker", ["embedded", "mosquitto", "nats"], indirect=True)
async def test_a_player_opens_no_question_twice_nor_skips_one(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    async with running_scorer(broker.scorer, tmp_path / "q.db"), \
            QuizClient.connect(broker.host, 10) as host, \
            QuizClient.connect(broker.public, 10) as client:
        code = await create(host, time.time() + DAYS)
        ann = Pupil(client, code, "ann")
        await ann.join()
        with pytest.raises(RefusedError) as skipped:
            await ann.open(1)
        assert skipped.value.reason == "not_open"
        await ann.open(0)
        await ann.open(1)  # moving on leaves question 1 unanswered
        with pytest.raises(RefusedError) as back:
            await ann.answer(0, 0)
        assert back.value.reason == "closed"


@pytest.mark.parametrize("broker", ["embedded", "mosquitto", "nats"], indirect=True)
async def test_quiz_watch_shows_who_started_and_who_finished(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    """The progress line counts from the counts topic; a players' board never resets it."""
    async with running_scorer(broker.scorer, tmp_path / "q.db") as scorer, \
            QuizClient.connect(broker.host, 10) as host, \
            QuizClient.connect(broker.public, 10) as client:
        code = await create(host, time.time() + DAYS)
        ann, bob = Pupil(client, code, "ann"), Pupil(client, code, "bob")
        await ann.join()
        await bob.join()
        questions = scorer.quizzes[code].questions
        for q in range(3):
            await ann.open(q)
            await ann.answer(q, questions[q].correct)
        await bob.open(0)
        await first_that(lambda: host.retained(Counts, topics.counts(code)),
                         lambda c: c is not None and (c.started, c.done) == (2, 1))
        printer = WatchPrinter(as_json=False)
        printed: list[str] = []
        progress = f"quiz {code}: 2 of 2 players started, 1 finished (answered every question)"

        async def watch(done: Callable[[], bool]) -> None:
            async for update in follow(broker.public, code, 10):
                if isinstance(update, State | Leaderboard | Counts | ScorerStatus):
                    printed.extend((printer.show(update) or "").splitlines())
                if done():
                    return

        async with asyncio.timeout(ONLINE_TIMEOUT):
            await watch(lambda: progress in printed)
            # bob answers: a new players' board, whose counts carry no progress
            await bob.answer(0, questions[0].correct)
            await watch(lambda: any(line.startswith("   1. ann") for line in printed)
                        and any(line.strip().startswith("2. bob") and not line.endswith(" 0")
                                for line in printed))
    assert f"quiz {code}: self-paced, open until {shown(time.time() + DAYS)[:10]}" in \
        " ".join(printed)
    assert [line for line in printed if "started" in line] == [progress], printed
    assert not any("0 players" in line for line in printed), printed


async def test_a_players_clock_survives_a_kill_9_of_the_scorer(tmp_path: Path) -> None:
    """kill -9 with a question open: after the restart it keeps its first clock."""
    db = tmp_path / "q.db"
    async with mosquitto_broker(tmp_path / "mosquitto") as broker:
        scorer = await asyncio.to_thread(lambda: wait_online(spawn_scorer(broker.scorer, db)))
        try:
            async with QuizClient.connect(broker.host, 10) as host:
                code = await create(host, time.time() + DAYS)
            async with QuizClient.connect(broker.public, 10) as client:
                ann = Pupil(client, code, "ann")
                await ann.join()
                first = await ann.open(0)
                scorer.send_signal(signal.SIGKILL)  # no goodbye, no flush
                await asyncio.to_thread(scorer.wait)
                killed_at = time.time()
                scorer = await asyncio.to_thread(
                    lambda: wait_online(spawn_scorer(broker.scorer, db)))
                # the page reloads: it asks for its question again
                again = await first_that(lambda: ann.open(0), lambda view: True,
                                         timeout=30)
                assert (again.opened_at, again.deadline) == (first.opened_at, first.deadline)
                correct = await asyncio.to_thread(lambda: question_0(db, code))
                status = await ann.answer(0, correct)
        finally:
            scorer.send_signal(signal.SIGKILL)
            await asyncio.to_thread(scorer.wait)
    assert status.last is not None and status.last.q == 0
    store = Store(db)
    try:
        (stored,) = store.answers(code)
    finally:
        store.close()
    # timed from the first opening, before the crash, not from the reopening after it
    assert stored.elapsed_ms >= round((killed_at - first.opened_at) * 1000)


def question_0(db: Path, code: str) -> int:
    """The right choice of the quiz's first question, read from the database."""
    store = Store(db)
    try:
        return store.load_quiz(code).questions[0].correct
    finally:
        store.close()
