"""The dashboard's week ahead (issue 15): a "Coming up in the next 7 days" section, and
every section listing all its lines (no cut at 25) with its count."""

from __future__ import annotations

import re
from datetime import timedelta

from textual.widgets import OptionList

from tests.functional.conftest import TODAY, unlock, wait_for


def sections(app) -> dict[str, list[str]]:
    """Section title (without its count) -> (count in the title, its lines)."""
    options = app.screen.query_one(OptionList)
    out: dict[str, list[str]] = {}
    current = None
    for index in range(options.option_count):
        option = options.get_option_at_index(index)
        text = str(option.prompt)
        if option.disabled and re.search(r"\(\d+\)$", text):
            current = text
            out[current] = []
        elif current is not None and not option.disabled:
            out[current].append(text)
    return out


async def test_coming_up_in_the_next_7_days_and_no_cut(seeded, make_app):
    from mhf_tui.services.contacts import ContactCreate, add_contact
    from mhf_tui.ui.screens.patient import PatientScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        with app.caseload.session() as s:
            for days in (3, 8):  # in the week, and beyond it
                follow = ContactCreate(mode="phone", follow_up_on=TODAY + timedelta(days=days))
                add_contact(s, actor="t", patient_id=seeded.bob, data=follow)
            for _ in range(30):  # more than the old 25-line cut, all due today
                follow = ContactCreate(mode="phone", follow_up_on=TODAY)
                add_contact(s, actor="t", patient_id=seeded.alice, data=follow)
        await pilot.press("r")
        await wait_for(pilot, lambda: any("Coming up" in t for t in sections(app)))
        await wait_for(pilot, lambda: any("O'NEIL" in line for v in sections(app).values()
                                          for line in v))  # fmt: skip
        found = sections(app)
        for title, lines in found.items():
            assert title.endswith(f"({len(lines)})"), title  # the count is what is listed
        week = next(t for t in found if t.startswith("Coming up in the next 7 days"))
        bob = [line for line in found[week] if "O'NEIL, Bob" in line]
        assert bob == ["  O'NEIL, Bob              Follow up contact          Thu 05 Mar"]
        due = next(t for t in found if t.startswith("Follow-ups due today"))
        assert sum("PARKER, Alice" in line for line in found[due]) == 30
        options = app.screen.query_one(OptionList)
        target = next(
            i for i in range(options.option_count)
            if "O'NEIL, Bob" in str(options.get_option_at_index(i).prompt)
        )  # fmt: skip
        options.highlighted = target
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        assert app.screen.patient_id == seeded.bob
        await wait_for(pilot, lambda: app.screen.active_tab == "contacts")
