"""The scorer's spoken words, on a real broker and SQLite file.

Where espeak-ng is missing a listening quiz is refused with how to install it, and the
other kinds still work; a self-paced listening question's reply names its sound; a
restarted scorer says again the words of the quizzes not finished (their WAVs were lost),
not those of a finished one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from broker.embedded import Embedded
from client.errors import RefusedError
from protocol import auth
from protocol.messages import QUESTION_KINDS, DeckEntry
from speech import espeak
from speech.cache import SpeechCache
from tests.conftest import connected, require_espeak, running_scorer, until

HOST = auth.new_secret()
# Two small decks with no word in common: each quiz's words are its own.
KEPT = [DeckEntry(word, f"the word {word}", "noun", "")
        for word in ("harbour", "journey", "wealth", "borrow")]
ENDED = [DeckEntry(word, f"the word {word}", "noun", "")
         for word in ("blanket", "thunder", "pillow", "kettle")]


def said(speech: SpeechCache | None, words: list[DeckEntry]) -> list[bool]:
    assert speech is not None
    return [speech.path(entry.term).exists() for entry in words]


@pytest.mark.skipif("listen" not in QUESTION_KINDS, reason="the listen kind is not in yet")
async def test_without_espeak_a_listening_quiz_is_refused_and_the_others_are_made(
        embedded: Embedded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the scorer looks for a binary that is not installed anywhere
    monkeypatch.setattr(espeak, "ESPEAK", "espeak-ng-not-installed-here")
    async with running_scorer(embedded.scorer, tmp_path / "q.db") as scorer, \
            connected(embedded.public) as client:
        assert scorer.speech is not None and not scorer.speech.available
        for kinds in (["listen"], ["choice", "listen-choice"]):
            with pytest.raises(RefusedError) as refused:
                await client.create(deck="everyday", entries=None, questions=2, seconds=20.0,
                                    speed_bonus=True, streak=True, auto=False, host_key=HOST,
                                    kinds=kinds)
            assert refused.value.reason == "bad_request"
            why = str(refused.value)
            assert "need speech from espeak-ng" in why and "apt-get install espeak-ng" in why
            assert "the other kinds of question work without it" in why
        code = await client.create(deck="everyday", entries=None, questions=2, seconds=20.0,
                                   speed_bonus=True, streak=True, auto=False, host_key=HOST,
                                   kinds=["choice", "typed"])
        assert code in scorer.quizzes


@pytest.mark.skipif("listen" not in QUESTION_KINDS, reason="the listen kind is not in yet")
async def test_a_self_paced_listening_question_names_its_sound(
        embedded: Embedded, tmp_path: Path) -> None:
    require_espeak()
    async with running_scorer(embedded.scorer, tmp_path / "q.db") as scorer, \
            connected(embedded.public) as client:
        code = await client.create(deck="learning", entries=KEPT, questions=1, seconds=20.0,
                                   speed_bonus=True, streak=True, auto=False, host_key=HOST,
                                   kinds=["listen"], until=scorer.clock() + 86400)
        secret = auth.new_secret()
        player = (await client.join(code, "ann", secret)).player
        assert player is not None
        question = await client.open_question(code, player, secret, 0)
        assert question.kind == "listen"
        word = scorer.quizzes[code].questions[0].term
        assert question.audio == scorer.speech.address(word)  # type: ignore[union-attr]
        assert question.audio.startswith("/audio/") and word not in question.audio


async def test_a_restarted_scorer_says_again_the_words_of_the_quizzes_not_finished(
        embedded: Embedded, tmp_path: Path) -> None:
    require_espeak()
    db = tmp_path / "q.db"
    async with running_scorer(embedded.scorer, db) as scorer, \
            connected(embedded.public) as client:
        codes = {}
        for name, entries in (("kept", KEPT), ("ended", ENDED)):
            codes[name] = await client.create(deck=name, entries=entries, questions=4,
                                              seconds=20.0, speed_bonus=True, streak=True,
                                              auto=False, host_key=HOST, kinds=["typed"])
        await until(lambda: all(said(scorer.speech, KEPT + ENDED)), timeout=30.0)
        await client.control(codes["ended"], HOST, "end")
        await until(lambda: scorer.quizzes[codes["ended"]].phase == "finished")
    for wav in (tmp_path / "audio").glob("*.wav"):  # the sounds are lost (a new disk, say)
        wav.unlink()
    async with running_scorer(embedded.scorer, db) as restarted:
        await until(lambda: all(said(restarted.speech, KEPT)), timeout=30.0)
        assert restarted.quizzes[codes["kept"]].phase == "lobby"
        assert not any(said(restarted.speech, ENDED))
