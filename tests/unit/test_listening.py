"""The pure parts of hearing a word on a terminal (client/listening.py)."""

from __future__ import annotations

import pytest

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
