"""The scorer's decisions without a broker: messages in, rows to commit and effects out."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from protocol import auth, topics
from protocol.messages import Answer, Control, CreateQuiz, DeckEntry, Join, encode
from scorer.game import Quiz
from scorer.handler import (
    Handler,
    Outcome,
    Reconcile,
    ReportBroken,
    SendReply,
    SendResults,
    ShowPlayer,
    ShowState,
)
from scorer.metrics import Metrics
from scorer.store import Store

CLIENT = "00112233aabbccdd"
HOST = "ab" * 32
SECRET = "cd" * 32
NOW = 1_000_000.0


def req(n: int) -> str:
    return f"{n:016x}"


class Room:
    """A handler over a real SQLite file, and the helpers to talk to it."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.store = Store(db)
        self.handler = Handler({q.code: q for q in self.store.load(NOW)}, self.store,
                               Metrics(process=False), rng=random.Random(7))
        self.n = 0

    def send(self, topic: str, message: object, now: float = NOW) -> Outcome:
        """One message in; commit what it wrote (as the session does); the outcome out."""
        out = Outcome()
        payload = message if isinstance(message, bytes) else encode(message)  # type: ignore[arg-type]
        self.handler.handle(topic, payload, now, now, out)
        if out.writes:
            self.store.write(out.writes)
        return out

    def create(self, **fields: object) -> str:
        self.n += 1
        out = self.send(topics.create(), CreateQuiz(client=CLIENT, req=req(self.n),
                                                    host_key=HOST, deck="everyday",
                                                    questions=3, **fields))  # type: ignore[arg-type]
        reply = replies(out)[0]
        assert reply.ok, reply.error
        assert reply.quiz is not None
        return reply.quiz

    def join(self, code: str, name: str) -> str:
        self.n += 1
        out = self.send(topics.join(code), Join(client=CLIENT, req=req(self.n), name=name,
                                                secret=SECRET))
        player = replies(out)[0].player
        assert player is not None
        return player

    def control(self, code: str, action: str, at: int = -1, request: str | None = None,
                now: float = NOW) -> Outcome:
        self.n += 1
        message = Control(client=CLIENT, req=request or req(self.n), action=action, at=at,  # type: ignore[arg-type]
                          sig=auth.sign_control(HOST, code, action, at))
        return self.send(topics.control(code), message, now)

    def quiz(self, code: str) -> Quiz:
        return self.handler.quizzes[code]

    def restart(self) -> Room:
        """A new scorer on the same database, as after kill -9."""
        self.store.close()
        return Room(self.db)


def replies(out: Outcome) -> list:  # type: ignore[type-arg]
    return [effect.reply for effect in out.effects if isinstance(effect, SendReply)]


@pytest.fixture
def room(tmp_path: Path) -> Room:
    return Room(tmp_path / "q.db")


def test_a_creation_writes_the_quiz_and_shows_its_state(room: Room) -> None:
    out = room.send(topics.create(), CreateQuiz(client=CLIENT, req=req(1), host_key=HOST,
                                                deck="everyday", questions=3))
    code = replies(out)[0].quiz
    assert [quiz.code for quiz in out.writes.quizzes] == [code]
    assert ShowState(code) in out.effects  # type: ignore[arg-type]
    again = room.send(topics.create(), CreateQuiz(client=CLIENT, req=req(1), host_key=HOST,
                                                  deck="everyday", questions=3))
    assert replies(again)[0].quiz == code  # a redelivered creation gets the same quiz
    assert not again.writes


def test_an_answer_is_a_row_and_a_player_view(room: Room) -> None:
    code = room.create(speed_bonus=False, streak=False)
    player = room.join(code, "ann")
    room.control(code, "start")
    correct = room.quiz(code).questions[0].correct
    answer = Answer(client=CLIENT, req=req(99), q=0, choice=correct,
                    sig=auth.sign_answer(SECRET, code, player, 0, correct))
    out = room.send(topics.answer(code, player), answer, NOW + 1)
    assert [scored.record.points for _, scored in out.writes.answers] == [1000]
    assert out.effects == [ShowPlayer(code, player)]
    assert out.changed == {code}
    assert out.scored == 1
    repeat = room.send(topics.answer(code, player), answer, NOW + 2)
    assert not repeat.writes
    assert [r.reason for r in replies(repeat)] == ["already_answered"]
    # and the status with the verdict goes out again, for a sender that missed it
    assert ShowPlayer(code, player) in repeat.effects


def test_a_broken_topic_is_reported_not_applied(room: Room) -> None:
    out = room.send("quiz/abcdef/join", b"{}")
    assert out.effects == [ReportBroken("quiz/abcdef/join", "not a quiz topic: "
                                        "'quiz/abcdef/join'")]
    assert not out.writes


@pytest.mark.parametrize(("entries", "why"), [
    ([("cat", "an animal"), ("dog", "an animal"), ("owl", "a bird")], "at least 4"),
    ([("cat", "a"), ("dog", "b"), ("Cat", "c"), ("owl", "d")], "appears twice"),
    ([("cat", "a"), ("dog", "b"), ("  ", "c"), ("owl", "d")], "both needed"),
])
def test_a_deck_from_the_wire_is_checked_like_a_file(
        room: Room, entries: list[tuple[str, str]], why: str) -> None:
    deck = [DeckEntry(term=t, definition=d) for t, d in entries]
    out = room.send(topics.create(), CreateQuiz(client=CLIENT, req=req(5), host_key=HOST,
                                                deck="mine.csv", entries=deck, questions=3))
    [reply] = replies(out)
    assert not reply.ok
    assert reply.reason == "bad_request"
    assert why in (reply.error or "")
    assert not out.writes


def test_a_finished_quiz_is_reconciled(room: Room) -> None:
    code = room.create()
    out = room.control(code, "end")
    assert Reconcile(code) in out.effects  # type: ignore[arg-type]
    assert out.writes.phases == {code: room.quiz(code)}


def test_results_are_read_after_the_commit(room: Room) -> None:
    code = room.create()
    out = room.control(code, "results", request=req(77))
    assert out.effects == [SendResults(code, CLIENT, req(77))]


# --- host commands are applied once (issue: a replayed `next` skipped the reveal) -----------

STEPS = [("start", -1), ("next", 0), ("next", 0), ("end", -1)]


@pytest.mark.parametrize("step", range(len(STEPS)))
def test_a_replayed_host_command_changes_nothing(room: Room, step: int) -> None:
    code = room.create()
    room.join(code, "ann")
    for action, at in STEPS[:step]:
        room.control(code, action, at)
    action, at = STEPS[step]
    room.control(code, action, at, request=req(500))
    before = (room.quiz(code).phase, room.quiz(code).index)
    replay = room.control(code, action, at, request=req(500), now=NOW + 1)
    assert (room.quiz(code).phase, room.quiz(code).index) == before
    assert not replay.writes
    assert [r.ok for r in replies(replay)] == [True]  # the sender hears it is done


def test_a_replayed_kick_changes_nothing(room: Room) -> None:
    code = room.create()
    room.join(code, "ann")
    message = Control(client=CLIENT, req=req(600), action="kick", at=-1, player="ann",
                      sig=auth.sign_control(HOST, code, "kick", -1, "ann"))
    first = room.send(topics.control(code), message)
    assert first.writes.kicked
    again = room.send(topics.control(code), message)
    assert not again.writes
    assert [r.ok for r in replies(again)] == [True]


def test_a_command_redelivered_after_a_crash_changes_nothing(room: Room) -> None:
    """kill -9 between the commit of `next` and its acknowledgement: the broker redelivers it."""
    code = room.create()
    room.join(code, "ann")
    room.control(code, "start")
    room.control(code, "next", at=0, request=req(700))  # question 1 -> its reveal, committed
    assert room.quiz(code).phase == "reveal"
    restarted = room.restart()
    assert restarted.quiz(code).phase == "reveal"
    restarted.control(code, "next", at=0, request=req(700))  # the redelivery
    assert (restarted.quiz(code).phase, restarted.quiz(code).index) == ("reveal", 0)
    restarted.control(code, "next", at=0)  # a new press moves on
    assert (restarted.quiz(code).phase, restarted.quiz(code).index) == ("question", 1)


def test_a_paused_quiz_stays_paused_with_its_time_left_across_a_restart(room: Room) -> None:
    """kill -9 during a pause: the new scorer keeps the clock stopped where it was."""
    code = room.create(seconds=20.0)
    player = room.join(code, "ann")
    room.control(code, "start", now=NOW)
    out = room.control(code, "pause", at=0, now=NOW + 8)
    assert ShowState(code) in out.effects  # type: ignore[arg-type]
    restarted = room.restart()
    quiz = restarted.quiz(code)
    assert quiz.paused
    assert quiz.remaining(NOW + 600) == 12.0
    restarted.handler.tick(NOW + 600, Outcome())
    assert quiz.phase == "question"  # the deadline did not pass while it was paused
    correct = quiz.questions[0].correct
    answer = Answer(client=CLIENT, req=req(99), q=0, choice=correct,
                    sig=auth.sign_answer(SECRET, code, player, 0, correct))
    refused = restarted.send(topics.answer(code, player), answer, NOW + 601)
    assert [r.reason for r in replies(refused)] == ["paused"]
    assert not refused.writes
    restarted.control(code, "resume", at=0, now=NOW + 700)
    again = Answer(client=CLIENT, req=req(98), q=0, choice=correct,
                   sig=auth.sign_answer(SECRET, code, player, 0, correct))
    out = restarted.send(topics.answer(code, player), again, NOW + 702)
    # 8 s before the pause and 2 s after it: 10 s of 20 counted, not 702
    assert [(s.record.elapsed_ms, s.record.points) for _, s in out.writes.answers] == \
        [(10_000, 750)]
    assert restarted.restart().quiz(code).remaining(NOW + 702) == 10.0
