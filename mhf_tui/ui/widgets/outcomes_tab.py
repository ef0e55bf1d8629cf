"""The patient's Outcomes tab (placeholder).

For the reviews helper (PHQ-9, GAD-7, goal scores, trend line): replace this widget's
contents with the real tab. Keep the constructor `OutcomesTab(patient_id, caseload)`; the
Patient screen mounts it inside the "Outcomes" TabPane. Run service calls in thread
workers and show user text with `mhf_tui.ui.widgets.safe.literal`. The screen calls
`reload()` after data changes.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload


class OutcomesTab(Widget):
    DEFAULT_CSS = "OutcomesTab { height: 1fr; padding: 0 1; }"

    def __init__(self, patient_id: uuid.UUID, caseload: Caseload | None) -> None:
        super().__init__(id="outcomes-tab")
        self.patient_id = patient_id
        self.caseload = caseload

    def compose(self) -> ComposeResult:
        yield Static("Outcome measures for this patient appear here.", classes="dim")

    def reload(self) -> None:
        """Called by the Patient screen after something changed."""
