"""Deck files as teachers have them: Anki's text exports and Quizlet's, as those write them.

The files below follow Anki's own writer (rslib/src/import_export/text/csv/export.rs:
`#separator:tab`, `#html:`, then `#guid column:`, `#notetype column:`, `#deck column:`,
`#tags column:` for the columns it added; fields quoted only when they hold a tab, a
quote, a line break or start with `#`), its documented import headers
(docs.ankiweb.net, "Text Files", "File Headers"), and Quizlet's export box (a tab, a
comma or any text between term and definition; a new line, a semicolon or any text
between rows; nothing quoted).
"""

from __future__ import annotations

import pytest

from scorer.deck import DeckError, Entry, level_in_tags, parse_deck, parse_deck_lines
from scorer.deckfile import html_to_text, read_rows, separator_from

# "Notes in Plain Text", every option ticked: HTML, tags, deck, note type and GUID. The
# note type "Vocab" has three fields (Word, Meaning, Audio); Basic has two and is padded.
ANKI_NOTES = (
    "#separator:tab\n"
    "#html:true\n"
    "#guid column:1\n"
    "#notetype column:2\n"
    "#deck column:3\n"
    "#tags column:7\n"
    "f:Kx3/9qZ!\tVocab\tEnglish::Food\t<b>apple</b>\ta round fruit with red or green"
    "&nbsp;skin<br>that grows on trees\t[sound:apple.mp3]\tfood B1\n"
    "b2#Lk0pW@e\tVocab\tEnglish::Food\tbread\tfood made from flour, water and "
    "<i>yeast</i>\t\tfood A2\n"
    'Qm7^s!0dTe\tBasic\tEnglish::Food\tcheese\t"a food made from milk; the French say '
    '""fromage"""\t\tCEFR::B2 dairy\n'
    "c}4Lz8~Ya1\tBasic\tEnglish::Food\t\"#1 dish\"\tthe dish a place is known for"
    " &amp; proud of\t\t\n"
    "Hd8&w0Pb:r\tBasic\tEnglish::Food\tfork\ta tool with points, for eating&nbsp;food"
    "<div>(not a spoon)</div>\t\tkitchen\n"
)


def test_anki_notes_export_with_every_column_reads_term_definition_and_level() -> None:
    entries = parse_deck(ANKI_NOTES, source="notes.txt")
    assert [e.term for e in entries] == ["apple", "bread", "cheese", "#1 dish", "fork"]
    assert entries[0] == Entry("apple", "a round fruit with red or green skin that grows "
                                        "on trees", level="B1")
    assert entries[1].definition == "food made from flour, water and yeast"
    assert entries[2].definition == 'a food made from milk; the French say "fromage"'
    assert entries[3].definition == "the dish a place is known for & proud of"
    assert entries[4].definition == "a tool with points, for eating food (not a spoon)"
    # tags are no part of speech; a tag that is a CEFR level is the level
    assert [(e.pos, e.level) for e in entries] == [
        ("", "B1"), ("", "A2"), ("", "B2"), ("", ""), ("", "")]


def test_anki_notes_export_names_the_lines_of_the_file() -> None:
    _, lines = parse_deck_lines(ANKI_NOTES)
    assert lines == [7, 8, 9, 10, 11]


@pytest.mark.parametrize(("meta", "columns"), [
    ("#notetype column:1\n#deck column:2\n", "Basic\tFood\t{term}\t{definition}\n"),
    ("#guid column:1\n", "xQ9!p\t{term}\t{definition}\n"),
    ("#deck column:1\n#tags column:4\n", "Food\t{term}\t{definition}\tfood\n"),
    ("#tags column:3\n", "{term}\t{definition}\tFOOD\n"),
])
def test_anki_extra_columns_neither_shift_the_term_nor_become_a_level(
        meta: str, columns: str) -> None:
    words = [("apple", "a fruit"), ("bread", "a food"), ("milk", "a drink"),
             ("salt", "a mineral")]
    text = "#separator:tab\n#html:false\n" + meta + "".join(
        columns.format(term=term, definition=definition) for term, definition in words)
    entries = parse_deck(text)
    assert [(e.term, e.definition, e.pos, e.level) for e in entries] == [
        (term, definition, "", "") for term, definition in words]


def test_anki_notes_without_html_keep_angle_brackets_and_ampersands_as_text() -> None:
    text = ("#separator:tab\n#html:false\n"
            "less\t< fewer, & smaller\nmore\t> a bigger amount &amp; then some\n"
            "tag\t<b> is a tag\nnone\tnot any\n")
    entries = parse_deck(text)
    assert [e.definition for e in entries] == [
        "< fewer, & smaller", "> a bigger amount &amp; then some", "<b> is a tag", "not any"]


def test_anki_cards_export_skips_the_reverse_cards() -> None:
    # "Cards in Plain Text" of "Basic (and reversed card)" notes: each note's two cards,
    # the question and the answer side (the question part before <hr id=answer> gone).
    text = ("#separator:tab\n#html:true\n"
            "apple\ta round fruit\n"
            "a round fruit\tapple\n"
            "<div>bread</div>\tfood made from flour\n"
            "food made from flour\tbread\n"
            "milk\ta white drink\n"
            "a white drink\tmilk\n"
            "salt\ta white mineral\n"
            "a white mineral\tsalt\n")
    entries = parse_deck(text)
    assert [(e.term, e.definition) for e in entries] == [
        ("apple", "a round fruit"), ("bread", "food made from flour"),
        ("milk", "a white drink"), ("salt", "a white mineral")]


@pytest.mark.parametrize(("name", "separator"), [
    ("comma", ","), ("Semicolon", ";"), ("pipe", "|"), ("colon", ":"), ("Tab", "\t"),
    ("|", "|"), (";", ";"),
])
def test_anki_separator_header_by_name_or_character(name: str, separator: str) -> None:
    words = [("apple", "a fruit"), ("bread", "a food"), ("milk", "a drink"),
             ("salt", "a mineral")]
    text = f"#separator:{name}\n#html:false\n" + "".join(
        f"{term}{separator}{definition}\n" for term, definition in words)
    assert [(e.term, e.definition) for e in parse_deck(text)] == words


def test_anki_space_separator_with_quoted_fields() -> None:
    text = ('#separator:space\n#html:false\n'
            'apple "a round fruit"\nbread "food made from flour"\n'
            'milk "a white drink"\nsalt "a white mineral"\n')
    assert parse_deck(text)[1] == Entry("bread", "food made from flour")


def test_anki_columns_header_names_the_fields_beside_the_meta_columns() -> None:
    text = ("#separator:comma\n#html:false\n#deck column:1\n#tags column:5\n"
            "#columns:Deck,Example,Back,Front,Tags\n"
            "Food,I ate an apple.,a round fruit,apple,B1\n"
            "Food,We bake bread.,food made from flour,bread,A2\n"
            "Food,Milk is white.,a white drink,milk,\n"
            "Food,Pass the salt.,a white mineral,salt,\n")
    entries = parse_deck(text)
    assert entries[0] == Entry("apple", "a round fruit", example="I ate an apple.", level="B1")
    assert entries[3].example == "Pass the salt."


def test_anki_old_tags_line_and_tags_header_are_not_entries() -> None:
    text = ("tags:english food\n#separator:tab\n#html:false\n#tags:fruit\n"
            "#notetype:Basic\n#deck:English\n"
            "apple\ta fruit\nbread\ta food\nmilk\ta drink\nsalt\ta mineral\n")
    assert [e.term for e in parse_deck(text)] == ["apple", "bread", "milk", "salt"]


def test_a_file_without_an_html_header_is_taken_as_html_when_it_holds_tags() -> None:
    text = ("term,definition\napple,<b>a round</b> fruit\nbread,food made from flour\n"
            "milk,a white drink\nsalt,a white mineral\n")
    assert parse_deck(text)[0].definition == "a round fruit"


@pytest.mark.parametrize(("html", "text"), [
    ("<b>apple</b>", "apple"),
    ("fish&nbsp;&amp;&nbsp;chips", "fish & chips"),
    ("one<br>two<br/>three<BR />four", "one two three four"),
    ("<div>first</div><div>second</div>", "first second"),
    ('<span style="color: red">red</span> and &lt;b&gt;', "red and <b>"),
    ("<style>.card { color: red }</style>card", "card"),
    ("word [sound:word.mp3]", "word"),
    ('<img src="apple.jpg"> apple', "apple"),
    ("caf&eacute; &#8212; &#x27;bar&#x27;", "café \u2014 'bar'"),
    ("<!-- note -->kept", "kept"),
])
def test_html_is_reduced_to_its_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_quizlet_default_export_is_tab_separated() -> None:
    text = ("apple\ta round fruit, red or green\nbread\tfood made from flour\n"
            "milk\ta white drink\nsalt\ta white mineral\n")
    assert parse_deck(text)[0] == Entry("apple", "a round fruit, red or green")


def test_quizlet_custom_separator_is_detected_and_cuts_at_the_first() -> None:
    text = ("apple - a round fruit, red or green\nbread - food made from flour\n"
            "milk - a white drink\nsalt - a white mineral, from the sea\n")
    entries = parse_deck(text)
    assert [(e.term, e.definition) for e in entries] == [
        ("apple", "a round fruit, red or green"), ("bread", "food made from flour"),
        ("milk", "a white drink"), ("salt", "a white mineral, from the sea")]


@pytest.mark.parametrize(("text", "separator", "rows"), [
    ("apple:: a round fruit; red or green\nbread:: food made from flour\n"
     "milk:: a white drink\nsalt:: a white mineral - or a taste\n", ":: ", None),
    ("apple,a round fruit;bread,food made from flour;milk,a white drink;"
     "salt,a white mineral;", ",", ";"),
    ("apple\ta round fruit\n\nwith red or green skin\n\n\nbread\tfood made from flour\n\n\n"
     "milk\ta white drink\n\n\nsalt\ta white mineral", "\t", "\n\n\n"),
])
def test_quizlet_custom_separators_are_read_with_the_options(
        text: str, separator: str, rows: str | None) -> None:
    entries = parse_deck(text, delimiter=separator, row_separator=rows)
    assert [e.term for e in entries] == ["apple", "bread", "milk", "salt"]
    assert entries[1].definition == "food made from flour"
    assert entries[0].definition.startswith("a round fruit")


def test_quizlet_rows_name_the_line_they_start_on() -> None:
    text = "apple = a fruit\nbread = a food\n\nmilk = a drink\nsalt\n"
    with pytest.raises(DeckError) as broken:
        parse_deck(text, delimiter=" = ", source="quizlet.txt")
    assert str(broken.value) == ("quizlet.txt, line 5: expected a term and its definition "
                                 "separated by ' = ' (a part of speech may follow), got 'salt'")


@pytest.mark.parametrize(("option", "separator"), [
    ("tab", "\t"), ("\\t", "\t"), ("TAB", "\t"), ("comma", ","), (" - ", " - "),
    ("\\n\\n", "\n\n"), ("::", "::"), ("space", " "),
])
def test_separator_options_take_names_escapes_and_text(option: str, separator: str) -> None:
    assert separator_from(option) == separator


def test_an_empty_separator_is_refused() -> None:
    with pytest.raises(DeckError, match="cannot be empty"):
        separator_from("")


@pytest.mark.parametrize(("tags", "level"), [
    ("food B1", "B1"), ("CEFR::c1 food", "C1"), ("food", ""), ("", ""), ("B3 b2", "B2"),
])
def test_the_level_among_tags(tags: str, level: str) -> None:
    assert level_in_tags(tags) == level


def test_a_separator_in_the_first_line_only_no_longer_decides() -> None:
    # the header lines of an Anki export hold no tab: the data lines do
    rows = read_rows("#separator:tab\n#html:false\napple\ta fruit, red\nbread\ta food\n")
    assert rows.separator == "\t"
    assert [row.cells["definition"] for row in rows.rows] == ["a fruit, red", "a food"]


def test_a_quoted_field_may_span_lines_and_start_with_a_hash() -> None:
    text = ('#separator:comma\n#html:false\n"#hashtag","a word with #,\nused online"\n'
            "bread,a food\nmilk,a drink\nsalt,a mineral\n")
    entries, lines = parse_deck_lines(text)
    assert entries[0] == Entry("#hashtag", "a word with #, used online")
    assert lines == [3, 5, 6, 7]


def test_quizlet_comma_export_keeps_the_commas_of_its_definitions_with_a_row_separator() -> None:
    text = ("apple,a round fruit, red or green\nbread,food made from flour, water, yeast\n"
            "milk,a white drink\nsalt,a white mineral\n")
    as_csv = parse_deck(text, delimiter=",")
    assert (as_csv[0].definition, as_csv[0].pos) == ("a round fruit", "red or green")
    as_quizlet = parse_deck(text, delimiter=",", row_separator="\n")
    assert [(e.definition, e.pos) for e in as_quizlet[:2]] == [
        ("a round fruit, red or green", ""), ("food made from flour, water, yeast", "")]
