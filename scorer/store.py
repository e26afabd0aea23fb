"""SQLite persistence of quizzes, players and answers (sqlite-utils, WAL).

The scorer writes one `Batch` per transaction (group commit) and acknowledges
the MQTT messages of that batch only after the commit. The primary key of
`answers` is (quiz, player, q): an answer can be stored once, whatever is
redelivered. On start, `load` rebuilds every quiz in memory from these tables.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import sqlite_utils

from protocol.errors import FailureError
from protocol.messages import AnswerRecord, Settings
from scorer.game import Player, Quiz, Scored
from scorer.questions import Question

# Finished quizzes stay loaded this long after creation so `quiz results` can still answer.
KEEP_FINISHED_SECONDS = 24 * 3600


class StorageError(FailureError, RuntimeError):
    """The database refused a write; the scorer stops rather than run ahead of it."""


# Columns of the tables made in `_create_tables`, in the order of the hot-path inserts.
_INSERT_ANSWER = ("INSERT OR IGNORE INTO answers (quiz, player, q, choice, correct, points,"
                  " elapsed_ms, late, arrived_at, seq, text, typo)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_PLAYER = ("INSERT INTO players (quiz, id, name, secret, joined_seq, kicked)"
                  " VALUES (?, ?, ?, ?, ?, 0)")


@dataclass
class Batch:
    """Everything one group commit writes."""

    quizzes: list[Quiz] = field(default_factory=list)
    players: list[tuple[str, Player]] = field(default_factory=list)
    answers: list[tuple[str, Scored]] = field(default_factory=list)
    phases: dict[str, Quiz] = field(default_factory=dict)
    kicked: list[tuple[str, str]] = field(default_factory=list)
    alive: float | None = None  # the scorer's heartbeat
    requests: dict[str, str] = field(default_factory=dict)  # quiz code -> creating request
    controls: list[tuple[str, str]] = field(default_factory=list)  # (quiz, req) applied
    # Self-paced questions opened: (quiz, player, q, opened_at), each player's own clock.
    opened: list[tuple[str, str, int, float]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.quizzes or self.players or self.answers or self.phases or self.kicked
                    or self.controls or self.opened or self.alive is not None)


class Store:
    """The scorer's database file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # Holds player secrets and host keys: readable by the scorer's user only.
        if str(path) != ":memory:" and not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        # Commits run on the event loop's thread; checkpoints use a connection of their own.
        conn = sqlite3.connect(str(path), isolation_level=None)
        self.db = sqlite_utils.Database(conn)
        if str(path) != ":memory:":
            self.db.enable_wal()
        # WAL + NORMAL: a commit survives a crash of the process (not of the machine's power)
        # and costs no fsync; only checkpoints do, and `checkpoint` runs them off the hot path.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA wal_autocheckpoint=0")
        self._create_tables()

    def _create_tables(self) -> None:
        self.db.table("quizzes").create({
            "code": str, "created_at": float, "request": str, "settings": str,
            "questions": str,
            "host_key": str, "phase": str, "q_index": int, "opened_at": float,
            "deadline": float, "revealed_at": float, "paused_at": float,
        }, pk="code", if_not_exists=True)
        self.db.table("players").create({
            "quiz": str, "id": str, "name": str, "secret": str, "joined_seq": int, "kicked": int,
        }, pk=("quiz", "id"), if_not_exists=True)
        self.db.table("answers").create({
            "quiz": str, "player": str, "q": int, "choice": int, "correct": int, "points": int,
            "elapsed_ms": int, "late": int, "arrived_at": float, "seq": int,
            "text": str, "typo": int,
        }, pk=("quiz", "player", "q"), if_not_exists=True)
        self.db.table("meta").create({"key": str, "value": float}, pk="key", if_not_exists=True)
        self.db.table("controls").create({"quiz": str, "req": str}, pk=("quiz", "req"),
                                         if_not_exists=True)
        self.db.table("opened").create({"quiz": str, "player": str, "q": int,
                                        "opened_at": float},
                                       pk=("quiz", "player", "q"), if_not_exists=True)
        if "request" not in self.db.table("quizzes").columns_dict:  # databases from before it
            self.db.table("quizzes").add_column("request", str)
        if "paused_at" not in self.db.table("quizzes").columns_dict:  # before pausing
            self.db.table("quizzes").add_column("paused_at", float)
        if "text" not in self.db.table("answers").columns_dict:  # before typed answers
            self.db.table("answers").add_column("text", str, not_null_default="")
            self.db.table("answers").add_column("typo", int, not_null_default=0)
        self.db.execute("CREATE INDEX IF NOT EXISTS quizzes_request ON quizzes(request)")

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def checkpoint(self) -> None:
        """Copy the WAL into the database file (run it in a worker thread, now and then).

        It uses its own connection, so the scorer's commits go on meanwhile.
        """
        if str(self.path) == ":memory:":
            return
        with contextlib.closing(sqlite3.connect(self.path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def quiz_for_request(self, request: str) -> str | None:
        """The quiz a creation request (client/req) made, if it was stored."""
        row = self.db.execute("SELECT code FROM quizzes WHERE request = ?", [request]).fetchone()
        return str(row[0]) if row else None

    def original(self, code: str) -> Quiz | None:
        """A stored quiz's questions, settings and host key, without its players (--again)."""
        row = next(self.db.query("SELECT * FROM quizzes WHERE code = ?", [code]), None)
        return _quiz_from_row(row) if row else None

    def code_taken(self, code: str) -> bool:
        """True when a quiz with this code was ever stored."""
        return bool(self.db.execute("SELECT 1 FROM quizzes WHERE code = ?", [code]).fetchone())

    def write(self, batch: Batch) -> None:
        """Commit a batch in one transaction; raise StorageError if the database refuses."""
        try:
            self._write(batch)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write {self.path}: {exc}") from exc

    def _write(self, batch: Batch) -> None:
        with self.db.conn:
            self.db.execute("BEGIN")
            if batch.quizzes:
                self.db.table("quizzes").insert_all(
                    ({**_quiz_row(quiz), "request": batch.requests.get(quiz.code)}
                     for quiz in batch.quizzes), ignore=True)
            for quiz in batch.phases.values():
                self.db.table("quizzes").update(quiz.code, _phase_row(quiz))
            if batch.players:
                self.db.conn.executemany(_INSERT_PLAYER, [
                    (code, p.id, p.name, p.secret, p.joined_seq) for code, p in batch.players])
            for code, player_id in batch.kicked:
                self.db.execute("UPDATE players SET kicked = 1 WHERE quiz = ? AND id = ?",
                                [code, player_id])
            if batch.controls:
                self.db.conn.executemany(
                    "INSERT OR IGNORE INTO controls (quiz, req) VALUES (?, ?)", batch.controls)
            if batch.opened:  # a question's clock starts once: a retry keeps the first
                self.db.conn.executemany(
                    "INSERT OR IGNORE INTO opened (quiz, player, q, opened_at)"
                    " VALUES (?, ?, ?, ?)", batch.opened)
            if batch.alive is not None:
                self.db.table("meta").upsert({"key": "alive", "value": batch.alive}, pk="key")
            if batch.answers:
                # The hot path: one prepared statement for the whole batch. insert_all
                # rebuilt its SQL and inspected every value on each call: a commit of two
                # answers took 158 us with it, 74 us without.
                self.db.conn.executemany(_INSERT_ANSWER, [
                    (code, s.record.player, s.record.q, s.record.choice, int(s.record.correct),
                     s.record.points, s.record.elapsed_ms, int(s.record.late), s.arrived_at,
                     s.seq, s.record.text, int(s.record.typo)) for code, s in batch.answers])

    def answers(self, code: str) -> list[AnswerRecord]:
        """Every stored answer of a quiz, in the order they were scored."""
        return [record for record, _, _ in _stored_answers(self.db, code)]

    def last_alive(self) -> float | None:
        """The last moment the scorer is known to have been up (None on a new database).

        The later of its heartbeat and the last event it stored.
        """
        row = self.db.execute(
            "SELECT max(t) FROM (SELECT value AS t FROM meta WHERE key = 'alive'"
            " UNION ALL SELECT max(arrived_at) FROM answers"
            " UNION ALL SELECT max(max(opened_at, revealed_at, created_at)) FROM quizzes)"
        ).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def load(self, now: float | None = None) -> list[Quiz]:
        """Rebuild live quizzes (and recently finished ones) from the tables."""
        horizon = (now if now is not None else time.time()) - KEEP_FINISHED_SECONDS
        return self._rebuild(self.db.query(
            "SELECT * FROM quizzes WHERE phase != 'finished' OR created_at > ?"
            " OR coalesce(json_extract(settings, '$.until'), 0) > ?", [horizon, horizon]))

    def load_quiz(self, code: str) -> Quiz:
        """Rebuild one quiz from the tables alone (for reconciliation)."""
        quizzes = self._rebuild(self.db.query("SELECT * FROM quizzes WHERE code = ?", [code]))
        if not quizzes:
            raise KeyError(code)
        return quizzes[0]

    def _rebuild(self, rows: Iterable[dict[str, Any]]) -> list[Quiz]:
        quizzes = [_quiz_from_row(row) for row in rows]
        for quiz in quizzes:
            for row in self.db.query(
                    "SELECT * FROM players WHERE quiz = ? ORDER BY joined_seq", [quiz.code]):
                quiz.restore_player(Player(row["id"], row["name"], row["secret"],
                                           row["joined_seq"], kicked=bool(row["kicked"])))
            for row in self.db.execute(
                    "SELECT player, q, opened_at FROM opened WHERE quiz = ? ORDER BY q",
                    [quiz.code]).fetchall():
                quiz.restore_opened(row[0], row[1], row[2])
            for record, arrived_at, seq in _stored_answers(self.db, quiz.code):
                quiz.restore_answer(Scored(record, arrived_at, seq))
            quiz.applied.update(row[0] for row in self.db.execute(
                "SELECT req FROM controls WHERE quiz = ?", [quiz.code]).fetchall())
        return quizzes


def _stored_answers(db: sqlite_utils.Database, code: str) -> list[tuple[AnswerRecord, float, int]]:
    rows = db.execute(
        "SELECT a.player, p.name, a.q, a.choice, a.correct, a.points, a.elapsed_ms, a.late,"
        " a.arrived_at, a.seq, p.kicked, coalesce(a.text, ''), coalesce(a.typo, 0) FROM answers a"
        " JOIN players p ON p.quiz = a.quiz AND p.id = a.player"
        " WHERE a.quiz = ? ORDER BY a.seq", [code]).fetchall()
    return [(AnswerRecord(player=r[0], name=r[1], q=r[2], choice=r[3], correct=bool(r[4]),
                          points=r[5], elapsed_ms=r[6], late=bool(r[7]), kicked=bool(r[10]),
                          text=r[11], typo=bool(r[12])),
             r[8], r[9])
            for r in rows]


def _quiz_row(quiz: Quiz) -> dict[str, Any]:
    return {
        "code": quiz.code, "created_at": quiz.created_at,
        "settings": msgspec.json.encode(quiz.settings).decode(),
        "questions": json.dumps([_question_row(q) for q in quiz.questions]),
        "host_key": quiz.host_key, **_phase_row(quiz),
    }


def _phase_row(quiz: Quiz) -> dict[str, Any]:
    return {"phase": quiz.phase, "q_index": quiz.index, "opened_at": quiz.opened_at,
            "deadline": quiz.deadline, "revealed_at": quiz.revealed_at,
            "paused_at": quiz.paused_at}


def _question_row(question: Question) -> dict[str, Any]:
    return {"kind": question.kind, "prompt": question.prompt, "pos": question.pos,
            "choices": list(question.choices), "correct": question.correct,
            "word": question.word, "definition": question.definition,
            "example": question.example, "near": list(question.near),
            "accept": list(question.accept)}


def _question_from_row(row: Any) -> Question:
    if isinstance(row, list):  # a database from before the kinds of question: all choice
        prompt, pos, choices, correct = row
        return Question(kind="choice", prompt=prompt, pos=pos, choices=tuple(choices),
                        correct=correct, word=choices[correct], definition=prompt)
    return Question(**{**row, "choices": tuple(row["choices"]), "near": tuple(row["near"]),
                       "accept": tuple(row.get("accept", ()))})  # none before revision 4


def _quiz_from_row(row: dict[str, Any]) -> Quiz:
    questions = [_question_from_row(q) for q in json.loads(row["questions"])]
    quiz = Quiz(code=row["code"], settings=msgspec.json.decode(row["settings"], type=Settings),
                questions=questions, host_key=row["host_key"], created_at=row["created_at"])
    quiz.phase, quiz.index = row["phase"], row["q_index"]
    if quiz.phase in ("question", "reveal"):
        quiz.reset_distribution()  # the stored answers are counted in again on top
    quiz.opened_at, quiz.deadline = row["opened_at"], row["deadline"]
    quiz.revealed_at = row["revealed_at"]
    # a quiz paused when the scorer stopped stays paused, with the time it had left
    quiz.paused_at = row.get("paused_at")
    return quiz
