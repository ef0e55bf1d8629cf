"""`mhf demo`: a new caseload of made-up patients to try mhf on, opened in the app."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mhf_tui.cli.common import data_dir
from mhf_tui.cli.registry import Commands, arg
from mhf_tui.errors import MhfError

cli = Commands()
register = cli.register


@cli.command(
    "demo",
    help="create a synthetic demo caseload and open it",
    description="Creates a new caseload full of made-up patients (NHS test numbers "
    "999 000 0000 - 999 999 9999 only). Without --home, in a new temporary directory. "
    "Prints 'Data dir: PATH' and 'Demo passphrase: PASSPHRASE'.",
    secret=False,
)
@arg("--patients", type=int, default=300)
@arg("--seed", type=int, default=1, help="random seed (same seed, same data)")
@arg("--no-tui", action="store_true", help="do not open the interface")
def demo(args: argparse.Namespace) -> int:
    import secrets
    import tempfile

    from mhf_tui.paths import DataDir
    from mhf_tui.services.demo import build_demo_caseload
    from mhf_tui.services.setup import initialise_caseload
    from mhf_tui.vault.lock import InstanceLock

    if not 1 <= args.patients <= 100_000:
        raise MhfError("--patients must be between 1 and 100000")
    if getattr(args, "home", None):
        data = data_dir(args)
    else:
        data = DataDir(Path(tempfile.mkdtemp(prefix="mhf-demo-")))
    data.ensure()
    passphrase = "demo-" + "-".join(secrets.token_hex(2) for _ in range(4))
    started = time.perf_counter()
    with InstanceLock(data.lock):
        caseload, _recovery = initialise_caseload(data, passphrase, facilitator="Demo Facilitator")
        try:
            summary = build_demo_caseload(caseload, patients=args.patients, seed=args.seed)
        finally:
            caseload.close()
    took = time.perf_counter() - started
    print(f"Data dir: {data.root}")
    print(f"Demo passphrase: {passphrase}")
    print(
        f"Synthetic caseload: {summary.patients} patients, {summary.contacts} contacts, "
        f"{summary.notes} notes, {summary.care_plans} care plans, "
        f"{summary.signposting} signposting in {took:.1f} s. NHS numbers are test numbers "
        "(999 range); everything is made up.",
        file=sys.stderr,
    )
    sys.stdout.flush()
    if args.no_tui:
        return 0
    try:
        from mhf_tui.ui.app import run
    except ImportError:
        print(
            f"The interface is not available in this build. Open the caseload with the CLI, "
            f"e.g. `mhf patients list --home {data.root}`.",
            file=sys.stderr,
        )
        return 0
    return int(run(data, demo_passphrase=passphrase) or 0)
