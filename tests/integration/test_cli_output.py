"""What the `quiz` command prints over a real broker and scorer (issue 18).

`quiz results` numbers questions and choices from 1, names each answer's question and
keeps a kicked player's answers, marked; `--by-player` sums up each player; `quiz kick`
names who it removed; host commands and kicks on a finished quiz fail;
`quiz watch` prints changes only and exits 0 once the quiz finishes; `--all` prints
everyone's standings.
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import os
import subprocess
from pathlib import Path

from broker.embedded import Embedded
from tests.conftest import lines_until, running_scorer
from tests.e2e.cli import QUIZ, ROOT, Result, quiz

# The subprocess bound of every command (a watch that does not stop fails the test here).
LONGEST = 60.0


async def run(*args: str, home: Path, broker: str) -> Result:
    """`quiz ARGS` in a subprocess, off the event loop (the broker runs on it)."""
    return await asyncio.to_thread(quiz, *args, home=home, broker=broker, timeout=LONGEST)


async def ok(*args: str, home: Path, broker: str) -> Result:
    result = await run(*args, home=home, broker=broker)
    assert result.code == 0, result.err
    return result


async def test_results_kick_and_a_finished_quiz(embedded: Embedded, tmp_path: Path) -> None:
    url = str(embedded.public)
    host, ann, bob = tmp_path / "host", tmp_path / "ann", tmp_path / "bob"
    async with running_scorer(embedded.scorer, tmp_path / "quiz.db") as scorer:
        code = (await ok("create", "--questions", "2", "--seconds", "300", "--json",
                         home=host, broker=url)).json()["quiz"]
        await ok("join", code, "--name", "ann", home=ann, broker=url)
        bob_id = (await ok("join", code, "--name", "bob", "--json", home=bob,
                           broker=url)).json()["player"]
        await ok("start", code, home=host, broker=url)
        correct = scorer.quizzes[code].questions[0].correct
        await ok("answer", code, "--choice", str(correct + 1), home=ann, broker=url)
        await ok("answer", code, "--choice", str((correct + 1) % 4 + 1), home=bob, broker=url)

        kicked = await ok("kick", code, "--name", "BOB", home=host, broker=url)
        assert kicked.out.strip() == \
            f"removed bob (player {bob_id}) from quiz {code}; 1 player left"
        again = await ok("kick", code, "--name", "bob", "--json", home=host, broker=url)
        assert again.json()["already_removed"]

        await ok("end", code, home=host, broker=url)
        for action in ("start", "next", "end"):
            late = await run(action, code, home=host, broker=url)
            assert late.code == 1, (action, late.out)
            assert late.err.strip() == \
                f"error: quiz {code} is finished: nothing to {action} (`quiz results " \
                f"{code}` prints its results)"

        # a finished quiz is a record: a kick would rewrite its ranks and its words' counts
        late_kick = await run("kick", code, "--name", "ann", home=host, broker=url)
        assert late_kick.code == 1 and "finished" in late_kick.err, late_kick
        assert len(late_kick.err.strip().splitlines()) == 1

        data = (await ok("results", code, "--json", home=host, broker=url)).json()
        table = (await ok("results", code, home=host, broker=url)).out
        players = (await ok("results", code, "--by-player", "--json", home=host,
                            broker=url)).json()
        summary = (await ok("results", code, "--by-player", home=host, broker=url)).out
        anki = (await ok("results", code, "--format", "anki", home=host, broker=url)).out

    word = scorer.quizzes[code].questions[0].word
    answers = {a["name"]: a for a in data["answers"]}
    assert answers["ann"]["question"] == 1 and answers["ann"]["choice"] == correct + 1
    # every answer names its question: what was asked and its right answer
    assert (answers["ann"]["kind"], answers["ann"]["term"], answers["ann"]["answer"]) == \
        ("choice", word, word)
    assert answers["bob"]["prompt"] == scorer.quizzes[code].questions[0].prompt
    assert answers["bob"]["choice"] == (correct + 1) % 4 + 1  # as bob typed it
    assert [answers["ann"]["kicked"], answers["bob"]["kicked"]] == [False, True]
    assert [s["name"] for s in data["standings"]] == ["ann"]
    rows = list(csv.DictReader(io.StringIO(table)))
    by_name = {row["name"]: row for row in rows}
    assert by_name["ann"]["question"] == "1" and by_name["ann"]["kicked"] == "0"
    assert by_name["bob"]["rank"] == "" and by_name["bob"]["kicked"] == "1"
    assert by_name["bob"]["choice"] == str((correct + 1) % 4 + 1)
    assert (by_name["bob"]["term"], by_name["bob"]["answer"]) == (word, word)

    # one line per player: ann right on question 1, question 2 never opened; bob kicked
    assert players["questions"] == 1
    assert [(p["name"], p["rank"], p["right"], p["wrong"], p["missed"], p["kicked"])
            for p in players["players"]] == [("ann", 1, 1, 0, [], False),
                                             ("bob", None, 0, 1, [word], True)]
    assert summary.splitlines()[0] == f"quiz {code}: 2 players, 1 question"
    assert anki.splitlines()[0] == "#separator:tab"  # --format anki: the words, as --by-word


async def start_watch(code: str, *args: str, home: Path,
                      broker: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "QUIZ_HOME": str(home), "QUIZ_BROKER": broker, "QUIZ_TIMEOUT": "10"}
    return await asyncio.create_subprocess_exec(*QUIZ, "watch", code, *args,
                                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                env=env, cwd=ROOT)


async def printed_by(process: asyncio.subprocess.Process, before: list[str]) -> tuple[str, str]:
    """All a process printed, `before` being the lines of its output already read."""
    async with asyncio.timeout(LONGEST):
        out, err = await process.communicate()
    return "".join(before) + out.decode(), err.decode()


async def test_watch_prints_changes_only_and_stops_when_the_quiz_finishes(
        embedded: Embedded, tmp_path: Path) -> None:
    url = str(embedded.public)
    host, ann = tmp_path / "host", tmp_path / "ann"
    async with running_scorer(embedded.scorer, tmp_path / "quiz.db"):
        code = (await ok("create", "--questions", "2", "--seconds", "300", "--json",
                         home=host, broker=url)).json()["quiz"]
        await ok("join", code, "--name", "ann", home=ann, broker=url)
        plain = await start_watch(code, home=host, broker=url)
        everyone = await start_watch(code, "--all", home=host, broker=url)
        try:
            lobby = [await lines_until(p.stdout, "lobby") for p in (plain, everyone)]
            await ok("start", code, home=host, broker=url)
            await ok("answer", code, "--choice", "1", home=ann, broker=url)
            await ok("next", code, home=host, broker=url)  # reveal
            await ok("end", code, home=host, broker=url)
            outs = [await printed_by(p, seen) for p, seen in zip((plain, everyone), lobby,
                                                                  strict=True)]
        finally:
            for process in (plain, everyone):
                if process.returncode is None:
                    process.kill()
                    await process.wait()
    assert [plain.returncode, everyone.returncode] == [0, 0]  # stopped by themselves
    out, err = outs[0]
    assert "Traceback" not in err
    lines = out.splitlines()
    assert f"quiz {code}: lobby, 1 player" in lines
    assert f"quiz {code}: finished" in lines
    assert lines.count("scorer online") <= 1
    assert not any("1 players" in line for line in lines)
    boards = [line for line in lines if line.startswith(f"leaderboard {code}")]
    assert boards and all("(#" in b and "1 player)" in b for b in boards)
    blocks = out.split(f"leaderboard {code}")
    tables = [block.split("\nquiz ")[0].split(")", 1)[1] for block in blocks[1:]]
    assert all(a != b for a, b in itertools.pairwise(tables))  # no repeats
    every = outs[1][0]
    assert f"standings {code}, page 1 of 1 (1 player)" in every
    assert "1. ann" in every.split(f"standings {code}")[-1]
