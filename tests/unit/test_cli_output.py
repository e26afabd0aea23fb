"""What `quiz watch`, `quiz results`, `quiz kick` and `quiz serve` print: pure, no broker."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from cli import render
from cli import results as quiz_results
from cli.main import carried
from client.errors import QuizError
from client.standings import Everyone, PageCleared
from protocol.address import BrokerAddress
from protocol.messages import (
    AnswerRecord,
    Counts,
    LastResult,
    Leaderboard,
    PlayerStatus,
    QuestionView,
    Results,
    ScorerStatus,
    Settings,
    Standing,
    StandingsPage,
    State,
)
from tui import formatting as fmt

CODE = "K7QX2M"
SETTINGS = Settings(questions=3, seconds=20)


def state(phase: str, players: int = 1, seq: int = 1) -> State:
    return State(quiz=CODE, seq=seq, phase=phase, settings=SETTINGS,  # type: ignore[arg-type]
                 players=players, updated_at=1.0)


def board(seq: int, *scores: int) -> Leaderboard:
    top = [Standing(i + 1, f"{i:08x}", f"p{i}", score) for i, score in enumerate(scores)]
    return Leaderboard(quiz=CODE, seq=seq, players=len(top), top=top, updated_at=float(seq))


def page(number: int, seq: int, rows: list[Standing], pages: int = 1) -> StandingsPage:
    return StandingsPage(quiz=CODE, page=number, pages=pages, size=100, players=len(rows),
                         seq=seq, rows=rows, updated_at=float(seq))


def printed(printer: render.WatchPrinter, *updates: object) -> list[str]:
    return [text for update in updates
            if (text := printer.show(update)) is not None]  # type: ignore[arg-type]


def test_watch_prints_the_scorer_status_once_and_again_only_when_it_changes() -> None:
    printer = render.WatchPrinter(as_json=False)
    online = ScorerStatus(status="online", since=1.0)
    later = ScorerStatus(status="online", since=1.0, answers_per_second=4.0)
    offline = ScorerStatus(status="offline", since=2.0)
    assert printed(printer, online, later, online, offline, offline, online) == \
        ["scorer online", "scorer offline", "scorer online"]


def test_watch_prints_a_leaderboard_only_when_what_it_shows_changed() -> None:
    printer = render.WatchPrinter(as_json=False)
    lines = printed(printer, board(1, 10), board(2, 10), board(3, 20), board(2, 10))
    assert len(lines) == 2  # seq 2 shows what seq 1 showed; seq 2 again is older than 3
    assert "(#1, 1 player)" in lines[0]  # singular
    assert "20" in lines[1]
    assert printer.boards == 2


def test_watch_says_players_in_the_singular_and_the_plural() -> None:
    printer = render.WatchPrinter(as_json=False)
    assert printed(printer, state("lobby", 1)) == [f"quiz {CODE}: lobby, 1 player"]
    assert printed(printer, state("lobby", 1, seq=2), state("lobby", 2, seq=3)) == \
        [f"quiz {CODE}: lobby, 2 players"]


def test_watch_knows_when_the_quiz_finished() -> None:
    printer = render.WatchPrinter(as_json=True)
    printer.show(state("lobby"))
    assert not printer.finished
    [line] = printed(printer, state("finished", seq=2))
    assert json.loads(line)["type"] == "state"
    assert printer.finished


def test_watch_folds_the_live_counts_into_the_state() -> None:
    printer = render.WatchPrinter(as_json=False)
    lobby = state("lobby", players=0)
    joined = Counts(quiz=CODE, players=1, answered=0, q=-1, updated_at=2.0)
    assert printed(printer, lobby, joined, joined) == \
        [f"quiz {CODE}: lobby, 0 players", f"quiz {CODE}: lobby, 1 player"]
    question = State(quiz=CODE, seq=2, phase="question", settings=SETTINGS, players=1,
                     question=QuestionView(index=0, count=3, prompt="p", pos="n",
                                           choices=["a", "b", "c", "d"], opened_at=3.0,
                                           deadline=23.0), updated_at=3.0)
    [asked] = printed(printer, question)
    assert asked.startswith(f"quiz {CODE}: question 1/3")
    one = Counts(quiz=CODE, players=1, answered=1, q=0, updated_at=4.0)
    assert printed(printer, one, one) == [f"quiz {CODE}: 1 of 1 player answered"]


def test_watch_all_prints_each_page_of_everyone_when_it_changes() -> None:
    rows = [Standing(i + 1, f"{i:08x}", f"player{i}", 100 - i) for i in range(3)]
    plain = render.WatchPrinter(as_json=False)
    assert printed(plain, page(1, 5, rows)) == []  # without --all, pages are not printed
    printer = render.WatchPrinter(as_json=False, everyone=True)
    first = printed(printer, page(1, 5, rows), page(1, 6, rows), page(1, 4, rows[:1]))
    assert len(first) == 1  # the same rows again, then an older page: nothing new
    assert first[0].splitlines()[0] == f"standings {CODE}, page 1 of 1 (3 players)"
    assert [line.split()[:2] for line in first[0].splitlines()[1:]] == \
        [["1.", "player0"], ["2.", "player1"], ["3.", "player2"]]
    assert printed(printer, PageCleared(1)) == []
    assert len(printed(printer, page(1, 7, rows))) == 1  # back after a clear: printed again


ANSWERS = [
    AnswerRecord(player="aaaaaaaa", name="ann", q=0, choice=0, correct=True, points=900,
                 elapsed_ms=1000, late=False),
    AnswerRecord(player="bbbbbbbb", name="bob", q=0, choice=3, correct=False, points=0,
                 elapsed_ms=2000, late=False, kicked=True),
    AnswerRecord(player="aaaaaaaa", name="ann", q=1, choice=2, correct=True, points=800,
                 elapsed_ms=3000, late=False),
]
RESULTS = Results(quiz=CODE, phase="finished", standings=[Standing(1, "aaaaaaaa", "ann", 1700)],
                  answers=ANSWERS)


def test_results_number_questions_and_choices_from_1_in_json_as_in_csv() -> None:
    data = quiz_results.results_json(RESULTS)
    assert [(a["question"], a["choice"]) for a in data["answers"]] == [  # type: ignore[index]
        (1, 1), (1, 4), (2, 3)]
    rows = quiz_results.results_rows(RESULTS)
    header = rows[0]
    by_column = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [(r["question"], r["choice"]) for r in by_column] == [(1, 1), (2, 3), (1, 4)]


def test_results_keep_a_kicked_players_answers_marked_kicked() -> None:
    data = quiz_results.results_json(RESULTS)
    assert [a["kicked"] for a in data["answers"]] == [False, True, False]  # type: ignore[index]
    rows = quiz_results.results_rows(RESULTS)
    bob = [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[1] == "bob"]
    assert bob == [{"rank": "", "name": "bob", "player": "bbbbbbbb", "score": 0, "question": 1,
                    "kind": "", "term": "", "prompt": "", "answer": "", "choice": 4,
                    "correct": 0, "points": 0, "elapsed_ms": 2000, "late": 0,
                    "kicked": 1, "text": "", "typo": 0}]


def test_a_typed_answer_has_its_text_and_no_choice() -> None:
    typed = AnswerRecord(player="aaaaaaaa", name="ann", q=0, choice=-1, text="recieve",
                         typo=True, correct=True, points=450, elapsed_ms=900, late=False)
    results = Results(quiz=CODE, phase="finished", standings=[Standing(1, "aaaaaaaa", "ann", 450)],
                      answers=[typed])
    (answer,) = quiz_results.results_json(results)["answers"]  # type: ignore[misc]
    assert (answer["choice"], answer["text"], answer["typo"]) == (None, "recieve", True)
    rows = quiz_results.results_rows(results)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["choice"], row["text"], row["typo"]) == ("", "recieve", 1)


def test_kick_names_who_was_removed() -> None:
    standings = [Standing(1, "aaaaaaaa", "Ann", 10), Standing(2, "bbbbbbbb", "bob", 5)]
    ann = render.find_player(standings, "ANN")
    assert ann is not None and ann.player == "aaaaaaaa"
    assert render.find_player(standings, "bbbbbbbb") == standings[1]  # by id too
    assert render.find_player(standings, "zed") is None
    assert render.kicked(CODE, "ANN", ann, 1) == \
        f"removed Ann (player aaaaaaaa) from quiz {CODE}; 1 player left"
    assert render.kicked(CODE, "zed", None, 1) == f"zed was already removed from quiz {CODE}"


def test_next_steps_after_serving_against_a_running_broker_work_for_players_and_hosts() -> None:
    scorer = BrokerAddress("10.0.0.5", 1883, "scorer", "s3cret")
    text = render.server_ready(scorer, "mqtt://scorer:s3cret@10.0.0.5:1883", Path("q.db"))
    assert "scorer@" not in text and "s3cret" not in text
    assert "quiz join CODE --name alice --broker mqtt://10.0.0.5:1883" in text  # no user
    assert "export QUIZ_BROKER=mqtt://teacher:PASSWORD@10.0.0.5:1883" in text  # a host account
    assert "quiz accounts teacher --role host" in text


def test_next_steps_join_the_players_before_the_host_starts_and_find_quiz() -> None:
    local = BrokerAddress("127.0.0.1", 11883)
    for broker in ("embedded", "mosquitto"):
        steps = render.server_ready(local, broker, Path("q.db"), Path(".venv/bin/quiz"))
        commands = [line.split()[1] for line in steps.splitlines()
                    if line.startswith("  quiz ")]
        assert commands.index("join") < commands.index("start"), steps
        assert commands.index("create") < commands.index("join"), steps
        # a new terminal does not have the virtualenv's quiz on its PATH
        hint = "a new terminal: `source .venv/bin/activate` first, or type .venv/bin/quiz"
        assert hint in steps.splitlines()
    assert "activate" not in render.server_ready(local, "embedded", Path("q.db"))
    created = render.created("AB12CD", "t0k3n", "mqtt://127.0.0.1:11883").splitlines()
    assert created[-2].startswith("players join with:")
    assert created[-1] == "once they have joined, start it with: quiz start AB12CD"


def test_quiz_serve_names_the_player_page_and_the_install_line_before_the_board() -> None:
    url = "http://192.168.1.20:8080/"
    text = render.board_ready(url, ["AB12CD"], "vocab_quiz-0.1.0-py3-none-any.whl")
    assert text.splitlines() == [
        "players on phones: http://192.168.1.20:8080/play (or the QR code on the board)",
        "players in a terminal install quiz with: "
        "pip install http://192.168.1.20:8080/wheels/vocab_quiz-0.1.0-py3-none-any.whl",
        "classroom board in a browser: http://192.168.1.20:8080/CODE "
        "(or open http://192.168.1.20:8080/ and type the code)",
        "  quiz AB12CD: http://192.168.1.20:8080/AB12CD  "
        "players: http://192.168.1.20:8080/play/AB12CD"]
    assert "install" not in render.board_ready(url, [], None)  # no source: no wheel


def test_quiz_create_names_the_broker_players_need_unless_it_is_the_default() -> None:
    assert "--broker" not in render.created("AB12CD", "t0k3n", "mqtt://127.0.0.1:11883")
    text = render.created("AB12CD", "t0k3n", "mqtt://teacher@10.0.0.5:1883",
                          "mqtt://10.0.0.5:1883")
    assert "players join with: quiz play AB12CD --name NAME --broker mqtt://10.0.0.5:1883" \
        in text


def test_the_streak_shown_ends_with_a_question_closed_without_an_answer() -> None:
    assert fmt.streak_now(1, last_q=0, closed_through=0) == 1  # answered the last one
    assert fmt.streak_now(1, last_q=0, closed_through=1) == 0  # skipped question 2
    assert fmt.streak_now(3, last_q=2, closed_through=1) == 3  # answered the open one
    assert fmt.streak_now(0, last_q=None, closed_through=1) == 0  # never answered


def test_everyone_pages_make_one_list_and_screenfuls_page_through_it() -> None:
    everyone = Everyone()
    rows = [Standing(i + 1, f"{i:08x}", f"p{i}", 300 - i) for i in range(250)]
    assert everyone.take(page(2, 9, rows[100:200], pages=3))
    assert everyone.take(page(1, 9, rows[:100], pages=3))
    assert everyone.take(page(3, 9, rows[200:], pages=3))
    assert not everyone.take(page(3, 8, rows[200:201], pages=3))  # older: ignored
    assert everyone.rows() == rows
    assert everyone.clear(3)
    assert everyone.rows() == rows[:200]
    assert fmt.screenful(rows, 0, 15) == (0, 0, 15)
    assert fmt.screenful(rows, 99, 15) == (16, 240, 250)  # clamped to the last screenful
    assert fmt.screenful(rows, -1, 15) == (0, 0, 15)


def test_a_players_place_comes_from_the_newest_page_that_holds_them() -> None:
    everyone = Everyone()
    rows = [Standing(i + 1, f"{i:08x}", f"p{i}", 300 - i) for i in range(150)]
    moved = Standing(120, rows[5].player, rows[5].name, 0)  # fell from page 1 to page 2
    assert everyone.standing(rows[5].player) is None  # no page seen yet
    everyone.take(page(1, 4, rows[:100], pages=2))
    assert everyone.standing(rows[5].player) == rows[5]
    everyone.take(page(2, 7, [*rows[100:119], moved, *rows[120:]], pages=2))
    assert everyone.standing(rows[5].player) == moved  # page 1 is older: stale there
    assert everyone.standing("nobody") is None


def test_a_reply_missing_what_it_must_carry_is_a_quiz_error_not_a_crash() -> None:
    assert carried("0011aabb", "player id") == "0011aabb"
    with pytest.raises(QuizError, match="carried no player id"):
        carried(None, "player id")


def test_json_for_people_counts_questions_from_1_beside_the_wires_0_based_fields() -> None:
    """`quiz answer --json` on question 6 says "question": 6 beside the wire's "q": 5."""
    status = PlayerStatus(quiz=CODE, player="aaaaaaaa", name="ann", score=900, rank=1,
                          streak=1, answered=6,
                          last=LastResult(q=5, correct=True, points=900))
    data = render.numbered(status)
    assert (data["question"], data["last"]["q"]) == (6, 5)
    asked = msgspec.structs.replace(state("question"), question=QuestionView(
        index=5, count=8, prompt="p", pos="n", choices=["a", "b", "c", "d"], opened_at=0.0,
        deadline=1.0))
    shown = render.numbered(asked)["question"]
    assert (shown["index"], shown["number"]) == (5, 6)
    (line,) = printed(render.WatchPrinter(as_json=True), asked)
    assert json.loads(line)["question"]["number"] == 6
    assert render.numbered(state("lobby"))["question"] is None  # no question in the lobby
