"""The join code in block letters (tui/joincode.py): every code character, readable apart."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.topics import CODE_ALPHABET, CODE_LENGTH
from tui.joincode import GLYPH_ROWS, INK, big_code

codes = st.text(alphabet=CODE_ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH)


def test_a_code_reads_in_block_letters() -> None:
    assert big_code("347PGA") == [
        "████  █   █ █████ ████   ████  ███ ",
        "    █ █   █     █ █   █ █     █   █",
        " ███  █████    █  ████  █  ██ █████",
        "    █     █   █   █     █   █ █   █",
        "████      █   █   █      ████ █   █",
    ]


@given(codes)
def test_every_code_is_five_rows_of_35_columns(code: str) -> None:
    lines = big_code(code)
    assert len(lines) == GLYPH_ROWS
    assert {len(line) for line in lines} == {6 * CODE_LENGTH - 1}  # fits 40 columns
    assert set("".join(lines)) <= {INK, " "}


def test_no_two_code_characters_look_alike() -> None:
    drawn = {char: tuple(big_code(char)) for char in CODE_ALPHABET}
    assert len(set(drawn.values())) == len(CODE_ALPHABET)
    for char, glyph in drawn.items():  # none is blank, none fills its box
        assert 0 < "".join(glyph).count(INK) < 25, char


def test_a_code_typed_in_lower_case_is_drawn_in_upper_case() -> None:
    assert big_code("347pga") == big_code("347PGA")


@pytest.mark.parametrize("char", ["0", "O", "1", "I", "L", "@", " "])
def test_a_character_no_code_holds_is_a_bug_said_aloud(char: str) -> None:
    with pytest.raises(ValueError, match="not a quiz code character"):
        big_code(f"ABC{char}EF")
