"""quiz create --again (contract revision 7): a new quiz of an old one's questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from protocol import auth, topics
from protocol.messages import Again, CreateQuiz
from scorer.store import KEEP_FINISHED_SECONDS
from tests.unit.test_handler import CLIENT, HOST, NOW, Room, replies, req

NEW_HOST = "12" * 32
STRANGER = "34" * 32


@pytest.fixture
def room(tmp_path: Path) -> Room:
    return Room(tmp_path / "q.db")


def again(room: Room, code: str, *, signed_by: str = HOST, new_host: str = NEW_HOST,
          shuffle: bool = False, now: float = NOW):  # type: ignore[no-untyped-def]
    room.n += 1
    request = CreateQuiz(client=CLIENT, req=req(500 + room.n), host_key=new_host,
                         deck="everyday", questions=1, seconds=99.0,
                         again=Again(quiz=code, sig=auth.sign_again(signed_by, code, new_host)),
                         shuffle=shuffle)
    out = room.send(topics.create(), request, now)
    return out, replies(out)[0]


def create(room: Room, questions: int, **fields: object) -> str:
    room.n += 1
    request = CreateQuiz(client=CLIENT, req=req(room.n), host_key=HOST, deck="everyday",
                         questions=questions, **fields)  # type: ignore[arg-type]
    reply = replies(room.send(topics.create(), request))[0]
    assert reply.ok, reply.error
    return str(reply.quiz)


def terms(room: Room, code: str) -> list[str]:
    return [question.term for question in room.quiz(code).questions]


def test_a_quiz_run_again_has_the_same_questions_in_order_and_settings(room: Room) -> None:
    old = create(room, 8, seconds=42.0, kinds=["choice", "reverse", "typed"],
                      calm=True)
    room.control(old, "start")
    room.control(old, "end")
    out, reply = again(room, old)
    assert reply.ok, reply.error
    new = reply.quiz
    assert new != old
    assert room.quiz(new).questions == room.quiz(old).questions
    assert room.quiz(new).settings == room.quiz(old).settings  # not the request's 1 of 99 s
    assert (room.quiz(new).phase, room.quiz(new).host_key) == ("lobby", NEW_HOST)
    assert [quiz.code for quiz in out.writes.quizzes] == [new]
    # the new quiz is the new host's: its commands are signed with the new key
    assert not room.control(new, "start").writes  # signed with the old key: refused
    assert room.quiz(new).phase == "lobby"


def test_shuffled_it_has_the_same_questions_in_another_order(room: Room) -> None:
    old = create(room, 10)
    _, reply = again(room, old, shuffle=True)
    assert reply.ok, reply.error
    assert sorted(terms(room, reply.quiz)) == sorted(terms(room, old))
    assert terms(room, reply.quiz) != terms(room, old)


def test_a_finished_quiz_the_scorer_forgot_is_run_again_from_the_database(
        room: Room) -> None:
    old = create(room, 5)
    room.control(old, "end")
    asked = terms(room, old)
    later = NOW + KEEP_FINISHED_SECONDS + 60
    assert old in room.handler.evict(later)  # gone from memory, kept in SQLite
    assert old not in room.handler.quizzes
    _, reply = again(room, old, now=later)
    assert reply.ok, reply.error
    assert terms(room, reply.quiz) == asked


@pytest.mark.parametrize(("signed_by", "new_host"), [
    (STRANGER, NEW_HOST),  # not the old quiz's host
    (NEW_HOST, NEW_HOST),  # the new key signing for itself
], ids=["stranger", "self-signed"])
def test_only_the_old_quizs_host_runs_it_again(room: Room, signed_by: str,
                                               new_host: str) -> None:
    old = create(room, 3)
    out, reply = again(room, old, signed_by=signed_by, new_host=new_host)
    assert (reply.ok, reply.reason) == (False, "forbidden")
    assert not out.writes
    assert list(room.handler.quizzes) == [old]


def test_a_signature_for_another_new_host_key_is_refused(room: Room) -> None:
    old = create(room, 3)
    proof = auth.sign_again(HOST, old, NEW_HOST)  # seen on the wire, reused with its own key
    request = CreateQuiz(client=CLIENT, req=req(900), host_key=STRANGER, deck="everyday",
                         again=Again(quiz=old, sig=proof))
    reply = replies(room.send(topics.create(), request))[0]
    assert (reply.ok, reply.reason) == (False, "forbidden")


def test_an_unknown_quiz_cannot_be_run_again(room: Room) -> None:
    out, reply = again(room, "ZZZZZZ")
    assert (reply.ok, reply.reason) == (False, "unknown_quiz")
    assert "ZZZZZZ" in reply.error
    assert not out.writes
