"""The wire contract: topics parse, messages validate, signatures prove."""

import contextlib
import unicodedata

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import auth, topics
from protocol.address import BrokerAddress
from protocol.messages import (
    BLANK_LETTERS,
    MAX_NAME_LENGTH,
    MAX_PAYLOAD,
    Answer,
    DecodeError,
    Join,
    clean_name,
    decode_request,
    encode,
)

REQ = "0123456789abcdef"
CLIENT = "00112233aabbccdd"
SIG = "a" * 64


def test_topics_round_trip_through_the_parser() -> None:
    assert topics.parse_inbound(topics.answer("ABCDEF", "0011aabb")) == \
        topics.Inbound(topics.Kind.ANSWER, "ABCDEF", "0011aabb")
    assert topics.parse_inbound(topics.join("ABCDEF")).kind is topics.Kind.JOIN
    assert topics.parse_inbound(topics.control("ABCDEF")).kind is topics.Kind.CONTROL
    assert topics.parse_inbound(topics.create()).kind is topics.Kind.CREATE


@pytest.mark.parametrize("topic", [
    "quiz/ABCDEF/leaderboard", "quiz/abcdef/join", "quiz/ABCDE0/join",
    "quiz/ABCDEF/answers/NOTHEX!!", "quiz/ABCDEF/answers", "other/ABCDEF/join", "",
])
def test_other_topics_are_not_inbound(topic: str) -> None:
    with pytest.raises(topics.TopicError):
        topics.parse_inbound(topic)


def test_codes_avoid_look_alikes_and_normalize_case() -> None:
    for _ in range(200):
        code = topics.new_code()
        assert not set(code) & set("0O1IL")
    assert topics.normalize_code(" abcdef ") == "ABCDEF"
    with pytest.raises(topics.TopicError):
        topics.normalize_code("ABC0EF")


def answer_payload(**fields: object) -> bytes:
    return msgspec.json.encode({"v": 1, "client": CLIENT, "req": REQ, "q": 0, "choice": 1,
                                "sig": SIG, **fields})


def test_a_valid_answer_decodes() -> None:
    inbound = topics.parse_inbound("quiz/ABCDEF/answers/0011aabb")
    assert decode_request(inbound, answer_payload()) == \
        Answer(client=CLIENT, req=REQ, q=0, choice=1, sig=SIG)


@pytest.mark.parametrize(("payload", "has_req"), [
    (b"not json", False),
    (b"[]", False),
    (answer_payload(choice="two"), True),
    (answer_payload(q=-1), True),
    (answer_payload(sig="zz"), True),
    (answer_payload(v=99), True),
    (answer_payload(req="short"), False),
    (answer_payload(client="nobody"), False),
    (b"{" + b" " * MAX_PAYLOAD + b"}", False),
])
def test_bad_answers_raise_with_the_request_id_when_readable(payload: bytes,
                                                            has_req: bool) -> None:
    inbound = topics.parse_inbound("quiz/ABCDEF/answers/0011aabb")
    with pytest.raises(DecodeError) as error:
        decode_request(inbound, payload)
    assert (error.value.reply_to == (CLIENT, REQ)) is has_req


@pytest.mark.parametrize("topic", ["quiz/new", "quiz/ABCDEF/answers/0011aabb"])
def test_deeply_nested_json_is_refused_not_a_crash(topic: str) -> None:
    inbound = topics.parse_inbound(topic)
    limit = 1_000_000 if topic == "quiz/new" else 4000
    for payload in (b'{"a":' * (limit // 5), b"[" * limit, b'{"req":' * (limit // 7)):
        with pytest.raises(DecodeError):
            decode_request(inbound, payload)


INVISIBLE = ["\u3164", "\u2800", "\u115f", "\u1160", "\uffa0", "\u200b", "\u2060", "\ufeff",
             "\u00ad", "\u034f", "\u0301", "\u20dd", "\ufe0f", "\u2028", "\u2029"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069", "\u200e", "\u200f", "\u061c"]


@pytest.mark.parametrize("name", [
    "", "   ", "x" * 25, "bad\x00name", "tab\there", "\u202ehi", "esc\x1b[2J", "cr\rx",
    "c1\x9bx", "del\x7f", "new\nline", "line\u2028sep",
    *INVISIBLE, *(ch * 3 for ch in INVISIBLE), " \u3164 \u2800 ", "bob\u3164", "b\u200bob",
    *(f"{ch}alice" for ch in BIDI), *(f"al{ch}ice" for ch in BIDI),
    "\u0301\u0301abc", "\U000e0041bob", "\ue000pua",
])
def test_bad_names_are_refused(name: str) -> None:
    inbound = topics.parse_inbound("quiz/ABCDEF/join")
    payload = encode(Join(client=CLIENT, req=REQ, name=name, secret="ab" * 16))
    with pytest.raises(DecodeError, match="name"):
        decode_request(inbound, payload)


def test_names_are_trimmed() -> None:
    assert clean_name("  Zoë  ") == "Zoë"
    assert clean_name("Zoe\u0308") == "Zoë"  # NFC: one name, however it was typed


@pytest.mark.parametrize("name", [
    "[/]", "[b]BOSS[/b]", "[@click=app.quit]x[/]", "中文名字", "李小龍", "👍🏽 ok", "José",
    "नमस्ते", "Ærøskøbing", "a b", "x" * 24, "🎉", "\uff46\uff55\uff4c\uff4c", "Ольга", "עברית",
])
def test_names_that_show_are_kept_as_typed(name: str) -> None:
    assert clean_name(name) == name


@given(st.text(max_size=30))
def test_a_kept_name_starts_with_a_character_that_shows(name: str) -> None:
    try:
        kept = clean_name(name)
    except ValueError:
        return
    assert 1 <= len(kept) <= MAX_NAME_LENGTH
    assert kept == kept.strip()
    assert unicodedata.category(kept[0])[0] in "LNPS" and kept[0] not in BLANK_LETTERS
    assert all(unicodedata.category(ch)[0] != "C" for ch in kept)
    assert clean_name(kept) == kept  # the CLI's check and the scorer's agree


@given(st.binary(max_size=300))
def test_random_bytes_never_escape_as_anything_but_decode_error(payload: bytes) -> None:
    for topic in ("quiz/new", "quiz/ABCDEF/join", "quiz/ABCDEF/control",
                  "quiz/ABCDEF/answers/0011aabb"):
        with contextlib.suppress(DecodeError):
            decode_request(topics.parse_inbound(topic), payload)


def test_signatures_bind_player_question_and_choice() -> None:
    key = auth.new_secret()
    sig = auth.sign_answer(key, "ABCDEF", "0011aabb", 3, 2)
    assert auth.verify_answer(key, "ABCDEF", "0011aabb", 3, 2, sig)
    assert not auth.verify_answer(key, "ABCDEF", "0011aabb", 4, 2, sig)
    assert not auth.verify_answer(key, "ABCDEF", "0011aabb", 3, 1, sig)
    assert not auth.verify_answer(key, "ABCDEF", "ffffffff", 3, 2, sig)
    assert not auth.verify_answer(auth.new_secret(), "ABCDEF", "0011aabb", 3, 2, sig)


@pytest.mark.parametrize(("url", "expected"), [
    ("mqtt://127.0.0.1:1884", BrokerAddress("127.0.0.1", 1884)),
    ("mqtt://u:p%40ss@localhost", BrokerAddress("localhost", 1883, "u", "p@ss")),
    ("localhost:2000", BrokerAddress("localhost", 2000)),
])
def test_broker_urls(url: str, expected: BrokerAddress) -> None:
    assert BrokerAddress.parse(url) == expected


@pytest.mark.parametrize("url", ["http://x:1", "mqtt://:1883", "mqtt://h:notaport"])
def test_bad_broker_urls(url: str) -> None:
    with pytest.raises(ValueError, match="broker URL"):
        BrokerAddress.parse(url)


def test_printed_addresses_hide_the_password() -> None:
    assert "secret" not in str(BrokerAddress("h", 1, "u", "secret"))
