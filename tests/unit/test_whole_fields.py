"""A field or topic level with a pattern takes its form whole: nothing may trail it.

msgspec checks `Meta(pattern=...)` with `re.search`, where `$` also matches before a final
newline, so a secret ending in "\\n" once got through. The fields are found by looking into
the message structs, so a field added later is checked without a change here.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import messages, topics

# What may not trail (or lead) a field: a line end of either kind, or a NUL.
STRAYS = ["\n", "\r", "\r\n", "\x00"]

Wrap = Callable[[Any], Any]


def _patterned(kind: Any, wrap: Wrap) -> Iterator[tuple[str, Wrap]]:
    """Each pattern inside a field's type, with how to put a string where it applies."""
    if isinstance(kind, msgspec.inspect.StrType) and kind.pattern is not None:
        yield kind.pattern, wrap
    elif isinstance(kind, msgspec.inspect.UnionType):
        for member in kind.types:
            yield from _patterned(member, wrap)
    elif isinstance(kind, (msgspec.inspect.ListType, msgspec.inspect.SetType,
                           msgspec.inspect.FrozenSetType, msgspec.inspect.VarTupleType)):
        yield from _patterned(kind.item_type, lambda value: wrap([value]))
    elif isinstance(kind, msgspec.inspect.DictType):
        yield from _patterned(kind.value_type, lambda value: wrap({"key": value}))
    # a nested struct is a struct of protocol.messages too: it is checked on its own


def message_structs() -> list[type[msgspec.Struct]]:
    """Every struct protocol/messages.py defines."""
    return [thing for thing in vars(messages).values()
            if inspect.isclass(thing) and issubclass(thing, msgspec.Struct)
            and thing.__module__ == messages.__name__]


def patterned_fields() -> list[tuple[str, str, Any, Wrap]]:
    """(struct.field, pattern, field type, wrap) for every field a pattern checks."""
    found = []
    for struct in message_structs():
        types = {field.name: field.type for field in msgspec.structs.fields(struct)}
        for field in msgspec.inspect.type_info(struct).fields:  # type: ignore[attr-defined]
            for pattern, wrap in _patterned(field.type, lambda value: value):
                found.append((f"{struct.__name__}.{field.name}", pattern, types[field.name],
                              wrap))
    return found


FIELDS = patterned_fields()


def test_the_wire_fields_with_a_form_are_all_found() -> None:
    names = {name for name, *_ in FIELDS}
    assert {"CreateQuiz.host_key", "Join.secret", "Answer.sig", "Control.sig", "Join.client",
            "Join.req"} <= names


@pytest.mark.parametrize(("name", "pattern", "kind", "wrap"), FIELDS,
                         ids=[name for name, *_ in FIELDS])
@given(data=st.data(), stray=st.sampled_from(STRAYS))
def test_no_field_takes_a_value_with_a_newline_or_nul_at_either_end(
        name: str, pattern: str, kind: Any, wrap: Wrap, data: st.DataObject,
        stray: str) -> None:
    value = data.draw(st.from_regex(pattern, fullmatch=True), label=name)
    # the field takes its form as JSON brings it, and nothing more
    msgspec.json.decode(json.dumps(wrap(value)).encode(), type=kind)
    for wrong in (value + stray, stray + value):
        with pytest.raises(msgspec.ValidationError):
            msgspec.json.decode(json.dumps(wrap(wrong)).encode(), type=kind)


@pytest.mark.parametrize("field", ["client", "req", "secret"])
@pytest.mark.parametrize("stray", STRAYS)
def test_a_join_with_a_stray_line_end_or_nul_is_refused(field: str, stray: str) -> None:
    fields: dict[str, Any] = {"v": 1, "client": "00112233aabbccdd", "req": "0123456789abcdef",
                              "name": "ann", "secret": "ab" * 16}
    fields[field] += stray
    with pytest.raises(messages.DecodeError, match="invalid join message") as refused:
        messages.decode_request(topics.parse_inbound("quiz/ABCDEF/join"),
                                json.dumps(fields).encode())
    # the reply goes to quiz/replies/<client>/<req>: never to a topic with a stray in it
    expected = None if field in ("client", "req") else (fields["client"], fields["req"])
    assert refused.value.reply_to == expected


# --- the same for the ids inside topics ------------------------------------------------------

ID_CHECKS: dict[str, Callable[[str], bool]] = {
    "client": topics.is_client_id, "req": topics.is_request_id, "scorer": topics.is_scorer_id,
}


@pytest.mark.parametrize("name", sorted(ID_CHECKS))
@given(data=st.data(), stray=st.sampled_from(STRAYS))
def test_no_id_check_takes_a_stray_line_end_or_nul(name: str, data: st.DataObject,
                                                   stray: str) -> None:
    value = data.draw(st.from_regex(re.compile(topics.ID_PATTERNS[name]), fullmatch=True))
    assert ID_CHECKS[name](value)
    assert not ID_CHECKS[name](value + stray)
    assert not ID_CHECKS[name](stray + value)


@given(code=st.from_regex(topics.ID_PATTERNS["code"], fullmatch=True),
       player=st.from_regex(topics.ID_PATTERNS["player"], fullmatch=True),
       stray=st.sampled_from(STRAYS))
def test_no_topic_the_scorer_reads_takes_a_stray_line_end_or_nul(code: str, player: str,
                                                                 stray: str) -> None:
    assert topics.parse_inbound(topics.answer(code, player)).player == player
    for topic in (topics.join(code + stray), topics.control(code + stray),
                  topics.answer(code + stray, player), topics.answer(code, player + stray),
                  topics.create() + stray, topics.join(code) + stray):
        with pytest.raises(topics.TopicError):
            topics.parse_inbound(topic)
