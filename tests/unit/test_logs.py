"""Logs: one event per line, JSON on request, and never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import auth, topics
from protocol.address import BrokerAddress
from scorer.logs import PROJECT_LOGGERS, REDACTED, configure_logging, redact

SECRET = auth.new_secret()
PASSWORD = "hunter2-Correct-Horse"


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """configure_logging into a buffer; the logging setup is put back afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level,
             {name: logging.getLogger(name).level for name in PROJECT_LOGGERS})
    out = io.StringIO()
    yield out
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def lines(out: io.StringIO) -> list[str]:
    return out.getvalue().splitlines()


# --- redact ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "gone"), [
    (f"join with {SECRET}", SECRET),
    (f"signed with {SECRET.upper()}!", SECRET.upper()),
    (f"mqtt://teacher:{PASSWORD}@127.0.0.1:1884", PASSWORD),
    (f"broker mqtt://scorer:{PASSWORD}@broker.local:1883 unreachable", PASSWORD),
    (f"password={PASSWORD}", PASSWORD),
    (f"QUIZ_HOST_TOKEN={PASSWORD} quiz start", PASSWORD),
    (f'{{"host_key": "{PASSWORD}", "deck": "everyday"}}', PASSWORD),
    (f"{{'secret': '{PASSWORD}'}}", PASSWORD),
    (f"token: {PASSWORD}", PASSWORD),
    (repr(BrokerAddress("h", 1883, "teacher", PASSWORD)), PASSWORD),
])
def test_secrets_are_redacted(text: str, gone: str) -> None:
    assert gone not in redact(text)
    assert REDACTED in redact(text)


@pytest.mark.parametrize("text", [
    "quiz ABC234: question 2",
    f"player {topics.new_player_id()} joined quiz ABC234",
    f"dropped message on quiz/replies/{topics.new_client_id()}/{topics.new_request_id()}",
    "broker mqtt://127.0.0.1:11883 unreachable",
    "broker mqtt://teacher@127.0.0.1:1884 unreachable",
    "wrong password for teacher",
    "tokens=5 tokenizer: fast",
])
def test_what_is_not_secret_is_left_alone(text: str) -> None:
    assert redact(text) == text


@given(before=st.text(max_size=40), after=st.text(max_size=40))
def test_a_secret_never_survives_whatever_surrounds_it(before: str, after: str) -> None:
    secret = auth.new_secret()
    assert secret not in redact(before + secret + after)


# --- configure_logging ----------------------------------------------------------------------


def test_a_secret_in_the_arguments_comes_out_redacted(logged: io.StringIO) -> None:
    configure_logging("info", "json", logged)
    url = f"mqtt://scorer:{PASSWORD}@127.0.0.1:1883"
    logging.getLogger("scorer.service").info("join of %s with secret %s via %s", "alice",
                                              SECRET, url)
    (line,) = lines(logged)
    assert SECRET not in line
    assert PASSWORD not in line
    assert json.loads(line)["msg"] == (f"join of alice with secret {REDACTED} via "
                                       f"mqtt://scorer:{REDACTED}@127.0.0.1:1883")


def test_json_lines_carry_the_fields_and_the_quiz_and_player(logged: io.StringIO) -> None:
    configure_logging("debug", "json", logged)
    log = logging.getLogger("scorer.service")
    log.info("scored %d points", 968, extra={"quiz": "ABC234", "player": "0a1b2c3d"})
    log.debug("no context")
    first, second = (json.loads(line) for line in lines(logged))
    assert first["msg"] == "scored 968 points"
    assert first["level"] == "INFO"
    assert first["logger"] == "scorer.service"
    assert first["quiz"] == "ABC234"
    assert first["player"] == "0a1b2c3d"
    assert first["ts"].endswith("Z")
    assert list(first)[:6] == ["ts", "level", "logger", "msg", "quiz", "player"]
    assert "quiz" not in second
    assert second["level"] == "DEBUG"


def test_fields_named_like_secrets_are_redacted_whole(logged: io.StringIO) -> None:
    configure_logging("info", "json", logged)
    logging.getLogger("scorer").info("joined", extra={
        "quiz": "ABC234", "secret": "short", "host_key": "k", "password": PASSWORD,
        "token": "t", "payload": {"name": "alice", "secret": SECRET}})
    event = json.loads(lines(logged)[0])
    for field in ("secret", "host_key", "password", "token"):
        assert event[field] == REDACTED
    assert event["payload"] == {"name": "alice", "secret": REDACTED}
    assert event["quiz"] == "ABC234"


def fail_with_secret() -> None:
    raise ValueError(f"refused key {SECRET}\nsecond line")


def test_an_exception_is_one_line_and_redacted(logged: io.StringIO) -> None:
    configure_logging("info", "text", logged)
    try:
        fail_with_secret()
    except ValueError:
        logging.getLogger("broker").exception("failed for %s", "alice", extra={"quiz": "ABC234"})
    (line,) = lines(logged)
    assert SECRET not in line
    assert " ERROR broker: failed for alice quiz=ABC234 exc=" in line
    assert "ValueError: refused key" in line


def test_text_lines_are_one_per_event(logged: io.StringIO) -> None:
    configure_logging("info", "text", logged)
    log = logging.getLogger("cli")
    log.warning("first\nstill the first", extra={"quiz": "ABC234", "player": "0a1b2c3d"})
    log.info("second with args %s and %r", "x", {"password": PASSWORD})
    first, second = lines(logged)
    assert first.endswith(r"WARNING cli: first\nstill the first quiz=ABC234 player=0a1b2c3d")
    assert PASSWORD not in second
    assert "second with args x and" in second


def test_unformattable_arguments_still_log_redacted(logged: io.StringIO) -> None:
    configure_logging("info", "text", logged)
    logging.getLogger("scorer").info("two %s %s", SECRET)  # noqa: PLE1206 - on purpose
    (line,) = lines(logged)
    assert SECRET not in line
    assert "two %s %s" in line


def test_levels_apply_to_the_project_and_libraries_stay_at_warning(
        logged: io.StringIO) -> None:
    configure_logging("debug", "text", logged)
    logging.getLogger("scorer.service").debug("ours")
    logging.getLogger("amqtt.broker").info("theirs")
    logging.getLogger("amqtt.broker").warning("their warning")
    assert [line.split(": ", 1)[1] for line in lines(logged)] == ["ours", "their warning"]


def test_configuring_twice_replaces_the_handler(logged: io.StringIO) -> None:
    configure_logging("info", "text", io.StringIO())
    configure_logging("info", "json", logged)
    logging.getLogger("scorer").info("once")
    assert len(lines(logged)) == 1
    ours = [h for h in logging.getLogger().handlers if type(h).__name__ == "_QuizHandler"]
    assert len(ours) == 1


@pytest.mark.parametrize(("level", "fmt"), [("loud", "text"), ("info", "xml")])
def test_unknown_levels_and_formats_are_refused(level: str, fmt: str,
                                                logged: io.StringIO) -> None:
    with pytest.raises(ValueError, match="must be"):
        configure_logging(level, fmt, logged)
