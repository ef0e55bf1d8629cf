"""`mhf` commands for sync export/ack/whoami and the practice-side commands."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    """Add this area's sub-commands (none yet)."""
