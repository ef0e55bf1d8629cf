"""Attack: a symlink planted where mhf writes (the old predictable `.NAME.tmp-PID` temp
name, or the final name) redirects a private file elsewhere; directories mhf creates for
`--home` or `--out` are readable by others."""

from __future__ import annotations

import os
import stat

from mhf_tui.paths import write_private


def test_symlink_at_every_predictable_temp_name_is_not_followed(tmp_path):
    target = tmp_path / "out" / "bundle.json"
    target.parent.mkdir()
    stolen = tmp_path / "stolen"
    stolen.write_bytes(b"")
    # the names the old writer used, for this pid and its neighbours
    for pid in range(os.getpid() - 5, os.getpid() + 6):
        os.symlink(stolen, target.parent / f".{target.name}.tmp-{pid}")
    write_private(target, b"secret bundle")
    assert stolen.read_bytes() == b""
    assert target.read_bytes() == b"secret bundle"
    assert stat.S_IMODE(target.lstat().st_mode) == 0o600


def test_symlink_at_the_final_name_is_replaced_not_written_through(tmp_path):
    stolen = tmp_path / "stolen"
    stolen.write_bytes(b"")
    target = tmp_path / "bundle.json"
    os.symlink(stolen, target)
    write_private(target, b"secret bundle")
    assert stolen.read_bytes() == b""
    assert not target.is_symlink() and target.read_bytes() == b"secret bundle"


def test_no_temp_file_left_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "f"

    def boom(_fd: int) -> None:
        raise OSError("fsync failed")

    monkeypatch.setattr(os, "fsync", boom)
    try:
        write_private(target, b"x")
    except OSError:
        pass
    assert list(tmp_path.iterdir()) == []


def test_parents_created_for_home_and_out_are_private(tmp_path, mhf):
    old = os.umask(0o022)
    try:
        home = tmp_path / "a" / "b" / "home"
        pw = "correct horse battery staple"
        r = mhf("init", "--home", str(home), "--passphrase-stdin", stdin=f"{pw}\n{pw}\n")
        assert r.code == 0, r.err
        out = tmp_path / "x" / "y" / "b.mhfbackup"
        r = mhf(
            "backup", "--home", str(home), "--passphrase-stdin", "--out", str(out), stdin=f"{pw}\n"
        )
        assert r.code == 0, r.err
    finally:
        os.umask(old)
    for d in (tmp_path / "a", tmp_path / "a" / "b", home, tmp_path / "x", tmp_path / "x" / "y"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_sync_files_are_written_the_same_safe_way(tmp_path):
    from mhf_tui.sync.package import write_atomic

    stolen = tmp_path / "stolen"
    stolen.write_bytes(b"")
    target = tmp_path / "C82001-1.mhfsync"
    for pid in range(os.getpid() - 5, os.getpid() + 6):
        os.symlink(stolen, tmp_path / f".{target.name}.tmp-{pid}")
    write_atomic(target, b"age ciphertext")
    assert stolen.read_bytes() == b"" and target.read_bytes() == b"age ciphertext"
