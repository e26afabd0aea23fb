"""The screens' text: pure functions, no Textual, no clock."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from cli import render
from cli import results as quiz_results
from client.text import CUT, fit, name_column, plural
from protocol.messages import (
    MAX_NAME_LENGTH,
    LastResult,
    Leaderboard,
    QuestionView,
    Results,
    RevealView,
    Settings,
    Standing,
    State,
    Word,
)
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
    (3, 1, "▲2"), (1, 2, "▼1"), (4, 4, "="), (None, 5, "new"),
])
def test_rank_movement_arrows(before: int | None, now: int, arrow: str) -> None:
    assert fmt.movement(before, now) == arrow


def test_join_ordered_zeros_are_the_players_list_until_someone_has_points() -> None:
    zeros = [Standing(1, "p0", "ann", 0), Standing(2, "p1", "bob", 0)]
    assert fmt.standings_title(zeros, 2) == "Players (2)"
    assert fmt.standings_title([], 0) == "Players (0)"
    scored = [Standing(1, "p1", "bob", 450), Standing(2, "p0", "ann", 0)]
    assert fmt.standings_title(scored, 2) == "Leaderboard (2 players)"


def test_leaderboard_lines_show_the_moves_since_the_baseline_and_mark_the_reader() -> None:
    before = fmt.ranks(board(1, ("ann", 0), ("bob", 0), ("cat", 0)).top)
    now = Leaderboard(quiz="ABCDEF", seq=5, players=3, updated_at=0.0, top=[
        Standing(1, "p1bob", "bob", 968), Standing(2, "p0ann", "ann", 500),
        Standing(3, "p9dan", "dan", 10)])
    lines = fmt.leaderboard_lines(now.top, baseline=before, me="p0ann")
    assert lines == [
        "   1.   ▲1 bob     968",
        "▶  2.   ▼1 ann     500",
        "   3.  new dan      10",
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
    top = board(9, ("ann", 2900), ("bobby", 1800), ("cat", 900), ("dan", 0)).top
    assert fmt.podium_lines(top) == [" 1st  ann    2900 points", " 2nd  bobby  1800 points",
                                     " 3rd  cat     900 points"]
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


def test_a_near_miss_says_what_was_typed_and_how_the_word_is_spelled() -> None:
    near = LastResult(q=0, correct=True, points=450, typo=True, expected="receive")
    assert fmt.result_text(near, 1, "recieve") == "✓ accepted: recieve → receive (+450)"
    before_reveal = msgspec.structs.replace(near, expected="")
    assert fmt.result_text(before_reveal, 1, "recieve") == "✓ accepted: recieve, a near miss (+450)"
    # typed on another device: the spelling still shows
    assert fmt.result_text(near, 2, None) == "✓ accepted: a typo of receive (+450)  streak 2"
    assert fmt.typed_sent_text("recieve") == "sent “recieve”, waiting for the score…"


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


def test_a_typed_question_counts_right_near_and_wrong() -> None:
    assert fmt.typed_distribution_lines([4, 2, 1], width=4) == [
        "✓ right  ████ 4", "~ near   ██ 2", "✗ wrong  █ 1"]
    assert fmt.typed_distribution_lines([], width=4) == [
        "✓ right   0", "~ near    0", "✗ wrong   0"]


def test_the_share_right_counts_the_right_choice_or_the_right_spelling() -> None:
    choice = RevealView(index=0, correct=2, term="x", distribution=[1, 0, 7, 2])
    typed = RevealView(index=1, correct=-1, term="x", distribution=[5, 3, 2])
    assert fmt.right_answers("choice", choice) == 7
    assert fmt.right_answers("typed", typed) == 5  # near misses are not spelled right
    assert fmt.share_text(5, 12) == "5 of 12 right (42%)"
    assert fmt.share_text(0, 0) == "0 of 0 right (0%)"


def test_the_class_progress_shows_the_latest_questions_share_right() -> None:
    shares = {0: (9, 12), 1: (3, 12), 2: (12, 12)}
    assert fmt.progress_lines(shares, limit=2, width=4) == [
        "Q2   █░░░  25%  3 of 12", "Q3   ████ 100%  12 of 12"]
    assert fmt.progress_lines(shares, limit=0) == []
    assert fmt.accuracy_line(shares) == "Right per question: Q1 75%  Q2 25%  Q3 100%"
    assert fmt.accuracy_line({}) == "Right per question: none revealed yet"


def test_the_host_sees_the_most_missed_word_first() -> None:
    words = [Word(q=0, kind="choice", term="easy", definition="d", answered=4, right=4, near=0),
             Word(q=1, kind="typed", term="receive", definition="d", answered=4, right=1,
                  near=2)]
    assert fmt.word_accuracy_lines(words, 4) == [
        "receive   25% right  (1 of 4, 2 near)", "easy     100% right  (4 of 4)"]


def test_a_players_words_to_review_come_with_definition_and_example() -> None:
    missed = Word(q=0, kind="typed", term="receive", pos="verb", answered=1, right=0, near=1,
                  definition="to get something", example="Did you receive it?")
    assert fmt.review_lines([missed], 5) == [
        "Words to review (1 of 5):", "• receive (verb): to get something",
        "    e.g. Did you receive it?"]
    assert fmt.review_lines([], 5) == ["You got every word right: nothing to review."]


def test_each_kind_of_question_says_what_to_do() -> None:
    question = QuestionView(index=0, count=3, prompt="journey", pos="noun", kind="reverse",
                            choices=["a trip", "money", "a paper", "an insect"],
                            opened_at=0.0, deadline=1.0)
    assert fmt.question_title(question) == "Question 1 of 3  (noun)  ·  pick its meaning"
    assert fmt.prompt_lines(question, correct=0) == [
        "(noun) journey", "pick its meaning:", "✓ 1  a trip", "2  money", "3  a paper",
        "4  an insect"]  # a definition a line
    assert fmt.prompt_lines(question, choices=False) == ["(noun) journey"]
    typed = msgspec.structs.replace(question, kind="typed", prompt="a trip", choices=[])
    assert fmt.prompt_lines(typed) == ["(noun) a trip", "type the word"]
    plain = msgspec.structs.replace(question, kind="choice", prompt="a trip",
                                    choices=["a", "b", "c", "d"])
    assert fmt.question_title(plain) == "Question 1 of 3  (noun)"
    assert fmt.prompt_lines(plain) == ["(noun) a trip", "1  a   2  b   3  c   4  d"]


def test_a_calm_quiz_shows_the_readers_score_without_a_rank() -> None:
    assert fmt.calm_status_line("ann", 3000, 3) == "ann  ·  3000 points  ·  3 right"
    assert fmt.calm_place(3000, 3, 5) == "You finished with 3000 points: 3 of 5 right."
    assert fmt.calm_place(0, 0, None) == "You finished with 0 points: 0 right."
    assert fmt.lobby_text([], 3) == "3 in the lobby"  # a calm board names nobody


def test_status_counts_and_lobby() -> None:
    assert fmt.status_line("ann", 1200, 2, 30, 3) == \
        "ann  ·  1200 points  ·  rank 2 of 30  ·  streak 3"
    assert "not ranked" in fmt.status_line("ann", 0, 0, 30, 0)
    assert fmt.answered_text(12, 30) == "12 of 30 answered"
    assert [plural(n, "player") for n in (0, 1, 2)] == ["0 players", "1 player", "2 players"]
    assert fmt.lobby_text([], 0) == "Nobody has joined yet."
    assert fmt.lobby_text(["ann", "bob"], 2) == "2 in the lobby: ann, bob"
    assert fmt.lobby_text(["ann", "bob"], 12) == "12 in the lobby: ann, bob and 10 more"


def test_nobody_without_points_stands_on_the_podium() -> None:
    top = board(9, ("ann", 300), ("bob", 0), ("cat", 0)).top
    assert fmt.podium_lines(top) == [" 1st  ann  300 points"]
    assert fmt.podium_lines(board(1, ("ann", 0), ("bob", 0)).top) == []


# --- other people's text: literal, on one line, in line --------------------------------------

HOSTILE = ["[/]", "[b]BOSS[/b]", "[@click=app.quit]x[/]", "\x1b[2J", "a\nb", "\u202eevil",
           "中文名字", "👍🏽 ok"]
# Wide (CJK, emoji), combining, markup-ish, controls (C0, DEL, C1) and bidi controls.
TEXT = st.text(st.one_of(
    st.sampled_from("[]/\\@=: ab"), st.characters(min_codepoint=0, max_codepoint=0x9F),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40),
    st.characters(min_codepoint=0x1F600, max_codepoint=0x1F64F),
    st.sampled_from("\u0301\u202a\u202e\u2066\u2069\u2028é")), max_size=30)
# What a terminal would act on: C0, DEL, C1, bidi controls, line separators.
OBEYED = {*range(0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
          *range(0x2066, 0x206A), 0x2028, 0x2029}


@given(TEXT)
def test_printable_text_has_nothing_a_terminal_obeys_and_keeps_the_rest(text: str) -> None:
    shown = fmt.printable(text)
    assert not {ord(ch) for ch in shown} & OBEYED
    assert len(shown) == len(text)  # one symbol for each control: nothing disappears
    assert [a for a in text if ord(a) not in OBEYED] == \
        [b for a, b in zip(text, shown, strict=True) if ord(a) not in OBEYED]


def test_controls_show_as_symbols() -> None:
    assert fmt.printable("\x1b[31mred\x00\n\x7f") == "␛[31mred␀␊␡"
    assert fmt.printable("\x9b\u202eevil") == "\ufffd\ufffdevil"
    assert fmt.printable("[b]BOSS[/b] 中文 👍") == "[b]BOSS[/b] 中文 👍"


@given(TEXT, st.integers(0, 60))
def test_fit_pads_or_cuts_to_exactly_the_width_in_cells(text: str, width: int) -> None:
    text = fmt.printable(text)
    fitted = fmt.fit(text, width)
    assert cell_len(fitted) == width
    if cell_len(text) <= width:
        assert fitted.rstrip(" ") == text.rstrip(" ")
    elif width:
        assert CUT in fitted
    clipped = fmt.clip(text, width)
    assert clipped == text if cell_len(text) <= width else fitted.startswith(clipped)
    assert cell_len(clipped) <= width


@given(st.lists(st.sampled_from(HOSTILE) | TEXT, min_size=1, max_size=10),
       st.lists(st.integers(0, 999_999), min_size=10, max_size=10))
def test_leaderboard_columns_line_up_for_any_names(names: list[str],
                                                   scores: list[int]) -> None:
    top = [Standing(i + 1, f"p{i}", name, scores[i]) for i, name in enumerate(names)]
    lines = fmt.leaderboard_lines(top, baseline={"p0": 2}, me="p1")
    assert len({cell_len(line) for line in lines}) == 1  # every score ends in one column
    for line, s in zip(lines, top, strict=True):
        assert line.endswith(f"{s.score:>6}")
        assert "\n" not in line and "\x1b" not in line
        if cell_len(fmt.printable(s.name)) <= fmt.NAME_CELLS:
            assert fmt.printable(s.name) in line  # as typed, markup and all


@given(st.lists(st.sampled_from(HOSTILE) | TEXT, min_size=1, max_size=3))
def test_podium_lines_line_up_for_any_names(names: list[str]) -> None:
    top = [Standing(i + 1, f"p{i}", name, 3000 - 1000 * i) for i, name in enumerate(names)]
    lines = fmt.podium_lines(top)
    assert len(lines) == len(names)
    assert len({cell_len(line) for line in lines}) == 1
    assert len({cell_len(line.rsplit("points", 1)[0].rstrip()) for line in lines}) == 1


def test_a_name_longer_than_any_valid_one_is_cut_not_pushing_the_scores_out() -> None:
    widest = "中" * MAX_NAME_LENGTH
    top = [Standing(1, "p1", widest, 10), Standing(2, "p2", "中" * 200, 5)]
    lines = fmt.leaderboard_lines(top)
    assert widest in lines[0]
    assert cell_len(lines[0]) == cell_len(lines[1])
    assert CUT in lines[1]


def test_the_distribution_lines_up_wide_words() -> None:
    lines = fmt.distribution_lines(["中文", "ab", "[b]", "👍"], [1, 2, 0, 0], correct=0,
                                   width=2)
    assert lines == ["✓ 1 中文  █ 1", "  2 ab    ██ 2", "  3 [b]    0", "  4 👍     0"]


@pytest.mark.parametrize("name", HOSTILE)
def test_every_line_with_a_name_or_word_shows_it_literally(name: str) -> None:
    shown = fmt.printable(name)
    assert shown in fmt.lobby_text([name, "bob"], 2)
    assert shown in fmt.choice_label(0, name, chosen=0)
    assert fmt.answer_line(QuestionView(index=0, count=1, prompt=name, pos="", choices=[],
                                        opened_at=0.0, deadline=1.0, kind="typed"),
                           RevealView(index=0, correct=-1, term=name, distribution=[0, 0, 0])
                           ) == f"The answer: {shown}"
    assert shown in fmt.sent_text(1, name)
    assert shown in fmt.typed_sent_text(name)
    assert shown in fmt.calm_status_line(name, 10, 1)
    word = Word(q=0, kind="choice", term=name, definition=name, example=name, pos=name,
                answered=0, right=0, near=0)
    assert all(shown in line for line in fmt.review_lines([word], 1)[1:])
    assert shown in fmt.word_accuracy_lines([word], 1)[0]
    assert shown in fmt.refused_text(name)
    assert fmt.remove_prompt(name).startswith(f"Remove {shown}?\n")
    assert fmt.status_line(name, 10, 1, 2, 0).startswith(f"{shown}  ·  10 points")


def test_the_status_line_cuts_a_wide_name_the_header_shows_in_full() -> None:
    line = fmt.status_line("中" * MAX_NAME_LENGTH, 12000, 100, 200, 12)
    assert line.startswith("中" * 11 + CUT + "  ·  ")
    assert cell_len(line) <= 78


# --- the CLI's text (cli/render.py), printed by `quiz watch`, `quiz state`, `quiz results` ---


@given(st.lists(st.sampled_from(HOSTILE) | TEXT, min_size=1, max_size=5), TEXT, TEXT)
def test_cli_output_carries_no_control_a_terminal_obeys(names: list[str], prompt: str,
                                                        word: str) -> None:
    top = [Standing(i + 1, f"p{i}", name, 10 * i) for i, name in enumerate(names)]
    shown = render.board(Leaderboard(quiz="ABCDEF", seq=3, players=len(top), top=top,
                                     updated_at=0.0))
    question = QuestionView(index=0, count=1, pos=word, prompt=prompt,
                            choices=[word, "b", "c", "d"], opened_at=0.0, deadline=1.0)
    asked = render.state_line(State(quiz="ABCDEF", seq=1, phase="question", players=1,
                                    settings=Settings(questions=1, seconds=9.0),
                                    question=question, updated_at=0.0))
    rows = quiz_results.results_rows(Results(quiz="ABCDEF", phase="finished", standings=top,
                                               answers=[]))
    printed = "".join([shown, asked, *(str(cell) for row in rows for cell in row)])
    assert not {ord(ch) for ch in printed} & (OBEYED - {0x0A})
    assert asked.count("\n") == 1
    board_lines = shown.splitlines()[1:]
    assert len(board_lines) == len(top)  # one line per player, whatever the name holds
    assert len({cell_len(line) for line in board_lines}) == 1  # scores in one column
    width = name_column([fmt.printable(s.name) for s in top])
    for line, s in zip(board_lines, top, strict=True):
        # the whole name, or as much as the name column holds and a cut mark (a generated
        # name may be wider than any a player can choose)
        assert fit(fmt.printable(s.name), width) in line
