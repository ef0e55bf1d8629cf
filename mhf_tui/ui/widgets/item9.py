"""PHQ-9 item 9 above 0 (last 12 months) in the record's header and on the Summary tab, and
the dashboard section listing those with no follow-up recorded yet.

Self-contained hooks: the patient screen calls `show_item9` after showing a record; the
banners are mounted next to the alerts banner and above the summary text on first use, so
the screen's layout code does not change.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from textual.widgets import Static

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.item9 import Item9Flag
    from mhf_tui.ui.screens.dashboard import DashSection

#: (where it goes, its id, before or after the anchor)
_PLACES = (
    ("#patient-alerts", "patient-item9", "after"),
    ("#summary-text", "summary-item9", "before"),
)


class Item9Banner(Static):
    DEFAULT_CSS = """
    Item9Banner { height: auto; color: $error; text-style: bold; padding: 0 1; }
    Item9Banner.-none { display: none; }
    """


def banner_text(flag: Item9Flag) -> str:
    follow = (
        f"; followed up {flag.followed_up_on:%d %b %Y}"
        if flag.followed_up_on
        else "; no follow-up recorded yet"
    )
    return f"⚠ {flag.text}{follow}"


def place_item9(screen: Any, flag: Item9Flag | None) -> None:
    for anchor_id, banner_id, where in _PLACES:
        found = screen.query(f"#{banner_id}")
        if found:
            banner = found.first(Item9Banner)
        else:
            anchor = screen.query_one(anchor_id)
            banner = Item9Banner("", id=banner_id)
            anchor.parent.mount(banner, **{where: anchor})
        banner.update(banner_text(flag) if flag else "")
        banner.set_class(flag is None, "-none")


def show_item9(screen: Any, patient_id: uuid.UUID) -> None:
    """Look up the patient's item 9 flag off the UI thread, then show or hide the banners."""
    from mhf_tui.services.item9 import item9_flag

    today = screen.app.today()
    screen.db_call(
        "check PHQ-9 item 9",
        lambda s: item9_flag(s, patient_id=patient_id, today=today),
        lambda flag: place_item9(screen, flag),
        exclusive=False,
    )


def item9_section(session: Session, today: date) -> DashSection | None:
    """Dashboard: PHQ-9 item 9 above 0 in the last 12 months, no follow-up recorded yet
    (left off the dashboard while there is none)."""
    from mhf_tui.services.item9 import item9_awaiting_follow_up
    from mhf_tui.ui.screens.dashboard import DashLine, DashSection

    lines = [
        DashLine(f"{f.patient_name:<24.24} {f.text}", f.patient_id, tab="outcomes", urgent=True)
        for f in item9_awaiting_follow_up(session, today=today)
    ]
    if not lines:
        return None
    return DashSection("PHQ-9 item 9 above 0: follow-up not yet recorded", lines)
