"""Deck files as teachers have them (pure): CSV/TSV, Anki's text exports, Quizlet's exports.

This module reads a file's text into rows of named cells, each with the line it starts
on; scorer/deck.py makes entries of them and checks them. What is read:

- CSV or TSV, quoted as spreadsheets quote (a field in double quotes may hold the
  separator or a line break; a double quote inside is written twice). The separator is
  the one named by `--separator` or an Anki `#separator:` line, else the first of: a tab
  on every data line; a dash (hyphen, en or em dash) or `=` with a space each side,
  exactly once on every data line; a comma, semicolon or pipe on every data line; else a
  tab if the first data line has one, else a comma.
- An optional header row naming the columns (term/word/front, definition/back/meaning,
  part of speech/pos, example, level, accept/also, distractors) in any order; other
  columns are ignored. Without one, the columns are term, definition, part of speech,
  example and level, in this order.
- Anki's "Notes in Plain Text" and "Cards in Plain Text" exports (and its import
  headers, Anki 2.1.54+): `#key:value` lines at the top. `#separator:` (tab, comma,
  semicolon, space, pipe, colon, or the character itself), `#html:true|false`,
  `#guid column:N`, `#notetype column:N`, `#deck column:N` and `#tags column:N` (columns
  counted from 1, left out of the deck's columns, the tags kept as the cell `tags`),
  `#columns:` (the columns' names, separated by the separator). Other `#` lines are
  comments, and so is an old-style `tags:` first line. Anki names no columns in its
  exports, so a file with Anki's header lines and no `#columns:` line or header row
  takes its first two columns (after the guid, note type and deck) as the term and its
  definition and ignores the rest (a note type's other fields: audio, pictures, a
  "reverse" flag). In such a file, a row that is an earlier row reversed (the second
  card of a "Basic (and reversed card)" note) is skipped.
- HTML (`#html:true`, or without an `#html:` line, a file where some field holds an HTML
  tag or entity, as Anki guesses): style and script elements, comments, `[sound:...]`
  and `[[type:...]]` are dropped, `<br>` and block tags (`div`, `p`, `li`, ...) become a
  space, other tags are removed and entities are decoded (`&nbsp;` is a space).
- In every field, runs of white space (line breaks too) become one space.
- Quizlet's export ("Export" in a set's menu: a text box, with a choice of what goes
  between term and definition, and between rows): Quizlet quotes nothing, so with a
  separator that is not one of Anki's six (` - `, or any text), or with a row separator
  given (`--row-separator`, a new line too), each row is cut at its first separator into
  a term and its definition, and nothing else is read: a comma in a definition stays.
  The default Quizlet export (a tab, new lines) reads as a TSV file.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from protocol.errors import RefusalError

# Anki's names of its separators (`#separator:tab`); --separator takes them too.
SEPARATOR_NAMES = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|",
                   "colon": ":"}
# Separators read as CSV (quotes honoured, any number of columns): Anki's six.
CSV_SEPARATORS = frozenset(SEPARATOR_NAMES.values())
# Quizlet's custom separators as teachers type them, detected where one stands exactly
# once on every data line (a CSV file almost never has one on every line).
_DETECTED_PLAIN = (" - ", " \u2013 ", " \u2014 ", " = ")
# CSV separators detected where one stands on every data line, after a tab.
_DETECTED_CSV = (",", ";", "|")
# Header names (lower case, spaces as underscores) of the columns a deck may have.
COLUMNS = {"term": "term", "word": "term", "front": "term",
           "definition": "definition", "back": "definition", "meaning": "definition",
           "part_of_speech": "pos", "pos": "pos", "example": "example", "level": "level",
           "accept": "accept", "also": "accept", "distractors": "distractors"}
# A first row whose first cell is one of these is a header row, whatever else it says.
_HEADER_WORDS = frozenset({"term", "word", "front"})
# Without a header, the columns come in this order.
POSITIONAL = ("term", "definition", "pos", "example", "level")
# Anki's columns that hold no field of the note, in its header's words.
_META_COLUMNS = ("guid column", "notetype column", "deck column", "tags column")
# Anki's header keys; a `#` line with another key is a comment.
_ANKI_KEYS = frozenset({"separator", "html", "tags", "columns", "notetype", "deck",
                        *_META_COLUMNS})
_ESCAPES = {"\\t": "\t", "\\n": "\n", "\\\\": "\\"}

_DROPPED = re.compile(r"(?is)<(style|script)\b.*?</\1\s*>|<!--.*?-->"
                      r"|\[sound:[^\]]*\]|\[\[type:[^\]]*\]\]")
_SPACERS = re.compile(r"(?i)<br\s*/?>|</?(?:div|p|li|ul|ol|tr|td|th|h[1-6]|hr)\b[^>]*>")
_TAG = re.compile(r"<[^<>]*>")
# What makes Anki take a file with no `#html:` line as HTML: a tag or an entity.
_LOOKS_HTML = re.compile(r"(?i)<(?:br|/?(?:b|i|u|s|em|strong|div|span|p|font|sub|sup|img|a"
                         r"|ul|ol|li|hr|code|pre|table|tr|td|h[1-6]))\b[^>]*>"
                         r"|&(?:nbsp|amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);")


class DeckError(RefusalError, ValueError):
    """A deck that cannot be used, with the line at fault when there is one."""


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a deck file: its cells by column name, and where it starts."""

    line: int
    cells: Mapping[str, str]
    text: str  # the row as written (its fields joined by the separator), for messages


@dataclass(frozen=True, slots=True)
class Table:
    """The rows of a deck file and the separator they were read with."""

    rows: tuple[Row, ...]
    separator: str


@dataclass(slots=True)
class _Header:
    """What Anki's header lines said."""

    separator: str | None = None
    html: bool | None = None
    columns: str | None = None
    meta: dict[str, int] = field(default_factory=dict)
    anki: bool = False  # some Anki header line was there


def separator_from(value: str) -> str:
    r"""The separator an option names: an Anki name (tab, comma, ...), `\t` or `\n`, or the text."""
    named = SEPARATOR_NAMES.get(value.strip().lower())
    text = named or re.sub(r"\\[tn\\]", lambda m: _ESCAPES[m.group()], value)
    if not text:
        raise DeckError("a separator cannot be empty")
    return text


def html_to_text(text: str) -> str:
    """An HTML field as plain text (the module docstring says how)."""
    text = _DROPPED.sub("", text)
    text = _SPACERS.sub(" ", text)
    text = _TAG.sub("", text)
    return " ".join(html.unescape(text).replace("\xa0", " ").split())


def read_rows(text: str, *, separator: str | None = None,
              row_separator: str | None = None) -> Table:
    """The rows of a deck file, by the rules in the module docstring."""
    text = text.removeprefix("\ufeff")
    header, data = _read_header(text)
    sep = separator or header.separator or _detect(data)
    plain = sep not in CSV_SEPARATORS or row_separator is not None
    records = (_plain_records(text, sep, row_separator or "\n") if plain
               else _csv_records(text, sep))
    raw = [(line, fields) for line, fields in records if any(f.strip() for f in fields)]
    is_html = header.html
    if is_html is None:
        is_html = any(_LOOKS_HTML.search(f) for _, fields in raw for f in fields)
    rows = _named_rows(raw, header, sep, is_html=is_html)
    return Table(rows=tuple(rows), separator=sep)


def _read_header(text: str) -> tuple[_Header, list[str]]:
    """Anki's header lines at the top, and the data lines (for guessing the separator)."""
    header = _Header()
    lines = text.splitlines()
    at = 0
    if lines and lines[0].startswith("tags:"):
        at = 1  # Anki's old way of tagging every note
    while at < len(lines) and (not lines[at].strip() or _is_comment(lines[at])):
        key, colon, value = lines[at].lstrip()[1:].partition(":")
        key = key.strip().lower()
        if colon and key in _ANKI_KEYS:
            header.anki = True
            _header_line(header, key, value)
        at += 1
    data = [line for line in lines[at:] if line.strip() and not _is_comment(line)]
    return header, data


def _header_line(header: _Header, key: str, value: str) -> None:
    if key == "separator":
        named = SEPARATOR_NAMES.get(value.strip().lower())
        literal = value if len(value) == 1 else value.strip()
        if named or literal in CSV_SEPARATORS:
            header.separator = named or literal
    elif key == "html" and value.strip().lower() in ("true", "false"):
        header.html = value.strip().lower() == "true"
    elif key == "columns":
        header.columns = value
    elif key in _META_COLUMNS and value.strip().isdigit() and int(value) >= 1:
        header.meta[key] = int(value) - 1


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _detect(data: Sequence[str]) -> str:
    if not data:
        return ","
    if all("\t" in line for line in data):
        return "\t"
    for sep in _DETECTED_PLAIN:
        if all(line.count(sep) == 1 for line in data):
            return sep
    for sep in _DETECTED_CSV:
        if all(sep in line for line in data):
            return sep
    return "\t" if "\t" in data[0] else ","


def _csv_records(text: str, sep: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on; `#` lines between records are comments."""
    start = 0
    at_start = True

    def lines() -> Iterator[str]:
        nonlocal start, at_start
        for number, line in enumerate(text.splitlines(keepends=True), 1):
            if at_start:
                if _is_comment(line) or (number == 1 and line.startswith("tags:")):
                    continue
                start, at_start = number, False
            yield line

    # csv.reader takes the lines of one record at a time, so at_start is exact.
    for fields in csv.reader(lines(), delimiter=sep):
        yield start, fields
        at_start = True


def _plain_records(text: str, sep: str, row_separator: str) -> Iterator[tuple[int, list[str]]]:
    """Each row cut at its first separator, as Quizlet writes them (nothing quoted)."""
    offset = 0
    for chunk in text.split(row_separator):
        begin = offset + len(chunk) - len(chunk.lstrip())
        offset += len(chunk) + len(row_separator)
        row = chunk.strip()
        if not row or _is_comment(row):
            continue
        line = text.count("\n", 0, begin) + 1
        term, found, definition = row.partition(sep)
        yield line, [term, definition] if found else [term]


def _named_rows(raw: Sequence[tuple[int, list[str]]], header: _Header, sep: str, *,
                is_html: bool) -> Iterator[Row]:
    meta = set(header.meta.values())
    tags_at = header.meta.get("tags column")
    if header.columns is not None:
        labels = next(csv.reader([header.columns], delimiter=sep), [])
        columns = _named_columns(_regular(labels, meta))
    elif header.anki:
        columns = {"term": 0, "definition": 1}
    else:
        columns = dict(zip(POSITIONAL, range(len(POSITIONAL)), strict=True))
    seen: set[tuple[str, str]] = set()
    for number, (line, written) in enumerate(raw):
        fields = [html_to_text(f) if is_html else " ".join(f.split()) for f in written]
        regular = _regular(fields, meta)
        if number == 0 and _is_header(regular):
            columns = _named_columns(regular)
            continue
        cells = {name: regular[at] for name, at in columns.items() if at < len(regular)}
        if tags_at is not None and tags_at < len(fields):
            cells["tags"] = fields[tags_at]
        pair = (cells.get("term", "").casefold(), cells.get("definition", "").casefold())
        if header.anki and pair[::-1] in seen:
            continue  # the reverse card of a note already read
        seen.add(pair)
        yield Row(line=line, cells=cells, text=sep.join(fields))


def _regular(fields: Sequence[str], meta: set[int]) -> list[str]:
    """The fields that are a note's, without Anki's guid, note type, deck and tags."""
    return [f for at, f in enumerate(fields) if at not in meta]


def _column_name(cell: str) -> str | None:
    return COLUMNS.get(re.sub(r"[\s-]+", "_", cell.strip().lower()))


def _is_header(cells: Sequence[str]) -> bool:
    """A first row that starts with a term's header, or names the term and definition columns."""
    named = {_column_name(cell) for cell in cells}
    return bool(cells) and (cells[0].lower() in _HEADER_WORDS or {"term", "definition"} <= named)


def _named_columns(header: Sequence[str]) -> dict[str, int]:
    # Term and definition default to the first two columns (a header "word,translation"
    # still reads); the optional columns are only read where the header names them.
    named: dict[str, int] = {}
    for at, cell in enumerate(header):
        name = _column_name(cell)
        if name is not None:
            named.setdefault(name, at)
    return {"term": 0, "definition": 1} | named
