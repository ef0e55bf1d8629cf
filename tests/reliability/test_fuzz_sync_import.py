"""Fuzzing the practice-side import with files that pass the outer checks.

tests/unit/sync covers the envelope: a flipped byte anywhere, truncation, a wrong
recipient, a replay, a re-signed manifest. Those never reach the parser. But an enrolled
device's key can be stolen or its software broken, so a *validly signed* file from an
enrolled device must still be checked: everything inside it (manifest fields, bundle JSON,
resources) meets the importer as is. Here hypothesis builds such files, from a valid one
mutated or from random JSON, signs them with an enrolled key (or a stranger's, which must
always be refused), encrypts them properly, and asserts:
the import either succeeds completely or fails with a clear MhfError, never a traceback,
never a partial import, and never writes outside the ack directory.
"""

from __future__ import annotations

import copy
import hashlib
import io
import itertools
import json
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mhf_tui.errors import MhfError
from mhf_tui.sync.device import fingerprint, public_key_hex
from mhf_tui.sync.enrolment import enrol
from mhf_tui.sync.importer import import_file
from mhf_tui.sync.package import FORMAT_NAME, FORMAT_VERSION, canonical_json
from mhf_tui.sync.practice_store import PracticeStore, StoreDir
from mhf_tui.vault.engine import connect_raw
from mhf_tui.vault.vault import unlock_data_key
from tests.reliability.conftest import PASS

PATIENT_ID = "0c6f2a9e-8d3b-4c1e-9f7a-1b2c3d4e5f60"
NOTE_ID = "5a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
#: values of the type the manifest check expects, but odd: the ones that get furthest
odd_text = st.sampled_from(
    ["", "../../escaped", "C81001/../../x", "/tmp/abs", "a" * 300, "C81001\x00", "é", "C81001"]
) | st.text(max_size=30)
odd_int = st.sampled_from([0, -1, 2**63, 2**63 - 1, -(2**63) - 1, 10**30]) | st.integers()


def _valid_parts(device_id: str, key: Ed25519PrivateKey) -> tuple[dict[str, Any], dict[str, Any]]:
    patient = {
        "resourceType": "Patient",
        "id": PATIENT_ID,
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9991000016"}],
        "name": [{"family": "Fuzzperson", "given": ["Ada"]}],
        "birthDate": "1970-01-01",
    }
    note = {
        "resourceType": "DocumentReference",
        "id": NOTE_ID,
        "status": "current",
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "content": [{"attachment": {"contentType": "text/plain", "data": "aGVsbG8="}}],
    }
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "transaction",
        "entry": [
            {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
            for r in (patient, note)
        ],
    }
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "device_id": device_id,
        "device_public_key": public_key_hex(key.public_key()),
        "facilitator": "Fuzz Facilitator",
        "practice_ods": "C81001",
        "sequence": 1,
        "change_seq_from": 1,
        "change_seq_to": 10,
        "previous_manifest_sha256": None,
        "created_at": "2025-01-01T09:00:00Z",
        "counts": {"Patient": 1, "DocumentReference": 1},
        "withheld_objection": 0,
        "bundle_sha256": "",
        "ack_key": "00" * 32,
        "audit_count": 1,
        "audit_head": "ab" * 32,
    }
    return manifest, bundle


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[dict[str, Any], Any, bool]:
    """(manifest, bundle, keep_counts_consistent)."""
    manifest, bundle = _valid_parts(str(uuid.uuid4()), Ed25519PrivateKey.generate())
    how = draw(st.sampled_from(["manifest_field", "manifest_typed", "resource", "entry", "bundle"]))
    if how == "manifest_field":
        field = draw(st.sampled_from(sorted(manifest)))
        if draw(st.booleans()):
            manifest[field] = draw(json_values)
        else:
            del manifest[field]
    elif how == "manifest_typed":
        field = draw(st.sampled_from(["device_id", "practice_ods", "created_at", "facilitator",
                                      "sequence", "change_seq_from", "change_seq_to",
                                      "withheld_objection"]))  # fmt: skip
        text_field = isinstance(manifest[field], str)
        manifest[field] = draw(odd_text if text_field else odd_int)
    elif how == "resource":
        resource = bundle["entry"][draw(st.integers(0, 1))]["resource"]
        key = draw(st.sampled_from([*sorted(resource), "subject", "extra"]))
        resource[key] = draw(json_values | odd_text)
    elif how == "entry":
        entry = bundle["entry"][draw(st.integers(0, 1))]
        part = draw(st.sampled_from(["resource", "request"]))
        entry[part] = draw(json_values)
    else:
        bundle = draw(json_values)
    return manifest, bundle, draw(st.booleans())


_SEQUENCES = itertools.count(1)


def _seal(manifest: dict[str, Any], bundle: Any, fix_counts: bool, practice: dict[str, Any],
          path: Path, stranger: bool) -> None:  # fmt: skip
    """Sign (with the enrolled key, or a stranger's) and encrypt as a real device would."""
    key = Ed25519PrivateKey.generate() if stranger else practice["device_key"]
    if (
        isinstance(manifest.get("device_public_key"), str)
        and len(manifest["device_public_key"]) == 64
    ):
        manifest["device_public_key"] = public_key_hex(key.public_key())
    if manifest.get("sequence") == 1:
        manifest["sequence"] = next(_SEQUENCES)  # past the files imported before
    if fix_counts and isinstance(bundle, dict) and isinstance(bundle.get("entry"), list):
        counts: dict[str, int] = {}
        for entry in bundle["entry"]:
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                kind = str(entry["resource"].get("resourceType"))
                counts[kind] = counts.get(kind, 0) + 1
        if "counts" in manifest:
            manifest["counts"] = counts
    bundle_bytes = json.dumps(bundle, separators=(",", ":")).encode()
    if manifest.get("bundle_sha256") == "":
        manifest["bundle_sha256"] = hashlib.sha256(bundle_bytes).hexdigest()
    manifest_bytes = canonical_json(manifest)
    members = {"manifest.json": manifest_bytes, "manifest.sig": key.sign(manifest_bytes),
               "bundle.json": bundle_bytes}  # fmt: skip
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in ("manifest.json", "manifest.sig", "bundle.json"):
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            tar.addfile(info, io.BytesIO(members[name]))
    path.write_bytes(pyrage.encrypt(buf.getvalue(), [practice["identity"].to_public()]))


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("fuzz-practice")
    store, _recovery = PracticeStore.create(root / "store", PASS, ods="C81001")
    device_key = Ed25519PrivateKey.generate()
    with store.session() as session:
        identity = store.identity(session)
        enrol(session, fingerprint=fingerprint(public_key_hex(device_key.public_key())),
              name="Fuzz Facilitator")  # fmt: skip
    key = unlock_data_key(StoreDir(root / "store"), PASS)
    acks = root / "work" / "acks"
    acks.mkdir(parents=True)
    yield {"root": root, "identity": identity, "store": store, "device_key": device_key,
           "acks": acks, "key": key}  # fmt: skip
    store.close()


def _store_counts(practice: dict[str, Any]) -> tuple[int, ...]:
    """Rows in the store's tables, read with the key unwrapped once (no KDF per example)."""
    conn = connect_raw(practice["store"].directory.db, practice["key"])
    try:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("received_resource", "import_log", "enrolled_device")
        )
    finally:
        conn.close()


def _everything_under(root: Path) -> set[Path]:
    return set(root.rglob("*"))


def _stray(new: set[Path], practice: dict[str, Any]) -> set[Path]:
    """New files other than the store's own (database, WAL, lock, unlock state) and acks."""
    store, acks = practice["store"].directory.root.resolve(), practice["acks"].resolve()
    return {p for p in new if p.resolve().parent not in (store, acks)}


@pytest.mark.reliability
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=mutated_files(), stranger=st.booleans())
def test_validly_signed_but_malformed_files_import_all_or_nothing(
    practice, case, stranger, tmp_path_factory
):
    manifest, bundle, fix_counts = copy.deepcopy(case)
    work = tmp_path_factory.mktemp("fuzz-file")
    path = work / "C81001-1.mhfsync"
    _seal(manifest, bundle, fix_counts, practice, path, stranger)
    before_files = _everything_under(practice["root"])
    before = _store_counts(practice)
    try:
        summary = import_file(practice["store"], path, ack_dir=practice["acks"])
    except MhfError as exc:
        assert str(exc) and "\n" not in str(exc)
        event("refused by the import")
        assert _store_counts(practice) == before  # nothing imported
        assert not list(practice["acks"].glob("*")) or _acks_unchanged(practice, before_files)
        assert _stray(_everything_under(practice["root"]) - before_files, practice) == set()
        return
    assert not stranger, "a file signed by a key that is not enrolled was imported"
    event("imported")
    # a success is complete: logged once, every resource held, the ack inside the ack dir
    after = _store_counts(practice)
    assert after[1] == before[1] + 1
    assert after[0] >= before[0]
    ack = Path(summary.ack_path).resolve()
    assert ack.parent == practice["acks"].resolve(), summary.ack_path
    assert _stray(_everything_under(practice["root"]) - before_files, practice) == set()
    json.loads(ack.read_text())


def _acks_unchanged(practice: dict[str, Any], before: set[Path]) -> bool:
    """A failed import writes no ack."""
    return set(practice["acks"].glob("*")) <= before
