"""The screens' text: pure functions, no Textual, no clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.messages import LastResult, Leaderboard, Standing
from tui import formatting as fmt


def board(seq: int, *rows: tuple[str, int]) -> Leaderboard:
    return Leaderboard(quiz="ABCDEF", seq=seq, players=len(rows), updated_at=0.0,
                       top=[Standing(i + 1, f"p{i}{name}", name, score)
                            for i, (name, score) in enumerate(rows)])


@pytest.mark.parametrize(("left", "text"), [
    (12.0, "12 s"), (11.2, "12 s"), (0.4, "1 s"), (0.0, "time's up"), (-3.0, "time's up"),
])
def test_the_countdown_rounds_up_so_zero_means_time_is_up(left: float, text: str) -> None:
    assert fmt.countdown_text(left) == text


@pytest.mark.parametrize(("left", "total", "bar"), [
    (20, 20, "██████████"), (10, 20, "█████░░░░░"), (0, 20, "░░░░░░░░░░"),
    (25, 20, "██████████"), (-1, 20, "░░░░░░░░░░"), (5, 0, "░░░░░░░░░░"),
])
def test_the_bar_empties_towards_the_deadline(left: float, total: float, bar: str) -> None:
    assert fmt.countdown_bar(left, total, 10) == bar


@given(st.floats(-100, 1000), st.floats(0, 600), st.integers(0, 200))
def test_the_countdown_line_fits_its_width(left: float, total: float, width: int) -> None:
    assert len(fmt.countdown_line(left, total, width)) <= width


def test_remaining_never_goes_below_zero() -> None:
    assert fmt.remaining(100.0, 90.5) == 9.5
    assert fmt.remaining(100.0, 130.0) == 0.0


@pytest.mark.parametrize(("n", "text"), [
    (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
    (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th"),
])
def test_ordinals(n: int, text: str) -> None:
    assert fmt.ordinal(n) == text


@pytest.mark.parametrize(("before", "now", "arrow"), [
    (3, 1, "▲2"), (1, 2, "▼1"), (4, 4, "="), (None, 5, "▲"),
])
def test_rank_movement_arrows(before: int | None, now: int, arrow: str) -> None:
    assert fmt.movement(before, now) == arrow


def test_leaderboard_lines_show_the_moves_since_the_baseline_and_mark_the_reader() -> None:
    before = fmt.ranks(board(1, ("ann", 0), ("bob", 0), ("cat", 0)).top)
    now = Leaderboard(quiz="ABCDEF", seq=5, players=3, updated_at=0.0, top=[
        Standing(1, "p1bob", "bob", 968), Standing(2, "p0ann", "ann", 500),
        Standing(3, "p9dan", "dan", 10)])
    lines = fmt.leaderboard_lines(now.top, baseline=before, me="p0ann")
    assert lines == [
        "   1.   ▲1 bob     968",
        "▶  2.   ▼1 ann     500",
        "   3.    ▲ dan      10",
    ]
    assert fmt.leaderboard_lines(now.top, limit=1) == ["   1. bob     968"]


def test_an_older_board_never_replaces_a_newer_one() -> None:
    shown = board(7, ("ann", 100))
    assert fmt.is_newer(None, shown)
    assert fmt.is_newer(shown, board(7, ("ann", 100)))
    assert fmt.is_newer(shown, board(8, ("ann", 200)))
    assert not fmt.is_newer(shown, board(6, ("ann", 0)))


def test_own_rank_comes_from_the_board_when_it_shows_the_reader() -> None:
    shown = board(3, ("ann", 100), ("bob", 50))
    assert fmt.own_rank(shown, "p1bob", fallback=1) == 2
    assert fmt.own_rank(shown, "someone-else", fallback=14) == 14
    assert fmt.own_rank(None, "p1bob", fallback=3) == 3


def test_podium_and_own_place() -> None:
    top = board(9, ("ann", 2900), ("bob", 1800), ("cat", 900), ("dan", 0)).top
    assert fmt.podium_lines(top) == [" 1st  ann  2900 points", " 2nd  bob  1800 points",
                                     " 3rd  cat  900 points"]
    assert fmt.own_place(4, 30, 0) == "You finished 4th of 30 with 0 points."
    assert fmt.own_place(0, 30, 120) == "You are not in the standings (score 120)."


@pytest.mark.parametrize(("last", "streak", "text"), [
    (LastResult(q=0, correct=True, points=968), 1, "✓ correct: +968 points"),
    (LastResult(q=2, correct=True, points=1200), 3, "✓ correct: +1200 points  streak 3"),
    (LastResult(q=1, correct=False, points=0), 0, "✗ wrong: 0 points"),
    (LastResult(q=1, correct=False, points=0, late=True), 0, "✗ too late: 0 points"),
])
def test_the_verdict_reads_without_colour(last: LastResult, streak: int, text: str) -> None:
    assert fmt.result_text(last, streak) == text


def test_choice_labels_mark_the_pick_then_the_answer() -> None:
    assert fmt.choice_label(1, "journey") == "2  journey"
    assert fmt.choice_label(1, "journey", chosen=1) == "▶ 2  journey"
    assert fmt.choice_label(1, "journey", chosen=1, correct=1) == "✓ 2  journey"
    assert fmt.choice_label(0, "wealth", chosen=0, correct=1) == "✗ 1  wealth"
    assert fmt.choice_label(3, "receipt", chosen=0, correct=1) == "4  receipt"


def test_the_distribution_has_a_bar_per_choice_and_marks_the_answer() -> None:
    lines = fmt.distribution_lines(["ant", "journey", "cat", "dog"], [2, 4, 0, 1], correct=1,
                                   width=4)
    assert lines == ["  1 ant      ██ 2", "✓ 2 journey  ████ 4", "  3 cat       0",
                     "  4 dog      █ 1"]
    assert fmt.distribution_lines(["a", "b"], [0, 0], correct=0) == ["✓ 1 a   0", "  2 b   0"]


def test_status_counts_and_lobby() -> None:
    assert fmt.status_line("ann", 1200, 2, 30, 3) == \
        "ann  ·  1200 points  ·  rank 2 of 30  ·  streak 3"
    assert "not ranked" in fmt.status_line("ann", 0, 0, 30, 0)
    assert fmt.answered_text(12, 30) == "12 of 30 answered"
    assert [fmt.plural(n, "player") for n in (0, 1, 2)] == ["0 players", "1 player", "2 players"]
    assert fmt.lobby_text([], 0) == "Nobody has joined yet."
    assert fmt.lobby_text(["ann", "bob"], 2) == "2 in the lobby: ann, bob"
    assert fmt.lobby_text(["ann", "bob"], 12) == "12 in the lobby: ann, bob and 10 more"
