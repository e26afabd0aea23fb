"""quiz create --again CODE: the next class gets the same questions, under its own code."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from protocol import auth
from tests.conftest import free_port
from tests.e2e.cli import quiz, serving


def stored(db: Path, code: str) -> tuple[list[dict[str, object]], dict[str, object]]:
    """A quiz's questions and settings as the scorer stored them."""
    with sqlite3.connect(db) as conn:
        questions, settings = conn.execute(
            "SELECT questions, settings FROM quizzes WHERE code = ?", [code]).fetchone()
    return json.loads(questions), json.loads(settings)


def test_a_quiz_runs_again_with_the_same_questions_for_its_host_only(tmp_path: Path) -> None:
    port = free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    db = tmp_path / "quiz.db"
    host, colleague = tmp_path / "host", tmp_path / "colleague"
    with serving(port, db):
        created = quiz("create", "--questions", "8", "--seconds", "30", "--kinds",
                       "choice,typed", "--calm", "--json", home=host, broker=broker)
        assert created.code == 0, created.err
        old = created.json()["quiz"]
        assert quiz("end", old, home=host, broker=broker).code == 0  # last lesson's, over

        same = quiz("create", "--again", old, "--json", home=host, broker=broker)
        assert same.code == 0, same.err
        new = same.json()
        assert (new["again"], new["shuffle"]) == (old, False)
        assert new["quiz"] != old and new["host_token"] != created.json()["host_token"]
        assert stored(db, new["quiz"]) == stored(db, old)  # questions in order, 30 s, calm
        said = quiz("create", "--again", old, home=host, broker=broker)
        assert said.code == 0, said.err
        assert f"the questions of quiz {old}, in the same order" in said.out
        # the new quiz is a quiz of its own: its token was kept, its host starts it
        assert quiz("start", new["quiz"], home=host, broker=broker).code == 0

        shuffled = quiz("create", "--again", old.lower(), "--shuffle", "--json",
                        home=host, broker=broker)
        assert shuffled.code == 0, shuffled.err
        questions, settings = stored(db, shuffled.json()["quiz"])
        old_questions, old_settings = stored(db, old)
        assert settings == old_settings
        assert questions != old_questions
        assert sorted(map(json.dumps, questions)) == sorted(map(json.dumps, old_questions))

        # only the old quiz's host: another machine has no token, a wrong one is refused
        no_token = quiz("create", "--again", old, home=colleague, broker=broker)
        assert no_token.code == 1
        assert "no host token" in no_token.err
        wrong = quiz("create", "--again", old, "--token", auth.new_secret(),
                     home=colleague, broker=broker)
        assert wrong.code == 1
        assert "host token" in wrong.err and "Traceback" not in wrong.err
        borrowed = quiz("create", "--again", old, "--token", created.json()["host_token"],
                        "--json", home=colleague, broker=broker)
        assert borrowed.code == 0, borrowed.err
        unknown = quiz("create", "--again", "ZZZZZZ", "--token", auth.new_secret(),
                       home=colleague, broker=broker)
        assert unknown.code == 1
        assert "ZZZZZZ" in unknown.err

        # the old quiz's questions and settings are kept: changing them is a usage error
        mixed = quiz("create", "--again", old, "--questions", "5", home=host, broker=broker)
        assert mixed.code == 2
        assert "--questions" in mixed.err
        alone = quiz("create", "--shuffle", home=host, broker=broker)
        assert alone.code == 2
        assert "--again" in alone.err
