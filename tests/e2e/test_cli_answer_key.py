"""What `quiz next`, `quiz watch` and `quiz answer` print at a reveal and in a calm quiz.

Issue 22, "What the screens say": a reverse question's reveal names the right definition,
not only the word; a calm quiz prints no streak and no rank.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from scorer.deck import BUILTIN_DEFAULT, load_builtin
from tests.conftest import free_port
from tests.e2e.cli import Result, quiz, serving

DECK = load_builtin(BUILTIN_DEFAULT)


def ok(result: Result) -> Result:
    assert result.code == 0, result
    return result


def open_question(code: str, home: Path, broker: str) -> dict:  # type: ignore[type-arg]
    """The question on screen, as `quiz watch --json` shows it."""
    watched = ok(quiz("watch", code, "--json", "--updates", "1", home=home, broker=broker))
    state = json.loads(watched.out.splitlines()[0])
    assert state["type"] == "state" and state["phase"] == "question", watched
    return state["question"]  # type: ignore[no-any-return]


def test_a_reverse_reveal_prints_the_right_definition(tmp_path: Path) -> None:
    port = free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    host, ann = tmp_path / "host", tmp_path / "ann"
    with serving(port, tmp_path / "quiz.db"):
        code = ok(quiz("create", "--kinds", "reverse", "--questions", "1", "--json",
                       home=host, broker=broker)).json()["quiz"]
        ok(quiz("join", code, "--name", "ann", home=ann, broker=broker))
        ok(quiz("start", code, home=host, broker=broker))
        question = open_question(code, host, broker)
        word = question["prompt"]
        meaning = next(e.definition for e in DECK if e.term == word)
        choice = question["choices"].index(meaning) + 1
        ok(quiz("answer", code, "--choice", str(choice), home=ann, broker=broker))
        # the word, how it is said (where espeak-ng is installed), its meaning, the count
        said = re.compile(rf"question 1/1 revealed: {re.escape(word)} (/[^/]+/ )?— "
                          rf"{re.escape(meaning)} \(1 answered in time\)")
        revealed = ok(quiz("next", code, home=host, broker=broker)).out
        assert said.search(revealed), revealed
        watched = ok(quiz("watch", code, "--updates", "1", home=ann, broker=broker)).out
        assert said.search(watched), watched


def test_a_calm_quiz_prints_no_streak_and_no_rank(tmp_path: Path) -> None:
    port = free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    host, ann = tmp_path / "host", tmp_path / "ann"
    with serving(port, tmp_path / "quiz.db"):
        code = ok(quiz("create", "--calm", "--questions", "2", "--json", home=host,
                       broker=broker)).json()["quiz"]
        ok(quiz("join", code, "--name", "ann", home=ann, broker=broker))
        ok(quiz("start", code, home=host, broker=broker))
        printed = []
        for q in (1, 2):
            question = open_question(code, host, broker)
            word = next(e.term for e in DECK if e.definition == question["prompt"])
            right = question["choices"].index(word) + 1
            said = ok(quiz("answer", code, "--choice", str(right), home=ann, broker=broker))
            assert said.out.startswith(f"correct: +1000 points; score {1000 * q}"), said
            status = ok(quiz("answer", code, "--choice", str(right), "--json", home=ann,
                             broker=broker)).json()  # the verdict recorded, as JSON
            assert (status["streak"], status["rank"]) == (0, 0), status
            printed += [said.out, ok(quiz("next", code, home=host, broker=broker)).out]
            if q == 1:
                printed.append(ok(quiz("next", code, home=host, broker=broker)).out)
        ok(quiz("end", code, home=host, broker=broker))
        printed.append(ok(quiz("watch", code, home=ann, broker=broker)).out)
        for text in printed:
            assert "streak" not in text and "rank" not in text, text
