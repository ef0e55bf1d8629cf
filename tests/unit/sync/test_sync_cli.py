"""The commands end to end, the standard `age` tool, and no plaintext on disk."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mhf_tui.sync.device import load_device
from tests.unit.sync.conftest import MARKER, ODS, PASS, STORE_PASS, World, nhs_number
from tests.unit.sync.helpers import export


def _home(world: World) -> list[str]:
    return ["--home", str(world.home), "--passphrase-stdin"]


def test_facilitator_and_practice_commands(world: World, mhf: Callable, tmp_path: Path):
    world.caseload.close()
    inbox = tmp_path / "inbox"
    r = mhf(
        "inbox", "init", "--store", str(inbox), "--ods", ODS.lower(), "--name", "Test Surgery",
        "--passphrase-stdin", stdin=f"{STORE_PASS}\n{STORE_PASS}\n",
    )  # fmt: skip
    assert r.code == 0, r.err
    recipient = r.out.strip()
    assert recipient.startswith("age1") and len(r.out.splitlines()) == 1
    assert "Recovery key" in r.err
    assert mhf("inbox", "recipient", "--store", str(inbox)).out.strip() == recipient
    r = mhf(
        "inbox", "init", "--store", str(inbox), "--ods", ODS, "--passphrase-stdin",
        stdin=f"{STORE_PASS}\n{STORE_PASS}\n",
    )  # fmt: skip
    assert r.code == 1 and "already holds" in r.err  # never overwrites

    r = mhf("sync", "recipient", ODS, recipient, *_home(world), stdin=f"{PASS}\n")
    assert r.code == 0, r.err
    r = mhf("sync", "whoami", *_home(world), "--json", stdin=f"{PASS}\n")
    who = json.loads(r.out)
    assert len(who["public_key"]) == 64 and who["device_id"]
    assert len(who["fingerprint"].replace(" ", "")) == 32
    r = mhf("sync", "whoami", *_home(world), stdin=f"{PASS}\n")
    assert f"Fingerprint: {who['fingerprint']}" in r.out

    out = tmp_path / "out"
    r = mhf(
        "sync", "export", "--practice", ODS, "--out", str(out), *_home(world), stdin=f"{PASS}\n"
    )
    assert r.code == 0, r.err
    sync_file = Path(r.out.strip())
    assert sync_file == out / f"{ODS}-1.mhfsync"

    def inbox_cmd(*args: str, stdin: str = f"{STORE_PASS}\n"):
        return mhf("inbox", *args, "--store", str(inbox), "--passphrase-stdin", stdin=stdin)

    r = inbox_cmd("import", str(sync_file), "--json")
    assert r.code == 1 and r.out == "" and r.err.count("\n") == 1
    assert "not enrolled" in r.err and who["fingerprint"] in r.err

    typed = who["fingerprint"].lower().replace(" ", "-")  # as read out over the phone
    r = inbox_cmd("enrol", "--fingerprint", typed, "--name", "Test Facilitator")
    assert r.code == 0 and who["fingerprint"] in r.out, r.err
    r = inbox_cmd("import", str(sync_file), "--json")
    assert r.code == 0, r.err
    summary = json.loads(r.out)[0]
    assert summary["counts"]["Patient"] == 3 and summary["withheld_objection"] == 1
    assert summary["device_fingerprint"] == who["fingerprint"]

    r = inbox_cmd("import", str(sync_file))
    assert r.code == 1 and r.out == ""
    assert r.err.count("\n") == 1 and "replay" in r.err

    r = inbox_cmd("devices", "--json")
    device = json.loads(r.out)[0]
    assert device["fingerprint"] == who["fingerprint"] and device["last_sequence"] == 1
    assert device["audit_count"] > 0 and len(device["audit_head"]) == 64
    r = inbox_cmd("devices")
    assert "Test Facilitator" in r.out and f"audit head {device['audit_count']} events" in r.out

    r = mhf("sync", "ack", summary["ack_path"], *_home(world), stdin=f"{PASS}\n")
    assert r.code == 0 and "recorded" in r.out, r.err
    r = mhf("sync", "status", *_home(world), "--json", stdin=f"{PASS}\n")
    status = {s["ods_code"]: s for s in json.loads(r.out)}
    assert status[ODS]["last_acked_number"] == 1 and status[ODS]["waiting"] == 0
    r = mhf("sync", "export", "--practice", ODS, *_home(world), stdin=f"{PASS}\n")
    assert r.code == 0 and "nothing new" in r.out

    r = inbox_cmd("show", "--nhs", nhs_number(1))
    assert r.code == 0, r.err
    assert MARKER.upper() in r.out and "Contacts (1)" in r.out and "Sleep better" in r.out
    assert "Testperson1" not in r.out

    bundle_path = tmp_path / "handover.json"
    r = inbox_cmd("bundle", "--out", str(bundle_path))
    assert r.code == 0, r.err
    handed = json.loads(bundle_path.read_text())
    assert handed["type"] == "transaction" and len(handed["entry"]) == 21

    r = inbox_cmd("devices", "remove", "--fingerprint", who["fingerprint"])
    assert r.code == 0 and "21 resources" in r.out, r.err
    r = inbox_cmd("show")
    assert r.code == 0 and "0 patient(s)" in r.out
    with pytest.raises((SystemExit, argparse.ArgumentError)):  # the old practice side is gone
        mhf("practice", "import", str(sync_file))


def test_wrong_store_passphrase_is_one_line(world: World, mhf: Callable, tmp_path: Path):
    from tests.unit.sync.helpers import do_import

    out, store = tmp_path / "out", tmp_path / "store"
    do_import(world, export(world, out).path, store)
    world.add_note(world.patients[0], "more")
    second = export(world, out).path
    r = mhf(
        "inbox", "import", str(second), "--store", str(store), "--passphrase-stdin",
        stdin="not the passphrase\n",
    )  # fmt: skip
    assert r.code == 1 and r.err == "mhf: wrong passphrase\n"


@pytest.mark.skipif(shutil.which("age") is None, reason="the age CLI is not installed")
def test_standard_age_tool_decrypts_the_file(world: World, tmp_path: Path):
    path = export(world, tmp_path / "out").path
    key = tmp_path / "inbox.key"  # the inbox's identity, taken out only for this check
    key.write_text(f"{world.identity}\n")
    done = subprocess.run(
        ["age", "-d", "-i", str(key), str(path)],
        capture_output=True,
        check=True,
    )
    import io

    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as tar:
        assert tar.getnames() == ["manifest.json", "manifest.sig", "bundle.json"]


@pytest.fixture
def system_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp dir mhf (Python's tempfile and SQLCipher alike) writes to during the test:
    a private one, so the scan sees every temp file mhf writes and none of another
    process's (other test runs on the same machine write synthetic data in clear)."""
    private = tmp_path / "system-tmp"
    private.mkdir()
    for name in ("TMPDIR", "SQLITE_TMPDIR"):
        monkeypatch.setenv(name, str(private))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    assert Path(tempfile.gettempdir()) == private
    return private


def _recent_files(roots: list[Path], since: float) -> list[tuple[Path, bytes]]:
    """Files changed since `since` under `roots`, with their bytes."""
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and path.stat().st_mtime >= since:
                found.append((path, path.read_bytes()))
    return found


def test_no_plaintext_reaches_the_disk_during_export(
    world: World, tmp_path: Path, system_tmp: Path, monkeypatch: pytest.MonkeyPatch
):
    renamed: list[bytes] = []
    real_replace = os.replace

    def checking_replace(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        if str(dst).endswith(".mhfsync"):  # not the audit head, written alongside
            renamed.append(Path(src).read_bytes())
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", checking_replace)
    start = time.time() - 1
    out = tmp_path / "out"
    export(world, out)
    assert len(renamed) == 1 and renamed[0].startswith(b"age-encryption.org/v1\n")
    needles = [MARKER.encode(), MARKER.encode("utf-16-le"), MARKER.upper().encode()]
    scanned = 0
    for path, data in _recent_files([out, world.home, system_tmp], start):
        scanned += 1
        for needle in needles:
            assert needle not in data, f"{needle!r} in clear in {path}"
    assert scanned >= 2


def test_export_all_status_and_show_everything(world: World, mhf: Callable, tmp_path: Path):
    with world.caseload.session() as s:
        device = load_device(s).device_id
    world.caseload.close()
    out = tmp_path / "out"
    r = mhf("sync", "export", "--all", "--out", str(out), *_home(world), stdin=f"{PASS}\n")
    assert r.code == 0, r.err
    assert r.out.strip() == str(out / f"{ODS}-1.mhfsync")  # the practice without a key is skipped
    r = mhf("sync", "status", *_home(world), stdin=f"{PASS}\n")
    lines = r.out.splitlines()
    assert lines[1].split()[:4] == [ODS, "yes", "1", "0"]
    assert lines[2].split()[:2] == ["C82002", "NO"]
    store = tmp_path / "store"
    r = mhf(
        "inbox", "import", str(out / f"{ODS}-1.mhfsync"), "--store", str(store),
        "--ack-out", str(tmp_path), "--passphrase-stdin", stdin=f"{STORE_PASS}\n",
    )  # fmt: skip
    assert r.code == 0, r.err
    assert "Imported C82001-1 from Facilitator of home" in r.out
    assert [p.name for p in tmp_path.glob("*.mhfack")] == [f"{ODS}-1-{device[:8]}.mhfack"]
    r = mhf("inbox", "show", "--store", str(store), "--passphrase-stdin", stdin=f"{STORE_PASS}\n")
    assert r.code == 0, r.err
    assert "3 patient(s)" in r.out and "From Facilitator of home" in r.out
    r = mhf("sync", "ack", "/nonexistent.mhfack", *_home(world), stdin=f"{PASS}\n")
    assert r.code == 1 and r.err.startswith("mhf: cannot read") and r.err.count("\n") == 1


def test_inbox_show_makes_control_characters_visible(world: World, mhf: Callable, tmp_path: Path):
    from tests.unit.sync.helpers import do_import

    world.add_note(world.patients[0], "before\x1b[2Jafter \u202eevil")
    store = tmp_path / "store"
    do_import(world, export(world, tmp_path / "out").path, store)
    r = mhf(
        "inbox", "show", "--store", str(store), "--nhs", nhs_number(1),
        "--passphrase-stdin", stdin=f"{STORE_PASS}\n",
    )  # fmt: skip
    assert r.code == 0, r.err
    assert "\x1b" not in r.out and "\u202e" not in r.out
    assert "before\u241b[2Jafter <U+202E>evil" in r.out


def test_no_plaintext_reaches_the_disk_during_import(
    world: World, tmp_path: Path, system_tmp: Path
):
    from tests.unit.sync.helpers import do_import

    path = export(world, tmp_path / "out").path
    start = time.time() - 1
    store = tmp_path / "store"
    summary = do_import(world, path, store)
    needles = [MARKER.encode(), MARKER.upper().encode(), MARKER.encode("utf-16-le")]
    scanned = 0
    for file, data in _recent_files([store, Path(summary.ack_path).parent, system_tmp], start):
        scanned += 1
        assert not any(n in data for n in needles), f"patient data in clear in {file}"
    assert scanned >= 3  # the store's database and vault file, the ack


def test_several_files_in_one_import_stop_at_the_first_refused(
    world: World, mhf: Callable, tmp_path: Path
):
    out = tmp_path / "out"
    first = export(world, out).path
    world.add_note(world.patients[0], "for the second file")
    second = export(world, out).path
    r = mhf(
        "inbox", "import", str(first), str(second), str(first), "--store", str(world.store),
        "--passphrase-stdin", "--json", stdin=f"{STORE_PASS}\n",
    )  # fmt: skip
    assert r.code == 1 and "replay" in r.err and r.err.count("\n") == 1
    assert [s["sequence"] for s in json.loads(r.out)] == [1, 2]  # both kept, both reported
