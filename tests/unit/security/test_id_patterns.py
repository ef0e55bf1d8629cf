"""Attack: an id pattern checked with `match` and `$` accepts a trailing newline
("abc\\n"), so a crafted id passes validation and reaches paths, SQL or output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from mhf_tui.services.templates import Ident, Snomed
from mhf_tui.sync.manifest import parse_manifest
from mhf_tui.sync.package import DEVICE_ID, ODS_CODE, SyncError, canonical_json
from mhf_tui.sync.shapes import FHIR_ID

SRC = Path(__file__).resolve().parents[3] / "mhf_tui"


def test_no_pattern_accepts_a_trailing_newline():
    for pattern, good in [
        (FHIR_ID, "abc-1.2"),
        (DEVICE_ID, "dev-1"),
        (ODS_CODE, "C82001"),
    ]:
        assert pattern.fullmatch(good), pattern.pattern
        assert not pattern.fullmatch(good + "\n"), pattern.pattern


@pytest.mark.parametrize(("kind", "good"), [(Ident, "smi_check"), (Snomed, "123456")])
def test_template_ids_never_keep_a_newline(kind, good):
    """Template ids are pydantic-checked: surrounding whitespace is stripped (so no newline
    survives), and a newline inside is refused."""
    adapter = TypeAdapter(kind)
    assert adapter.validate_python(good + "\n") == good
    with pytest.raises(ValueError):
        adapter.validate_python(good + "\nx")


@pytest.mark.parametrize("field", ["device_public_key", "bundle_sha256", "ack_key"])
def test_a_signed_manifest_with_a_newline_after_a_hash_is_refused(field):
    manifest = {
        "format": "mhf-sync",
        "format_version": 1,
        "practice_ods": "C82001",
        "device_id": "dev-1",
        "device_public_key": "a" * 64,
        "bundle_sha256": "b" * 64,
        "ack_key": "c" * 64,
        "sequence": 1,
        "change_seq_from": 0,
        "change_seq_to": 1,
        "created_at": "2026-01-01T00:00:00+00:00",
        "counts": {"Patient": 1},
        "audit_count": 1,
        "audit_head": "d" * 64,
    }
    parse_manifest(canonical_json(manifest))
    manifest[field] += "\n"
    with pytest.raises(SyncError, match=field):
        parse_manifest(canonical_json(manifest))


def test_no_module_checks_a_pattern_with_match():
    """Structural: a named pattern is only ever used with fullmatch (or search)."""
    offenders = [
        f"{p.relative_to(SRC)}:{n}"
        for p in SRC.rglob("*.py")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\b_?[A-Z][A-Z0-9_]*\.match\(", line)
        or re.search(r're\.(compile|match)\(r?"\^', line)
    ]
    assert offenders == []
