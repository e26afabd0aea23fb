"""Other people's text in a terminal: names and deck words shown, never obeyed, in columns.

Pure functions shared by the CLI and the screens. Names and deck words are other people's
text: `printable` turns what a terminal would obey into visible symbols. Columns are
measured in terminal cells (`rich.cells.cell_len`), so a name in CJK or emoji lines up
with one in Latin letters.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size

from protocol.messages import MAX_NAME_LENGTH, Standing

CUT = "…"

# The widest name column: a valid name of wide characters. A longer one (only a broken or
# hostile publisher sends it) is cut, so it cannot push the scores off the screen.
NAME_CELLS = 2 * MAX_NAME_LENGTH

# C0 controls and DEL show as their Unicode control pictures (␛, ␊, ␡); C1 controls,
# bidi controls, line and paragraph separators and lone surrogates as �.
_VISIBLE = {**{c: 0x2400 + c for c in range(0x20)}, 0x7F: 0x2421,
            **dict.fromkeys([*range(0x80, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                             *range(0x2066, 0x206A), 0x2028, 0x2029, *range(0xD800, 0xE000)],
                            0xFFFD)}


def printable(text: str) -> str:
    """`text` with nothing a terminal would obey: control characters become visible symbols.

    C0 controls and DEL show as their control pictures (ESC as ␛, a newline as ␊), so the
    text stays on its line; C1 controls, bidi controls and line separators as �.
    """
    return text.translate(_VISIBLE)


def cells(text: str) -> int:
    """Width of `text` in terminal cells (a CJK character or an emoji takes two)."""
    return cell_len(text)


def clip(text: str, width: int) -> str:
    """`text` cut to at most `width` cells (a cut ends with …), never padded."""
    width = max(0, width)
    if cell_len(text) <= width:
        return text
    if width == 0:
        return ""
    # set_cell_size pads where it splits a wide character: the pad goes after the mark.
    return set_cell_size(text, width - 1).removesuffix(" ") + CUT


def fit(text: str, width: int) -> str:
    """`text` padded or cut to exactly `width` cells; a cut ends with …."""
    text = clip(text, width)
    return text + " " * (max(0, width) - cell_len(text))


def name_column(names: Sequence[str]) -> int:
    """Cells for a column of (printable) names: the widest, at most NAME_CELLS."""
    return min(NAME_CELLS, max((cell_len(name) for name in names), default=4))


def plural(n: int, word: str) -> str:
    """1 player, 2 players."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def standings_lines(rows: Sequence[Standing]) -> list[str]:
    """Rows of rank, name and score, aligned in cells (ranks up to five digits)."""
    names = [printable(s.name) for s in rows]
    width = name_column(names)
    return [f"{s.rank:>6}. {fit(name, width)}  {s.score:>6}"
            for s, name in zip(rows, names, strict=True)]
