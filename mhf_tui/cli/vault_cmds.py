"""`mhf init | passwd | recover | rekey | backup | restore | check`."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from mhf_tui.cli.common import data_dir, open_caseload, secrets_from

LOST_DATA_WARNING = (
    "Write the recovery key down and keep it apart from this laptop. It is shown only now.\n"
    "If you forget your passphrase AND lose this recovery key, the caseload cannot be\n"
    "opened by anyone, including you: the data is gone."
)


def cmd_init(args: argparse.Namespace) -> int:
    from mhf_tui.services.setup import initialise_caseload
    from mhf_tui.vault.lock import InstanceLock

    data = data_dir(args)
    data.ensure()
    with InstanceLock(data.lock):
        passphrase = secrets_from(args).new_passphrase()
        name = args.name or getpass.getuser()
        _caseload, recovery = initialise_caseload(data, passphrase, facilitator=name)
        _caseload.close()
    print(f"Created an encrypted caseload in {data.root}")
    print(f"Recovery key: {recovery}")
    print(LOST_DATA_WARNING)
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from mhf_tui.vault.lock import InstanceLock
    from mhf_tui.vault.vault import change_passphrase, load_vault

    data = data_dir(args)
    load_vault(data).check_kdf()  # before asking for anything
    secrets = secrets_from(args)
    with InstanceLock(data.lock):
        old = secrets.read("Current passphrase: ")
        new = secrets.new_passphrase()
        change_passphrase(data, old, new)
    print("Passphrase changed. The recovery key is unchanged.")
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from mhf_tui.vault.lock import InstanceLock
    from mhf_tui.vault.vault import load_vault, recover

    data = data_dir(args)
    load_vault(data)
    secrets = secrets_from(args)
    recovery_key = secrets.read("Recovery key: ")
    with InstanceLock(data.lock):
        new = secrets.new_passphrase()
        recover(data, recovery_key, new)
    print("New passphrase set. The old passphrase no longer opens the caseload.")
    return 0


def cmd_rekey(args: argparse.Namespace) -> int:
    from mhf_tui.vault.lock import InstanceLock
    from mhf_tui.vault.vault import load_vault, rekey

    data = data_dir(args)
    load_vault(data).check_kdf()
    with InstanceLock(data.lock):
        passphrase = secrets_from(args).read("Passphrase: ")
        recovery = rekey(data, passphrase)
    print("Data key rotated (a backup was taken first). Your passphrase is unchanged.")
    print(f"New recovery key: {recovery}")
    print("The old recovery key no longer works. " + LOST_DATA_WARNING)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    with open_caseload(args) as caseload:
        path = caseload.backup(Path(args.out) if args.out else None)
    print(path)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from mhf_tui.vault.lock import InstanceLock
    from mhf_tui.vault.vault import restore

    data = data_dir(args)
    with InstanceLock(data.lock):
        passphrase = secrets_from(args).read("Passphrase of the backup: ")
        restore(data, Path(args.file), passphrase)
    print(f"Restored {args.file} into {data.root}; the replaced files were kept in backups/.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from mhf_tui.services.audit import verify_chain
    from mhf_tui.vault.files import kdf_summary
    from mhf_tui.vault.vault import load_vault

    with open_caseload(args) as caseload:
        vault = load_vault(caseload.data)
        problems = caseload.integrity_problems()
        with caseload.session() as session:
            chain = verify_chain(session)
    if not chain.ok:
        problems.append(f"audit chain: {chain.problem}")
    if problems:
        for problem in problems:
            print(f"PROBLEM {problem}")
        return 1
    print(
        f"OK: cipher and database integrity checks passed; audit chain of {chain.events} "
        "events intact"
    )
    print(f"key derivation: {kdf_summary(vault.kdf)}")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[common, secret], help="create a new encrypted caseload")
    p.add_argument("--name", help="your name as shown on notes (default: your login name)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("passwd", parents=[common, secret], help="change the passphrase")
    p.set_defaults(func=cmd_passwd)

    p = sub.add_parser(
        "recover",
        parents=[common, secret],
        help="set a new passphrase with the recovery key (asked without echo, or the first "
        "stdin line with --passphrase-stdin; never an argument, which shell history keeps)",
    )
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("rekey", parents=[common, secret], help="rotate the database key")
    p.set_defaults(func=cmd_rekey)

    p = sub.add_parser("backup", parents=[common, secret], help="write an encrypted backup")
    p.add_argument("--out", help="file or directory (default: backups/ in the data dir)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", parents=[common, secret], help="restore an encrypted backup")
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "check", parents=[common, secret], help="verify encryption, database and audit chain"
    )
    p.set_defaults(func=cmd_check)
