"""Quizzes of several kinds through the handler and a real SQLite file, restarts included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from protocol import auth, topics
from protocol.messages import Answer, CreateQuiz, DeckEntry, encode
from tests.unit.test_handler import CLIENT, HOST, NOW, SECRET, Room, replies, req


@pytest.fixture
def room(tmp_path: Path) -> Room:
    return Room(tmp_path / "q.db")


def typed_answer(code: str, player: str, q: int, text: str) -> Answer:
    return Answer(client=CLIENT, req=req(900 + q), q=q, text=text,
                  sig=auth.sign_answer(SECRET, code, player, q, text))


def test_a_typed_answer_is_judged_stored_and_restored(tmp_path: Path) -> None:
    room = Room(tmp_path / "q.db")
    code = room.create(kinds=["typed"])
    player = room.join(code, "ann")
    room.control(code, "start")
    word = room.quiz(code).questions[0].word
    typo = word[0] + "q" + word[1:]  # one letter too many, and no English word
    out = room.send(topics.answer(code, player), typed_answer(code, player, 0, typo), NOW + 0.2)
    (scored,) = [s for _, s in out.writes.answers]
    assert scored.record.typo and scored.record.text == typo and scored.record.points == 500
    again = room.restart()
    restored = again.quiz(code)
    assert restored.questions[0].kind == "typed" and restored.questions[0].word == word
    assert restored.distribution == [0, 1, 0]  # right, near, wrong: counted in again
    assert restored.players[player].score == 500
    assert again.store.answers(code)[0].text == typo


def test_a_mixed_calm_quiz_keeps_its_settings(room: Room) -> None:
    code = room.create(kinds=["choice", "reverse", "typed"], calm=True)
    quiz = room.quiz(code)
    assert quiz.settings.calm and quiz.settings.kinds == ["choice", "reverse", "typed"]
    assert not quiz.settings.speed_bonus and not quiz.settings.streak
    assert {q.kind for q in quiz.questions} == {"choice", "reverse", "typed"}


def test_a_level_draws_only_that_levels_words(room: Room) -> None:
    entries = [DeckEntry(f"word{i}", f"meaning {i}", "noun", level="B1" if i < 5 else "C1")
               for i in range(10)]
    out = room.send(topics.create(), CreateQuiz(client=CLIENT, req=req(76), host_key=HOST,
                                                deck="mine.csv", entries=entries, questions=3,
                                                level="C1"))
    code = replies(out)[0].quiz
    assert {q.word for q in room.quiz(code).questions} <= {f"word{i}" for i in range(5, 10)}


def test_too_few_words_at_a_level_is_a_clear_refusal(room: Room) -> None:
    entries = [DeckEntry(f"word{i}", f"meaning {i}", "noun", level="B1") for i in range(6)]
    out = room.send(topics.create(), CreateQuiz(client=CLIENT, req=req(77), host_key=HOST,
                                                deck="mine.csv", entries=entries, level="C1"))
    (reply,) = replies(out)
    assert not reply.ok and reply.reason == "bad_request" and "C1" in (reply.error or "")


@pytest.mark.parametrize("payload", [
    {"q": 0, "sig": "ab" * 32},  # neither
    {"q": 0, "choice": 1, "text": "word", "sig": "ab" * 32},  # both
])
def test_an_answer_needs_exactly_one_of_choice_and_text(room: Room, payload: dict) -> None:  # type: ignore[type-arg]
    code = room.create()
    player = room.join(code, "ann")
    raw = encode(Answer(client=CLIENT, req=req(5), q=0, choice=0, sig="ab" * 32))
    body = {**json.loads(raw), **payload}
    if "choice" not in payload:
        body.pop("choice")
    out = room.send(topics.answer(code, player), json.dumps(body).encode())
    (reply,) = replies(out)
    assert reply.reason == "bad_request" and "choice or a text" in (reply.error or "")


def test_a_decks_accepted_answer_is_right_and_another_real_word_wrong(tmp_path: Path) -> None:
    # The deck sent along says outdoors is right for outside (contract revision 4); a
    # restart keeps it, and aware for awake is another word, not a slip (issue 22).
    room = Room(tmp_path / "q.db")
    entries = [DeckEntry("outside", "not in a building, but in the open air", "adverb",
                         accept=["outdoors"]),
               DeckEntry("awake", "not sleeping", "adjective"),
               *[DeckEntry(f"word{i}", f"meaning {i}", "noun") for i in range(4)]]
    out = room.send(topics.create(), CreateQuiz(client=CLIENT, req=req(78), host_key=HOST,
                                                deck="mine.csv", entries=entries, questions=6,
                                                kinds=["typed"]))
    code = replies(out)[0].quiz
    assert code is not None
    room = room.restart()
    questions = room.quiz(code).questions
    assert next(q for q in questions if q.word == "outside").accept == ("outdoors",)
    ann = room.join(code, "ann")
    room.control(code, "start")
    typed = {"outside": "Outdoors", "awake": "aware"}
    judged = {}
    for q, question in enumerate(questions):
        if question.word in typed:
            out = room.send(topics.answer(code, ann),
                            typed_answer(code, ann, q, typed[question.word]), NOW + 0.2)
            (scored,) = [s.record for _, s in out.writes.answers]
            judged[question.word] = (scored.correct, scored.typo, scored.points > 0)
        room.control(code, "next", at=q)  # the reveal
        room.control(code, "next", at=q)  # the next question
    assert judged == {"outside": (True, False, True), "awake": (False, False, False)}
