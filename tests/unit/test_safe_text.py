"""Stored text never acts on a terminal or a spreadsheet."""

from mhf_tui.safe_text import csv_cell, has_control, neutralise


def test_escape_sequences_become_visible() -> None:
    hostile = "ok\x1b]0;pwned\x07\x1b[2J\u202egnp.exe\x9b\x7f"
    shown = neutralise(hostile)
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert "\u202e" not in shown and "\x7f" not in shown
    assert shown == "ok␛]0;pwned␇␛[2J<U+202E>gnp.exe<U+009B>␡"


def test_newlines_and_tabs_kept_only_when_multiline() -> None:
    assert neutralise("a\nb\tc") == "a\nb\tc"
    assert neutralise("a\nb\tc", multiline=False) == "a␊b␉c"
    assert has_control("a\tb") and not has_control("Jo Smith-Jones")


def test_formula_cells_are_neutralised() -> None:
    assert csv_cell('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    for lead in ("+", "-", "@", "\t", "\r"):
        assert csv_cell(lead + "1") == "'" + lead + "1"
    assert csv_cell("Samaritans") == "Samaritans"
    assert csv_cell(None) == ""
    assert csv_cell(116123) == "116123"
