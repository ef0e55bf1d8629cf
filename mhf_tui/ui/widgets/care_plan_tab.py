"""The patient's Care plan tab: the current plan, crisis plan first-class.

`e` edits the plan, `c` edits it starting at the crisis plan; both save a new version (the
form is `CarePlanForm`). Goal-based outcome scores are added on the Outcomes tab (`o`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from mhf_tui.ui.widgets.care_plan_form import (
    DRAFT_KIND,
    STATUS_LABELS,
    CarePlanEdit,
    CarePlanForm,
    CrisisService,
)
from mhf_tui.ui.widgets.record_tab import LoadingTab
from mhf_tui.ui.widgets.safe import clean
from mhf_tui.ui.widgets.tables import day

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.care_plans import CarePlanPublic
    from mhf_tui.services.drafts import DraftRead

    #: what the care plan form opens with: the plan, the crisis services, a kept draft
    Editing = tuple[CarePlanPublic | None, list[CrisisService], DraftRead | None]


def _crisis_text(plan: CarePlanPublic, text: Text) -> None:
    text.append("\nCrisis plan\n", style="bold")
    if not plan.has_crisis_plan:
        text.append("  none yet: press c to write one\n", style="italic")
    for title, body in (
        ("Early warning signs", plan.early_warning_signs),
        ("What helps", plan.what_helps),
    ):
        if body:
            text.append(f"  {title}: ", style="bold")
            text.append(clean(body) + "\n")
    for c in plan.crisis_contacts:
        text.append("  Call ")
        text.append(clean(c.name))
        text.append(f" ({clean(c.relationship)})" if c.relationship else "")
        text.append(f"  {clean(c.phone)}\n", style="bold")
    for s in plan.crisis_services:
        text.append("  Service ")
        text.append(clean(s.name))
        text.append(f"  {clean(s.phone)}\n", style="bold")
    if plan.crisis_plan:
        text.append("  Also: ", style="bold")
        text.append(clean(plan.crisis_plan) + "\n")


def care_plan_text(plan: CarePlanPublic | None) -> Text:
    if plan is None:
        return Text("No care plan yet. Press e to write one, c to start with the crisis plan.",
                    style="italic")  # fmt: skip
    text = Text()
    text.append(f"Version {plan.version} · by ", style="italic")
    text.append(clean(plan.author), style="italic")
    if plan.review_on:
        text.append(f" · review {day(plan.review_on)}", style="bold")
    _crisis_text(plan, text)
    text.append("\nGoals\n", style="bold")
    for g in plan.goals:
        score = "-" if g.latest_score is None else f"{g.latest_score}/10"
        text.append(f"  [{score:>5}] ")
        text.append(clean(g.goal))
        about = [STATUS_LABELS.get(g.status, g.status)]
        if g.target_on:
            about.append(f"target {day(g.target_on)}")
        text.append(f"  {' · '.join(about)}\n", style="italic")
    if plan.needs:
        text.append("\nNeeds\n", style="bold")
        for need in plan.needs:
            text.append("  - " + clean(need) + "\n")
    text.append("\nActions\n", style="bold")
    for a in plan.actions:
        text.append(f"  ({'x' if a.done else ' '}) ")
        text.append(clean(a.action))
        extra = " · ".join(x for x in (clean(a.owner), day(a.due)) if x)
        text.append(f"  {extra}\n" if extra else "\n", style="italic")
    if plan.contingency_plan:
        text.append("\nContingency plan\n", style="bold")
        text.append(clean(plan.contingency_plan) + "\n")
    return text


class CarePlanTab(LoadingTab["CarePlanPublic | None"]):
    DEFAULT_CSS = "CarePlanTab #careplan-scroll { height: 1fr; padding: 0 1; }"
    BINDINGS = [
        Binding("e", "edit", "Edit plan", id="careplan_edit", tooltip="edit the care plan"),
        Binding("c", "edit('crisis')", "Crisis plan", id="careplan_crisis",
                tooltip="edit the crisis plan"),
    ]  # fmt: skip
    #: (palette title, action): offered from any tab of the record
    PALETTE: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Care plan: edit", "edit"),
        ("Care plan: edit the crisis plan", "edit('crisis')"),
    )
    PANE = "careplan"
    LOADING = "load the care plan"

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="careplan-scroll"):
            yield Static("", id="careplan-text")
        yield Static("e edit the plan · c edit the crisis plan", classes="hint")

    def loader(self) -> Callable[[Session], CarePlanPublic | None]:
        pid = self.patient_id

        def load(session: Session) -> CarePlanPublic | None:
            from mhf_tui.services.care_plans import current_care_plan

            return current_care_plan(session, patient_id=pid)

        return load

    @property
    def plan(self) -> CarePlanPublic | None:
        """The current plan: None if there is none (or it is not loaded yet)."""
        return self.data

    def show(self, plan: CarePlanPublic | None) -> None:
        self.query_one("#careplan-text", Static).update(care_plan_text(plan))

    def action_edit(self, focus: str = "") -> None:
        caseload = self.app.caseload
        if caseload is None:
            return
        actor, pid = caseload.actor, self.patient_id

        def load(session: Session) -> Editing:
            from mhf_tui.services.care_plans import current_care_plan
            from mhf_tui.services.directory import list_services
            from mhf_tui.services.drafts import find_draft
            from mhf_tui.services.retention import ensure_patient_editable

            ensure_patient_editable(session, patient_id=pid)
            plan = current_care_plan(session, patient_id=pid)
            chosen = {s.id for s in plan.crisis_services} if plan else set()
            services = [
                CrisisService(str(s.id), s.name, s.phone)
                for s in list_services(session)
                if s.category == "crisis" or str(s.id) in chosen
            ]
            draft = find_draft(session, kind=DRAFT_KIND, patient_id=pid)
            return plan, services, draft

        def edited(result: CarePlanEdit | None) -> None:
            if result is None:
                return

            def write(session: Session) -> CarePlanPublic:
                from mhf_tui.services.care_plans import save_care_plan
                from mhf_tui.services.drafts import delete_draft

                plan = save_care_plan(session, actor=actor, patient_id=pid, data=result.plan,
                                      expected_version=result.expected_version)  # fmt: skip
                delete_draft(session, draft_id=result.draft_id)
                return plan

            def saved(plan: CarePlanPublic) -> None:
                self.changed(f"Care plan version {plan.version} saved.")

            self.db_call("save the care plan", write, saved)

        def ask(loaded: Editing) -> None:
            plan, services, draft = loaded
            form = CarePlanForm(plan, services, patient_id=pid, focus=focus, draft=draft)
            self.app.push_screen(form, edited)

        self.db_call("edit the care plan", load, ask)
