"""The SQLite store on a real file: a batch is all or nothing."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from protocol import auth
from protocol.messages import Settings
from scorer.deck import load_builtin
from scorer.game import Quiz
from scorer.questions import make_questions
from scorer.store import Batch, StorageError, Store


def a_quiz() -> Quiz:
    questions = make_questions(load_builtin("everyday"), 2, random.Random(1))
    return Quiz(code="ABCDEF", settings=Settings(questions=2, seconds=20.0),
                questions=questions, host_key=auth.new_secret(), created_at=1.0)


def test_a_batch_whose_last_statement_fails_leaves_no_row(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db")
    quiz = a_quiz()
    store.write(Batch(quizzes=[quiz]))
    player, _ = quiz.join("0011aabb", "ann", "cd" * 32)
    quiz.start(now=10.0)
    scored = quiz.answer("0011aabb", 0, quiz.questions[0].correct,
                         auth.sign_answer("cd" * 32, quiz.code, "0011aabb", 0,
                                          quiz.questions[0].correct), now=11.0)
    # The answers insert is the last statement of a batch: make the database refuse it.
    store.db.execute("CREATE TRIGGER refuse BEFORE INSERT ON answers "
                     "BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    batch = Batch(players=[(quiz.code, player)], phases={quiz.code: quiz},
                  answers=[(quiz.code, scored)], controls=[(quiz.code, "0123456789abcdef")],
                  alive=12.0)
    with pytest.raises(StorageError, match="disk says no"):
        store.write(batch)
    store.close()
    with sqlite3.connect(tmp_path / "q.db") as db:
        assert db.execute("SELECT count(*) FROM players").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM controls").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM meta").fetchone() == (0,)
        assert db.execute("SELECT phase FROM quizzes").fetchone() == ("lobby",)


def test_a_kicked_players_answers_stay_marked_kicked(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db")
    quiz = a_quiz()
    store.write(Batch(quizzes=[quiz]))
    ann, _ = quiz.join("0011aabb", "ann", "cd" * 32)
    quiz.start(now=10.0)
    correct = quiz.questions[0].correct
    scored = quiz.answer("0011aabb", 0, correct, auth.sign_answer(
        "cd" * 32, quiz.code, "0011aabb", 0, correct), now=11.0)
    store.write(Batch(players=[(quiz.code, ann)], phases={quiz.code: quiz},
                      answers=[(quiz.code, scored)]))
    assert [a.kicked for a in store.answers(quiz.code)] == [False]
    quiz.kick("ann")
    store.write(Batch(kicked=[(quiz.code, "0011aabb")]))
    [kept] = store.answers(quiz.code)  # still there, for `quiz results`
    assert (kept.name, kept.q, kept.kicked) == ("ann", 0, True)
    assert store.load_quiz(quiz.code).standings() == []  # and off the standings
    store.close()
