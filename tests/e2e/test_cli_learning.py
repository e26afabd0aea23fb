"""Typed answers, other kinds of question, the words to review and the calm mode, via `quiz`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scorer.deck import BUILTIN_DEFAULT, load_builtin
from tests.conftest import free_port, near_miss
from tests.e2e.cli import Result, quiz, serving

DECK = load_builtin(BUILTIN_DEFAULT)


def open_question(code: str, home: Path, broker: str) -> dict:  # type: ignore[type-arg]
    """The question on screen, as `quiz watch --json` shows it."""
    watched = quiz("watch", code, "--json", "--updates", "1", home=home, broker=broker)
    state = json.loads(watched.out.splitlines()[0])
    assert state["type"] == "state" and state["phase"] == "question", watched
    return state["question"]  # type: ignore[no-any-return]


def ok(result: Result) -> Result:
    assert result.code == 0, result
    return result


def test_typed_and_reverse_questions_and_the_words_to_review(tmp_path: Path) -> None:
    port = free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    host, ann, bob, cy = (tmp_path / who for who in ("host", "ann", "bob", "cy"))
    with serving(port, tmp_path / "quiz.db"):
        code = ok(quiz("create", "--kinds", "typed", "--questions", "2", "--json",
                       home=host, broker=broker)).json()["quiz"]
        for home in (ann, bob, cy):
            ok(quiz("join", code, "--name", home.name, home=home, broker=broker))
        ok(quiz("start", code, home=host, broker=broker))
        question = open_question(code, host, broker)
        assert question["kind"] == "typed" and question["choices"] == []
        word = next(e.term for e in DECK if e.definition == question["prompt"])
        typo = near_miss(word, avoid=(e.term for e in DECK))  # no English word: a near miss

        wrong_form = quiz("answer", code, "--choice", "1", home=ann, broker=broker)
        assert wrong_form.code == 1 and "--text" in wrong_form.err
        assert ok(quiz("answer", code, "--text", f" {word.upper()}! ", home=ann,
                       broker=broker)).out.startswith("correct: +")
        bob_says = ok(quiz("answer", code, "--text", typo, home=bob, broker=broker)).out
        # the player's status is public: the spelling waits for the reveal
        assert bob_says.startswith(f"accepted: {typo}, a near miss") and word not in bob_says
        assert ok(quiz("answer", code, "--text", "zzzz", home=cy, broker=broker)).out \
            .startswith("wrong: +0")
        revealed = ok(quiz("next", code, home=host, broker=broker)).out
        # the word, how it is said (where espeak-ng is installed), and the class's tally
        assert re.search(rf"revealed: {re.escape(word)} (/[^/]+/ )?\(1 right, 1 near, 1 wrong\)",
                         revealed), revealed
        again = ok(quiz("answer", code, "--text", typo, home=bob, broker=broker)).out
        assert f"accepted: {typo} \N{RIGHTWARDS ARROW} {word}: +" in again  # the verdict kept

        early = quiz("review", code, home=bob, broker=broker)
        assert early.code == 1 and "not finished" in early.err
        ok(quiz("end", code, home=host, broker=broker))

        bob_review = ok(quiz("review", code, "--json", home=bob, broker=broker)).json()
        # a near miss is a word to review; question 2 never opened, so it is no word
        assert [w["term"] for w in bob_review["words"]] == [word]
        ann_review = ok(quiz("review", code, "--json", home=ann, broker=broker)).json()
        assert ann_review["words"] == []
        anki = ok(quiz("review", code, "--format", "anki", home=cy, broker=broker)).out
        lines = anki.splitlines()
        assert lines[:3] == ["#separator:tab", "#html:false",
                             "#columns:Front\tBack\tExample\tIPA\tSound"]
        # to standard output there are no sound files beside it: the Sound field is empty
        assert lines[3].split("\t")[0] == word and len(lines[3].split("\t")) == 5

        by_word = ok(quiz("results", code, "--by-word", "--json", home=host,
                          broker=broker)).json()
        first = next(w for w in by_word["words"] if w["term"] == word)
        assert (first["answered"], first["right"], first["near"], first["missed"]) == (3, 1, 1, 2)
        answers = ok(quiz("results", code, "--json", home=host, broker=broker)).json()["answers"]
        assert {(a["name"], a["text"], a["typo"], a["choice"]) for a in answers} == {
            ("ann", f"{word.upper()}!", False, None), ("bob", typo, True, None),
            ("cy", "zzzz", False, None)}


def test_a_reverse_question_asks_for_the_definition(tmp_path: Path) -> None:
    port = free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    host, ann = tmp_path / "host", tmp_path / "ann"
    with serving(port, tmp_path / "quiz.db"):
        code = ok(quiz("create", "--kinds", "reverse", "--level", "B2", "--questions", "1",
                       "--json", home=host, broker=broker)).json()["quiz"]
        ok(quiz("join", code, "--name", "ann", home=ann, broker=broker))
        ok(quiz("start", code, home=host, broker=broker))
        question = open_question(code, host, broker)
        entry = next(e for e in DECK if e.term == question["prompt"])
        assert entry.level == "B2" and entry.definition in question["choices"]
        choice = question["choices"].index(entry.definition) + 1
        assert ok(quiz("answer", code, "--choice", str(choice), home=ann,
                       broker=broker)).out.startswith("correct: +")


def test_a_calm_quiz_ranks_nobody_in_public(tmp_path: Path) -> None:
    port = free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    host, ann, bob = tmp_path / "host", tmp_path / "ann", tmp_path / "bob"
    with serving(port, tmp_path / "quiz.db"):
        code = ok(quiz("create", "--calm", "--questions", "1", "--json", home=host,
                       broker=broker)).json()["quiz"]
        for home in (ann, bob):
            ok(quiz("join", code, "--name", home.name, home=home, broker=broker))
        ok(quiz("start", code, home=host, broker=broker))
        question = open_question(code, host, broker)
        word = next(e.term for e in DECK if e.definition == question["prompt"])
        right = question["choices"].index(word) + 1
        said = ok(quiz("answer", code, "--choice", str(right), home=ann, broker=broker)).out
        assert said.startswith("correct: +1000 points; score 1000") and "rank" not in said
        ok(quiz("answer", code, "--choice", str(right % 4 + 1), home=bob, broker=broker))
        ok(quiz("end", code, home=host, broker=broker))
        watched = ok(quiz("watch", code, "--json", home=host, broker=broker)).out
        boards = [json.loads(line) for line in watched.splitlines()
                  if json.loads(line)["type"] == "leaderboard"]
        assert boards and all(board["top"] == [] and board["players"] == 2 for board in boards)


@pytest.mark.parametrize(("args", "message"), [
    (("create", "--kinds", "choice,essay"), "essay is not a kind of question"),
    (("create", "--kinds", "typed,typed"), "listed twice"),
    (("create", "--level", "Z9"), "Z9"),
    (("answer", "ABCDEF"), "either --choice N or --text WORD"),
    (("answer", "ABCDEF", "--choice", "1", "--text", "word"), "either --choice N or --text"),
    (("results", "ABCDEF", "--by-word", "--by-player"), "--by-word and --by-player"),
    (("results", "ABCDEF", "--format", "text"), "--by-player"),
])
def test_usage_errors_exit_2_with_a_sentence(tmp_path: Path, args: tuple[str, ...],
                                            message: str) -> None:
    result = quiz(*args, home=tmp_path, broker="mqtt://127.0.0.1:9")
    assert result.code == 2 and message in result.err, result


def test_review_without_joining_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = quiz("review", "ABCDEF", home=tmp_path, broker="mqtt://127.0.0.1:9")
    assert result.code == 1 and "not joined" in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
