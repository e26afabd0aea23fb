"""The scorer against real brokers (embedded amqtt and Mosquitto) with SQLite on disk."""

from __future__ import annotations

import asyncio
import gc
import itertools
from pathlib import Path

import aiomqtt
import pytest

from broker.embedded import Embedded
from broker.mosquitto import Accounts, run_mosquitto
from client.errors import NoReplyError, RefusedError
from protocol import auth, topics
from protocol.address import BrokerAddress
from protocol.messages import (
    Answer,
    BrokenMessage,
    Join,
    Leaderboard,
    PlayerStatus,
    Reply,
    ScorerStatus,
    StandingsPage,
    decode,
    encode,
)
from tests.conftest import (
    NO_REPLY_SECONDS,
    WAIT_SECONDS,
    BrokerUnderTest,
    FakeClock,
    board_including,
    connected,
    first_that,
    free_port,
    mosquitto_broker,
    raw_client,
    require_mosquitto,
    running_scorer,
    until,
)

HOST = auth.new_secret()


async def create(client, **options: object) -> str:  # type: ignore[no-untyped-def]
    settings = {"deck": "everyday", "entries": None, "questions": 3, "seconds": 20.0,
                "speed_bonus": True, "streak": True, "auto": False, **options}
    return await client.create(host_key=HOST, **settings)  # type: ignore[no-any-return]


async def join(client, code: str, name: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    secret = auth.new_secret()
    reply = await client.join(code, name, secret)
    return reply.player, secret


async def test_a_quiz_from_creation_to_results(broker: BrokerUnderTest, tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_scorer(broker.scorer, tmp_path / "q.db", clock) as scorer, \
            connected(broker.host) as client:
        code = await create(client)
        players = {name: await join(client, code, name) for name in ("ann", "bob", "cat")}
        await client.control(code, HOST, "start")
        state = await client.state(code)
        assert state.phase == "question"
        assert state.reveal is None  # never the answer before the reveal
        correct = scorer.quizzes[code].questions[0].correct

        clock.advance(10)  # half the time: 750 points
        ann = await client.answer(code, *players["ann"], 0, correct)
        assert (ann.score, ann.rank, ann.last and ann.last.correct) == (750, 1, True)
        bob = await client.answer(code, *players["bob"], 0, (correct + 1) % 4)
        assert (bob.score, bob.last and bob.last.correct) == (0, False)

        await client.control(code, HOST, "next", at=0)
        state = await client.state(code)
        assert state.phase == "reveal" and state.reveal is not None
        assert state.reveal.correct == correct
        assert state.reveal.distribution[correct] == 1

        assert bob.last is not None
        board = await board_including(client, code, bob.last.seq)
        assert [(s.name, s.score) for s in board.top] == [("ann", 750), ("bob", 0), ("cat", 0)]

        await client.control(code, HOST, "end")
        reply = await client.control(code, HOST, "results")
        assert reply.results is not None
        assert [(a.name, a.points) for a in reply.results.answers] == [("ann", 750),
                                                                        ("bob", 0)]


async def test_a_restarted_scorer_has_the_same_scores_and_counts_nothing_twice(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    clock = FakeClock()
    db = tmp_path / "q.db"
    async with running_scorer(broker.scorer, db, clock) as scorer, \
            connected(broker.host) as client:
        code = await create(client, speed_bonus=False)
        ann, bob = await join(client, code, "ann"), await join(client, code, "bob")
        await client.control(code, HOST, "start")
        correct = scorer.quizzes[code].questions[0].correct
        await client.answer(code, *bob, 0, correct)
        await client.answer(code, *ann, 0, correct)
        before = scorer.quizzes[code].standings()

    async with running_scorer(broker.scorer, db, clock) as scorer, \
            connected(broker.host) as client:
        assert scorer.quizzes[code].standings() == before
        with pytest.raises(RefusedError, match="already answered"):
            await client.answer(code, *ann, 0, correct)
        assert scorer.quizzes[code].players[ann[0]].score == 1000
        again = await client.join(code, "ann", ann[1])
        assert (again.player, again.score) == (ann[0], 1000)


async def test_answers_sent_while_the_scorer_is_down_are_scored_when_it_returns(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    """Judged as if they arrived when the scorer went away, and the deadline waits for them."""
    db, clock = tmp_path / "q.db", FakeClock()
    async with running_scorer(broker.scorer, db, clock) as scorer, \
            connected(broker.host) as client:
        code = await create(client, seconds=20.0, streak=False)
        ann = await join(client, code, "ann")
        await client.control(code, HOST, "start")
        correct = scorer.quizzes[code].questions[0].correct
        clock.advance(5.0)  # 5 s into the question, the scorer's heartbeat says "alive"
        await until(lambda: scorer.store.last_alive() == clock.now)

    async with connected(broker.host) as client:  # the scorer is down: the answer waits
        answer = Answer(client=client.client_id, req=topics.new_request_id(), q=0,
                        choice=correct, sig=auth.sign_answer(ann[1], code, ann[0], 0, correct))
        await client.connection.mqtt.publish(topics.answer(code, ann[0]), encode(answer), qos=1)

    clock.advance(95.0)  # it comes back long after the 20 s deadline
    async with running_scorer(broker.scorer, db, clock) as scorer:
        await until(lambda: scorer.quizzes[code].players[ann[0]].score > 0)
        record = scorer.quizzes[code].players[ann[0]].last
        assert record is not None
        assert (record.elapsed_ms, record.late, record.points) == (5000, False, 875)
        await until(lambda: scorer.quizzes[code].phase == "reveal")  # the deadline, after


async def test_bad_input_is_answered_and_changes_nothing(broker: BrokerUnderTest,
                                                         tmp_path: Path) -> None:
    raw_id = topics.new_client_id()
    async with running_scorer(broker.scorer, tmp_path / "q.db") as scorer, \
            connected(broker.host) as client, raw_client(broker.host, raw_id) as raw:
        code = await create(client)
        ann = await join(client, code, "ann")
        await client.control(code, HOST, "start")
        await raw.subscribe(topics.errors(), qos=1)
        await raw.subscribe(topics.replies_of(raw_id), qos=1)
        junk = [
            (topics.answer(code, ann[0]), b"\xff\xfe not json"),
            (topics.answer(code, ann[0]), b'{"v":1,"req":"00000000000000bb","q":"x","client":"%s"}'
             % raw_id.encode()),
            (topics.join(code), b'{"v":1,"req":"short","name":"x"}'),
            (topics.control(code), b"[1,2,3]"),
            (topics.create(), b"{}"),
            (topics.answer(code, ann[0]), b"{" + b" " * 100_000 + b"}"),
            (topics.join("ZZZZZZ"), b'{"v":1,"req":"00000000000000cc","name":"x",'
                                    b'"secret":"' + b"ab" * 16 + b'"}'),
        ]
        for topic, payload in junk:
            await raw.publish(topic, payload, qos=1)
        seen: list[BrokenMessage | Reply] = []
        async with asyncio.timeout(WAIT_SECONDS):
            async for message in raw.messages:
                kind = BrokenMessage if str(message.topic) == topics.errors() else Reply
                seen.append(decode(kind, bytes(message.payload)))  # type: ignore[arg-type]
                if len(seen) == 6:
                    break
        assert sum(isinstance(m, Reply) and not m.ok for m in seen) == 1
        assert sum(isinstance(m, BrokenMessage) for m in seen) == 5
        correct = scorer.quizzes[code].questions[0].correct
        status = await client.answer(code, *ann, 0, correct)
        assert status.score > 0
        assert set(scorer.quizzes) == {code}


async def test_forged_answers_and_host_commands_are_refused(broker: BrokerUnderTest,
                                                            tmp_path: Path) -> None:
    async with running_scorer(broker.scorer, tmp_path / "q.db") as scorer, \
            connected(broker.host) as client:
        code = await create(client)
        ann = await join(client, code, "ann")
        eve = await join(client, code, "eve")
        with pytest.raises(RefusedError, match="host token"):
            await client.control(code, auth.new_secret(), "start")
        assert scorer.quizzes[code].phase == "lobby"
        await client.control(code, HOST, "start")
        correct = scorer.quizzes[code].questions[0].correct
        with pytest.raises(RefusedError, match="not signed by this player"):
            await client.answer(code, ann[0], eve[1], 0, correct)
        assert scorer.quizzes[code].players[ann[0]].score == 0
        with pytest.raises(RefusedError, match="taken"):
            await client.join(code, "ANN", auth.new_secret())
        with pytest.raises(RefusedError, match="no live quiz"):
            await client.join("ZZZZZZ", "ann", auth.new_secret())


async def test_a_display_gets_the_retained_board_at_once_and_every_change(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    async with running_scorer(broker.scorer, tmp_path / "q.db") as scorer, \
            connected(broker.host) as client:
        code = await create(client, speed_bonus=False, streak=False)
        ann = await join(client, code, "ann")
        await client.control(code, HOST, "start")
        await until(lambda: code not in scorer.views._leaderboards)

        async with aiomqtt.Client("127.0.0.1", broker.public.port) as display:
            await display.subscribe(topics.leaderboard(code), qos=1)
            boards: list[Leaderboard] = []
            async with asyncio.timeout(WAIT_SECONDS):
                async for message in display.messages:
                    boards.append(decode(Leaderboard, bytes(message.payload)))  # type: ignore[arg-type]
                    if len(boards) == 1:
                        assert message.retain
                        correct = scorer.quizzes[code].questions[0].correct
                        await client.answer(code, *ann, 0, correct)
                    if boards[-1].top[0].score == 1000:
                        break
        assert boards[0].top[0].score == 0
        assert all(a.seq < b.seq for a, b in itertools.pairwise(boards))


async def test_players_cannot_publish_what_only_the_scorer_publishes(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    """A forged view never reaches a display, and the retained ones stay the scorer's."""
    async with running_scorer(broker.scorer, tmp_path / "q.db"), \
            connected(broker.host) as host, connected(broker.public) as player, \
            raw_client(broker.public) as display:
        code = await create(host)
        await join(player, code, "ann")
        forged = {
            topics.leaderboard(code): b'{"v":1,"quiz":"%s","seq":999,"players":1,"top":[],'
                                      b'"updated_at":0}' % code.encode(),
            topics.state(code): b"{}",
            topics.scorer_status(): b"{}",
        }
        for topic in forged:
            await display.subscribe(topic, qos=1)
        for topic, payload in forged.items():
            await player.connection.mqtt.publish(topic, payload, qos=1, retain=True)
        # A join on the same connection comes after the forgeries, and so does the board the
        # scorer publishes for it: once the display has that board, a forgery let through
        # would have reached it already.
        await join(player, code, "bob")
        seen: list[tuple[str, bytes]] = []
        async with asyncio.timeout(WAIT_SECONDS):
            async for message in display.messages:
                seen.append((str(message.topic), bytes(message.payload)))
                if seen[-1][0] == topics.leaderboard(code) and \
                        "bob" in {s.name for s in decode(Leaderboard, seen[-1][1]).top}:
                    break
        assert not set(forged.items()) & set(seen)
        assert (await player.state(code)).phase == "lobby"
        # retained on NATS through JetStream: read until it is there, within the bound
        status = await first_that(lambda: player.retained(ScorerStatus, topics.scorer_status()),
                                  lambda found: found is not None)
        assert status is not None and status.status == "online"


@pytest.mark.parametrize("topic_filter", [
    "quiz/ABCDEF/answers/+", "quiz/ABCDEF/join", "quiz/ABCDEF/control", "quiz/new",
    "quiz/replies/+/+", "#",
])
async def test_players_cannot_read_requests_or_other_clients_replies(
        broker: BrokerUnderTest, tmp_path: Path, topic_filter: str) -> None:
    if broker.name == "nats" and topic_filter == "quiz/replies/+/+":
        pytest.skip("NATS cannot limit a client to its own replies (docs/security.md); "
                    "tests/integration/test_nats.py shows what it lets through")
    spy_id = topics.new_client_id()
    async with running_scorer(broker.scorer, tmp_path / "q.db"), \
            connected(broker.host) as host, raw_client(broker.public, spy_id) as spy:
        code = await create(host)
        # QoS 0: one plain subscription each, delivered in the order the broker routes them
        await spy.subscribe(topic_filter.replace("ABCDEF", code), qos=0)
        await create(host)  # a creation and its reply
        ann = await join(host, code, "ann")  # a join and its reply
        await host.control(code, HOST, "start")  # a host command and its reply
        await host.answer(code, *ann, 0, 1)  # an answer
        # The spy's own request comes after all of them, and its reply last: by then, whatever
        # the broker let through has reached the spy.
        marker = topics.new_request_id()
        await spy.subscribe(topics.reply(spy_id, marker), qos=0)
        await spy.publish(topics.join(code), encode(Join(client=spy_id, req=marker, name="spy",
                                                         secret=auth.new_secret())), qos=1)
        sent = {topics.create(), topics.join(code), topics.control(code),
                topics.answer(code, ann[0])}
        async with asyncio.timeout(WAIT_SECONDS):
            async for message in spy.messages:
                if str(message.topic) == topics.reply(spy_id, marker):
                    break
                # Mosquitto accepts a wide filter and delivers only what the ACL allows.
                read = str(message.topic)
                assert read not in sent, f"{topic_filter} let a player read {read}"
                assert not message.topic.matches(topics.replies_of(host.client_id)), \
                    f"{topic_filter} let a player read {read}"


async def test_only_hosts_may_create_quizzes_on_mosquitto(tmp_path: Path) -> None:
    async with mosquitto_broker(tmp_path / "m") as broker, \
            running_scorer(broker.scorer, tmp_path / "q.db"), \
            connected(broker.public, timeout=WAIT_SECONDS) as player:
        player.timeout = NO_REPLY_SECONDS
        with pytest.raises(NoReplyError):
            await create(player)


async def test_wrong_passwords_are_refused(broker: BrokerUnderTest) -> None:
    accounts = ("scorer", "teacher") if broker.name == "mosquitto" else ("scorer",)
    for user in accounts:
        with pytest.raises(aiomqtt.MqttError):
            async with aiomqtt.Client(broker.public.host, broker.public.port, username=user,
                                      password="wrong", timeout=3):
                pass


async def test_player_status_is_retained(broker: BrokerUnderTest, tmp_path: Path) -> None:
    async with running_scorer(broker.scorer, tmp_path / "q.db"), \
            connected(broker.host) as client:
        code = await create(client)
        ann = await join(client, code, "ann")
        status = await first_that(lambda: client.retained(PlayerStatus,
                                                          topics.player(code, ann[0])),
                                  lambda found: found is not None)
        assert status is not None and (status.name, status.score, status.rank) == ("ann", 0, 1)
        assert (await client.state(code)).phase == "lobby"


async def test_a_browser_display_reads_the_board_over_websockets(tmp_path: Path) -> None:
    """Mosquitto's WebSockets listener (mosquitto.conf) serves the retained standings."""
    require_mosquitto()
    folder, port, ws_port = tmp_path / "mosquitto", free_port(), free_port()
    Accounts(folder).add("scorer", "scorer", "pw")
    Accounts(folder).add("teacher", "host", "pw2")
    with run_mosquitto(folder, port, ws_port=ws_port):
        async with running_scorer(BrokerAddress("127.0.0.1", port, "scorer", "pw"),
                                  tmp_path / "q.db"), \
                connected(BrokerAddress("127.0.0.1", port, "teacher", "pw2")) as host:
            code = await create(host)
            await join(host, code, "ann")
            await first_that(lambda: host.retained(Leaderboard, topics.leaderboard(code)),
                             lambda board: board is not None and len(board.top) == 1)
            async with aiomqtt.Client("127.0.0.1", ws_port, transport="websockets",
                                      timeout=5) as display:
                await display.subscribe(topics.leaderboard(code), qos=1)
                async with asyncio.timeout(WAIT_SECONDS):
                    message = await anext(aiter(display.messages))
    board = decode(Leaderboard, bytes(message.payload))  # type: ignore[arg-type]
    assert [s.name for s in board.top] == ["ann"]


async def test_results_come_in_parts_and_are_put_back_together(
        broker: BrokerUnderTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scorer.effects.RESULTS_PART_ANSWERS", 2)  # 5 answers: 3 parts
    async with running_scorer(broker.scorer, tmp_path / "q.db") as scorer, \
            connected(broker.host) as client:
        code = await create(client)
        players = [await join(client, code, f"p{i}") for i in range(5)]
        await client.control(code, HOST, "start")
        correct = scorer.quizzes[code].questions[0].correct
        for player, secret in players:
            await client.answer(code, player, secret, 0, correct)
        reply = await client.control(code, HOST, "results")
    assert reply.results is not None
    assert [a.player for a in reply.results.answers] == [p for p, _ in players]
    assert len(reply.results.standings) == 5


async def test_a_stopped_scorer_gives_the_garbage_collector_back(embedded: Embedded,
                                                                  tmp_path: Path) -> None:
    gc.unfreeze()
    async with running_scorer(embedded.scorer, tmp_path / "quiz.db"):
        assert gc.get_freeze_count() > 0  # what the scorer holds is kept out of full passes
    assert gc.get_freeze_count() == 0  # a process that goes on collects as before


async def test_anyone_reads_everyones_standings_and_a_players_board(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    async with running_scorer(broker.scorer, tmp_path / "q.db") as scorer, \
            connected(broker.host) as client:
        code = await create(client, speed_bonus=False, streak=False)
        players = [await join(client, code, name) for name in ("ann", "bob", "<b>cy</b>")]
        await client.control(code, HOST, "start")
        correct = scorer.quizzes[code].questions[0].correct
        await client.answer(code, *players[2], 0, correct)
        await client.control(code, HOST, "next", at=0)  # the reveal: players get a board
        await until(lambda: scorer.quizzes[code].phase == "reveal")
        await until(lambda: not scorer.views._standings)
        # an anonymous display, as any MQTT client: both retained views come at once
        async with aiomqtt.Client("127.0.0.1", broker.public.port) as display:
            await display.subscribe(topics.standings_of(code), qos=1)
            await display.subscribe(topics.board(code), qos=1)
            seen: dict[str, bytes] = {}
            async with asyncio.timeout(WAIT_SECONDS):
                async for message in display.messages:
                    seen[str(message.topic)] = bytes(message.payload)  # type: ignore[arg-type]
                    if len(seen) == 2:
                        break
        page = decode(StandingsPage, seen[topics.standings(code, 1)])
        assert [(row.rank, row.name, row.score) for row in page.rows] == [
            (1, "<b>cy</b>", 1000), (2, "ann", 0), (3, "bob", 0)]
        assert (page.page, page.pages, page.players) == (1, 1, 3)
        board = decode(Leaderboard, seen[topics.board(code)])
        assert board.top[0].name == "<b>cy</b>" and board.top[0].score == 1000
