"""Two processes on one data dir: the second is refused with the holder's pid, the first
carries on writing unharmed. (tests/unit/vault covers a bare lock holder; here the holder
is a real session with the caseload open and writing.)"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from sqlmodel import select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Note
from mhf_tui.errors import InstanceLocked
from mhf_tui.vault.lock import InstanceLock
from tests.reliability.conftest import CHILD, PASS, check_ok, child_env, run_mhf


@pytest.mark.reliability
def test_second_process_is_refused_and_the_first_is_unharmed(seeded):
    home = seeded.home
    holder = subprocess.Popen(
        [sys.executable, str(CHILD), "hold", str(home), str(seeded.patient_ids[0])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        ready = holder.stdout.readline().split()
        assert ready[:1] == ["ready"], holder.stderr.read()
        written = [uuid.UUID(ready[1])]

        # Refused more than once: a refused process must not wipe the holder's pid.
        for command in (["backup"], ["check"]):
            refused = run_mhf(
                *command, "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n"
            )
            assert refused.returncode == 1, refused.stdout
            assert f"in use by process {holder.pid}" in refused.stderr
            assert "Traceback" not in refused.stderr
            assert refused.stderr.count("\n") == 1  # one line

        with pytest.raises(InstanceLocked, match=f"process {holder.pid}"):
            InstanceLock(seeded.data.lock).acquire()
        assert not list(seeded.data.backups.iterdir())  # the refused backup wrote nothing

        # the holder keeps writing after the refusals
        for _ in range(3):
            holder.stdin.write("note\n")
            holder.stdin.flush()
            written.append(uuid.UUID(holder.stdout.readline().strip()))
        holder.stdin.write("quit\n")
        holder.stdin.flush()
        assert holder.wait(30) == 0, holder.stderr.read()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()

    caseload = Caseload.open(seeded.data, PASS)
    try:
        with caseload.session() as session:
            stored = set(session.exec(select(Note.id)).all())
    finally:
        caseload.close()
    assert set(written) <= stored
    check_ok(home)
