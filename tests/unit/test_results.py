"""`quiz results` for a teacher: every row names its question; a summary per player (issue 25)."""

from __future__ import annotations

import csv
import io

import pytest

from cli import results as quiz_results
from protocol.messages import AnswerRecord, Results, Standing, Word
from scorer.questions import BLANK

CODE = "K7QX2M"
WORDS = [
    Word(q=0, kind="choice", term="receive", definition="to get something", answered=3,
         right=1, near=0),
    Word(q=1, kind="reverse", term="prevent", definition="to stop something from happening",
         answered=3, right=2, near=0),
    Word(q=2, kind="cloze", term="borrow", definition="to take and give back later",
         example="Can I borrow your pen?", answered=2, right=1, near=0),
    Word(q=3, kind="typed", term="necessary", definition="needed", answered=3, right=1,
         near=1),
]


def record(player: str, q: int, *, correct: bool, points: int = 0, late: bool = False,
           typo: bool = False, kicked: bool = False, choice: int = 0) -> AnswerRecord:
    return AnswerRecord(player=player, name=player[:3], q=q, choice=choice, correct=correct,
                        points=points, elapsed_ms=1000, late=late, typo=typo, kicked=kicked,
                        text="necesary" if typo else "")


ANSWERS = [
    record("annannan", 0, correct=True, points=900),
    record("bobbobbo", 0, correct=False),
    record("cyrcyrcy", 0, correct=True, late=True, kicked=True),
    record("annannan", 1, correct=True, points=800),
    record("bobbobbo", 1, correct=True, points=700),
    record("cyrcyrcy", 1, correct=False, kicked=True),
    record("annannan", 2, correct=False),
    record("bobbobbo", 2, correct=True, points=600),
    record("annannan", 3, correct=True, points=450, typo=True, choice=-1),
    record("bobbobbo", 3, correct=True, points=900, choice=-1),
]
RESULTS = Results(quiz=CODE, phase="finished",
                  standings=[Standing(1, "bobbobbo", "bob", 2200),
                             Standing(2, "annannan", "ann", 2150)],
                  answers=ANSWERS)


@pytest.mark.parametrize(("q", "asked"), [
    (0, ("choice", "receive", "to get something", "receive")),
    # reverse: the word is asked, its definition is the right answer
    (1, ("reverse", "prevent", "prevent", "to stop something from happening")),
    (2, ("cloze", "borrow", f"Can I {BLANK} your pen?", "borrow")),
    (3, ("typed", "necessary", "needed", "necessary")),
])
def test_every_answer_names_its_question(q: int, asked: tuple[str, ...]) -> None:
    fields = quiz_results.question_fields(WORDS[q])
    assert tuple(fields[c] for c in ("kind", "term", "prompt", "answer")) == asked
    data = quiz_results.results_json(RESULTS, WORDS)
    rows = quiz_results.results_rows(RESULTS, WORDS)
    shown = [a for a in data["answers"] if a["question"] == q + 1]  # type: ignore[attr-defined]
    assert shown and all((a["kind"], a["term"], a["prompt"], a["answer"]) == asked
                         for a in shown)
    table = list(csv.DictReader(io.StringIO(_csv(rows))))
    assert all((r["kind"], r["term"], r["prompt"], r["answer"]) == asked
               for r in table if r["question"] == str(q + 1))


def test_a_quiz_still_running_has_its_numbers_and_no_words_yet() -> None:
    running = Results(quiz=CODE, phase="question", standings=RESULTS.standings,
                      answers=ANSWERS[:2])
    (first, _) = quiz_results.results_json(running)["answers"]  # type: ignore[misc]
    assert (first["question"], first["term"], first["answer"]) == (1, "", "")


def _csv(rows: list[list[object]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def test_by_player_counts_right_near_wrong_and_lists_the_words_missed() -> None:
    summaries = {s.name: s for s in quiz_results.by_player(RESULTS, WORDS)}
    assert list(summaries) == ["bob", "ann", "cyr"]  # standing order, then the kicked
    bob, ann, cyr = summaries["bob"], summaries["ann"], summaries["cyr"]
    assert (bob.rank, bob.right, bob.near, bob.wrong, bob.unanswered) == (1, 3, 0, 1, 0)
    assert bob.missed == ("receive",)
    # a near miss is a word to review, as `quiz review` lists it
    assert (ann.rank, ann.right, ann.near, ann.wrong, ann.unanswered) == (2, 2, 1, 1, 0)
    assert ann.missed == ("borrow", "necessary")
    # a late right answer is no point and a word missed; question 4 unanswered
    assert (cyr.rank, cyr.kicked, cyr.right, cyr.wrong, cyr.unanswered) == (0, True, 0, 2, 2)
    assert cyr.missed == ("receive", "prevent", "borrow", "necessary")


def test_by_player_in_csv_json_and_text() -> None:
    summaries = quiz_results.by_player(RESULTS, WORDS)
    rows = list(csv.DictReader(io.StringIO(_csv(quiz_results.by_player_rows(summaries)))))
    assert rows[1] == {"rank": "2", "name": "ann", "player": "annannan", "score": "2150",
                       "kicked": "0", "right": "2", "near": "1", "wrong": "1",
                       "unanswered": "0", "missed": "borrow; necessary"}
    assert rows[2]["rank"] == "" and rows[2]["kicked"] == "1"
    data = quiz_results.by_player_json(CODE, summaries, len(WORDS))
    assert data["questions"] == 4
    assert data["players"][2]["rank"] is None  # type: ignore[index]
    assert data["players"][1]["missed"] == ["borrow", "necessary"]  # type: ignore[index]
    text = quiz_results.by_player_text(CODE, summaries, len(WORDS)).splitlines()
    assert text[0] == f"quiz {CODE}: 3 players, 4 questions"
    assert text[2].split() == ["1.", "bob", "2200", "3", "0", "1", "0", "receive"]
    assert text[3].split() == ["2.", "ann", "2150", "2", "1", "1", "0", "borrow,", "necessary"]
    assert text[4].split()[:2] == ["kicked", "cyr"]
