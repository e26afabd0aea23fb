"""Which views the scorer publishes, and when: fan-out by design, without a broker."""

from __future__ import annotations

import msgspec
import pytest

from protocol import auth, topics
from protocol.messages import Leaderboard, Settings, StandingsPage
from scorer.game import Quiz
from scorer.metrics import Metrics
from scorer.questions import Question
from scorer.views import (
    LEADERBOARD_BUDGET,
    PLAYER_BOARD_BUDGET,
    PLAYER_BOARD_MIN_SECONDS,
    STANDINGS_PAGE,
    STANDINGS_SECONDS,
    View,
    Views,
)

CODE = "ABCDEF"
QUESTIONS = [Question(kind="choice", prompt=f"definition {i}", pos="noun",
                      choices=("w0", "w1", "w2", "w3"), correct=0, word="w0",
                      definition=f"definition {i}") for i in range(3)]


def secret(player: str) -> str:
    return player.ljust(32, "0")


def quiz_with(players: int) -> Quiz:
    quiz = Quiz(code=CODE, settings=Settings(questions=3, seconds=20.0),
                questions=list(QUESTIONS), host_key="ab" * 16, created_at=0.0)
    for n in range(players):
        quiz.join(f"{n:08x}", f"p{n}", secret(f"{n:08x}"))
    return quiz


def views_of(*quizzes: Quiz) -> Views:
    return Views({quiz.code: quiz for quiz in quizzes}, Metrics(process=False), top_n=10,
                 leaderboard_interval=0.1)


def topics_of(views: list[View]) -> list[str]:
    return [view.topic for view in views]


def answer(quiz: Quiz, player: str, now: float) -> None:
    quiz.answer(player, quiz.index, 0, auth.sign_answer(secret(player), CODE, player,
                                                        quiz.index, 0), now)


def test_players_get_no_board_while_a_question_is_open_and_one_at_the_reveal() -> None:
    quiz = quiz_with(3)
    views = views_of(quiz)
    quiz.start(now=10.0)
    opened = views.state(CODE, 10.0)
    assert topics.board(CODE) not in topics_of(opened)  # players look at the question
    answer(quiz, "00000000", 11.0)
    views.changed({CODE})
    due = topics_of(list(views.due(12.0)))
    assert topics.leaderboard(CODE) in due  # displays see it live
    assert topics.board(CODE) not in due
    quiz.tick(now=31.0)  # the deadline: reveal
    revealed = views.state(CODE, 31.0)
    [board] = [v for v in revealed if v.topic == topics.board(CODE)]
    assert msgspec.json.decode(board.payload, type=Leaderboard).top[0].score > 0


def test_in_the_lobby_the_players_board_follows_joins_at_most_once_an_interval() -> None:
    quiz = quiz_with(1)
    views = views_of(quiz)
    views.state(CODE, 0.0)  # created: its first board
    quiz.join("00000099", "late", secret("00000099"))
    views.changed({CODE})
    assert topics.board(CODE) not in topics_of(list(views.due(0.5)))
    assert topics.board(CODE) in topics_of(list(views.due(PLAYER_BOARD_MIN_SECONDS)))
    assert topics.board(CODE) not in topics_of(list(views.due(PLAYER_BOARD_MIN_SECONDS + 2)))


def test_the_players_board_interval_grows_with_the_players_online() -> None:
    assert views_of(quiz_with(10)).board_interval() == PLAYER_BOARD_MIN_SECONDS
    many = int(PLAYER_BOARD_BUDGET * 2)
    assert views_of(quiz_with(many)).board_interval() == pytest.approx(2.0)


def pages(views: list[View]) -> dict[str, StandingsPage | None]:
    return {v.topic: msgspec.json.decode(v.payload, type=StandingsPage) if v.payload else None
            for v in views if "/standings/" in v.topic}


def test_the_full_standings_come_in_pages_and_only_changed_pages_are_sent_again() -> None:
    quiz = quiz_with(2 * STANDINGS_PAGE + 50)
    views = views_of(quiz)
    views.changed({CODE})
    first = pages(list(views.due(0.0)))
    assert sorted(first) == [topics.standings(CODE, n) for n in (1, 2, 3)]
    page3 = first[topics.standings(CODE, 3)]
    assert page3 is not None
    assert (page3.pages, page3.players, len(page3.rows), page3.rows[0].rank) == (3, 250, 50, 201)
    quiz.start(now=0.2)
    answer(quiz, f"{249:08x}", now=0.5)  # the last player jumps to rank 1: every page moves
    views.changed({CODE})
    assert pages(list(views.due(0.5))) == {}  # at most once per STANDINGS_SECONDS
    moved = pages(list(views.due(STANDINGS_SECONDS)))
    assert sorted(moved) == [topics.standings(CODE, n) for n in (1, 2, 3)]
    first_row = moved[topics.standings(CODE, 1)]
    assert first_row is not None and first_row.rows[0].name == "p249"
    views.changed({CODE})  # nothing moved since: nothing is sent again
    assert pages(list(views.due(2 * STANDINGS_SECONDS))) == {}


def test_a_page_that_no_longer_exists_is_cleared() -> None:
    quiz = quiz_with(STANDINGS_PAGE + 1)
    views = views_of(quiz)
    views.changed({CODE})
    list(views.due(0.0))
    quiz.kick("p0")
    views.changed({CODE})
    cleared = pages(list(views.due(STANDINGS_SECONDS)))
    assert cleared[topics.standings(CODE, 2)] is None  # an empty retained message removes it
    only = cleared[topics.standings(CODE, 1)]
    assert only is not None and (only.pages, only.players) == (1, STANDINGS_PAGE)


def quizzes_named(count: int, players: int) -> list[Quiz]:
    made = []
    for n in range(count):
        quiz = Quiz(code=f"Q{n:05d}", settings=Settings(questions=3, seconds=20.0),
                    questions=list(QUESTIONS), host_key="ab" * 16, created_at=0.0)
        for p in range(players):
            quiz.join(f"{p:08x}", f"p{p}", secret(f"{p:08x}"))
        made.append(quiz)
    return made


def leaderboards(views: list[View]) -> list[str]:
    return [v.topic for v in views if v.topic.endswith("/leaderboard")]


def test_live_leaderboards_stay_within_the_budget_oldest_change_first() -> None:
    per_call = int(LEADERBOARD_BUDGET * 0.1)  # due() is called every leaderboard_interval
    quizzes = quizzes_named(per_call + 50, players=2)
    views = views_of(*quizzes)
    views.changed({quiz.code for quiz in quizzes[:per_call]})
    views.changed({quiz.code for quiz in quizzes[per_call:]})  # changed later
    first = leaderboards(list(views.due(1.0)))
    assert len(first) == per_call
    assert set(first) == {topics.leaderboard(q.code) for q in quizzes[:per_call]}
    views.changed({quizzes[0].code})  # changed again: it waits behind the older ones
    second = leaderboards(list(views.due(1.1)))
    assert set(second[:-1]) == {topics.leaderboard(q.code) for q in quizzes[per_call:]}
    assert second[-1] == topics.leaderboard(quizzes[0].code)
    assert not leaderboards(list(views.due(1.2)))


def test_the_leaderboard_carries_the_live_counts_of_the_open_question() -> None:
    quiz = quiz_with(3)
    views = views_of(quiz)
    views.changed({CODE})
    [lobby] = [v for v in views.due(0.0) if v.topic == topics.leaderboard(CODE)]
    board = msgspec.json.decode(lobby.payload, type=Leaderboard)
    assert (board.players, board.answered, board.q) == (3, 0, -1)
    quiz.start(now=1.0)
    answer(quiz, "00000001", 2.0)
    views.changed({CODE})
    [live] = [v for v in views.due(2.0) if v.topic == topics.leaderboard(CODE)]
    board = msgspec.json.decode(live.payload, type=Leaderboard)
    assert (board.players, board.answered, board.q) == (3, 1, 0)


def test_a_quiz_the_leaderboard_holds_whole_publishes_its_page_at_phase_changes_only() -> None:
    quiz = quiz_with(5)  # fewer than top_n: the leaderboard already shows everyone
    views = views_of(quiz)
    views.changed({CODE})
    assert pages(list(views.due(0.0)))  # its first page
    quiz.start(now=1.0)
    views.state(CODE, 1.0)
    list(views.due(1.0))  # the question opened (its rows did not move: no page)
    for n, at in enumerate((2.0, 4.0, 6.0)):
        answer(quiz, f"{n:08x}", at)
        views.changed({CODE})
        assert not pages(list(views.due(at)))  # live: the leaderboard, not the pages
    quiz.tick(now=30.0)  # the reveal
    views.state(CODE, 30.0)
    revealed = pages(list(views.due(30.0)))
    page = revealed[topics.standings(CODE, 1)]
    assert page is not None and page.rows[0].score > 0


def test_a_quiz_larger_than_the_leaderboard_gets_its_pages_live_once_a_second() -> None:
    quiz = quiz_with(30)
    views = views_of(quiz)
    quiz.start(now=0.0)
    views.state(CODE, 0.0)
    list(views.due(0.0))
    answer(quiz, f"{29:08x}", 0.5)
    views.changed({CODE})
    assert pages(list(views.due(STANDINGS_SECONDS)))
