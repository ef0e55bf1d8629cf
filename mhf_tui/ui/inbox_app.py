"""The practice inbox as a Textual app (`mhf inbox open`), in mhf's look: unlock the store,
import a sync file (type its path, or a folder to pick from), see the patients with new
information (risk flags first) with their letter's text, write the letters (`w`), mark a
patient's letters filed (`m`). The enrolled devices are listed at the foot.

Store work runs in thread workers; the screen calls `mhf_tui.sync` only."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, OptionList, Static
from textual.worker import get_current_worker

from mhf_tui.errors import MhfError, WrongPassphrase
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from mhf_tui.sync.inbox_view import InboxRow
    from mhf_tui.sync.practice_store import PracticeStore

SYNC_SUFFIX = ".mhfsync"
#: fixed widths, so the list looks the same however it was filled
COLUMNS = (("", 4), ("NHS number", 12), ("Patient", 13), ("State", 7))


class InboxLockScreen(Screen[None]):
    """The store's passphrase in, the store open."""

    app: InboxApp

    def compose(self) -> ComposeResult:
        title = Text.assemble(
            ("mhf inbox · locked", "bold"), "\n\nType the inbox passphrase and press Enter."
        )
        yield Vertical(
            Static(title, classes="gate-text"),
            Input(password=True, id="passphrase", placeholder="Passphrase"),
            Static("", id="gate-status"),
            id="gate",
        )
        yield Footer(compact=True)

    @on(Input.Submitted, "#passphrase")
    def submitted(self, event: Input.Submitted) -> None:
        self.query_one("#gate-status", Static).update("Unlocking…")
        self.unlock(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def unlock(self, passphrase: str) -> None:
        from mhf_tui.sync.practice_store import PracticeStore

        try:
            store = PracticeStore.open(self.app.root, passphrase)
        except WrongPassphrase:
            self.app.call_from_thread(self.failed, "Wrong passphrase. Try again.")
        except MhfError as exc:
            self.app.call_from_thread(self.failed, str(exc))
        else:
            self.app.call_from_thread(self.app.unlocked, store)

    def failed(self, message: str) -> None:
        self.query_one("#gate-status", Static).update(Text(message, style="bold red"))
        self.query_one("#passphrase", Input).value = ""


class InboxScreen(Screen[None]):
    BINDINGS = [
        Binding("i", "focus_import", "Import", tooltip="type the path of a sync file"),
        Binding("w", "write", "Write letters", tooltip="write every owed letter as a PDF"),
        Binding("m", "mark_filed", "Mark filed", tooltip="the highlighted patient's letters"),
        Binding("r", "refresh", "Refresh"),
    ]
    app: InboxApp

    def __init__(self) -> None:
        super().__init__(id="inbox")
        self.rows: list[InboxRow] = []
        self.folder = Path.cwd()

    def compose(self) -> ComposeResult:
        yield Static("mhf inbox", id="inbox-title")
        yield Input(
            id="import-path", placeholder="Sync file (or a folder) to import; Enter", compact=True
        )
        yield OptionList(id="files")
        with Horizontal(id="inbox-body"):
            yield DataTable(id="patients", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="preview-box"):
                yield Static("", id="preview")
        yield Static("", id="devices")
        yield Static("", id="inbox-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#patients", DataTable)
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        self.query_one("#files", OptionList).display = False
        self.action_refresh()
        table.focus()

    def status(self, text: str, *, error: bool = False) -> None:
        self.query_one("#inbox-status", Static).update(Text(text, style="red" if error else ""))

    def action_focus_import(self) -> None:
        self.query_one("#import-path", Input).focus()

    @on(Input.Submitted, "#import-path")
    def path_typed(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        if path.is_dir():
            files = sorted(p.name for p in path.glob(f"*{SYNC_SUFFIX}"))
            picker = self.query_one("#files", OptionList)
            picker.clear_options()
            picker.add_options([literal(name) for name in files])
            picker.display = bool(files)
            self.folder = path
            if files:
                picker.focus()
            self.status(
                f"{len(files)} sync file(s) in that folder" if files else "No sync files there."
            )
            return
        self.start_import(path)

    @on(OptionList.OptionSelected, "#files")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#files", OptionList).display = False
        self.start_import(self.folder / str(event.option.prompt))

    def start_import(self, path: Path) -> None:
        self.status(f"Importing {path.name}…")
        self.import_file(path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="store")
    def import_file(self, path: Path) -> None:
        from mhf_tui.sync.inbox_view import import_described

        try:
            summary = import_described(self.app.store, path)
        except MhfError as exc:
            self.app.call_from_thread(self.status, str(exc), error=True)
            return
        except Exception as exc:  # the message may hold data: only its type is shown
            self.app.call_from_thread(
                self.status,
                f"Import failed ({type(exc).__name__}); nothing was written.",
                error=True,
            )
            return
        self.app.call_from_thread(self.imported, summary)

    def imported(self, summary: str) -> None:
        self.query_one("#import-path", Input).value = ""
        self.status(summary)
        self.action_refresh()
        self.query_one("#patients", DataTable).focus()

    def action_refresh(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load(self) -> None:
        from mhf_tui.sync.inbox_view import device_lines, inbox_rows

        with self.app.store.session() as session:
            rows, devices = inbox_rows(session), device_lines(session)
        if not get_current_worker().is_cancelled:  # a newer load replaced this one
            self.app.call_from_thread(self.show, rows, devices)

    def show(self, rows: list[InboxRow], devices: list[str]) -> None:
        self.rows = rows
        table = self.query_one("#patients", DataTable)
        table.clear()
        for row in rows:
            table.add_row(
                Text("RISK", style="bold red") if row.risk else "",
                row.nhs_number,
                literal(row.name),
                row.state,
                key=row.patient_id,
            )
        self.query_one("#devices", Static).update(
            literal("Devices: " + ("; ".join(devices) if devices else "none yet"))
        )
        self.preview(0)

    @on(DataTable.RowHighlighted, "#patients")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.preview(event.cursor_row)

    def preview(self, index: int) -> None:
        text = self.rows[index].preview if 0 <= index < len(self.rows) else "Nothing new."
        self.query_one("#preview", Static).update(literal(text))

    def action_write(self) -> None:
        self.status("Writing letters…")
        self.write()

    @work(thread=True, exclusive=True, exit_on_error=False, group="store")
    def write(self) -> None:
        from mhf_tui.sync.letter_store import write_letters

        with self.app.store.session() as session:
            written = write_letters(session, self.app.letters_dir)
        self.app.call_from_thread(
            self.status, f"{len(written)} letter(s) written to {self.app.letters_dir}"
        )
        self.app.call_from_thread(self.action_refresh)

    def action_mark_filed(self) -> None:
        table = self.query_one("#patients", DataTable)
        if not 0 <= table.cursor_row < len(self.rows):
            return
        self.mark(self.rows[table.cursor_row].patient_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="store")
    def mark(self, patient_id: str) -> None:
        from mhf_tui.sync.letter_store import mark_filed

        with self.app.store.session() as session:
            count = mark_filed(session, patient_id)
        message = f"{count} letter(s) marked filed" if count else "No written letter to mark"
        self.app.call_from_thread(self.status, message)
        self.app.call_from_thread(self.action_refresh)


class InboxApp(App[int]):
    CSS_PATH = ["start.tcss", "app.tcss", "inbox.tcss"]
    TITLE = "mhf inbox"

    def __init__(self, root: Path, letters_dir: Path) -> None:
        super().__init__()
        self.root = root
        self.letters_dir = letters_dir
        self._store: PracticeStore | None = None

    @property
    def store(self) -> PracticeStore:
        assert self._store is not None, "the store is open once unlocked"
        return self._store

    def on_mount(self) -> None:
        self.push_screen(InboxLockScreen())

    def unlocked(self, store: PracticeStore) -> None:
        self._store = store
        self.switch_screen(InboxScreen())

    def on_unmount(self) -> None:
        if self._store is not None:
            self._store.close()


def run_inbox(root: Path, letters_dir: Path) -> int:
    """Run the inbox app until quit, holding the store's lock throughout."""
    from mhf_tui.sync.practice_store import StoreDir
    from mhf_tui.vault.lock import InstanceLock

    if not StoreDir(root).exists():
        raise MhfError(f"no practice inbox in {root} (`mhf inbox init`)")
    with InstanceLock(StoreDir(root).lock):
        app = InboxApp(root, letters_dir)
        app.run()
    return app.return_code or 0
