"""What each screen names as the right answer once a question is revealed: pure, no broker.

A reverse question's right choice is a definition: the reveal must name it (issue 22,
"What the screens say"), on the player's, board's and host's screens (tui/formatting.py)
and in `quiz watch` and `quiz next` (cli/render.py), all from client/reveal.py.
"""

from __future__ import annotations

import pytest

from cli import render
from client.reveal import revealed_answer
from client.text import printable
from protocol.messages import QuestionKind, QuestionView, RevealView, Settings, State
from tui import formatting as fmt

PREVENT = "to stop something from happening"
DEFINITIONS = ["a large amount of money", PREVENT, "to speak very quietly", "a trip"]
WORDS = ["stop", "prevent", "allow", "cause"]
HOSTILE = "\x1b[31m[b]x[/b]\u202e"


def question(kind: QuestionKind, choices: list[str] | None = None) -> QuestionView:
    if choices is None:
        choices = {"reverse": DEFINITIONS, "typed": []}.get(kind, WORDS)
    prompt = {"reverse": "prevent", "cloze": "Nothing could _____ the flood."}.get(kind, PREVENT)
    return QuestionView(index=0, count=3, prompt=prompt, pos="verb", choices=choices,
                        opened_at=0.0, deadline=20.0, kind=kind)


def reveal(kind: QuestionKind, correct: int = 1, term: str = "prevent") -> RevealView:
    distribution = [1, 0, 2] if kind == "typed" else [0, 3, 1, 0]
    return RevealView(index=0, correct=-1 if kind == "typed" else correct, term=term,
                      distribution=distribution)


@pytest.mark.parametrize(("kind", "answer"), [
    ("choice", "prevent"),
    ("cloze", "prevent"),
    ("typed", "prevent"),
    ("reverse", f"prevent — {PREVENT}"),  # the right choice is the meaning: it is named
])
def test_the_reveal_names_the_right_choice(kind: QuestionKind, answer: str) -> None:
    assert revealed_answer(question(kind), reveal(kind)) == answer
    assert fmt.answer_line(question(kind), reveal(kind)) == f"The answer: {answer}"


@pytest.mark.parametrize("correct", [-1, 4, 9])
def test_a_reverse_reveal_without_its_choice_names_the_word(correct: int) -> None:
    assert revealed_answer(question("reverse"), reveal("reverse", correct)) == "prevent"


def test_a_reverse_reveal_shows_the_definition_literally() -> None:
    shown = fmt.answer_line(question("reverse", [HOSTILE, "b", "c", "d"]),
                            reveal("reverse", 0, HOSTILE))
    assert shown == f"The answer: {printable(HOSTILE)} — {printable(HOSTILE)}"
    assert "\x1b" not in shown and "\u202e" not in shown


def revealed_state(kind: QuestionKind) -> State:
    return State(quiz="ABCDEF", seq=4, phase="reveal", players=4, answered=4,
                 settings=Settings(questions=3, seconds=20.0, kinds=[kind]),
                 question=question(kind), reveal=reveal(kind), updated_at=0.0)


def test_quiz_watch_says_a_reverse_questions_answer_is_the_definition() -> None:
    assert render.state_line(revealed_state("reverse")) == (
        f"quiz ABCDEF: question 1/3 revealed: prevent — {PREVENT} (4 answered in time)")
    assert render.state_line(revealed_state("choice")) == (
        "quiz ABCDEF: question 1/3 revealed: prevent (4 answered in time)")
    assert render.state_line(revealed_state("typed")) == (
        "quiz ABCDEF: question 1/3 revealed: prevent (1 right, 0 near, 2 wrong)")
