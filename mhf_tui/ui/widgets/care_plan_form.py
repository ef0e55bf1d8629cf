"""The care plan form: goals, needs, actions, the crisis plan and the review date.

Returns a validated `CarePlanCreate` with the version it started from (the Care plan tab
saves it as the next version). Everything fits 80x24: one scrolling column, one row per goal,
action and crisis contact, a `+` button under each list for another row. Rows left empty are
dropped. `ctrl+s` saves; `esc` asks before discarding changes. Unsaved changes survive
auto-lock and quit as an encrypted draft, offered the next time the plan is edited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets.selection_list import Selection

from mhf_tui.errors import MhfError
from mhf_tui.ui.screens.base import DraftSnapshot
from mhf_tui.ui.widgets.confirm import close_unless_changed
from mhf_tui.ui.widgets.safe import clean

if TYPE_CHECKING:
    from mhf_tui.services.care_plans import CarePlanCreate, CarePlanPublic
    from mhf_tui.services.drafts import DraftRead
    from mhf_tui.ui.app import MhfApp

DRAFT_KIND = "care_plan"

STATUS_LABELS = {
    "active": "active",
    "achieved": "achieved",
    "partly_achieved": "partly met",
    "not_achieved": "not met",
    "withdrawn": "withdrawn",
}


@dataclass(frozen=True)
class CrisisService:
    id: str
    name: str
    phone: str


@dataclass(frozen=True)
class CarePlanEdit:
    """What the form returns: the plan to save and the version it was edited from."""

    plan: CarePlanCreate
    expected_version: int
    #: the draft to delete once the plan is saved
    draft_id: uuid.UUID


def _s(value: object) -> str:
    return clean("" if value is None else str(value))


class PlanRow(Horizontal):
    """One item of a list in the plan: its text fields, then any other widget of the row;
    `value` is None when the text fields were left empty."""

    #: the text fields: (key in the plan, placeholder, CSS class)
    INPUTS: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    def __init__(self, item: dict[str, object] | None = None) -> None:
        super().__init__(classes="plan-row")
        self.item = item or {}

    def compose(self) -> ComposeResult:
        for key, placeholder, css in self.INPUTS:
            yield Input(_s(self.item.get(key)), placeholder=placeholder, classes=css, compact=True)
        yield from self.more()

    def more(self) -> ComposeResult:
        yield from ()

    def value(self) -> dict[str, object] | None:
        inputs = zip(self.INPUTS, self.query(Input), strict=True)
        typed: dict[str, object] = {key: i.value.strip() for (key, _p, _c), i in inputs}
        if not any(typed.values()):
            return None
        return {**typed, **self.more_value()}

    def more_value(self) -> dict[str, object]:
        return {}


class GoalRow(PlanRow):
    INPUTS = (("goal", "goal, in their words", "wide"), ("target_on", "target date", "date"))

    def more(self) -> ComposeResult:
        yield Select(
            [(label, value) for value, label in STATUS_LABELS.items()],
            value=self.item.get("status") or "active",
            allow_blank=False,
            classes="status",
            compact=True,
        )

    def more_value(self) -> dict[str, object]:
        kept = {"id": self.item["id"]} if self.item.get("id") else {}
        return {"status": self.query_one(Select).value, **kept}


class ActionRow(PlanRow):
    INPUTS = (("action", "action", "wide"), ("owner", "who", "owner"), ("due", "due date", "date"))

    def more(self) -> ComposeResult:
        yield Checkbox("done", bool(self.item.get("done")), classes="done", compact=True)

    def more_value(self) -> dict[str, object]:
        return {"done": self.query_one(Checkbox).value}


class ContactRow(PlanRow):
    INPUTS = (
        ("name", "who to contact", "wide"),
        ("relationship", "relationship", "owner"),
        ("phone", "phone", "phone"),
    )


ROWS: dict[str, type[PlanRow]] = {
    "goals": GoalRow,
    "actions": ActionRow,
    "crisis_contacts": ContactRow,
}


class CarePlanForm(ModalScreen[CarePlanEdit | None]):
    """Edit the plan; `focus="crisis"` starts at the crisis plan."""

    DEFAULT_CSS = """
    CarePlanForm #careplan-dialog { width: 100%; height: 100%; border: round $primary;
        background: $surface; padding: 0 1; }
    CarePlanForm #careplan-body { height: 1fr; }
    CarePlanForm .section { text-style: bold; color: $text-primary; margin-top: 1; height: 1; }
    CarePlanForm .rows { height: auto; }
    CarePlanForm .plan-row { height: 1; margin-bottom: 1; }
    CarePlanForm .plan-row > * { margin-right: 1; }
    CarePlanForm .plan-row .wide { width: 1fr; }
    CarePlanForm .plan-row .date { width: 12; }
    CarePlanForm .plan-row .owner { width: 14; }
    CarePlanForm .plan-row .phone { width: 15; }
    CarePlanForm .plan-row .status { width: 14; }
    CarePlanForm .plan-row .done { width: 10; }
    CarePlanForm .review-row { height: 1; margin-top: 1; }
    CarePlanForm .review-row Label { width: auto; margin-right: 1; }
    CarePlanForm .review-row Input { width: 14; }
    CarePlanForm TextArea { height: 3; }
    CarePlanForm .add { min-width: 12; margin-bottom: 1; }
    CarePlanForm SelectionList { height: auto; max-height: 6; }
    CarePlanForm #careplan-status { height: auto; max-height: 3; color: $text-error; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="careplan_save", tooltip="save as a new version"),
        Binding("escape", "cancel", "Cancel", id="careplan_cancel"),
    ]
    app: MhfApp

    def __init__(
        self,
        plan: CarePlanPublic | None,
        services: list[CrisisService],
        *,
        patient_id: uuid.UUID,
        focus: str = "",
        draft: DraftRead | None = None,
    ) -> None:
        super().__init__(id="careplan-form")
        self.plan = plan
        self.services = services
        self.patient_id = patient_id
        self.focus_section = focus
        self.draft = draft
        self.draft_id = draft.id if draft else uuid.uuid4()
        self.initial: dict[str, Any] = {}

    @property
    def base_version(self) -> int:
        """The version this edit started from (a restored draft's, if older)."""
        if self.draft is not None:
            return int(self.draft.fields.get("version", 0))
        return self.plan.version if self.plan else 0

    def _doc(self) -> dict[str, Any]:
        if self.draft is not None:
            return dict(self.draft.fields.get("plan", {}))
        return self.plan.model_dump(mode="json") if self.plan else {}

    def compose(self) -> ComposeResult:
        doc = self._doc()
        title = f"Care plan: editing version {self.base_version}" if self.plan else "New care plan"
        if self.draft is not None:
            title += " (unsaved changes restored)"
        chosen = {s["id"] if isinstance(s, dict) else s for s in doc.get("crisis_services", [])}
        with Vertical(id="careplan-dialog"):
            yield Static(Text(title), classes="dialog-title")
            with VerticalScroll(id="careplan-body"):
                with Horizontal(classes="review-row"):
                    yield Label("Review date (a follow-up)")
                    yield Input(_s(doc.get("review_on")), placeholder="YYYY-MM-DD",
                                id="careplan-review", compact=True)  # fmt: skip
                yield from self._list("goals", "Goals: target date, status", "+ goal", doc)
                yield Static("Needs, one per line", classes="section")
                yield TextArea(
                    clean("\n".join(doc.get("needs", []))), id="careplan-needs", compact=True
                )
                yield from self._list("actions", "Actions: who, due date", "+ action", doc)
                yield Static(
                    "Crisis plan: early warning signs", classes="section", id="careplan-crisis"
                )
                yield TextArea(
                    _s(doc.get("early_warning_signs")), id="careplan-warning", compact=True
                )
                yield Static("Crisis plan: what helps", classes="section")
                yield TextArea(_s(doc.get("what_helps")), id="careplan-helps", compact=True)
                yield from self._list(
                    "crisis_contacts", "Crisis plan: who to contact", "+ contact", doc
                )
                yield Static("Crisis plan: services (space ticks)", classes="section")
                yield SelectionList[str](
                    *(
                        Selection(Text(clean(f"{s.name}  {s.phone}")), s.id, s.id in chosen)
                        for s in self.services
                    ),
                    id="careplan-services",
                    compact=True,
                )
                yield Static("Crisis plan: anything else", classes="section")
                yield TextArea(_s(doc.get("crisis_plan")), id="careplan-crisis-other", compact=True)
                yield Static("Contingency plan", classes="section")
                yield TextArea(
                    _s(doc.get("contingency_plan")), id="careplan-contingency", compact=True
                )
            yield Static("", id="careplan-status")
        yield Footer(compact=True)

    def _list(self, name: str, title: str, add: str, doc: dict[str, Any]) -> ComposeResult:
        row = ROWS[name]
        yield Static(title, classes="section")
        with Vertical(id=f"careplan-{name}", classes="rows"):
            for item in doc.get(name, []):
                yield row(item)
            yield row()
        yield Button(add, id=f"add-{name}", classes="add", compact=True)

    def on_mount(self) -> None:
        self.initial = self.collect()
        if self.focus_section == "crisis":
            self.query_one("#careplan-warning", TextArea).focus()
            self.call_after_refresh(
                self.query_one("#careplan-body", VerticalScroll).scroll_to_widget,
                self.query_one("#careplan-crisis"),
                top=True,
                animate=False,
            )
        else:
            self.query_one("#careplan-review", Input).focus()

    @on(Button.Pressed)
    async def add_row(self, event: Button.Pressed) -> None:
        name = (event.button.id or "").removeprefix("add-")
        if name not in ROWS:
            return
        row = ROWS[name]()
        await self.query_one(f"#careplan-{name}", Vertical).mount(row)
        row.query(Input).first().focus()

    def collect(self) -> dict[str, Any]:
        """The form as a plan document (the same shape `careplan edit` takes)."""
        doc: dict[str, Any] = {}
        for name in ROWS:
            rows = self.query_one(f"#careplan-{name}", Vertical).query(PlanRow)
            doc[name] = [v for v in (r.value() for r in rows) if v is not None]
        needs = self.query_one("#careplan-needs", TextArea).text.splitlines()
        doc["needs"] = [n.strip() for n in needs if n.strip()]
        doc["review_on"] = self.query_one("#careplan-review", Input).value.strip()
        doc["early_warning_signs"] = self.query_one("#careplan-warning", TextArea).text
        doc["what_helps"] = self.query_one("#careplan-helps", TextArea).text
        doc["crisis_services"] = list(self.query_one("#careplan-services", SelectionList).selected)
        doc["crisis_plan"] = self.query_one("#careplan-crisis-other", TextArea).text
        doc["contingency_plan"] = self.query_one("#careplan-contingency", TextArea).text
        return doc

    def action_save(self) -> None:
        from mhf_tui.services.care_plans import CarePlanCreate
        from mhf_tui.services.fields import parse_model

        status = self.query_one("#careplan-status", Static)
        try:
            plan = parse_model(CarePlanCreate, self.collect())
        except MhfError as exc:
            status.update(Text("Not saved: " + str(exc)))
            return
        self.dismiss(CarePlanEdit(plan, self.base_version, self.draft_id))

    def changed(self) -> bool:
        return self.draft is not None or self.collect() != self.initial

    def pending_draft(self) -> DraftSnapshot | None:
        """What to keep if the app locks or quits now (nothing if nothing changed)."""
        if not self.changed():
            return None
        return DraftSnapshot(
            draft_id=self.draft_id,
            patient_id=self.patient_id,
            text="care plan",
            fields={"plan": self.collect(), "version": self.base_version},
            kind=DRAFT_KIND,
        )

    def action_cancel(self) -> None:
        def discarded() -> None:
            if self.draft is not None:  # an emptied draft is deleted
                gone = DraftSnapshot(self.draft_id, self.patient_id, "", {}, DRAFT_KIND)
                self.app.keep_draft(gone)

        close_unless_changed(self, changed=self.changed(), what="care plan", then=discarded)
