"""Child processes for the reliability tests (run as `python child.py MODE ...`).

Every mode first installs an audit hook that kills the process (exit 97) the moment
anything creates a socket or resolves a name, so each child is also a no-network check.

  mhf ARGS...                 the `mhf` CLI
  add-notes HOME PATIENT_ID   add notes in a loop through the notes service, printing each
                              id only after its unit of work has committed
  hold HOME PATIENT_ID        open the caseload (holding the instance lock), then add one
                              note per "note" line on stdin, printing its id; "quit" ends
"""

from __future__ import annotations

import os
import sys
import uuid
from typing import Any

NETWORK_EVENTS = {
    "socket.__new__",
    "socket.connect",
    "socket.bind",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
}
PASS = "reliability horse battery staple"
ACTOR = "Reliability Facilitator"


def _no_network(event: str, args: tuple[Any, ...]) -> None:
    if event in NETWORK_EVENTS:
        os.write(2, f"NETWORK ATTEMPT: {event}\n".encode())
        os._exit(97)


def _open(home: str) -> Any:
    from mhf_tui.db.store import Caseload
    from mhf_tui.paths import DataDir
    from mhf_tui.vault.lock import InstanceLock

    data = DataDir.resolve(home)
    lock = InstanceLock(data.lock).acquire()
    return lock, Caseload.open(data, PASS)


def _add_note(caseload: Any, patient_id: uuid.UUID, n: int) -> str:
    from mhf_tui.services.notes import add_note

    with caseload.session() as session:
        note = add_note(
            session,
            actor=ACTOR,
            patient_id=patient_id,
            text=f"crash-safety note {n}: reviewed sleep and mood, plan agreed " * 3,
        )
    return str(note.id)  # the with block has committed (synchronous=FULL)


def add_notes(home: str, patient: str) -> None:
    _lock, caseload = _open(home)
    patient_id = uuid.UUID(patient)
    n = 0
    while True:
        note_id = _add_note(caseload, patient_id, n)
        os.write(1, f"{note_id}\n".encode())
        n += 1


def hold(home: str, patient: str) -> None:
    lock, caseload = _open(home)
    patient_id = uuid.UUID(patient)
    os.write(1, f"ready {_add_note(caseload, patient_id, 0)}\n".encode())
    n = 1
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        os.write(1, f"{_add_note(caseload, patient_id, n)}\n".encode())
        n += 1
    caseload.close()
    lock.release()


def main() -> int:
    sys.addaudithook(_no_network)
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "mhf":
        from mhf_tui.cli.main import main as mhf_main

        return mhf_main(args)
    if mode == "add-notes":
        add_notes(*args)
    elif mode == "hold":
        hold(*args)
    else:
        raise SystemExit(f"unknown mode {mode}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
