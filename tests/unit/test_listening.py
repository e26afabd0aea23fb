# ruff: noqa: RUF001 - IPA is written in IPA letters
"""The pure parts of hearing a word on a terminal (client/listening.py)."""

from __future__ import annotations

import msgspec
import pytest

from cli import render
from client.listening import (
    PLAYERS,
    WEB_PORT,
    Speaker,
    audio_url,
    board_url,
    player_command,
    sound_line,
)
from protocol.address import BrokerAddress, Brokers
from protocol.messages import QuestionKind, QuestionView, RevealView, Settings, State
from web.server import DEFAULT_WEB_PORT

NAME = "/audio/" + "0123456789abcdef" * 2 + ".wav"


def test_the_default_board_is_where_quiz_serve_puts_it() -> None:
    assert WEB_PORT == DEFAULT_WEB_PORT


@pytest.mark.parametrize(("broker", "web", "expected"), [
    (BrokerAddress("10.0.0.5", 1883), None, "http://10.0.0.5:8080/"),
    (BrokerAddress("quiz.lan", 11883), None, "http://quiz.lan:8080/"),
    (BrokerAddress("::1", 1883), None, "http://[::1]:8080/"),
    (Brokers((BrokerAddress("a"), BrokerAddress("b"))), None, "http://a:8080/"),
    (BrokerAddress("a"), "http://board:9000", "http://board:9000/"),
    (BrokerAddress("a"), "board:9000", "http://board:9000/"),
    (BrokerAddress("a"), "https://board/quiz/", "https://board/quiz/"),
])
def test_the_board_url(broker: BrokerAddress | Brokers, web: str | None, expected: str) -> None:
    assert board_url(broker, web) == expected


@pytest.mark.parametrize("web", ["ftp://board", "file:///etc/passwd", "http://"])
def test_a_board_url_that_is_not_a_web_address_is_refused(web: str) -> None:
    with pytest.raises(ValueError, match="http://host"):
        board_url(BrokerAddress("a"), web)


def test_an_audio_address_joins_the_board_and_nothing_else_does() -> None:
    assert audio_url("http://b:8080/", NAME) == f"http://b:8080{NAME}"
    assert audio_url("https://b/quiz/", NAME) == f"https://b{NAME}"  # an absolute path
    for address in ("", "/audio/ship.wav", "http://evil/audio/x.wav", "/audio/../key",
                    NAME + "?x"):
        assert audio_url("http://b:8080/", address) is None


@pytest.mark.parametrize("present", [set(), {"ffplay"}, {"aplay", "ffplay"},
                                     {"paplay", "aplay", "ffplay"}])
def test_the_first_player_found_in_order(present: set[str]) -> None:
    command = player_command(lambda name: f"/bin/{name}" if name in present else None)
    first = next((c for c in PLAYERS if c[0] in present), None)
    assert command == (None if first is None else (f"/bin/{first[0]}", *first[1:]))
    if command is not None and command[0] == "/bin/ffplay":
        assert command[1:] == ("-nodisp", "-autoexit")  # no window, and it ends


def test_the_sound_line_says_what_to_do() -> None:
    assert "Listen to the board" in sound_line(None)
    assert "Listen to the board" in sound_line(Speaker("http://b:8080/", None))
    here = Speaker("http://b:8080/", ("/bin/paplay",))
    assert "Ctrl+R" in sound_line(here) and "Playing" in sound_line(here, playing=True)
    assert sound_line(here, "no sound from http://b:8080/ (Connection refused)").startswith(
        "🔊 no sound from http://b:8080/ (Connection refused): listen to the board")


# --- what quiz watch and quiz answer --open print (cli/render.py) -----------------------------


def listening(kind: QuestionKind, *, phase: str = "question", ipa: str = "") -> State:
    choices = [] if kind == "listen" else ["ship", "sheep", "chip", "cheap"]
    question = QuestionView(index=0, count=2, prompt="Listen, then type the word you hear.",
                            pos="noun", choices=choices, opened_at=0.0, deadline=20.0,
                            kind=kind, audio=NAME)
    reveal = RevealView(index=0, correct=-1 if kind == "listen" else 1, term="sheep",
                        distribution=[1, 0, 0] if kind == "listen" else [0, 1, 0, 0],
                        ipa=ipa, audio=NAME) if phase == "reveal" else None
    return State(quiz="ABCDEF", seq=3, phase=phase, players=1, answered=0,  # type: ignore[arg-type]
                 settings=Settings(questions=2, seconds=20.0, kinds=[kind]),
                 question=question, reveal=reveal, updated_at=0.0)


@pytest.mark.parametrize("kind", ["listen", "listen-choice"])
def test_a_listening_question_says_where_its_word_is_heard(kind: QuestionKind) -> None:
    state = listening(kind)
    line = render.state_line(state, "http://10.0.0.5:8080/")
    assert f"\n  listen: http://10.0.0.5:8080{NAME}\n" in line
    assert "listen to the board" in render.state_line(state)  # no board known
    assert state.question is not None
    shown = render.own_question("ABCDEF", state.question, "http://10.0.0.5:8080/")
    assert f"\n  listen: http://10.0.0.5:8080{NAME}\n" in shown


def test_a_question_that_is_read_names_no_sound() -> None:
    state = listening("listen")
    assert state.question is not None
    read = msgspec.structs.replace(state, question=msgspec.structs.replace(
        state.question, kind="typed", audio=""))
    assert "listen" not in render.state_line(read, "http://10.0.0.5:8080/")


def test_the_reveal_says_how_the_word_is_said() -> None:
    assert render.state_line(listening("listen-choice", phase="reveal", ipa="ʃˈiːp")) == (
        "quiz ABCDEF: question 1/2 revealed: sheep /ʃˈiːp/ (0 answered in time)")
    assert render.state_line(listening("listen", phase="reveal", ipa="ʃˈiːp")) == (
        "quiz ABCDEF: question 1/2 revealed: sheep /ʃˈiːp/ (1 right, 0 near, 0 wrong)")
    assert "revealed: sheep (" in render.state_line(listening("listen", phase="reveal"))
