"""The command shape shared by the caseload commands: `signpost add|list|update`, argument
types that never echo what was typed, and output that is JSON with --json and neutralised
text without it."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from mhf_tui.cli import argtypes
from tests.conftest import CliResult

from .conftest import PASSPHRASE

Mhf = Callable[..., CliResult]
P = PASSPHRASE + "\n"
NHS = "9990000018"


def _setup(mhf: Mhf, home: Path) -> tuple[str, ...]:
    h = ("--home", str(home), "--passphrase-stdin")
    assert mhf("practice", "add", *h, "--ods", "z99901", "--name", "Riverside", stdin=P).code == 0
    r = mhf(
        "patient", "add", *h, "--nhs", NHS, "--family", "Smith", "--given", "Jo",
        "--dob", "1970-01-01", "--practice", "Z99901", stdin=P,
    )  # fmt: skip
    assert r.code == 0, r.err
    return h


def test_signpost_add_list_update(mhf: Mhf, cli_home: Path) -> None:
    h = _setup(mhf, cli_home)
    r = mhf("signpost", "add", *h, "--nhs", NHS, "--service", "Samaritans", "--status",
            "referred", "--follow-up", "2030-01-02", stdin=P)  # fmt: skip
    assert r.code == 0, r.err
    assert "Samaritans  referred  follow up 2030-01-02" in r.out
    r = mhf("signpost", "list", *h, "--nhs", NHS, "--json", stdin=P)
    [item] = json.loads(r.out)
    assert (item["service"], item["status"], item["follow_up_on"]) == (
        "Samaritans",
        "referred",
        "2030-01-02",
    )
    r = mhf("signpost", "update", *h, item["signposting_id"][:8], "--status", "attended",
            "--note", "went along", stdin=P)  # fmt: skip
    assert r.code == 0, r.err
    assert "attended" in r.out and "(next: closed)" in r.out
    r = mhf("signpost", "list", *h, "--nhs", NHS, "--json", stdin=P)
    assert [(s["status"], s["outcome_note"]) for s in json.loads(r.out)] == [
        ("attended", "went along")
    ]


def test_signpost_update_needs_a_status(mhf: Mhf, cli_home: Path) -> None:
    h = _setup(mhf, cli_home)
    with pytest.raises(SystemExit) as exit_:
        mhf("signpost", "update", *h, "abcdef12", stdin=P)
    assert exit_.value.code == 2


def test_bad_nhs_number_is_one_line_before_the_passphrase_and_not_echoed(
    mhf: Mhf, cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _setup(mhf, cli_home)
    with pytest.raises(SystemExit) as exit_:
        mhf("note", "list", "--home", str(cli_home), "--nhs", "999 000 0017", stdin="")
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "Modulus 11" in err and "0017" not in err
    assert len(err.strip().splitlines()) == 1  # one line, no usage block


def test_json_is_the_models_dump_and_text_is_neutralised(mhf: Mhf, cli_home: Path) -> None:
    h = _setup(mhf, cli_home)
    r = mhf("note", "add", *h, "--nhs", NHS, "hello \x1b]0;pwned\x07 there", stdin=P)
    assert r.code == 0, r.err
    r = mhf("note", "list", *h, "--nhs", NHS, stdin=P)
    assert "\x1b" not in r.out and "\x07" not in r.out and "␛]0;pwned␇" in r.out
    r = mhf("note", "list", *h, "--nhs", NHS, "--json", stdin=P)
    [note] = json.loads(r.out)
    # notes store a control character made visible (issue 14), so JSON carries that form
    assert note["text"] == "hello ␛]0;pwned␇ there" and "\x1b" not in r.out
    assert {"note_id", "lineage_id", "version", "time", "first_written_at", "kind"} <= set(note)
    r = mhf("practice", "list", *h, "--json", stdin=P)
    [practice] = json.loads(r.out)
    assert (practice["ods_code"], practice["patients"]) == ("Z99901", 1)


@pytest.mark.parametrize(
    ("convert", "text", "value"),
    [
        (argtypes.iso_date, " 2024-02-29 ", date(2024, 2, 29)),
        (argtypes.yes_no, "Y", True),
        (argtypes.yes_no, "false", False),
        (argtypes.yes_no_unknown, "unknown", None),
        (argtypes.yes_no_unknown, "no", False),
        (argtypes.nhs_number, "999 000 0018", "9990000018"),
        (argtypes.ods_code, " c82001", "C82001"),
    ],
)
def test_argument_types_convert(convert: Callable[[str], object], text: str, value: object) -> None:
    assert convert(text) == value


@pytest.mark.parametrize(
    ("convert", "text"),
    [
        (argtypes.iso_date, "2024-02-30"),
        (argtypes.local_time, "tomorrow"),
        (argtypes.yes_no, "maybe"),
        (argtypes.yes_no_unknown, "perhaps"),
        (argtypes.nhs_number, "9990000017"),
        (argtypes.ods_code, "SECRET1"),
    ],
)
def test_argument_type_errors_do_not_repeat_the_input(
    convert: Callable[[str], object], text: str
) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as error:
        convert(text)
    assert text not in str(error.value)
