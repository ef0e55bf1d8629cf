"""The patient's Outcomes tab: PHQ-9, GAD-7 and goal-based scores, with a trend line each.

`q` adds a PHQ-9, `g` a GAD-7 (type the item scores: "1,2,0,..." or just "120..."; the
total and band show as you type), `o` scores a care-plan goal 0-10. A PHQ-9 with item 9
above 0 raises a risk prompt that has to be acknowledged, and the latest one stays
flagged at the top of the tab.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, OptionList, Sparkline, Static
from textual.widgets.option_list import Option

from mhf_tui.errors import MhfError
from mhf_tui.ui.widgets.record_tab import LoadingTab
from mhf_tui.ui.widgets.safe import clean, literal
from mhf_tui.ui.widgets.tables import refill, row_table

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.outcomes import Score, Trend


SEVERE_BANDS = ("moderately severe", "severe")
#: characters of a trend's summary shown beside its sparkline (fits 80 columns)
TREND_WIDTH = 54


@dataclass(frozen=True)
class OutcomeRow:
    measure: str
    taken_on: date
    total: int
    band: str
    items: list[int]
    risk_prompt: bool
    goal_text: str


@dataclass(frozen=True)
class OutcomesData:
    rows: list[OutcomeRow]
    trends: list[Trend]
    latest_phq9_risk: str


def load_outcomes(session: Session, *, patient_id: uuid.UUID, actor: str | None) -> OutcomesData:
    """With `actor`, the viewing is audited (the first load; not reloads after own changes)."""
    from mhf_tui.services.outcomes import PHQ9, list_outcomes, trends

    rows = list_outcomes(session, patient_id=patient_id, actor=actor)
    latest = next((r for r in reversed(rows) if r.measure == PHQ9), None)
    risk = ""
    if latest is not None and latest.risk_prompt:
        risk = (
            f"Latest PHQ-9 ({latest.taken_on:%d %b %Y}): item 9 scored {latest.items[8]}. "
            "Ask about thoughts of self-harm; check the crisis plan."
        )
    return OutcomesData(
        rows=[
            OutcomeRow(
                r.measure, r.taken_on, r.total, r.band, list(r.items), r.risk_prompt, r.goal_text
            )
            for r in reversed(rows)
        ],
        trends=trends(rows),
        latest_phq9_risk=risk,
    )


class OutcomesTab(LoadingTab[OutcomesData]):
    DEFAULT_CSS = """
    OutcomesTab { padding: 0 1; }
    OutcomesTab #outcomes-risk { height: auto; color: $text-error; text-style: bold; }
    OutcomesTab #outcomes-risk.-none { display: none; }
    OutcomesTab #outcomes-trends { height: auto; max-height: 5; overflow-y: auto; }
    OutcomesTab .trend-row { height: 1; }
    OutcomesTab .trend-label { width: 1fr; height: 1; }
    OutcomesTab .trend-row Sparkline { width: 20; height: 1; }
    OutcomesTab #outcomes-table { height: 1fr; }
    """
    BINDINGS = [
        Binding("q", "add('phq9')", "PHQ-9", id="outcome_phq9", tooltip="add a PHQ-9"),
        Binding("g", "add('gad7')", "GAD-7", id="outcome_gad7", tooltip="add a GAD-7"),
        Binding("o", "goal", "Goal score", id="outcome_goal",
                tooltip="score a care-plan goal 0-10"),
    ]  # fmt: skip
    PANE = "outcomes"
    LOADING = "load the outcomes"

    def __init__(self, patient_id: uuid.UUID) -> None:
        super().__init__(patient_id)
        self._audited = False

    def compose(self) -> ComposeResult:
        yield Static("", id="outcomes-risk", classes="-none")
        yield Vertical(id="outcomes-trends")
        yield row_table(
            "outcomes-table",
            (("Date", 11), ("Measure", 8), ("Total", 5), ("Band / goal", 18), ("Items", 22)),
        )
        yield Static("q add PHQ-9 · g add GAD-7 · o goal score", classes="hint")

    def loader(self) -> Callable[[Session], OutcomesData] | None:
        """The first load audits the viewing; reloads after the user's own changes do not."""
        caseload = self.app.caseload
        if caseload is None:
            return None
        actor = None if self._audited else caseload.actor
        self._audited = True
        pid = self.patient_id
        return lambda s: load_outcomes(s, patient_id=pid, actor=actor)

    def show(self, data: OutcomesData) -> None:
        risk = self.query_one("#outcomes-risk", Static)
        risk.set_class(not data.latest_phq9_risk, "-none")
        risk.update(Text("⚠ " + data.latest_phq9_risk) if data.latest_phq9_risk else "")
        rows: list[Widget] = []
        for trend in data.trends:
            summary = literal(trend.summary_within(TREND_WIDTH))
            if len(trend.points) >= 2:
                rows.append(
                    Horizontal(
                        Static(summary, classes="trend-label"),
                        Sparkline([float(v) for _, v in trend.points], summary_function=max),
                        classes="trend-row",
                    )
                )
            else:
                rows.append(Static(summary))
        if not rows:
            rows.append(Static(Text("No outcome measures yet.", style="italic")))
        self.run_worker(self._replace_trends(rows), group="outcome-trends", exclusive=True)
        refill(self.table, map(_outcome_cells, data.rows))

    async def _replace_trends(self, rows: list[Widget]) -> None:
        """Old rows out before new ones in (two quick reloads must not interleave)."""
        trends = self.query_one("#outcomes-trends", Vertical)
        await trends.remove_children()
        await trends.mount_all(rows)

    def action_add(self, measure: str) -> None:
        actor, pid, today = self.actor, self.patient_id, self.app.today()

        def entered(answered: tuple[list[int], date] | None) -> None:
            if answered is None:
                return
            items, taken_on = answered

            def write(session: Session) -> Score:
                from mhf_tui.services.outcomes import add_outcome

                _row, result = add_outcome(
                    session,
                    patient_id=pid,
                    measure=measure,
                    items=items,
                    actor=actor,
                    taken_on=taken_on,
                )
                return result

            def saved(result: Score) -> None:
                self.changed(result.summary)
                if result.risk_prompt:
                    self.app.push_screen(RiskPrompt(result.risk_prompt))

            self.db_call("save the outcome", write, saved)

        self.when_editable(
            "add an outcome", lambda: self.app.push_screen(OutcomeEntry(measure, today), entered)
        )

    def action_goal(self) -> None:
        actor, pid, today = self.actor, self.patient_id, self.app.today()

        def scored(result: tuple[str, int] | None) -> None:
            if result is None:
                return
            goal_id, value = result

            def write(session: Session) -> None:
                from mhf_tui.services.outcomes import add_goal_score

                add_goal_score(session, patient_id=pid, goal_id=goal_id, score_value=value,
                               actor=actor, taken_on=today)  # fmt: skip

            self.db_call("save the goal score", write, self.saved(f"Goal score {value}/10 saved."))

        def goals_loaded(goals: list[dict[str, object]]) -> None:
            if not goals:
                self.app.notify("No care-plan goals to score yet.", severity="warning")
                return
            self.app.push_screen(GoalScoreEntry(goals), scored)

        def load(session: Session) -> list[dict[str, object]]:
            from mhf_tui.services.outcomes import current_goals
            from mhf_tui.services.retention import ensure_patient_editable

            ensure_patient_editable(session, patient_id=pid)
            return current_goals(session, patient_id=pid)

        self.db_call("score a goal", load, goals_loaded)


def _outcome_cells(r: OutcomeRow) -> tuple[Text, ...]:
    from mhf_tui.services.outcomes import MEASURE_TITLES

    title = MEASURE_TITLES.get(r.measure, r.measure)
    items = ",".join(str(i) for i in r.items) if r.measure != "gbo" else ""
    return (
        Text(f"{r.taken_on:%d %b %Y}"),
        Text("Goal" if r.measure == "gbo" else title),
        Text(str(r.total), style="bold" if r.band in SEVERE_BANDS else ""),
        literal(r.goal_text) if r.goal_text else Text(r.band),
        Text(items + ("  ⚠9" if r.risk_prompt else ""), style="bold" if r.risk_prompt else ""),
    )


class OutcomeEntry(ModalScreen[tuple[list[int], date] | None]):
    """Each question's wording and the answer scale; type the answers in order (`1,2,0,…` or
    `120…`), each shown in words beside its question as you type; `tab` reaches the date
    (empty: today; `30/11`, `yesterday`, ISO); `enter` saves."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="outcome_cancel")]
    DEFAULT_CSS = """
    OutcomeEntry #outcome-questions { height: auto; max-height: 10; }
    OutcomeEntry #outcome-row { height: 1; }
    OutcomeEntry #outcome-row Input { width: 1fr; background: $boost; }
    OutcomeEntry #outcome-date { max-width: 24; }
    OutcomeEntry #outcome-row Label { width: auto; padding: 0 1; }
    """

    def __init__(self, measure: str, today: date | None = None) -> None:
        super().__init__()
        self.measure = measure
        self.today = today or date.today()

    def compose(self) -> ComposeResult:
        from mhf_tui.services.outcomes import ANSWERS, MEASURES, STEMS

        spec = MEASURES[self.measure]
        scale = [f"{n} {words}" for n, words in enumerate(ANSWERS)]
        with Vertical(classes="dialog"):
            yield Static(Text(f"Add {spec.title}"), classes="dialog-title")
            yield Static(Text(STEMS[self.measure]))
            yield Static(Text(" · ".join(scale[:2]) + "\n" + " · ".join(scale[2:]), style="bold"))
            with VerticalScroll(id="outcome-questions"):
                yield Static(self._questions([]), id="outcome-text")
            with Horizontal(id="outcome-row"):
                yield Input(id="outcome-items", placeholder=",".join("0" * spec.items),
                            compact=True)  # fmt: skip
                yield Label("Date")
                yield Input(id="outcome-date", placeholder="today, 30/11, 2026-11-30",
                            compact=True)  # fmt: skip
            yield Static("", id="outcome-preview")
        yield Footer()

    def _questions(self, answers: list[int]) -> Text:
        from mhf_tui.services.outcomes import ANSWERS, QUESTIONS

        text = Text()
        for n, question in enumerate(QUESTIONS[self.measure]):
            text.append(f"{n + 1}. {question}")
            if n < len(answers) and 0 <= answers[n] < len(ANSWERS):
                text.append(f"  → {answers[n]} {ANSWERS[answers[n]]}", style="bold")
            text.append("\n" if n + 1 < len(QUESTIONS[self.measure]) else "")
        return text

    def on_mount(self) -> None:
        self.query_one("#outcome-items", Input).focus()

    def _score(self, value: str) -> tuple[list[int], Score]:
        from mhf_tui.services.outcomes import parse_items, score

        items = parse_items(value)
        return items, score(self.measure, items)

    @on(Input.Changed, "#outcome-items")
    def preview(self, event: Input.Changed) -> None:
        out = self.query_one("#outcome-preview", Static)
        digits = [int(ch) for ch in event.value if ch.isdigit()]
        self.query_one("#outcome-text", Static).update(self._questions(digits))
        if not event.value.strip():
            out.update("")
            return
        try:
            _items, result = self._score(event.value)
        except MhfError as exc:
            out.update(Text(str(exc), style="italic"))
            return
        text = Text(result.summary, style="bold")
        if result.risk_prompt:
            text.append("\n" + result.risk_prompt, style="bold")
        out.update(text)

    @on(Input.Submitted)
    def submitted(self) -> None:
        from mhf_tui.services.when import parse_day

        out = self.query_one("#outcome-preview", Static)
        try:
            items, _result = self._score(self.query_one("#outcome-items", Input).value)
            taken = parse_day(self.query_one("#outcome-date", Input).value, "date",
                              today=self.today, towards="past")  # fmt: skip
        except MhfError as exc:
            out.update(Text(str(exc), style="bold"))
            return
        self.dismiss((items, taken or self.today))

    def action_cancel(self) -> None:
        self.dismiss(None)


class RiskPrompt(ModalScreen[None]):
    """PHQ-9 item 9 above 0: shown until the facilitator acknowledges it."""

    BINDINGS = [
        Binding("enter", "acknowledge", "Acknowledge", id="risk_ack"),
        Binding("escape", "acknowledge", "Acknowledge", show=False, id="risk_ack_escape"),
    ]

    def __init__(self, prompt: str) -> None:
        super().__init__()
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="risk-dialog"):
            yield Static(Text("⚠ Risk", style="bold"), classes="dialog-title")
            yield Static(Text(self.prompt, style="bold"), id="risk-text")
            yield Static(Text("enter: I have seen this", style="italic"))
        yield Footer()

    def action_acknowledge(self) -> None:
        self.dismiss(None)


class GoalScoreEntry(ModalScreen[tuple[str, int] | None]):
    """Pick a care-plan goal, then type its score 0-10."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="goal_cancel")]

    def __init__(self, goals: list[dict[str, object]]) -> None:
        super().__init__()
        self.goals = goals
        self.goal_id: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Goal-based outcome"), classes="dialog-title")
            yield OptionList(
                *(Option(literal(str(g.get("goal", ""))), id=str(g.get("id"))) for g in self.goals),
                id="goal-list",
            )
            yield Input(id="goal-score", placeholder="score 0-10, enter saves")
            yield Static("", id="goal-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.goal_id = event.option.id
        self.query_one("#goal-status", Static).update(
            Text("Score for: " + clean(str(event.option.prompt)))
        )
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        status = self.query_one("#goal-status", Static)
        if self.goal_id is None:
            status.update(Text("Pick a goal first (enter on the list)."))
            self.query_one(OptionList).focus()
            return
        try:
            value = int(event.value.strip())
        except ValueError:
            value = -1
        if not 0 <= value <= 10:
            status.update(Text("A goal score is a whole number 0-10."))
            return
        self.dismiss((self.goal_id, value))

    def action_cancel(self) -> None:
        self.dismiss(None)
