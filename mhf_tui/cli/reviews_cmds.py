"""`mhf` commands for reviews and outcome measures."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    """Add this area's sub-commands (none yet)."""
