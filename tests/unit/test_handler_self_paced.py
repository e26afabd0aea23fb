"""A self-paced quiz through the handler and SQLite: clocks stored before the reply goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from protocol import auth, topics
from protocol.messages import Answer, CreateQuiz, decode_request, encode
from scorer.handler import Outcome, ShowPlayer
from scorer.views import player_view
from tests.unit.test_handler import CLIENT, HOST, NOW, SECRET, Room, replies, req

UNTIL = NOW + 3 * 86400


@pytest.fixture
def room(tmp_path: Path) -> Room:
    return Room(tmp_path / "q.db")


def open_request(room: Room, code: str, player: str, q: int, now: float,
                 request: str | None = None) -> Outcome:
    room.n += 1
    message = Answer(client=CLIENT, req=request or req(300 + room.n), q=q, open=True,
                     sig=auth.sign_open(SECRET, code, player, q))
    return room.send(topics.answer(code, player), message, now)


def answer(room: Room, code: str, player: str, q: int, choice: int, now: float) -> Outcome:
    room.n += 1
    message = Answer(client=CLIENT, req=req(600 + room.n), q=q, choice=choice,
                     sig=auth.sign_answer(SECRET, code, player, q, choice))
    return room.send(topics.answer(code, player), message, now)


def test_a_self_paced_quiz_is_open_from_its_creation_to_its_deadline(room: Room) -> None:
    code = room.create(until=UNTIL)
    quiz = room.quiz(code)
    assert (quiz.phase, quiz.settings.until) == ("open", UNTIL)
    assert room.restart().quiz(code).phase == "open"


@pytest.mark.parametrize("until", [NOW - 1, NOW + 200 * 86400])
def test_a_deadline_past_or_too_far_is_refused(room: Room, until: float) -> None:
    out = room.send(topics.create(), CreateQuiz(client=CLIENT, req=req(1), host_key=HOST,
                                                deck="everyday", questions=3, until=until))
    assert [(r.ok, r.reason) for r in replies(out)] == [(False, "bad_request")]
    assert not out.writes


def test_the_reply_carries_the_question_and_the_clock_is_committed_with_it(
        room: Room) -> None:
    code = room.create(until=UNTIL)
    player = room.join(code, "ann")
    out = open_request(room, code, player, 0, NOW + 10)
    assert out.writes.opened == [(code, player, 0, NOW + 10)]
    (reply,) = replies(out)
    assert reply.ok and reply.question is not None
    assert (reply.question.index, reply.question.opened_at, reply.question.deadline) == \
        (0, NOW + 10, NOW + 30)
    assert b"correct" not in encode(reply)  # the question, never its answer
    again = open_request(room, code, player, 0, NOW + 15)  # a retry: nothing new to store
    assert not again.writes.opened
    assert replies(again)[0].question == reply.question


def test_a_players_clock_survives_a_restart(room: Room) -> None:
    """kill -9 after the commit: the new scorer times the answer from the first opening."""
    code = room.create(until=UNTIL)
    player = room.join(code, "ann")
    open_request(room, code, player, 0, NOW + 10)
    restarted = room.restart()
    reopened = open_request(restarted, code, player, 0, NOW + 14)
    assert replies(reopened)[0].question.opened_at == NOW + 10  # type: ignore[union-attr]
    correct = restarted.quiz(code).questions[0].correct
    out = answer(restarted, code, player, 0, correct, NOW + 20)
    assert [(s.record.elapsed_ms, s.record.points) for _, s in out.writes.answers] == \
        [(10_000, 750)]
    assert ShowPlayer(code, player) in out.effects
    status = player_view(restarted.quiz(code), player)
    assert status.next == 1 and status.last is not None and status.last.q == 0


def test_a_refused_opening_stores_nothing(room: Room) -> None:
    code = room.create(until=UNTIL)
    player = room.join(code, "ann")
    out = open_request(room, code, player, 1, NOW + 1)
    assert [r.reason for r in replies(out)] == ["not_open"]
    assert not out.writes
    forged = Answer(client=CLIENT, req=req(999), q=0, open=True,
                    sig=auth.sign_open("ef" * 32, code, player, 0))
    out = room.send(topics.answer(code, player), forged, NOW + 1)
    assert [r.reason for r in replies(out)] == ["bad_signature"]
    assert not out.writes


def test_an_opening_is_judged_when_it_comes_not_when_the_scorer_went_away(
        room: Room) -> None:
    """A request that waited in the broker: the question opens when the player sees it."""
    code = room.create(until=UNTIL)
    player = room.join(code, "ann")
    message = Answer(client=CLIENT, req=req(5), q=0, open=True,
                     sig=auth.sign_open(SECRET, code, player, 0))
    out = Outcome()
    room.handler.handle(topics.answer(code, player), encode(message), NOW + 100, NOW + 1, out)
    assert out.writes.opened == [(code, player, 0, NOW + 100)]


def test_the_deadline_finishes_it_with_every_word_to_review(room: Room) -> None:
    code = room.create(until=UNTIL)
    player = room.join(code, "ann")
    open_request(room, code, player, 0, NOW + 10)
    out = Outcome()
    room.handler.tick(UNTIL - 1, out)
    assert room.quiz(code).phase == "open"
    room.handler.tick(UNTIL, out)
    room.store.write(out.writes)
    assert room.quiz(code).phase == "finished"
    assert room.restart().quiz(code).phase == "finished"


def test_an_open_request_with_a_choice_is_a_bad_request() -> None:
    payload = encode(Answer(client=CLIENT, req=req(1), q=0, open=True, choice=1, sig="0" * 64))
    with pytest.raises(ValueError, match="no choice"):
        decode_request(topics.parse_inbound(topics.answer("ABCDEF", "0011aabb")), payload)


def test_a_finished_homework_stays_for_its_results_a_day_after_its_deadline(
        room: Room) -> None:
    code = room.create(until=UNTIL)
    room.handler.tick(UNTIL, out := Outcome())
    room.store.write(out.writes)
    assert room.handler.evict(UNTIL + 3600) == []
    assert code in {quiz.code for quiz in room.store.load(UNTIL + 3600)}
