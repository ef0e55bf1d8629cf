"""The Reviews and Outcomes tabs and the review form, driven from the keyboard with Pilot."""

from __future__ import annotations

from datetime import UTC, date, datetime

from textual.widgets import DataTable, Input, Sparkline, Static

from tests.functional.conftest import TODAY, type_text, unlock, wait_for

PHC = "smi_physical_health_check"
#: one value per line of the physical health check, in order ("" skips blood glucose)
CHECK_VALUES = ["27.4", "128", "82", "6", "2", "41", "", "5.2", "y", "n", "Stop smoking"]


def reviews_of(app, patient_id):
    from mhf_tui.services.reviews import patient_reviews

    with app.caseload.session() as s:
        return patient_reviews(s, patient_id=patient_id)


def answers_of(app, review_id):
    from mhf_tui.services.reviews import current_answers

    with app.caseload.session() as s:
        return current_answers(s, review_id=review_id)


async def open_tab(pilot, patient_id, tab):
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.widgets.outcomes_tab import OutcomesTab
    from mhf_tui.ui.widgets.reviews_tab import ReviewsTab

    navigation.open_patient(pilot.app, patient_id, tab=tab)
    widget_type = ReviewsTab if tab == "reviews" else OutcomesTab
    await wait_for(pilot, lambda: bool(pilot.app.screen.query(widget_type)))
    widget = pilot.app.screen.query_one(widget_type)
    await wait_for(pilot, lambda: widget.data is not None)
    widget.query_one(DataTable).focus()
    await pilot.pause()
    return widget


async def unlocked_form(pilot, patient_id):
    """Unlock, open the patient's Reviews tab and start the physical health check."""
    await unlock(pilot)
    await open_tab(pilot, patient_id, "reviews")
    return await open_form(pilot)


async def open_form(pilot, key="p"):
    from mhf_tui.ui.screens.review_form import ReviewFormScreen

    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReviewFormScreen))
    form = pilot.app.screen
    await wait_for(pilot, lambda: form.loaded)
    await pilot.pause()
    return form


async def test_physical_health_check_completed_from_the_keyboard(seeded, make_app):
    from mhf_tui.ui.screens.patient import PatientScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        tab = await open_tab(pilot, seeded.alice, "reviews")
        form = await open_form(pilot)
        assert app.focused is form.inputs["bmi"]
        keys = 0
        for value in CHECK_VALUES:
            await type_text(pilot, value)
            await pilot.press("enter")
            keys += len(value) + 1
        assert "Ex-smoker" in str(form.hints["smoking_status"].render())
        await pilot.press("ctrl+d")
        keys += 1
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        # About 45 keystrokes for the whole check (well under a minute of typing).
        assert keys < 50
        (review,) = reviews_of(app, seeded.alice)
        assert review.status == "completed"
        assert review.performed_on == TODAY and review.next_due_on == date(2027, 3, 2)
        answers = answers_of(app, review.id)
        assert answers["smoking_status"].code == "8517006"
        assert answers["bmi"].number == 27.4 and answers["bmi"].unit == "kg/m2"
        assert "blood_glucose" not in answers
        assert answers["referral_details"].value == "Stop smoking"
        await wait_for(pilot, lambda: tab.query_one(DataTable).row_count == 1)


async def test_bad_values_and_missing_required_items_are_shown_not_saved(seeded, make_app):
    from mhf_tui.ui.screens.review_form import ReviewFormScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await unlocked_form(pilot, seeded.bob)
        await type_text(pilot, "95")
        await pilot.press("enter")
        assert app.focused is form.inputs["bmi"]  # stays on the bad value
        assert "95 is outside 10-90 kg/m2" in str(form.hints["bmi"].render())
        await pilot.press("backspace", "backspace")
        await type_text(pilot, "31")
        await pilot.press("enter")
        assert app.focused is form.inputs["bp_systolic"]
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ReviewFormScreen)
        assert app.focused is form.inputs["bp_systolic"]
        assert "required" in str(form.hints["bp_systolic"].render())
        await wait_for(pilot, lambda: not form.saving)
        assert reviews_of(app, seeded.bob) == []


async def test_save_partially_then_carry_on(seeded, make_app):
    from mhf_tui.ui.screens.patient import PatientScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        tab = await open_tab(pilot, seeded.bob, "reviews")
        await open_form(pilot)
        for value in ["29.9", "140"]:
            await type_text(pilot, value)
            await pilot.press("enter")
        await pilot.press("escape")  # saves what is there and closes
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        await wait_for(pilot, lambda: len(reviews_of(app, seeded.bob)) == 1)
        (review,) = reviews_of(app, seeded.bob)
        assert review.status == "in_progress"
        assert {k: a.value for k, a in answers_of(app, review.id).items()} == {
            "bmi": "29.9",
            "bp_systolic": "140",
        }
        await wait_for(pilot, lambda: tab.query_one(DataTable).row_count == 1)
        tab.query_one(DataTable).focus()
        form = await open_form(pilot)  # p again carries on the same review
        assert form.review_id == review.id
        assert form.inputs["bp_systolic"].value == "140"
        assert app.focused is form.inputs["bp_diastolic"]  # first required item unanswered


async def test_amend_a_completed_review_asks_why_and_keeps_the_original(seeded, make_app):
    from mhf_tui.services.reviews import answer_history
    from mhf_tui.ui.widgets.dialogs import TextPrompt

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        tab = await open_tab(pilot, seeded.alice, "reviews")
        await open_form(pilot)
        for value in CHECK_VALUES:
            await type_text(pilot, value)
            await pilot.press("enter")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: tab.query_one(DataTable).row_count == 1)
        tab.query_one(DataTable).focus()
        form = await open_form(pilot, key="enter")  # open the highlighted review
        assert form.form.status == "completed"
        form.inputs["bmi"].focus()
        form.inputs["bmi"].value = ""
        await type_text(pilot, "28.1")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await type_text(pilot, "misread the scale")
        await pilot.press("enter")
        review = reviews_of(app, seeded.alice)[0]
        await wait_for(pilot, lambda: answers_of(app, review.id)["bmi"].value == "28.1")
        with app.caseload.session() as s:
            history = answer_history(s, review_id=review.id, item_id="bmi")
        assert [(h.value, h.amend_reason) for h in history] == [
            ("27.4", ""),
            ("28.1", "misread the scale"),
        ]


async def test_review_draft_survives_auto_lock(seeded, make_app):
    from mhf_tui.services.drafts import list_drafts
    from mhf_tui.ui.screens.review_form import ReviewFormScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await open_tab(pilot, seeded.bob, "reviews")
        await open_form(pilot)
        await type_text(pilot, "33.3")  # typed, not saved
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.screen.id == "lock")
        await wait_for(pilot, lambda: app.lock_settled.is_set())
        await type_text(pilot, "correct horse battery staple")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewFormScreen))
        form = app.screen
        await wait_for(pilot, lambda: form.loaded)
        assert form.inputs["bmi"].value == "33.3"
        assert reviews_of(app, seeded.bob) == []  # nothing written but the encrypted draft
        with app.caseload.session() as s:
            assert [d.kind for d in list_drafts(s)] == ["review"]
        # Clearing the value and leaving discards the draft; nothing else is written.
        form.inputs["bmi"].value = ""
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReviewFormScreen))

        def no_drafts() -> bool:
            with app.caseload.session() as s:
                return list_drafts(s) == []

        await wait_for(pilot, no_drafts)
        assert reviews_of(app, seeded.bob) == []


async def test_outcomes_tab_phq9_trend_and_item9_prompt(seeded, make_app):
    from mhf_tui.ui.widgets.outcomes_tab import OutcomeEntry, RiskPrompt

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        tab = await open_tab(pilot, seeded.bob, "outcomes")
        for items in ["3,3,2,2,2,2,2,1,0", "222211100"]:
            await pilot.press("q")
            await wait_for(pilot, lambda: isinstance(app.screen, OutcomeEntry))
            await type_text(pilot, items)
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, OutcomeEntry))
        await wait_for(pilot, lambda: tab.query_one(DataTable).row_count == 2)
        tab.query_one(DataTable).focus()
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, OutcomeEntry))
        await type_text(pilot, "1,2")
        await pilot.press("enter")
        entry = app.screen
        assert isinstance(entry, OutcomeEntry)  # refused: wrong count
        assert "PHQ-9 needs 9 items, got 2" in str(entry.query_one("#outcome-preview").render())
        entry.query_one(Input).value = ""
        await type_text(pilot, "1,1,1,1,0,0,0,0,2")
        assert "PHQ-9 total 6: mild" in str(entry.query_one("#outcome-preview").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RiskPrompt))
        assert "item 9" in str(app.screen.query_one("#risk-text", Static).render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: tab.query_one(DataTable).row_count == 3)
        expected = "PHQ-9: first 17 -> last 6 (-11, better) over 3 scores"
        await wait_for(
            pilot, lambda: [str(s.render()) for s in tab.query(".trend-label")] == [expected]
        )
        assert len(tab.query(Sparkline)) == 1
        banner = tab.query_one("#outcomes-risk", Static)
        assert "item 9 scored 2" in str(banner.render()) and not banner.has_class("-none")
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, OutcomeEntry))
        await type_text(pilot, "3333333")
        await pilot.press("enter")
        await wait_for(pilot, lambda: tab.query_one(DataTable).row_count == 4)
        with app.caseload.session() as s:
            from mhf_tui.services.outcomes import list_outcomes

            rows = list_outcomes(s, patient_id=seeded.bob)
        assert [(r.measure, r.total, r.band) for r in rows][-1] == ("gad7", 21, "severe")
        assert rows[2].items == [1, 1, 1, 1, 0, 0, 0, 0, 2] and rows[2].risk_prompt


async def test_number_key_focuses_the_reviews_tab_so_p_starts_a_check(seeded, make_app):
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.screens.review_form import ReviewFormScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        navigation.open_patient(app, seeded.bob)
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        await pilot.pause()
        await pilot.press("6")
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewFormScreen))
        assert app.screen.template_id == PHC


async def test_dashboard_lists_reviews_due_and_opens_the_reviews_tab(seeded, make_app):
    from textual.widgets import OptionList

    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.widgets.reviews_tab import ReviewsTab

    app = make_app(seeded.home)
    async with app.run_test(size=(100, 40)) as pilot:
        await unlock(pilot)
        dashboard = app.screen
        await wait_for(pilot, lambda: any(k.startswith("Reviews") for k in dashboard.lines))
        keys = [k for k in dashboard.lines if k.startswith("Reviews")]
        texts = [dashboard.lines[k].text for k in keys]
        assert any("overdue" in t for t in texts)
        assert any("never done" in t for t in texts)
        options = dashboard.query_one(OptionList)
        options.highlighted = options.get_option_index(keys[0])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        assert app.screen.patient_id == dashboard.lines[keys[0]].patient_id
        tab = app.screen.query_one(ReviewsTab)
        await wait_for(pilot, lambda: tab.data is not None)
        assert any(d.status in ("overdue", "never") for d in tab.data.due)


async def test_malformed_user_template_is_reported_on_the_dashboard(seeded, make_app):
    seeded.home.templates.mkdir(exist_ok=True)
    (seeded.home.templates / "local.toml").write_text('id = "local"\ntitle = "Local"\n')
    app = make_app(seeded.home)
    async with app.run_test(size=(100, 40)) as pilot:
        await unlock(pilot)
        dashboard = app.screen
        await wait_for(pilot, lambda: any(k.startswith("Reviews") for k in dashboard.lines))
        (line,) = [v for k, v in dashboard.lines.items() if k.startswith("Reviews")]
        assert "local.toml" in line.text and "missing 'version'" in line.text
        assert line.patient_id is None


async def test_goal_based_outcome_scored_from_the_outcomes_tab(seeded, make_app):
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.care_plans import CarePlanCreate, GoalCreate, save_care_plan
    from mhf_tui.services.outcomes import list_outcomes
    from mhf_tui.ui.widgets.outcomes_tab import GoalScoreEntry

    caseload = Caseload.open(seeded.home, "correct horse battery staple")
    with caseload.session() as s:
        save_care_plan(
            s,
            actor="t",
            patient_id=seeded.bob,
            data=CarePlanCreate(goals=[GoalCreate(goal="Walk to the shops", id="walk")]),
        )
    caseload.close()
    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        tab = await open_tab(pilot, seeded.bob, "outcomes")
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, GoalScoreEntry))
        await pilot.press("enter")  # the first (only) goal
        await type_text(pilot, "11")
        await pilot.press("enter")
        assert isinstance(app.screen, GoalScoreEntry)  # 11 refused
        app.screen.query_one(Input).value = ""
        await type_text(pilot, "4")
        await pilot.press("enter")
        await wait_for(pilot, lambda: tab.query_one(DataTable).row_count == 1)
        with app.caseload.session() as s:
            (row,) = list_outcomes(s, patient_id=seeded.bob)
        assert (row.measure, row.goal_id, row.total, row.goal_text) == (
            "gbo",
            "walk",
            4,
            "Walk to the shops",
        )


async def test_item9_in_header_summary_and_dashboard_until_followed_up(seeded, make_app):
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.contacts import ContactCreate, add_contact
    from mhf_tui.services.item9 import item9_awaiting_follow_up
    from mhf_tui.services.outcomes import add_outcome
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.patient import PatientScreen
    from tests.functional.conftest import PASSPHRASE

    caseload = Caseload.open(seeded.home, PASSPHRASE)
    with caseload.session() as s:
        add_outcome(s, patient_id=seeded.bob, measure="phq9", items=[1, 1, 1, 1, 0, 0, 0, 0, 2],
                    actor="Test Facilitator", taken_on=date(2026, 2, 20))  # fmt: skip
    caseload.close()
    app = make_app(seeded.home)
    async with app.run_test(size=(100, 40)) as pilot:
        await unlock(pilot)
        dashboard = app.screen
        await wait_for(pilot, lambda: any(k.startswith("PHQ-9 item 9") for k in dashboard.lines))
        waiting = [line for key, line in dashboard.lines.items() if key.startswith("PHQ-9 item 9")]
        bob = [line for line in waiting if line.patient_id == seeded.bob]
        assert bob and "PHQ-9 item 9 scored 2 on 20 Feb 2026" in bob[0].text

        navigation.open_patient(app, seeded.bob, tab="summary")
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        screen = app.screen
        await wait_for(pilot, lambda: bool(screen.query("#summary-item9")))
        header = screen.query_one("#patient-item9", Static)
        summary = screen.query_one("#summary-item9", Static)
        for banner in (header, summary):
            await wait_for(pilot, lambda b=banner: "scored 2" in str(b.render()))
            assert "PHQ-9 item 9 scored 2 on 20 Feb 2026" in str(banner.render())
            assert "no follow-up recorded yet" in str(banner.render())
            assert banner.display and not banner.has_class("-none")

        call = ContactCreate(mode="phone", occurred_at=datetime(2026, 2, 27, 10, tzinfo=UTC))
        with app.caseload.session() as s:  # a phone call the week after is the follow-up
            add_contact(s, actor="Test Facilitator", patient_id=seeded.bob, data=call)
            waiting = item9_awaiting_follow_up(s, today=TODAY)
        assert seeded.bob not in {f.patient_id for f in waiting}
        screen.data_changed(seeded.bob)
        await wait_for(pilot, lambda: "followed up 27 Feb 2026" in str(header.render()))
        assert "scored 2" in str(summary.render())  # still shown: within 12 months


async def test_no_item9_banner_without_a_score_above_0(seeded, make_app):
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.patient import PatientScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(100, 40)) as pilot:
        await unlock(pilot)
        navigation.open_patient(app, seeded.alice, tab="summary")
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        screen = app.screen
        await wait_for(pilot, lambda: bool(screen.query("#patient-item9")))
        assert not screen.query_one("#patient-item9", Static).display
        assert not screen.query_one("#summary-item9", Static).display


async def test_bmi_filled_from_weight_and_height_and_prompts_by_age_and_sex(seeded, make_app):
    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await unlocked_form(pilot, seeded.bob)
        # Bob is a man in his fifties: bowel screening, no cervical or breast screening
        assert "bowel_screening" in form.inputs
        assert "cervical_screening" not in form.inputs and "breast_screening" not in form.inputs
        form.inputs["weight"].focus()
        await pilot.pause()
        for value in ["80", "171"]:
            await type_text(pilot, value)
            await pilot.press("enter")
        assert form.inputs["bmi"].value == "27.4"
        assert "27.4" in str(form.hints["bmi"].render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(reviews_of(app, seeded.bob)) == 1)
        (review,) = reviews_of(app, seeded.bob)
        answers = answers_of(app, review.id)
        assert answers["bmi"].value == "27.4" and answers["height"].value == "171"


def test_reviews_tab_names_the_contract_year_of_its_checks():
    from mhf_tui.services.qof_report import CheckStatus
    from mhf_tui.ui.widgets.reviews_tab import checks_text

    lipids = CheckStatus("cholesterol", "Cholesterol", "MH011", 24, date(2025, 4, 1), True)
    assert str(checks_text([lipids], date(2026, 3, 31))).startswith("QOF 2025/26 ✓ Lipids")
    assert str(checks_text([lipids], date(2026, 4, 1))).startswith("QOF 2026/27")
