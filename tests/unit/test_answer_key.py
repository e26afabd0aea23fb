"""The answer key (contract revision 6): the open question's answer, to its host only."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import answerkey, auth, topics
from protocol.answerkey import AnswerKey
from protocol.messages import Control, DecodeError
from tests.unit.test_handler import CLIENT, HOST, NOW, Room, replies, req

OTHER_KEY = "ef" * 32


@pytest.fixture
def room(tmp_path: Path) -> Room:
    return Room(tmp_path / "q.db")


def ask_key(room: Room, code: str, host_key: str = HOST, at: int = 0,
            sig: str | None = None) -> tuple[str, object]:
    room.n += 1
    request = req(1000 + room.n)
    message = Control(client=CLIENT, req=request, action="key", at=at,
                      sig=sig or auth.sign_control(host_key, code, "key", at))
    out = room.send(topics.control(code), message, NOW + 1)
    assert not out.writes  # a read: nothing stored, nothing shown
    assert not out.changed
    [reply] = replies(out)
    return request, reply


@pytest.mark.parametrize("kinds", [["choice"], ["reverse"], ["cloze"], ["typed"]])
def test_the_host_gets_the_open_questions_answer_sealed(room: Room, kinds: list[str]) -> None:
    code = room.create(kinds=kinds)
    room.control(code, "start", now=NOW)
    request, reply = ask_key(room, code)
    assert reply.ok, reply.error  # type: ignore[attr-defined]
    question = room.quiz(code).questions[0]
    assert question.term not in reply.key  # type: ignore[attr-defined]
    key = answerkey.open_sealed(HOST, code, request, reply.key)  # type: ignore[attr-defined]
    assert key == AnswerKey(q=0, correct=question.correct, term=question.term)
    if kinds == ["reverse"]:  # the right definition is among the choices the host sees
        assert question.choices[key.correct] == question.definition
    if kinds == ["typed"]:
        assert key.correct == -1


def test_a_key_signed_with_another_key_is_refused(room: Room) -> None:
    code = room.create()
    room.control(code, "start", now=NOW)
    _, forged = ask_key(room, code, host_key=OTHER_KEY)
    assert (forged.ok, forged.reason, forged.key) == (False, "forbidden", None)  # type: ignore[attr-defined]
    # a host signature for another command (or another question) does not open the key
    start_sig = auth.sign_control(HOST, code, "start", 0)
    _, replayed = ask_key(room, code, sig=start_sig)
    assert (replayed.ok, replayed.reason, replayed.key) == (False, "forbidden", None)  # type: ignore[attr-defined]


@pytest.mark.parametrize("phase", ["lobby", "reveal", "finished"])
def test_there_is_no_key_without_an_open_question(room: Room, phase: str) -> None:
    code = room.create()
    if phase != "lobby":
        room.control(code, "start", now=NOW)
        room.control(code, "next", at=0, now=NOW)
    if phase == "finished":
        room.control(code, "end", now=NOW)
    assert room.quiz(code).phase == phase
    _, reply = ask_key(room, code)
    assert (reply.ok, reply.reason, reply.key) == (False, "not_open", None)  # type: ignore[attr-defined]


def test_only_the_host_key_opens_the_sealed_answer() -> None:
    key = AnswerKey(q=2, correct=1, term="journey")
    sealed = answerkey.seal(HOST, "347PGA", req(1), key)
    assert answerkey.open_sealed(HOST, "347PGA", req(1), sealed) == key
    for host_key, code, request in [(OTHER_KEY, "347PGA", req(1)), (HOST, "347PGB", req(1)),
                                    (HOST, "347PGA", req(2))]:
        with pytest.raises(DecodeError):
            answerkey.open_sealed(host_key, code, request, sealed)
    with pytest.raises(DecodeError, match="not hex"):
        answerkey.open_sealed(HOST, "347PGA", req(1), "zz")


@given(st.integers(-1, 3), st.text(min_size=1, max_size=500))
def test_any_answer_seals_and_opens(correct: int, term: str) -> None:
    key = AnswerKey(q=0, correct=correct, term=term)
    assert answerkey.open_sealed(HOST, "ABCDEF", req(7),
                                 answerkey.seal(HOST, "ABCDEF", req(7), key)) == key
