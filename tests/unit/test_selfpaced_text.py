"""What the screens say about homework: the start, the end, moving on, the class's progress."""

from client.deadline import shown
from protocol.messages import Settings
from tui.selfpaced import done_text, next_text, progress_text, ready_text, time_up_text

UNTIL = 1_800_000_000.0


def test_the_start_says_how_it_goes_and_when_it_closes() -> None:
    text = ready_text(Settings(questions=10, seconds=20.0, until=UNTIL))
    assert "10 questions, 20 s each" in text
    assert f"open until {shown(UNTIL)}" in text
    assert "Press n to open question 1" in text


def test_the_end_says_when_the_results_come() -> None:
    assert done_text(1, UNTIL) == ("Done: you answered all 1 question.\n"
                                   f"Results when the quiz closes at {shown(UNTIL)}.")


def test_moving_on_names_the_next_question_counted_from_1() -> None:
    assert next_text(0, 5.0) == "Press n for question 2 (it opens by itself in 5 s)."
    assert "Press n for question 3" in time_up_text(1, 3)
    assert "Press n" not in time_up_text(2, 3)  # the last: nothing to move on to


def test_progress_counts_who_started_and_who_finished() -> None:
    assert progress_text(12, 7, 3) == "7 of 12 players started, 3 finished"
    assert progress_text(1, 0, 0) == "0 of 1 player started, 0 finished"
