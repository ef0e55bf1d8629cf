"""Finding a patient and working in their record, driven by keys."""

from __future__ import annotations

from textual.widgets import Static

from tests.functional.conftest import type_text, unlock, wait_for


async def test_filter_caseload_and_open_patient(seeded, make_app):
    from mhf_tui.ui.screens.caseload import CaseloadScreen
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.widgets.patient_table import PatientTable

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("slash")
        assert isinstance(app.screen, CaseloadScreen)
        assert app.focused.id == "filter"
        table = app.screen.query_one(PatientTable)
        everyone = table.row_count
        assert everyone > 2
        await type_text(pilot, "999 000 00")  # NHS number with spaces
        assert table.row_count == 2
        await pilot.press(*["backspace"] * 10)
        await type_text(pilot, "park")
        assert table.row_count == 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        screen = app.screen
        assert screen.patient_id == seeded.alice
        await wait_for(pilot, lambda: screen.record is not None)
        header = str(screen.query_one("#patient-header", Static).render())
        assert "PARKER, Alice" in header
        assert "999 000 0018" in header
        assert "45 y" in header  # born 1980-03-04, today 2026-03-02: birthday not yet
        assert "RISK" in str(screen.query_one("#patient-alerts", Static).render())
        await pilot.press("escape")
        assert isinstance(app.screen, CaseloadScreen)


async def test_add_and_advance_signposting(seeded, make_app):
    from mhf_tui.services.signposting import list_signposting
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.screens.signposting import ServicePicker, StatusPicker

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        navigation.open_patient(app, seeded.bob)
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        patient = app.screen
        await wait_for(pilot, lambda: patient.record is not None)
        await pilot.press("5")
        assert patient.active_tab == "signposting"
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ServicePicker))
        picker = app.screen
        await wait_for(pilot, lambda: bool(picker.services) and app.focused is not None)
        assert app.focused.id == "service-filter"
        await type_text(pilot, "samaritans")
        await pilot.press("enter")
        await type_text(pilot, "2026-03-09")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is patient)
        await wait_for(pilot, lambda: len(patient.signpost_ids) == 1)
        with app.caseload.session() as s:
            entries = list_signposting(s, patient_id=seeded.bob)
        assert [(e.service_name, e.status) for e in entries] == [("Samaritans", "suggested")]
        assert str(entries[0].follow_up_on) == "2026-03-09"

        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, StatusPicker))
        await wait_for(pilot, lambda: app.focused is not None and app.focused.id == "status-list")
        await pilot.press("enter")  # the first next status: referred
        await wait_for(pilot, lambda: app.screen is patient)
        await wait_for(pilot, lambda: patient.record.signposting[0].status == "referred")


async def test_new_patient_form_shows_the_services_message_then_adds(seeded, make_app):
    from mhf_tui.ui.screens.caseload import CaseloadScreen
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.screens.patient_form import NewPatientScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("f3")
        assert isinstance(app.screen, CaseloadScreen)
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, NewPatientScreen))
        form = app.screen
        await type_text(pilot, "Quill")
        await pilot.press("tab")
        await type_text(pilot, "Robin")
        await pilot.press("tab")
        await type_text(pilot, "1990-05-06")
        await pilot.press("tab")
        await type_text(pilot, "9990000019")  # wrong check digit
        form.query_one("#f-practice_ods").value = "Z99990"
        await pilot.press("ctrl+s")
        status = form.query_one("#form-status", Static)
        await wait_for(pilot, lambda: "NHS number" in str(status.render()))
        assert app.screen is form
        assert not app.finder.search("quill")
        form.query_one("#f-nhs_number").value = "9990000034"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        assert [r.display_name for r in app.finder.search("quill")] == ["QUILL, Robin"]


async def test_mark_a_contact_follow_up_done(seeded, make_app):
    from mhf_tui.services.contacts import ContactCreate, add_contact, list_contacts
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.patient import PatientScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        with app.caseload.session() as s:
            add_contact(
                s,
                actor="t",
                patient_id=seeded.bob,
                data=ContactCreate(mode="phone", follow_up_on="2026-03-01"),
            )
        app.call_later(navigation.open_patient, app, seeded.bob)
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        patient = app.screen
        await wait_for(pilot, lambda: patient.record is not None)
        await pilot.press("2")
        await pilot.press("d")
        await wait_for(pilot, lambda: patient.record.contacts[0].follow_up_done)
        with app.caseload.session() as s:
            assert [c.follow_up_done for c in list_contacts(s, patient_id=seeded.bob)] == [True]
