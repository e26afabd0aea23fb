"""`quiz results`: what a teacher reads after a quiz, as pure functions.

The scorer's results (host only) hold the standings and every answer by question number;
the words of a finished quiz (quiz/<code>/words, retained) say what each question asked:
its kind, its word, its prompt and its right answer. Joined here, every row names its
question. Questions and choices count from 1, as people count and as `quiz answer
--choice` takes them; on the wire they are 0-based (`q`, `choice`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from client.text import fit, name_column, plural, printable
from protocol.messages import AnswerRecord, Results, Word
from scorer.deck import Entry
from scorer.questions import LISTEN_CHOICE_PROMPT, cloze_prompt, listen_prompt

QUESTION_COLUMNS = ["kind", "term", "prompt", "answer"]
RESULT_COLUMNS: list[object] = ["rank", "name", "player", "score", "question",
                                *QUESTION_COLUMNS, "choice", "correct", "points", "elapsed_ms",
                                "late", "kicked", "text", "typo"]
BY_PLAYER_COLUMNS = ["rank", "name", "player", "score", "kicked", "right", "near", "wrong",
                     "unanswered", "missed"]


def question_fields(word: Word | None) -> dict[str, str]:
    """What a question asked: kind, word, prompt and right answer ("" when not known).

    A choice or typed question shows the definition and wants the word; a reverse one
    shows the word and wants its definition; a cloze one shows the example with the word
    blanked out and wants the word; a listening one says the word (the prompt gives at
    most its meaning) and wants it.
    """
    if word is None:  # the quiz still runs: its words come when it finishes
        return dict.fromkeys(QUESTION_COLUMNS, "")
    prompt, answer = word.definition, word.term
    if word.kind == "reverse":
        prompt, answer = word.term, word.definition
    elif word.kind == "cloze":
        prompt = cloze_prompt(Entry(word.term, word.definition, example=word.example)) \
            or word.example
    elif word.kind == "listen":
        prompt = listen_prompt(Entry(word.term, word.definition))
    elif word.kind == "listen-choice":
        prompt = LISTEN_CHOICE_PROMPT
    return {"kind": word.kind, "term": word.term, "prompt": prompt, "answer": answer}


def _by_q(words: Sequence[Word]) -> dict[int, Word]:
    return {word.q: word for word in words}


def results_answer(answer: AnswerRecord, word: Word | None = None) -> dict[str, object]:
    """One answer for `quiz results --json`, with its question, numbered from 1."""
    return {"player": answer.player, "name": answer.name, "question": answer.q + 1,
            **question_fields(word),
            "choice": answer.choice + 1 if answer.choice >= 0 else None,
            "correct": answer.correct, "points": answer.points,
            "elapsed_ms": answer.elapsed_ms, "late": answer.late, "kicked": answer.kicked,
            "text": answer.text, "typo": answer.typo}


def results_json(results: Results, words: Sequence[Word] = ()) -> dict[str, object]:
    """`quiz results --json`: the standings, then every answer in scoring order."""
    asked = _by_q(words)
    return {"quiz": results.quiz, "phase": results.phase,
            "standings": [{"rank": s.rank, "player": s.player, "name": s.name, "score": s.score}
                          for s in results.standings],
            "answers": [results_answer(a, asked.get(a.q)) for a in results.answers]}


def results_rows(results: Results, words: Sequence[Word] = ()) -> list[list[object]]:
    """CSV rows: one per answer, with the player's final rank and score and its question.

    A kicked player has no rank (empty) and keeps the points of their answers, marked
    kicked: their answers stay in the results.
    """
    asked = _by_q(words)
    by_player: dict[str, list[list[object]]] = {}
    kicked: dict[str, list[AnswerRecord]] = {}
    for a in results.answers:
        question = question_fields(asked.get(a.q))
        by_player.setdefault(a.player, []).append(
            [a.q + 1, *(printable(question[c]) for c in QUESTION_COLUMNS),
             a.choice + 1 if a.choice >= 0 else "", int(a.correct), a.points,
             a.elapsed_ms, int(a.late), int(a.kicked), printable(a.text), int(a.typo)])
        if a.kicked:
            kicked.setdefault(a.player, []).append(a)
    rows: list[list[object]] = [RESULT_COLUMNS]
    width = len(RESULT_COLUMNS) - 4
    for player, head in _heads(results, kicked):
        rows += [head + answer for answer in by_player.get(player, [])] or \
            [head + [""] * width]
    return rows


def _heads(results: Results, kicked: Mapping[str, Sequence[AnswerRecord]],
           ) -> list[tuple[str, list[object]]]:
    """Rank, name, player and score of each player: the ranked, then the kicked."""
    ranked = {s.player for s in results.standings}
    heads: list[tuple[str, list[object]]] = [
        (s.player, [s.rank or "", printable(s.name), s.player, s.score])
        for s in results.standings]
    heads += [(player, ["", printable(answers[0].name), player, sum(a.points for a in answers)])
              for player, answers in kicked.items() if player not in ranked]
    return heads


# --- by player ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlayerSummary:
    """One player's quiz at a glance: counts of right, near, wrong and unanswered, and words.

    right: in time and spelled right; near: a typed near miss accepted in time; wrong: a
    wrong or late answer; unanswered: questions opened with no answer. `missed` holds the
    words of every question not answered right (near misses included), in quiz order, as
    `quiz review` lists them for the player.
    """

    rank: int  # 0: none (a kicked player, or a calm quiz)
    name: str
    player: str
    score: int
    kicked: bool
    right: int
    near: int
    wrong: int
    unanswered: int
    missed: tuple[str, ...]


def by_player(results: Results, words: Sequence[Word]) -> list[PlayerSummary]:
    """Every player of a finished quiz, in standing order, then the kicked ones."""
    answers: dict[str, list[AnswerRecord]] = {}
    for a in results.answers:
        answers.setdefault(a.player, []).append(a)
    people = [(s.rank, s.player, s.name, s.score, False) for s in results.standings]
    ranked = {s.player for s in results.standings}
    people += [(0, player, mine[0].name, sum(a.points for a in mine), True)
               for player, mine in answers.items()
               if player not in ranked and any(a.kicked for a in mine)]
    summaries = []
    for rank, player, name, score, kicked in people:
        mine = answers.get(player, [])
        right = {a.q for a in mine if a.correct and not a.late and not a.typo}
        near = sum(1 for a in mine if a.correct and not a.late and a.typo)
        summaries.append(PlayerSummary(
            rank=rank, name=name, player=player, score=score, kicked=kicked,
            right=len(right), near=near, wrong=len(mine) - len(right) - near,
            unanswered=sum(1 for w in words if w.q not in {a.q for a in mine}),
            missed=tuple(w.term for w in sorted(words, key=lambda w: w.q)
                         if w.q not in right)))
    return summaries


def by_player_json(code: str, summaries: Sequence[PlayerSummary],
                   questions: int) -> dict[str, object]:
    """`quiz results --by-player --format json`."""
    return {"quiz": code, "questions": questions,
            "players": [{"rank": s.rank or None, "name": s.name, "player": s.player,
                         "score": s.score, "kicked": s.kicked, "right": s.right,
                         "near": s.near, "wrong": s.wrong, "unanswered": s.unanswered,
                         "missed": list(s.missed)} for s in summaries]}


def by_player_rows(summaries: Sequence[PlayerSummary]) -> list[list[object]]:
    """CSV rows of `quiz results --by-player`: the words missed in one cell, `; ` between."""
    rows: list[list[object]] = [list(BY_PLAYER_COLUMNS)]
    rows += [[s.rank or "", printable(s.name), s.player, s.score, int(s.kicked), s.right,
              s.near, s.wrong, s.unanswered, printable("; ".join(s.missed))]
             for s in summaries]
    return rows


def by_player_text(code: str, summaries: Sequence[PlayerSummary], questions: int) -> str:
    """`quiz results --by-player` for people: a table, one player a line."""
    names = [printable(s.name) for s in summaries]
    width = name_column(names)
    lines = [f"quiz {code}: {plural(len(summaries), 'player')}, "
             f"{plural(questions, 'question')}",
             f"{'rank':>6}  {fit('name', width)}  {'score':>6}  right  near  wrong  none"
             "  missed"]
    for s, name in zip(summaries, names, strict=True):
        rank = f"{s.rank}." if s.rank else ("kicked" if s.kicked else "")
        lines.append(f"{rank:>6}  {fit(name, width)}  {s.score:>6}  {s.right:>5}  "
                     f"{s.near:>4}  {s.wrong:>5}  {s.unanswered:>4}  "
                     + printable(", ".join(s.missed) or "-"))
    return "\n".join(lines)
