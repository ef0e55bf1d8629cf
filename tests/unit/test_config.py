"""config.toml round trip: whatever a facilitator types in Settings loads back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from mhf_tui.config import Settings, load_settings, save_settings
from mhf_tui.errors import MhfError

AWKWARD_NAMES = [
    "Alex \x07Bell",  # BEL: the hand-written writer saved it raw, tomllib then refused the file
    'Sam "Quoted" O\'Neill',
    "Back\\slash and \ttab",
    "Line\nbreak\r\x1b[31m escape \x7f del",
    "Zoë Ünïcode ✓",
]


@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_facilitator_name_round_trips(tmp_path: Path, name: str) -> None:
    path = tmp_path / "config.toml"
    saved = Settings(auto_lock_minutes=7.5, theme="textual-light", facilitator_name=name)
    save_settings(path, saved)
    assert load_settings(path) == saved


def test_remapped_keys_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    keys = {"quick_note": "ctrl+n", 'odd key "name"': "f5,\x07", "help": "question_mark"}
    save_settings(path, Settings(keys=keys))
    assert load_settings(path).keys == keys


def test_file_is_private_and_plain_toml(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_settings(path, Settings(facilitator_name="A\x07"))
    text = path.read_text(encoding="utf-8")
    assert "\x07" not in text  # escaped as \u0007, so the file stays loadable text
    assert path.stat().st_mode & 0o077 == 0


def test_invalid_settings_are_not_written(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(MhfError, match="auto_lock_minutes"):
        save_settings(path, Settings(auto_lock_minutes=0))
    assert not path.exists()
