"""A listening question on the terminal screens: its sound played here, the IPA at the reveal.

Pilot at 80x24, a real broker and scorer (espeak-ng says the words) and the web board's
server on the scorer's audio folder, as `quiz serve` runs them. The sound player is a fake
`paplay` first on PATH: a script that notes the file it was asked to play, which the test
compares with the scorer's WAV of the word.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from broker.embedded import Embedded
from client.listening import Speaker, player_command
from protocol.messages import QUESTION_KINDS
from tests.conftest import free_port, require_espeak, until
from tests.e2e.test_tui import SIZE, shows
from tests.e2e.test_tui_kinds import Room, quiz_of
from tui.board import BoardApp
from tui.host import HostApp
from tui.live import Live
from tui.play import PlayApp
from web.server import BrokerForBrowsers, WebBoard

pytestmark = pytest.mark.skipif("listen" not in QUESTION_KINDS,
                                reason="the listen kind is not in yet")


def fake_paplay(folder: Path) -> Path:
    """A `paplay` in `folder` that writes each file it is given on a line of calls.txt."""
    folder.mkdir()
    script = folder / "paplay"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{folder / "calls.txt"}"\n')
    script.chmod(0o755)
    return folder / "calls.txt"


def same_sound(played: Path, said: Path) -> bool:
    return played.read_bytes() == said.read_bytes()


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


async def wav_ready(room: Room, word: str) -> Path:
    """The scorer's WAV of the word, once its worker thread has said it."""
    speech = room.scorer.speech
    assert speech is not None and speech.available
    await until(lambda: speech.path(word).exists() and bool(speech.ipa(word)), timeout=30.0)
    return speech.path(word)


async def test_the_word_plays_here_as_the_question_opens_and_again_on_ctrl_r(
        embedded: Embedded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_espeak()
    log = fake_paplay(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    command = player_command()
    assert command == (str(tmp_path / "bin" / "paplay"),)
    async with quiz_of(embedded, tmp_path, ["listen"], questions=1) as room, \
            WebBoard(BrokerForBrowsers(ws_port=free_port()), "127.0.0.1", 0,
                     audio=tmp_path / "audio") as board:
        word = room.question(0).word
        wav = await wav_ready(room, word)
        ipa = room.scorer.speech.ipa(word)  # type: ignore[union-attr]
        alice = await room.join("alice")
        speaker = Speaker(f"http://127.0.0.1:{board.port}/", command)
        app = PlayApp(Live(room.broker.public, room.code, player=alice), speaker=speaker)
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Waiting for the host")
            await room.control("start")
            frame = await shows(pilot, "listen, type the word")
            await until(lambda: len(calls(log)) == 1)
            played = Path(calls(log)[0])
            assert played.suffix == ".wav" and word not in played.name
            assert same_sound(played, wav)  # the board's WAV of the word
            assert word not in frame.lower()
            await shows(pilot, "Press Ctrl+R to hear the word again.")
            await pilot.press("ctrl+r")
            await until(lambda: len(calls(log)) == 2)
            assert calls(log)[1] == str(played)  # fetched once, played again
            await room.control("next", at=0)
            await shows(pilot, f"The answer: {word} /{ipa}/")
            await pilot.press("ctrl+r")  # at the reveal: the word, whose IPA is on screen
            await until(lambda: len(calls(log)) == 3)
            assert same_sound(Path(calls(log)[2]), wav)
        assert not await asyncio.to_thread(played.exists)  # the fetched sounds go with the screen

        # The classroom board and the host's console show the IPA at the reveal too.
        async with BoardApp(Live(room.broker.public, room.code)).run_test(size=SIZE) as pilot:
            await shows(pilot, f"The answer: {word} /{ipa}/")
        host = HostApp(Live(room.broker.public, room.code, host_key=room.host_key))
        async with host.run_test(size=SIZE) as pilot:
            await shows(pilot, f"The answer: {word} /{ipa}/")


async def test_without_a_sound_player_the_screen_says_to_listen_to_the_board(
        embedded: Embedded, tmp_path: Path) -> None:
    require_espeak()
    async with quiz_of(embedded, tmp_path, ["listen"], questions=1) as room:
        alice = await room.join("alice")
        await room.control("start")
        speaker = Speaker("http://127.0.0.1:1/", None)
        app = PlayApp(Live(room.broker.public, room.code, player=alice), speaker=speaker)
        async with app.run_test(size=SIZE) as pilot:
            frame = await shows(pilot, "Listen to the board", "Type the word")
            assert "Hear the word" not in frame  # no replay key without a player
            assert room.question(0).word not in frame.lower()


async def test_a_board_out_of_reach_is_said_and_the_player_is_not_called(
        embedded: Embedded, tmp_path: Path) -> None:
    require_espeak()
    log = fake_paplay(tmp_path / "bin")
    board = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    async with quiz_of(embedded, tmp_path, ["listen"], questions=1) as room:
        alice = await room.join("alice")
        await room.control("start")
        speaker = Speaker(board, (str(tmp_path / "bin" / "paplay"),))
        app = PlayApp(Live(room.broker.public, room.code, player=alice), speaker=speaker)
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, f"no sound from {board} (Connection refused)",
                        "press Ctrl+R to try again.")
        assert calls(log) == []
