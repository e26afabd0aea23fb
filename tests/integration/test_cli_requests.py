"""`quiz join` and `quiz answer` tell the truth when the outcome is late, on real brokers.

A join sent while the scorer is down is applied when it returns: the CLI keeps the
player's secret before sending, says the scorer is offline at once (not after its whole
timeout), and running the same command again resumes the player. An answer (QoS 0) is sent
again until its timeout, then the command says nothing kept it; run again, it is scored
once, or prints the verdict already recorded. Host commands and `quiz create` say so too,
and print no password.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from client.credentials import Credentials
from tests.conftest import BrokerUnderTest, running_scorer, until
from tests.e2e.cli import Result, quiz

# A timeout no test waits for: a command that waited it whole would hit LONGEST first.
PATIENT = "600"
# The subprocess bound: a command that does not say "offline" soon fails the test here.
LONGEST = 60.0


async def run(*args: str, home: Path, broker: str) -> Result:
    """`quiz ARGS` in a subprocess, off the event loop (the brokers run on it)."""
    return await asyncio.to_thread(quiz, *args, home=home, broker=broker, timeout=LONGEST)


async def new_quiz(broker: BrokerUnderTest, host_home: Path, *, start: bool = False) -> str:
    created = await run("create", "--questions", "2", "--seconds", "300", "--json",
                        home=host_home, broker=url(broker.host, password=True))
    assert created.code == 0, created.err
    code: str = created.json()["quiz"]
    if start:
        started = await run("start", code, home=host_home, broker=url(broker.host,
                                                                         password=True))
        assert started.code == 0, started.err
    return code


def url(address: object, *, password: bool = False) -> str:
    """The broker URL a user would type (with the password, when the address has one)."""
    host, port = getattr(address, "host"), getattr(address, "port")  # noqa: B009
    user, secret = getattr(address, "username"), getattr(address, "password")  # noqa: B009
    login = f"{user}:{secret}@" if password and user else ""
    return f"mqtt://{login}{host}:{port}"


async def test_a_join_sent_while_the_scorer_is_down_is_resumed_by_running_it_again(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    db, lia = tmp_path / "quiz.db", tmp_path / "lia"
    public = url(broker.public)
    async with running_scorer(broker.scorer, db):
        code = await new_quiz(broker, tmp_path / "host")
    # the scorer is down (its retained status says offline); the broker is up
    first = await run("join", code, "--name", "lia", "--timeout", PATIENT, home=lia,
                      broker=public)
    assert first.code == 1
    assert "the scorer is offline" in first.err, first.err
    assert "run the same command again" in first.err
    kept = Credentials(lia).player(code, "lia")
    assert kept is not None and not kept.confirmed  # the secret, kept before sending
    async with running_scorer(broker.scorer, db) as scorer:  # back: it applies the join
        players = scorer.quizzes[code].players
        await until(lambda: len(players) == 1)  # lia is in: the join reported failed counted
        again = await run("join", code, "--name", "lia", "--json", home=lia, broker=public)
        assert again.code == 0, again.err  # not "the name 'lia' is taken"
        assert list(players) == [again.json()["player"]]  # the same lia
    assert [p.player for p in Credentials(lia).players(code)] == list(players)


async def test_a_refused_join_leaves_nothing_behind(broker: BrokerUnderTest,
                                                    tmp_path: Path) -> None:
    public = url(broker.public)
    async with running_scorer(broker.scorer, tmp_path / "quiz.db"):
        code = await new_quiz(broker, tmp_path / "host")
        taken = await run("join", code, "--name", "lia", home=tmp_path / "a", broker=public)
        assert taken.code == 0, taken.err
        refused = await run("join", code, "--name", "LIA", home=tmp_path / "b", broker=public)
        assert refused.code == 1 and "taken" in refused.err
        assert Credentials(tmp_path / "b").players(code, reserved=True) == []
        other = await run("join", code, "--name", "mia", home=tmp_path / "b", broker=public)
        assert other.code == 0, other.err
        await run("start", code, home=tmp_path / "host", broker=url(broker.host, password=True))
        answered = await run("answer", code, "--choice", "1", home=tmp_path / "b",
                             broker=public)  # one player here: no --name needed
        assert answered.code == 0, answered.err


async def test_an_answer_run_again_prints_the_verdict_recorded(broker: BrokerUnderTest,
                                                               tmp_path: Path) -> None:
    public, ann = url(broker.public), tmp_path / "ann"
    async with running_scorer(broker.scorer, tmp_path / "quiz.db"):
        code = await new_quiz(broker, tmp_path / "host")
        assert (await run("join", code, "--name", "ann", home=ann, broker=public)).code == 0
        await run("start", code, home=tmp_path / "host", broker=url(broker.host, password=True))
        first = await run("answer", code, "--choice", "2", "--json", home=ann, broker=public)
        assert first.code == 0, first.err
        again = await run("answer", code, "--choice", "3", "--json", home=ann, broker=public)
        assert again.code == 0, again.err  # not "question 1 is already answered"
        recorded, original = again.json(), first.json()
        assert recorded["already_answered"] and not original["already_answered"]
        assert (recorded["score"], recorded["last"]) == (original["score"], original["last"])
        text = await run("answer", code, "--choice", "1", home=ann, broker=public)
        assert text.code == 0
        assert text.out.startswith("question 1 was already answered; ")
        assert f"score {original['score']}" in text.out


async def test_an_answer_sent_while_the_scorer_is_down_is_scored_once_it_returns(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    public, ann, db = url(broker.public), tmp_path / "ann", tmp_path / "quiz.db"
    host = url(broker.host, password=True)
    async with running_scorer(broker.scorer, db):
        code = await new_quiz(broker, tmp_path / "host")
        assert (await run("join", code, "--name", "ann", home=ann, broker=public)).code == 0
        await run("start", code, home=tmp_path / "host", broker=host)
    # an answer goes at QoS 0: no broker keeps it for a scorer that is down, so `quiz
    # answer` sends it again until its timeout, then says nothing kept it
    down = await run("answer", code, "--choice", "2", "--timeout", "5", home=ann,
                     broker=public)
    assert down.code == 1
    assert "the scorer is offline on " in down.err, down.err  # said while it waits
    assert "no verdict: the scorer is offline (since " in down.err, down.err
    assert "nothing keeps it for the scorer: run the same command again" in down.err
    async with running_scorer(broker.scorer, db):
        again = await run("answer", code, "--choice", "2", "--json", home=ann, broker=public)
        assert again.code == 0, again.err  # sent again, scored once
        verdict = again.json()
        assert verdict["answered"] == 1
        assert verdict["last"]["q"] == 0 and verdict["last"]["correct"] in (True, False)
    # a host command (QoS 1) waits in the scorer's session: the command says so at once
    nexted = await run("next", code, "--timeout", PATIENT, home=tmp_path / "host", broker=host)
    assert nexted.code == 1 and "the scorer is offline" in nexted.err
    assert "check with `quiz watch" in nexted.err


async def test_create_never_prints_the_password(broker: BrokerUnderTest,
                                                tmp_path: Path) -> None:
    if not broker.host.password:
        broker_url = "mqtt://teacher:s3cret@" + url(broker.host).removeprefix("mqtt://")
    else:
        broker_url = url(broker.host, password=True)
    secret = broker_url.split(":")[2].split("@")[0]
    async with running_scorer(broker.scorer, tmp_path / "quiz.db"):
        text = await run("create", home=tmp_path, broker=broker_url)
        as_json = await run("create", "--json", home=tmp_path, broker=broker_url)
    assert text.code == 0 and as_json.code == 0, text.err + as_json.err
    assert secret not in text.out + text.err + as_json.out + as_json.err
    assert "mqtt://teacher@" in text.out  # the address, without its password
    assert set(json.loads(as_json.out)) == {"quiz", "host_token"}
