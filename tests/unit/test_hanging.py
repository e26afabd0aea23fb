"""A choice's label wrapped under its text (tui.formatting.hanging)."""

from __future__ import annotations

from tui.formatting import hanging


def test_continuations_go_under_the_text_not_the_key() -> None:
    label = "✓ 2  a trip from one place to another, especially a long one"
    assert hanging(label, 30) == ["✓ 2  a trip from one place to",
                                  "     another, especially a",
                                  "     long one"]
    assert all(len(line) <= 30 for line in hanging(label, 30))


def test_a_label_that_fits_or_a_width_too_narrow_is_left_alone() -> None:
    label = "3  to speak very quietly"
    assert hanging(label, 100) == [label]
    assert hanging(label, 14) == [label]  # eleven columns of text: left to the screen
    assert hanging("1", 30) == ["1"]
