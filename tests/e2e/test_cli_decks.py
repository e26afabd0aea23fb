"""`quiz decks`, `quiz decks check` and `quiz create --deck FILE` on decks as teachers have them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.main import app
from scorer.deck import parse_deck
from tests.conftest import free_port
from tests.e2e.cli import ROOT, quiz, serving

DECKS_DOC = (ROOT / "docs" / "decks.md").read_text(encoding="utf-8")
# The doc's example files, in its order: a CSV with every column, an Anki export, a
# Quizlet export with a custom separator.
EXAMPLES = re.findall(r"```text\n(.*?)```", DECKS_DOC, flags=re.DOTALL)

# An Anki "Notes in Plain Text" export (HTML, tags, deck and note type ticked), as Anki
# writes it: header lines, then note type, deck, the two fields and the tags. Lines 6
# and 7 define one meaning twice; line 10 has a level tag that no other note shares.
ANKI_EXPORT = (
    "#separator:tab\n"                                                           # 1
    "#html:true\n"                                                               # 2
    "#notetype column:1\n"                                                       # 3
    "#deck column:2\n"                                                           # 4
    "#tags column:5\n"                                                           # 5
    "Basic\tEnglish\t<b>solution</b>\ta way of dealing with a&nbsp;problem\tB1\n"   # 6
    "Basic\tEnglish\tapproach\ta way of dealing with a problem or situation\tB1\n"  # 7
    "Basic\tEnglish\ttable\ta piece of furniture with a flat top\tB1\n"           # 8
    "Basic\tEnglish\triver\ta natural flow of water across land\tB1\n"            # 9
    "Basic\tEnglish\twindow\tan opening in a wall that lets in light<br>\tC1\n"   # 10
)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_decks_lists_the_builtin_decks_as_before() -> None:
    code, out, _ = invoke("decks")
    assert code == 0
    assert out.startswith("everyday\t")
    code, out, _ = invoke("decks", "--json")
    assert code == 0
    assert json.loads(out)["everyday"]["words"] >= 600


def test_check_a_builtin_deck() -> None:
    code, out, _ = invoke("decks", "check", "everyday")
    assert code == 0
    assert out.splitlines()[-1].startswith("everyday: ")
    assert out.splitlines()[-1].endswith("; a quiz can be made")


def test_check_an_anki_export_names_the_lines_to_fix(tmp_path: Path) -> None:
    deck = tmp_path / "english.txt"
    deck.write_text(ANKI_EXPORT, encoding="utf-8")
    code, out, _ = invoke("decks", "check", str(deck))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"{deck}, lines 6 and 7: 'solution' and 'approach' have "
                               f"near-identical definitions")
    assert any(line.startswith(f"{deck}, line 10: level C1 has 1 of the 4 entries")
               for line in lines)
    assert lines[-1] == f"{deck}: 5 words, {len(lines) - 1} warnings; a quiz can be made"
    code, out, _ = invoke("decks", "check", str(deck), "--json")
    report = json.loads(out)
    assert (code, report["words"], report["quiz_possible"]) == (0, 5, True)
    assert {"kind": "similar-definitions", "lines": [6, 7]}.items() <= \
        report["findings"][0].items()


def test_check_exits_1_only_when_no_quiz_can_be_made(tmp_path: Path) -> None:
    deck = tmp_path / "quizlet.txt"
    deck.write_text("begin - to start;start - to start;commence - to start;"
                    "launch - to start;", encoding="utf-8")
    code, out, _ = invoke("decks", "check", str(deck), "--separator", " - ",
                          "--row-separator", ";")
    assert code == 1
    assert out.splitlines()[0].startswith(f"{deck}, line 1: 'begin', 'start'")
    assert "no quiz can be made" in out.splitlines()[-1]


def test_check_of_an_unreadable_deck_is_one_line_on_stderr(tmp_path: Path) -> None:
    deck = tmp_path / "broken.csv"
    deck.write_text("cat,an animal\ndog,another animal\nbird\nfish,it swims\n")
    code, out, err = invoke("decks", "check", str(deck))
    assert (code, out) == (1, "")
    assert err == (f"error: {deck}, line 3: expected a term and its definition separated by "
                   f"',' (a part of speech may follow), got 'bird'\n")


def test_a_deck_that_is_not_utf8_is_one_line_on_stderr(tmp_path: Path) -> None:
    deck = tmp_path / "latin1.csv"
    deck.write_bytes("caf\u00e9,a small restaurant\nbar,a place to drink\n".encode("latin-1"))
    code, _, err = invoke("decks", "check", str(deck))
    assert code == 1
    assert err == (f"error: {deck}: byte 4 is not UTF-8 text; save the file as UTF-8 "
                   f"(Anki and Quizlet export UTF-8)\n")


def test_create_prints_the_decks_warnings_on_stderr_before_creating(tmp_path: Path) -> None:
    deck = tmp_path / "english.txt"
    deck.write_text(ANKI_EXPORT, encoding="utf-8")
    same = tmp_path / "same.csv"
    same.write_text("".join(f"{word},to start\n" for word in
                            ("begin", "start", "commence", "launch", "open")))
    port = free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    with serving(port, tmp_path / "q.db"):
        made = quiz("create", "--deck", str(deck), "--questions", "3", "--json",
                    home=tmp_path, broker=broker)
        refused = quiz("create", "--deck", str(same), home=tmp_path, broker=broker)
    assert made.code == 0, made.err
    assert len(made.json()["quiz"]) == 6
    warnings = made.err.splitlines()
    assert warnings[0].startswith(f"warning: {deck}, lines 6 and 7: 'solution' and 'approach'")
    assert not any("cloze" in line or "level C1" in line for line in warnings)  # not this quiz's
    assert refused.code == 1
    assert refused.err.splitlines()[-1] == (
        f"error: {same}: no quiz can be made from this deck (`quiz decks check {same}` says why)")


def test_the_docs_example_files_read_as_the_doc_says() -> None:
    csv_deck, anki, quizlet = (parse_deck(text) for text in EXAMPLES)
    assert csv_deck[0].accept == ("outdoors",)
    assert csv_deck[1].distractors == ("lend", "keep", "steal")
    assert [(e.term, e.level) for e in anki][:3] == [
        ("solution", "B1"), ("approach", "B1"), ("table", "A2")]
    assert anki[0].definition == "a way of dealing with a problem"
    assert quizlet[0].definition == "to take something that you will give back, later"


def test_the_docs_check_output_is_what_the_check_prints(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("english.txt").write_text(EXAMPLES[1], encoding="utf-8")
    code, out, _ = invoke("decks", "check", "english.txt")
    shown = re.search(r"```console\n(.*?)```", DECKS_DOC, flags=re.DOTALL)
    assert shown is not None
    assert (code, out) == (0, shown.group(1))
