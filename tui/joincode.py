"""The join code in big letters, for the host's console on a projector: a pure function.

Textual's `Digits` draws 0-9 and A-F only, and a quiz code uses most of the alphabet
(protocol.topics.CODE_ALPHABET), so the console draws it in a block font of its own: each
character is 5 cells wide and 5 rows high, one blank column between characters, so a
6-character code takes 35 columns and fits any terminal a console runs in.
"""

from __future__ import annotations

from protocol.topics import CODE_ALPHABET

# What a filled cell of a glyph is drawn with.
INK = "█"
# Columns between two characters: one keeps M and N apart at a distance.
GAP = " "

# Each glyph is 5 rows of 5 cells; "#" is ink. Only the characters a code can hold.
_GLYPHS: dict[str, tuple[str, str, str, str, str]] = {
    "A": (" ### ", "#   #", "#####", "#   #", "#   #"),
    "B": ("#### ", "#   #", "#### ", "#   #", "#### "),
    "C": (" ####", "#    ", "#    ", "#    ", " ####"),
    "D": ("#### ", "#   #", "#   #", "#   #", "#### "),
    "E": ("#####", "#    ", "#### ", "#    ", "#####"),
    "F": ("#####", "#    ", "#### ", "#    ", "#    "),
    "G": (" ####", "#    ", "#  ##", "#   #", " ####"),
    "H": ("#   #", "#   #", "#####", "#   #", "#   #"),
    "J": ("  ###", "    #", "    #", "#   #", " ### "),
    "K": ("#   #", "#  # ", "###  ", "#  # ", "#   #"),
    "M": ("#   #", "## ##", "# # #", "#   #", "#   #"),
    "N": ("#   #", "##  #", "# # #", "#  ##", "#   #"),
    "P": ("#### ", "#   #", "#### ", "#    ", "#    "),
    "Q": (" ### ", "#   #", "# # #", "#  # ", " ## #"),
    "R": ("#### ", "#   #", "#### ", "#  # ", "#   #"),
    "S": (" ####", "#    ", " ### ", "    #", "#### "),
    "T": ("#####", "  #  ", "  #  ", "  #  ", "  #  "),
    "U": ("#   #", "#   #", "#   #", "#   #", " ### "),
    "V": ("#   #", "#   #", "#   #", " # # ", "  #  "),
    "W": ("#   #", "#   #", "# # #", "## ##", "#   #"),
    "X": ("#   #", " # # ", "  #  ", " # # ", "#   #"),
    "Y": ("#   #", " # # ", "  #  ", "  #  ", "  #  "),
    "Z": ("#####", "   # ", "  #  ", " #   ", "#####"),
    "2": (" ### ", "#   #", "  ## ", " #   ", "#####"),
    "3": ("#### ", "    #", " ### ", "    #", "#### "),
    "4": ("#   #", "#   #", "#####", "    #", "    #"),
    "5": ("#####", "#    ", "#### ", "    #", "#### "),
    "6": (" ### ", "#    ", "#### ", "#   #", " ### "),
    "7": ("#####", "    #", "   # ", "  #  ", "  #  "),
    "8": (" ### ", "#   #", " ### ", "#   #", " ### "),
    "9": (" ### ", "#   #", " ####", "    #", " ### "),
}
GLYPH_ROWS = 5


def big_code(code: str) -> list[str]:
    """The code drawn in block letters: five lines, each 6 columns a character less one.

    Lower case is drawn as upper case, as clients upper-case a typed code. A character a
    code cannot hold raises ValueError (a code comes from the scorer, so that is a bug).
    """
    glyphs = []
    for char in code.upper():
        if char not in _GLYPHS:
            raise ValueError(f"{char!r} is not a quiz code character ({CODE_ALPHABET})")
        glyphs.append(_GLYPHS[char])
    return [GAP.join(glyph[row] for glyph in glyphs).replace("#", INK)
            for row in range(GLYPH_ROWS)]
