"""Question flow, joining and answering, with the clock passed in."""

import pytest

from protocol import auth
from protocol.messages import Settings
from scorer.game import Quiz, Refused
from scorer.questions import Question

CODE = "ABCDEF"
HOST = "ab" * 16
QUESTIONS = [Question(kind="choice", prompt=f"definition {i}", pos="noun",
                      choices=("w0", "w1", "w2", "w3"), correct=i % 4, word=f"w{i % 4}",
                      definition=f"definition {i}") for i in range(3)]


def make_quiz(**settings: object) -> Quiz:
    merged = {"questions": 3, "seconds": 20.0, **settings}
    return Quiz(code=CODE, settings=Settings(**merged), questions=list(QUESTIONS),  # type: ignore[arg-type]
                host_key=HOST, created_at=0.0)


def secret(name: str) -> str:
    return name.encode().hex().ljust(32, "0")


def answer(quiz: Quiz, player: str, q: int, choice: int, now: float) -> int:
    sig = auth.sign_answer(secret(player), CODE, player, q, choice)
    return quiz.answer(player, q, choice, sig, now).record.points


def started(*names: str, **settings: object) -> Quiz:
    quiz = make_quiz(**settings)
    for name in names:
        quiz.join(name, name, secret(name))
    quiz.start(now=100.0)
    return quiz


def test_a_correct_answer_scores_by_the_scorers_clock() -> None:
    quiz = started("ann")
    assert answer(quiz, "ann", 0, QUESTIONS[0].correct, now=110.0) == 750


def test_one_answer_per_question_a_repeat_changes_nothing() -> None:
    quiz = started("ann")
    answer(quiz, "ann", 0, QUESTIONS[0].correct, now=100.2)
    with pytest.raises(Refused) as refused:
        answer(quiz, "ann", 0, QUESTIONS[0].correct, now=100.3)
    assert refused.value.reason == "already_answered"
    assert quiz.players["ann"].score == 1000


@pytest.mark.parametrize(("q", "reason"), [(1, "not_open"), (7, "not_open")])
def test_future_questions_are_refused(q: int, reason: str) -> None:
    quiz = started("ann")
    with pytest.raises(Refused) as refused:
        answer(quiz, "ann", q, 0, now=101)
    assert refused.value.reason == reason


def test_closed_questions_are_refused_and_late_ones_score_zero() -> None:
    quiz = started("ann", "bob")
    assert answer(quiz, "ann", 0, QUESTIONS[0].correct, now=125.0) == 0  # past the deadline
    assert quiz.players["ann"].last is not None and quiz.players["ann"].last.late
    quiz.next(at=0, now=126)
    quiz.next(at=0, now=127)
    with pytest.raises(Refused) as refused:
        answer(quiz, "bob", 0, QUESTIONS[0].correct, now=128)
    assert refused.value.reason == "closed"


def test_answers_in_the_lobby_are_refused() -> None:
    quiz = make_quiz()
    quiz.join("ann", "ann", secret("ann"))
    with pytest.raises(Refused) as refused:
        answer(quiz, "ann", 0, 0, now=1)
    assert refused.value.reason == "not_open"


def test_kick_by_name_wins_over_an_id_used_as_a_name() -> None:
    quiz = make_quiz()
    quiz.join("0011aabb", "victim", secret("victim"))
    quiz.join("ffffffff", "0011aabb", secret("tricky"))
    assert quiz.kick("0011aabb").name == "0011aabb"
    assert not quiz.players["0011aabb"].kicked


def test_nobody_can_answer_for_another_player() -> None:
    quiz = started("ann", "eve")
    forged = auth.sign_answer(secret("eve"), CODE, "ann", 0, QUESTIONS[0].correct)
    with pytest.raises(Refused) as refused:
        quiz.answer("ann", 0, QUESTIONS[0].correct, forged, now=101)
    assert refused.value.reason == "bad_signature"
    assert quiz.players["ann"].score == 0


def test_unknown_players_are_refused() -> None:
    quiz = started()
    with pytest.raises(Refused) as refused:
        answer(quiz, "ghost", 0, 0, now=101)
    assert refused.value.reason == "unknown_player"


def test_streak_bonus_needs_consecutive_questions() -> None:
    quiz = started("ann")
    total = answer(quiz, "ann", 0, QUESTIONS[0].correct, now=100.1)
    quiz.next(0, 101)
    quiz.next(0, 102)  # question 2 opens at 102
    total += answer(quiz, "ann", 1, QUESTIONS[1].correct, now=102.1)
    assert total == 1000 + 1100
    assert quiz.players["ann"].streak == 2


def test_a_skipped_question_breaks_the_streak() -> None:
    quiz = started("ann")
    answer(quiz, "ann", 0, QUESTIONS[0].correct, now=100.1)
    for now in (101, 102, 103, 104):  # reveal 1, open 2, reveal 2, open 3
        quiz.next(quiz.index, now)
    assert answer(quiz, "ann", 2, QUESTIONS[2].correct, now=104.1) == 1000


def test_names_are_unique_per_quiz_and_the_same_secret_resumes() -> None:
    quiz = make_quiz()
    first, new = quiz.join("p1", "Ann", secret("ann"))
    again, new_again = quiz.join("p2", "ann", secret("ann"))
    assert new and not new_again and again is first
    with pytest.raises(Refused) as refused:
        quiz.join("p3", "ANN", secret("impostor"))
    assert refused.value.reason == "name_taken"


def test_late_joiners_start_at_zero_and_rank_last() -> None:
    quiz = started("ann")
    answer(quiz, "ann", 0, QUESTIONS[0].correct, now=100.1)
    player, _ = quiz.join("bob", "bob", secret("bob"))
    assert player.score == 0
    assert quiz.rank("bob") == 2


def test_ties_rank_who_reached_the_score_first_higher() -> None:
    quiz = started("ann", "bob", speed_bonus=False)
    answer(quiz, "bob", 0, QUESTIONS[0].correct, now=105)
    answer(quiz, "ann", 0, QUESTIONS[0].correct, now=106)
    assert [s.name for s in quiz.standings()] == ["bob", "ann"]


def test_flow_start_reveal_next_and_finish() -> None:
    quiz = started("ann")
    assert (quiz.phase, quiz.index) == ("question", 0)
    assert quiz.next(at=5, now=101) == []  # a stale command changes nothing
    quiz.next(at=0, now=101)
    assert quiz.phase == "reveal"
    quiz.next(at=0, now=102)
    assert (quiz.phase, quiz.index) == ("question", 1)
    quiz.next(1, 103)
    quiz.next(1, 104)
    quiz.next(2, 105)
    quiz.next(2, 106)
    assert quiz.phase == "finished"
    assert quiz.start(107) == []


def test_the_deadline_reveals_and_auto_moves_on() -> None:
    quiz = started("ann", auto=True)
    assert quiz.tick(119.9) == []
    assert quiz.tick(120.0)[0].phase == "reveal"
    assert quiz.tick(124.0) == []
    assert quiz.tick(125.0)[0].phase == "question"
    assert quiz.index == 1


def test_without_auto_the_host_moves_on_after_the_reveal() -> None:
    quiz = started("ann")
    quiz.tick(121)
    assert quiz.tick(500) == []
    assert quiz.phase == "reveal"


def test_kicked_players_leave_the_board_and_cannot_answer() -> None:
    quiz = started("ann", "bob")
    quiz.kick("ann")
    assert [s.name for s in quiz.standings()] == ["bob"]
    with pytest.raises(Refused) as refused:
        answer(quiz, "ann", 0, 0, now=101)
    assert refused.value.reason == "kicked"


def test_a_finished_quiz_is_a_record_nobody_is_kicked_from() -> None:
    quiz = started("ann", "bob")
    answer(quiz, "ann", 0, QUESTIONS[0].correct, now=101)
    quiz.end()
    with pytest.raises(Refused) as refused:
        quiz.kick("ann")
    assert refused.value.reason == "finished" and "final" in str(refused.value)
    assert not quiz.players["ann"].kicked
    assert [s.name for s in quiz.standings()] == ["ann", "bob"]


def test_host_commands_need_the_host_key() -> None:
    quiz = make_quiz()
    quiz.check_host("start", -1, "", auth.sign_control(HOST, CODE, "start", -1))
    with pytest.raises(Refused) as refused:
        quiz.check_host("start", -1, "", auth.sign_control("cd" * 16, CODE, "start", -1))
    assert refused.value.reason == "forbidden"


def test_distribution_counts_answers_in_time() -> None:
    quiz = started("ann", "bob", "cat")
    answer(quiz, "ann", 0, 1, now=101)
    answer(quiz, "bob", 0, 1, now=102)
    answer(quiz, "cat", 0, 3, now=130)  # late: not counted
    assert quiz.distribution == [0, 2, 0, 0]
    assert quiz.answered == 2
