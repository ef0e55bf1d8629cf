"""The review form: one line per checklist item, typed from the keyboard.

Built for speed between appointments: type a value, `enter` checks it against the item
(range, unit, options) and moves to the next line; a choice takes its number (1, 2, 3), yes/no
takes y or n. `ctrl+s` saves what is there (a review can be finished later), `ctrl+d`
completes it (required items are checked first, on screen), `escape` saves and closes.

A completed review opens for amendment: changed answers are saved as new versions with a
reason, the originals kept. Unsaved values survive auto-lock as an encrypted draft.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Footer, Input, Static

from mhf_tui.errors import MhfError
from mhf_tui.ui.messages import DataChanged, ServiceFailed
from mhf_tui.ui.screens.base import DraftSnapshot, MhfScreen
from mhf_tui.ui.screens.review_form_data import (
    FormData,
    FormScope,
    Saved,
    display_value,
    formula_values,
    load_form,
    save_form,
    ui_templates,
)
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.templates import TemplateItem
    from mhf_tui.ui.app import MhfApp

DRAFT_KIND = "review"


class ReviewFormScreen(MhfScreen):
    CATEGORY = "Review"
    HELP_TITLE = "Review form"
    HELP_EXTRA: ClassVar[tuple[tuple[str, str], ...]] = (
        ("enter", "check this answer and go to the next item"),
        ("up, down", "previous / next item"),
        ("1, 2, 3 / y, n", "pick an option / answer yes or no"),
        ("empty", "a blank answer withdraws an earlier one (kept in the history)"),
    )
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="review_save",
                tooltip="save the answers so far (finish later)"),
        Binding("ctrl+d", "complete", "Complete", priority=True, id="review_complete",
                tooltip="complete the review (required items are checked)"),
        Binding("escape", "close", "Close", id="review_close",
                tooltip="save and close (a completed review: close without amending)"),
        Binding("down", "next_item", "Next", show=False, id="review_next"),
        Binding("up", "previous_item", "Previous", show=False, id="review_previous"),
    ]  # fmt: skip
    DEFAULT_CSS = """
    ReviewFormScreen #review-title { height: auto; text-style: bold; padding: 0 1; }
    ReviewFormScreen #review-status { height: auto; padding: 0 1; color: $text-muted; }
    ReviewFormScreen #review-items { height: 1fr; padding: 0 1; }
    ReviewFormScreen .item-row { height: auto; }
    ReviewFormScreen .item-label { width: 30; }
    ReviewFormScreen .item-row Input {
        border: none; height: 1; width: 16; padding: 0 1; background: $boost;
    }
    ReviewFormScreen .item-row Input.-text { width: 40; }
    ReviewFormScreen .item-row Input:focus { background: $accent 40%; }
    ReviewFormScreen .item-hint { width: 1fr; height: auto; padding: 0 1; color: $text-muted; }
    ReviewFormScreen .item-hint.-ok { color: $text-success; }
    ReviewFormScreen .item-hint.-error { color: $text-error; text-style: bold; }
    """
    app: MhfApp

    def __init__(
        self,
        patient_id: uuid.UUID,
        *,
        template_id: str | None = None,
        review_id: uuid.UUID | None = None,
        draft_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(id="review-form")
        self.patient_id = patient_id
        self.template_id = template_id
        self.review_id = review_id
        self.draft_id = draft_id or uuid.uuid4()
        self.form: FormData | None = None
        self.inputs: dict[str, Input] = {}
        self.hints: dict[str, Static] = {}
        self.loaded = False
        self.saving = False
        self._load_draft = draft_id is not None

    # --- building ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="review-title")
        yield Static("Loading…", id="review-status")
        yield VerticalScroll(id="review-items")
        yield Footer(compact=True)

    def _scope(self, *, draft_id: uuid.UUID | None) -> FormScope | None:
        """This form's review as the data side wants it (None when locked)."""
        caseload = self.app.caseload
        if caseload is None:
            return None
        return FormScope(self.patient_id, caseload.actor, self.review_id, draft_id)

    def on_mount(self) -> None:
        scope = self._scope(draft_id=self.draft_id if self._load_draft else None)
        if scope is None:
            return
        app, tid = self.app, self.template_id

        def load(session: Session) -> FormData:
            return load_form(session, ui_templates(app), scope, template_id=tid)

        self.db_call("open the review", load, self.show)

    def show(self, form: FormData) -> None:
        self.form = form
        self.review_id = form.review_id
        self.template_id = form.template.id
        self.query_one("#review-title", Static).update(literal(form.title))
        container = self.query_one("#review-items", VerticalScroll)
        rows = []
        for item in form.template.items:
            value = form.draft_values.get(item.id, form.values.get(item.id, ""))
            box = Input(
                value,
                id=f"item-{item.id}",
                placeholder=item.unit if item.type == "number" else "",
                classes="-text" if item.type == "text" else "",
            )
            box.tooltip = item.help or None
            self.inputs[item.id] = box
            label = Text(("* " if item.required else "  ") + item.label)
            hint = Static(self._hint_text(item, value), id=f"hint-{item.id}", classes="item-hint")
            self.hints[item.id] = hint
            rows.append(
                Horizontal(Static(label, classes="item-label"), box, hint, classes="item-row")
            )
        container.mount_all(rows)
        self.loaded = True
        self._update_status()
        first = next(
            (i for i in form.template.items if i.required and not self._input(i.id).value.strip()),
            form.template.items[0],
        )
        self.call_after_refresh(self._input(first.id).focus)

    def _hint_text(self, item: TemplateItem, value: str) -> Text:
        from mhf_tui.services.templates import describe_expected

        if value.strip():
            try:
                from mhf_tui.services.templates import clean_answer

                clean = clean_answer(item, value, today=self.app.today())
            except MhfError:
                return Text(describe_expected(item))
            return Text(
                "✓" if item.type == "text" else "✓ " + display_value(item, clean.value)[:40]
            )
        return Text("" if item.type == "text" else describe_expected(item))

    def _input(self, item_id: str) -> Input:
        return self.inputs[item_id]

    def _update_status(self) -> None:
        form = self.form
        if form is None:
            return
        if form.status == "completed":
            text = "Completed. Changes are amendments: saved as new versions with a reason."
        else:
            answered = sum(1 for i in form.template.items if self._input(i.id).value.strip())
            state = "in progress" if form.status == "in_progress" else "new"
            text = (
                f"{state.capitalize()} · {answered}/{len(form.template.items)} answered · "
                "* required · enter next · ctrl+s save · ctrl+d complete"
            )
        self.query_one("#review-status", Static).update(Text(text))

    # --- checking ---------------------------------------------------------------------

    def _item_for(self, widget: Widget) -> TemplateItem | None:
        if self.form is None or not isinstance(widget, Input) or not widget.id:
            return None
        item_id = widget.id.removeprefix("item-")
        return next((i for i in self.form.template.items if i.id == item_id), None)

    def check_item(self, item: TemplateItem) -> bool:
        """Validate one field on screen; show ✓ and the meaning, or the error."""
        from mhf_tui.services.templates import clean_answer, describe_expected

        value = self._input(item.id).value
        hint = self.hints[item.id]
        hint.remove_class("-ok", "-error")
        if not value.strip():
            hint.update(Text("" if item.type == "text" else describe_expected(item)))
            return True
        try:
            clean = clean_answer(item, value, today=self.app.today())
        except MhfError as exc:
            message = str(exc).removeprefix(f"{item.label}: ")
            hint.update(Text(message))
            hint.add_class("-error")
            return False
        hint.update(
            Text("✓" if item.type == "text" else "✓ " + display_value(item, clean.value)[:40])
        )
        hint.add_class("-ok")
        self._fill_formulas()
        return True

    def _fill_formulas(self) -> None:
        """BMI appears once weight and height are in (a typed BMI is left alone)."""
        if self.form is not None:
            typed = {i.id: self._input(i.id).value for i in self.form.template.items}
            for item_id, value in formula_values(self.form.template, typed).items():
                self._input(item_id).value = value
                self.check_item(self.form.template.item(item_id))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        item = self._item_for(event.input)
        if item is None:
            return
        event.stop()
        if self.check_item(item):
            self._update_status()
            if self.form and item is self.form.template.items[-1]:
                self.notify("Last item. ctrl+d completes the review, ctrl+s saves it.")
            else:
                self.focus_next()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        item = self._item_for(event.widget)
        if item is not None:
            self.check_item(item)
            self._update_status()

    def action_next_item(self) -> None:
        self.focus_next()

    def action_previous_item(self) -> None:
        self.focus_previous()

    def changed_answers(self) -> dict[str, str]:
        """Items whose field differs from what is stored (a blank one withdraws)."""
        if self.form is None:
            return {}
        changes = {}
        for item in self.form.template.items:
            value = self._input(item.id).value.strip()
            if value != self.form.values.get(item.id, "") and (
                value or item.id in self.form.values
            ):
                changes[item.id] = value
        # Values that normalise to what is stored ("Y" for "yes") are not changes.
        from mhf_tui.services.templates import clean_answer

        for item_id, value in list(changes.items()):
            if not value:
                continue
            item = self.form.template.item(item_id)
            try:
                if clean_answer(item, value).value == self.form.values.get(item_id):
                    del changes[item_id]
            except MhfError:
                pass
        return changes

    def _all_valid(self, *, require: bool) -> bool:
        if self.form is None:
            return False
        first_bad: TemplateItem | None = None
        for item in self.form.template.items:
            ok = self.check_item(item)
            if ok and require and item.required and not self._input(item.id).value.strip():
                hint = self.hints[item.id]
                hint.update(Text("required"))
                hint.add_class("-error")
                ok = False
            if not ok and first_bad is None:
                first_bad = item
        if first_bad is not None:
            self._input(first_bad.id).focus()
            self.notify(
                "Required items are missing." if require else "Some answers need correcting.",
                severity="warning",
            )
            return False
        return True

    # --- saving -----------------------------------------------------------------------

    def action_save(self) -> None:
        self._save(complete=False, close=False)

    def action_complete(self) -> None:
        if self.form is not None and self.form.status == "completed":
            self.notify("This review is already completed.", severity="warning")
            return
        self._save(complete=True, close=True)

    def action_close(self) -> None:
        if self.form is None or not self.loaded:
            self._leave()
            return
        if self.form.status == "completed":
            if self.changed_answers():
                self.notify("Amendments not saved (ctrl+s saves them with a reason).")
            self._leave()
            return
        if not self.changed_answers():
            self._leave()
            return
        self._save(complete=False, close=True)

    def _leave(self) -> None:
        if self._load_draft:
            self._discard_draft()
        if self.app.screen is self:
            self.app.pop_screen()

    def _discard_draft(self) -> None:
        """Leaving without saving: a draft restored after a lock is not wanted any more.
        Runs as an app worker, since this screen is about to go."""
        from mhf_tui.services import drafts

        caseload, draft_id = self.app.caseload, self.draft_id
        self._load_draft = False
        if caseload is None:
            return

        def discard() -> None:
            with caseload.session() as session:
                drafts.delete_draft(session, draft_id=draft_id)

        self.app.run_worker(discard, thread=True, group="discard-draft", exit_on_error=False)

    def _save(self, *, complete: bool, close: bool) -> None:
        from mhf_tui.ui.widgets.dialogs import TextPrompt

        form = self.form
        caseload = self.app.caseload
        if form is None or caseload is None or self.saving:
            return
        if not self._all_valid(require=complete):
            return
        changes = self.changed_answers()
        if not changes and not complete:
            self.notify("Nothing to save.")
            if close:
                self._leave()
            return
        if form.status == "completed":

            def reason_given(reason: str | None) -> None:
                if reason:
                    self._write(changes, complete=False, close=close, reason=reason)

            self.app.push_screen(
                TextPrompt("Amend a completed review", "Why are these answers changing?"),
                reason_given,
            )
            return
        self._write(changes, complete=complete, close=close, reason="")

    def _write(self, changes: dict[str, str], *, complete: bool, close: bool, reason: str) -> None:
        form = self.form
        scope = self._scope(draft_id=self.draft_id)
        if form is None or scope is None:
            return
        app, today, template = self.app, self.app.today(), form.template
        self.saving = True

        def write(session: Session) -> Saved:
            templates = ui_templates(app)
            return save_form(session, templates, scope, template, changes,
                             today=today, complete=complete, reason=reason)  # fmt: skip

        def done(saved: Saved) -> None:
            self.saving = False
            self._load_draft = False  # save_form deleted it
            self.review_id = saved.review_id
            form.review_id = saved.review_id
            for item_id, value in changes.items():
                if value:
                    from mhf_tui.services.templates import clean_answer

                    form.values[item_id] = clean_answer(template.item(item_id), value).value
                else:
                    form.values.pop(item_id, None)
            if saved.completed:
                form.status = "completed"
                due = f"; next due {saved.next_due_on:%d %b %Y}" if saved.next_due_on else ""
                self.notify(f"Review completed{due}.")
            else:
                if form.status == "new":
                    form.status = "in_progress"
                self.notify(f"Saved {saved.written} answer(s).")
            self._update_status()
            self.app.post_message(DataChanged(self.patient_id))
            if close:
                self._leave()

        self.db_call("save the review", write, done)

    def on_service_failed(self, message: ServiceFailed) -> None:
        self.saving = False  # the app shows the message
        if not self.loaded and self.app.screen is self:
            # nothing to show (for example a discharged patient): back to where we were,
            # keeping any draft
            self.app.pop_screen()

    # --- lock -------------------------------------------------------------------------

    def pending_draft(self) -> DraftSnapshot | None:
        if self.form is None or not self.loaded:
            return None
        values = {item.id: self._input(item.id).value for item in self.form.template.items}
        if all(values[k].strip() == self.form.values.get(k, "") for k in values):
            return None
        return DraftSnapshot(
            draft_id=self.draft_id,
            patient_id=self.patient_id,
            text="",
            fields={
                "values": values,
                "template_id": self.template_id,
                "review_id": str(self.review_id) if self.review_id else None,
            },
            kind=DRAFT_KIND,
        )

    def rebuild(self) -> ReviewFormScreen:
        return ReviewFormScreen(
            self.patient_id,
            template_id=self.template_id,
            review_id=self.review_id,
            draft_id=self.draft_id,
        )
