"""What every command needs: the data dir, passphrases, an open caseload, JSON output."""

from __future__ import annotations

import argparse
import functools
import getpass
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from mhf_tui.errors import MhfError
from mhf_tui.paths import DataDir

P = ParamSpec("P")
R = TypeVar("R")

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.db.store import Caseload


def data_dir(args: argparse.Namespace) -> DataDir:
    return DataDir.resolve(getattr(args, "home", None))


class SecretReader:
    """Passphrases come from stdin lines (`--passphrase-stdin`) or a no-echo prompt."""

    def __init__(self, from_stdin: bool) -> None:
        self.from_stdin = from_stdin

    def read(self, prompt: str) -> str:
        if self.from_stdin:
            line = sys.stdin.readline()
            if not line:
                raise MhfError("expected a passphrase on stdin, got end of input")
            return line.rstrip("\r\n")
        if not sys.stdin.isatty():
            raise MhfError("no terminal to ask for a passphrase: use --passphrase-stdin")
        return getpass.getpass(prompt)

    def new_passphrase(self, prompt: str = "New passphrase: ") -> str:
        from mhf_tui.vault.keys import passphrase_strength

        first = self.read(prompt)
        score, hint = passphrase_strength(first)
        if score == 0:
            raise MhfError(f"passphrase {hint}")
        second = self.read("Repeat it: ")
        if first != second:
            raise MhfError("the two passphrases do not match")
        if not self.from_stdin:
            print(f"Passphrase strength: {hint}", file=sys.stderr)
        return first


def secrets_from(args: argparse.Namespace) -> SecretReader:
    return SecretReader(bool(getattr(args, "passphrase_stdin", False)))


@contextmanager
def locked_vault(args: argparse.Namespace, *, check_kdf: bool = False) -> Iterator[DataDir]:
    """The data dir of an existing caseload, locked against a second process. The vault is
    read first: a clear "run mhf init" (or a refused key derivation) before anything is
    asked."""
    from mhf_tui.vault.lock import InstanceLock
    from mhf_tui.vault.vault import load_vault

    data = data_dir(args)
    vault = load_vault(data)
    if check_kdf:
        vault.check_kdf()
    with InstanceLock(data.lock):
        yield data


@contextmanager
def open_caseload(args: argparse.Namespace) -> Iterator[Caseload]:
    """Lock the data dir, ask for the passphrase and yield an open `Caseload`."""
    from mhf_tui.db.store import Caseload

    with locked_vault(args) as data:
        passphrase = secrets_from(args).read("Passphrase: ")
        caseload = Caseload.open(data, passphrase, sleep=_sleep_with_notice)
        try:
            yield caseload
        finally:
            caseload.close()


def with_caseload(
    handler: Callable[Concatenate[argparse.Namespace, Caseload, P], R],
) -> Callable[Concatenate[argparse.Namespace, P], R]:
    """The handler gets the caseload opened and unlocked (after its arguments are
    checked: it is called with `args` first); it is closed, and the data dir unlocked,
    when the handler returns or fails."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace, *more: P.args, **kw: P.kwargs) -> R:
        with open_caseload(args) as caseload:
            return handler(args, caseload, *more, **kw)

    return run


def _sleep_with_notice(seconds: float) -> None:
    import time

    print(f"waiting {seconds:.0f} s after repeated wrong passphrases", file=sys.stderr)
    time.sleep(seconds)


#: each shared command group's sub-command action, by the group's parser
_GROUPS: dict[int, Any] = {}


def command_group(
    sub: Any, name: str, help_text: str, common: argparse.ArgumentParser | None = None
) -> Any:
    """The sub-command group `mhf NAME ...`, which several modules may add to (caseload
    adds `patient add/show`, IG adds `patient summary`): whichever registers first creates
    it; plain `mhf NAME` prints the group's help."""
    parser = sub.choices.get(name)
    if parser is None:
        parser = sub.add_parser(name, parents=[common] if common else [], help=help_text)
        parser.set_defaults(func=lambda _args: parser.print_help() or 2)
        _GROUPS[id(parser)] = parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")
    return _GROUPS[id(parser)]


def print_json(value: Any) -> None:
    from mhf_tui.cli.safe_output import json_text

    sys.stdout.write(json_text(value) + "\n")


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def patient_id(session: Session, nhs: str) -> uuid.UUID:
    """The id of the patient with this NHS number (a clear error if there is none)."""
    from mhf_tui.services.patients import find_patient_by_nhs

    return find_patient_by_nhs(session, nhs_number=nhs).id


def audit_view(
    session: Session, actor: str, entity: str, *, patient: uuid.UUID | None = None, rows: int
) -> None:
    """Listing records shows them, so it is in the audit trail too (a count, no data)."""
    from mhf_tui.services.audit import record_event

    record_event(
        session,
        actor=actor,
        action="view" if patient else "list",
        entity=entity,
        patient_id=patient,
        detail=f"rows={rows}",
    )


def in_session(caseload: Caseload, call: Callable[..., R], /, **kwargs: Any) -> R:
    """`call(session, **kwargs)` in a unit of work of its own: durable when this returns."""
    with caseload.session() as session:
        return call(session, **kwargs)


def as_facilitator(caseload: Caseload, service: Callable[..., R], /, **fields: Any) -> R:
    """A service call that records the facilitator as its actor, in its own unit of work."""
    return in_session(caseload, service, actor=caseload.actor, **fields)


def on_patient(
    args: argparse.Namespace, caseload: Caseload, service: Callable[..., R], /, **fields: Any
) -> R:
    """One service call on the `--nhs` patient, by the facilitator, in its own unit of work
    (durable when this returns)."""
    with caseload.session() as session:
        return service(
            session, actor=caseload.actor, patient_id=patient_id(session, args.nhs), **fields
        )


def patient_records(
    args: argparse.Namespace,
    caseload: Caseload,
    entity: str,
    fetch: Callable[..., list[R]],
) -> list[R]:
    """The `--nhs` patient's records of one kind, their viewing audited."""
    with caseload.session() as session:
        patient = patient_id(session, args.nhs)
        records = fetch(session, patient_id=patient)
        audit_view(session, caseload.actor, entity, patient=patient, rows=len(records))
    return records


def read_text_file(path: str) -> str:
    """A CSV file's text, whatever its encoding (UTF-8 with or without BOM, cp1252)."""
    from mhf_tui.services.csv_input import decode_csv_bytes

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise MhfError(f"cannot read {path}: {exc.strerror}") from None
    return decode_csv_bytes(raw)


def local(when: datetime) -> str:
    """A stored (UTC) time as the user's local `YYYY-MM-DD HH:MM`."""
    return when.astimezone().strftime("%Y-%m-%d %H:%M")
