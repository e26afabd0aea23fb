"""A whole quiz of one kind on each broker: listening ones next to typed, to the end.

Each question: its prompt never holds its word (a listening question is heard, never
read), one player answers right, another wrongly or with a near miss; at the end the
results the host reads are the answers stored in SQLite, one for one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from protocol import auth
from protocol.messages import LISTENING_KINDS, TYPED_KINDS, QuestionKind
from scorer.questions import Question
from scorer.store import Store
from tests.conftest import (
    BrokerUnderTest,
    FakeClock,
    connected,
    near_miss,
    require_espeak,
    running_scorer,
)

HOST = auth.new_secret()
QUESTIONS = 3


def right_and_other(question: Question) -> tuple[int | str, int | str]:
    """The right answer, and a wrong choice or a near miss of the word."""
    if question.kind in TYPED_KINDS:
        return question.word, near_miss(question.word, avoid=question.near)
    return question.correct, (question.correct + 1) % len(question.choices)


@pytest.mark.parametrize("kind", ["typed", "listen", "listen-choice"])
async def test_a_quiz_of_one_kind_plays_to_the_end_and_results_are_the_stored_answers(
        broker: BrokerUnderTest, tmp_path: Path, kind: QuestionKind) -> None:
    if kind in LISTENING_KINDS:
        require_espeak()
    clock = FakeClock()
    db = tmp_path / "q.db"
    async with running_scorer(broker.scorer, db, clock) as scorer, \
            connected(broker.host) as client:
        code = await client.create(host_key=HOST, deck="everyday", entries=None,
                                   questions=QUESTIONS, seconds=20.0, speed_bonus=True,
                                   streak=True, auto=False, kinds=[kind])
        players = {}
        for name in ("ann", "bob"):
            secret = auth.new_secret()
            players[name] = ((await client.join(code, name, secret)).player, secret)
        await client.control(code, HOST, "start")
        for q in range(QUESTIONS):
            state = await client.state(code)
            assert state.phase == "question" and state.question is not None
            assert state.question.index == q and state.question.kind == kind
            question = scorer.quizzes[code].questions[q]
            shown = state.question
            assert question.word.lower() not in shown.prompt.lower() or kind == "typed"
            if kind == "listen-choice":
                assert question.word in shown.choices and len(shown.choices) == 4
            if kind in LISTENING_KINDS:
                assert shown.audio and question.word.lower() not in shown.audio.lower()
            right, other = right_and_other(question)
            clock.advance(5)
            ann = await client.answer(code, *players["ann"], q, right)
            assert ann.last is not None and ann.last.correct and not ann.last.typo
            bob = await client.answer(code, *players["bob"], q, other)
            assert bob.last is not None
            # a near miss of a heard word is accepted for half the points, as a typed one
            assert (bob.last.correct, bob.last.typo) == ((True, True) if kind in TYPED_KINDS
                                                         else (False, False))
            await client.control(code, HOST, "next", at=q)
            revealed = await client.state(code)
            assert revealed.phase == "reveal" and revealed.reveal is not None
            assert revealed.reveal.term == question.word
            assert revealed.reveal.correct == question.correct
            if q < QUESTIONS - 1:
                await client.control(code, HOST, "next", at=q)
        await client.control(code, HOST, "end")
        reply = await client.control(code, HOST, "results")
        assert reply.results is not None and reply.results.phase == "finished"
        given = reply.results.answers
    store = Store(db)
    try:
        stored = store.answers(code)
    finally:
        store.close()
    assert len(given) == 2 * QUESTIONS
    assert sorted(given, key=lambda a: (a.q, a.name)) == sorted(stored,
                                                                key=lambda a: (a.q, a.name))
    scores = {s.name: s.score for s in reply.results.standings}
    assert scores == {name: sum(a.points for a in stored if a.name == name)
                      for name in ("ann", "bob")}
    assert scores["ann"] > scores["bob"]
