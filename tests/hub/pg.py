"""A throwaway PostgreSQL cluster for the hub tests and benchmark: initdb + pg_ctl on a
Unix socket in a temp dir, no TCP. initdb refuses to run as root (CI runs as root), so
there it runs as the unprivileged `postgres` user via runuser. Never a mock."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

USER = "mhf"


def find_bin() -> Path | None:
    """Debian's versioned bin dir (newest first), else pg_ctl on PATH."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _unprivileged_user() -> str:
    """Debian's package makes `postgres`; `nobody` otherwise (initdb refuses root)."""
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("no unprivileged user to run PostgreSQL as (initdb refuses root)")


def _run(cmd: list[str], log: Path) -> None:
    """Run a server command; on failure, raise with its output and the server log's tail."""
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}\n{tail}")


def _as_owner(cmd: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *cmd] if owner else cmd


@contextmanager
def cluster(*, durable: bool = False) -> Iterator[str]:
    """Start a cluster; yields the conninfo of its `postgres` database; stops it after.
    Tests run with fsync off (`-F`); `durable` keeps fsync on, as a real server has it."""
    bindir = find_bin()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL not found (initdb/pg_ctl): install Debian's `postgresql` package"
        )
    owner = None
    root = Path(tempfile.mkdtemp(prefix="mhfpg-"))
    if os.geteuid() == 0:
        owner = _unprivileged_user()
        entry = pwd.getpwnam(owner)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data, log = root / "data", root / "server.log"
    try:
        _run(
            _as_owner([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", USER,
                       "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], owner),
            log,
        )  # fmt: skip
        options = f"-k {root} -c listen_addresses='' -c max_connections=40"
        if not durable:
            options += " -F"
        _run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                       "-o", options, "start"], owner),
            log,
        )  # fmt: skip
        try:
            yield f"host={root} user={USER} dbname=postgres"
        finally:
            subprocess.run(
                _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                           "stop"], owner),
                capture_output=True,
            )  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


def server_version(conninfo: str) -> str:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
