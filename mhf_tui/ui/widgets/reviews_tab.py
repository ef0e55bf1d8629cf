"""The patient's Reviews tab: QOF check status, what is due, and the review history.

`p` starts (or carries on) the SMI physical health check, `r` picks another review, `enter`
opens the highlighted review (an in-progress one to finish, a completed one to read or
amend). The dashboard's "reviews due" section is defined here too (`reviews_due_section`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from mhf_tui.ui.widgets.record_tab import LoadingTab
from mhf_tui.ui.widgets.safe import literal
from mhf_tui.ui.widgets.tables import cursor_item, refill, row_table

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.qof_report import CheckStatus
    from mhf_tui.services.templates import TemplateSet
    from mhf_tui.ui.app import MhfApp
    from mhf_tui.ui.screens.dashboard import DashSection

PHYSICAL_HEALTH_CHECK = "smi_physical_health_check"
#: the dashboard lists reviews overdue or due within this many days
DASHBOARD_DAYS = 14


@dataclass(frozen=True)
class ReviewRow:
    id: uuid.UUID
    template_id: str
    title: str
    status: str
    performed_on: date
    next_due_on: date | None


@dataclass(frozen=True)
class TemplateDue:
    template_id: str
    title: str
    status: str  # overdue, due, never, ok
    due_on: date | None
    started: bool = False


@dataclass(frozen=True)
class ReviewsData:
    smi_register: bool
    checks: list[CheckStatus]
    due: list[TemplateDue]
    reviews: list[ReviewRow]


def load_reviews(
    session: Session, *, templates: TemplateSet, patient_id: uuid.UUID, today: date
) -> ReviewsData:
    from sqlmodel import select

    from mhf_tui.db.tables import CarePlan, Patient
    from mhf_tui.services.qof_report import patient_checks
    from mhf_tui.services.recall import applies_to, recall_list
    from mhf_tui.services.reviews import next_due_on, patient_reviews

    patient = session.get(Patient, patient_id)
    if patient is None:
        return ReviewsData(False, [], [], [])
    reviews = patient_reviews(session, patient_id=patient_id)
    rows = [
        ReviewRow(
            id=r.id,
            template_id=r.template_id,
            title=templates.get(r.template_id).title
            if r.template_id in templates
            else r.template_id,
            status=r.status,
            performed_on=r.performed_on,
            next_due_on=r.next_due_on,
        )
        for r in reviews
    ]
    recalled = {
        e.template_id: e
        for e in recall_list(session, templates=templates, as_of=today, patient_id=patient_id)
    }
    has_plan = (
        session.exec(select(CarePlan.id).where(CarePlan.patient_id == patient_id)).first()
        is not None
    )
    due: list[TemplateDue] = []
    for template in templates:
        entry = recalled.get(template.id)
        if entry is not None:
            due.append(
                TemplateDue(
                    template.id,
                    template.title,
                    entry.status,
                    entry.due_on,
                    started=entry.in_progress_review_id is not None,
                )
            )
            continue
        if not applies_to(template, smi_register=patient.smi_register, has_care_plan=has_plan):
            continue
        last = next(
            (r for r in reviews if r.template_id == template.id and r.status == "completed"), None
        )
        if last is not None:
            due.append(
                TemplateDue(
                    template.id, template.title, "ok", next_due_on(last.performed_on, template)
                )
            )
    checks = (
        patient_checks(session, patient=patient, templates=templates, as_of=today)
        if patient.smi_register and PHYSICAL_HEALTH_CHECK in templates
        else []
    )
    return ReviewsData(patient.smi_register, checks, due, rows)


#: short names so the six checks fit on one or two lines at 80 columns
CHECK_SHORT = {
    "bmi": "BMI",
    "blood_pressure": "BP",
    "alcohol": "Alcohol",
    "smoking": "Smoking",
    "glucose": "Glucose",
    "cholesterol": "Lipids",
}


def checks_text(checks: list[CheckStatus], today: date) -> Text:
    text = Text()
    if not checks:
        return text
    from mhf_tui.services.contract_year import ContractYear

    text.append(f"QOF {ContractYear.containing(today)} ", style="bold")
    for n, check in enumerate(checks):
        if n:
            text.append("  ")
        name = CHECK_SHORT.get(check.id, check.label)
        if check.done:
            text.append(f"✓ {name}", style="")
        else:
            text.append(f"✗ {name}", style="bold")
        if check.last_observed_on:
            text.append(f" {check.last_observed_on:%m/%y}", style="italic")
    return text


def due_text(due: list[TemplateDue], today: date) -> Text:
    text = Text()
    if not due:
        return Text("No reviews apply to this patient.", style="italic")
    for n, d in enumerate(due):
        if n:
            text.append("\n")
        if d.status == "never":
            text.append("● never done  ", style="bold")
        elif d.status == "overdue" and d.due_on:
            days = (today - d.due_on).days
            text.append(f"● overdue {days} d ", style="bold")
        elif d.status == "due" and d.due_on:
            text.append(f"● due {d.due_on:%d %b %Y} ", style="bold")
        elif d.due_on:
            text.append(f"  next {d.due_on:%d %b %Y} ", style="italic")
        text.append_text(literal(d.title))
        if d.started:
            text.append(" (started: enter to carry on)", style="bold")
    return text


STATUS_LABELS = {"in_progress": "in progress", "completed": "completed", "abandoned": "abandoned"}


class ReviewsTab(LoadingTab[ReviewsData]):
    DEFAULT_CSS = """
    ReviewsTab { padding: 0 1; }
    ReviewsTab #reviews-checks { height: auto; }
    ReviewsTab #reviews-due { height: auto; margin-bottom: 1; }
    ReviewsTab #reviews-table { height: 1fr; }
    """
    BINDINGS = [
        Binding("p", "physical_check", "Health check", id="review_physical",
                tooltip="start or carry on the SMI physical health check"),
        Binding("r", "new_review", "New review", id="review_new",
                tooltip="start a review from a template"),
    ]  # fmt: skip
    PANE = "reviews"
    LOADING = "load the reviews"

    def compose(self) -> ComposeResult:
        yield Static("", id="reviews-checks")
        yield Static("Loading…", id="reviews-due")
        yield row_table(
            "reviews-table",
            (("Date", 11), ("Review", 34), ("Status", 11), ("Next due", 11)),
        )
        yield Static("p physical health check · r new review · enter open", classes="hint")

    def loader(self) -> Callable[[Session], ReviewsData]:
        from mhf_tui.ui.screens.review_form import ui_templates

        app, pid, today = self.app, self.patient_id, self.app.today()

        def load(session: Session) -> ReviewsData:
            return load_reviews(session, templates=ui_templates(app), patient_id=pid, today=today)

        return load

    def show(self, data: ReviewsData) -> None:
        today = self.app.today()
        self.query_one("#reviews-checks", Static).update(checks_text(data.checks, today))
        self.query_one("#reviews-due", Static).update(due_text(data.due, today))
        table = self.table
        rows = [
            (
                Text(f"{r.performed_on:%d %b %Y}"),
                literal(r.title),
                Text(STATUS_LABELS.get(r.status, r.status),
                     style="bold" if r.status == "in_progress" else
                     ("italic" if r.status == "abandoned" else "")),
                Text(f"{r.next_due_on:%d %b %Y}" if r.next_due_on else ""),
            )
            for r in data.reviews
        ]  # fmt: skip
        refill(table, rows, cursor=table.cursor_row)

    def selected(self) -> ReviewRow | None:
        if self.data is None:
            return None
        return cursor_item(self.table, self.data.reviews)

    @on(DataTable.RowSelected, "#reviews-table")
    def open_selected(self, event: DataTable.RowSelected) -> None:
        from mhf_tui.ui.screens.review_form import ReviewFormScreen

        event.stop()
        row = self.selected()
        if row is None:
            return
        if row.status == "abandoned":
            self.app.notify("This review was abandoned.", severity="warning")
            return
        self.app.push_screen(ReviewFormScreen(self.patient_id, review_id=row.id))

    def action_physical_check(self) -> None:
        self.start(PHYSICAL_HEALTH_CHECK)

    def start(self, template_id: str) -> None:
        from mhf_tui.ui.screens.review_form import ReviewFormScreen

        self.app.push_screen(ReviewFormScreen(self.patient_id, template_id=template_id))

    def action_new_review(self) -> None:
        from mhf_tui.errors import MhfError
        from mhf_tui.ui.screens.review_form import ui_templates
        from mhf_tui.ui.screens.template_picker import TemplatePicker

        try:
            templates = ui_templates(self.app)
        except MhfError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return

        def chosen(template_id: str | None) -> None:
            if template_id:
                self.start(template_id)

        self.app.push_screen(TemplatePicker([(t.id, t.title) for t in templates]), chosen)


def reviews_due_section(session: Session, today: date) -> DashSection:
    """Dashboard: reviews overdue or due within two weeks, and physical health checks never
    done, most urgent first."""
    from textual.worker import NoActiveWorker, get_current_worker

    from mhf_tui.errors import MhfError
    from mhf_tui.services.recall import recall_list
    from mhf_tui.services.templates import load_templates
    from mhf_tui.ui.screens.dashboard import DashLine, DashSection
    from mhf_tui.ui.screens.review_form import ui_templates

    title = f"Reviews overdue, due in {DASHBOARD_DAYS} days, or never done"
    try:
        templates = ui_templates(cast("MhfApp", get_current_worker().node.app))
    except NoActiveWorker:
        templates = load_templates()
    except MhfError as exc:  # a malformed user template: say so, keep the dashboard
        return DashSection(title, [DashLine(str(exc), None, urgent=True)])
    entries = [
        e
        for e in recall_list(session, templates=templates, as_of=today, within_days=DASHBOARD_DAYS)
        if e.status != "never" or e.template_id == PHYSICAL_HEALTH_CHECK
    ]
    lines = []
    for e in entries:
        if e.status == "never":
            when = "never done"
        elif e.due_on is not None and e.due_on < today:
            when = f"{(today - e.due_on).days} d overdue"
        else:
            when = f"due {e.due_on:%d %b}" if e.due_on else ""
        lines.append(
            DashLine(
                f"{e.patient_name:<24.24} {e.template_title:<26.26} {when}",
                e.patient_id,
                tab="reviews",
                urgent=e.status == "overdue",
            )
        )
    return DashSection(title, lines)
