"""A `Letter` as a PDF a practice files as it is (fpdf2: pure Python, small, no system
libraries). The risk box comes first and is drawn as a box; the codes are a table; every
page carries the patient's NHS number and "page n of N", so a loose page is never lost.

A letter whose text is all Latin-1 uses the PDF core fonts (nothing embedded; about 70 ms a
letter). Other text needs a Unicode font: DejaVu Sans from the system when it is there (a
free licence; fpdf2 embeds the subset used; about 0.5 s a letter, the font parsed each time);
without it the text is reduced to Latin-1, a character outside it shown as "?", never dropped.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from mhf_tui.sync.letters import Letter, format_nhs

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
CODE_COLUMNS = ("Date", "SNOMED CT", "Preferred term", "Value", "Unit")
CODE_WIDTHS = (24, 38, 76, 26, 26)


def _unicode_font() -> tuple[Path, Path] | None:
    for directory in FONT_DIRS:
        regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _letter_strings(letter: Letter) -> list[str]:
    head = [letter.name, letter.born, letter.address, letter.practice, letter.facilitator,
            letter.service, letter.device, letter.period, *letter.risks]  # fmt: skip
    codes = [f"{c.term}{c.value}{c.unit}" for c in letter.codes]
    body = [line for _, entries in letter.sections for line in entries]
    return head + codes + body


class _LetterPdf(FPDF):
    def __init__(self, nhs: str, *, unicode: bool) -> None:
        super().__init__(format="A4")
        self.nhs = nhs
        font = _unicode_font() if unicode else None
        self.unicode = font is not None
        self.glyphs: set[int] = set()
        if font is not None:
            self.add_font("Letter", "", str(font[0]))
            self.add_font("Letter", "B", str(font[1]))
            self.family_name = "Letter"
            regular, bold = self.fonts["letter"], self.fonts["letterB"]
            self.glyphs = set(regular.cmap) & set(bold.cmap)  # type: ignore[union-attr]
        else:
            self.family_name = "Helvetica"
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)

    def clean(self, text: str) -> str:
        """Text the font can draw: a character it has no glyph for is written as its code
        point, `<U+241B>`, never dropped (with the core fonts: `?` outside Latin-1)."""
        if self.unicode:
            return "".join(
                ch if ch in "\n\t" or ord(ch) in self.glyphs else f"<U+{ord(ch):04X}>"
                for ch in text
            )
        folded = unicodedata.normalize("NFKC", text)
        return folded.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(self.family_name, "", 8)
        self.cell(
            0, 5, self.clean(f"NHS number {self.nhs}   Page {self.page_no()} of {{nb}}"), align="C"
        )

    def line_of(self, text: str, *, size: float = 10, bold: bool = False, h: float = 5) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)
        self.multi_cell(0, h, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.line_of(text, size=12, bold=True, h=7)


def render(letter: Letter) -> bytes:
    nhs = format_nhs(letter.nhs_number) or "not recorded"
    unicode = not all(_latin1(text) for text in _letter_strings(letter))
    pdf = _LetterPdf(nhs, unicode=unicode)
    pdf.add_page()
    pdf.line_of("Mental health facilitator letter", size=15, bold=True, h=8)
    pdf.line_of(f"To: {letter.practice}")
    pdf.line_of(f"From: {letter.facilitator}, {letter.service}")
    pdf.line_of(f"Sent from device {letter.device}", size=8)
    pdf.ln(2)
    pdf.line_of(f"Patient: {letter.name}", bold=True)
    pdf.line_of(f"NHS number: {nhs}   Date of birth: {letter.born}")
    if letter.address:
        pdf.line_of(f"Address: {letter.address}")
    pdf.line_of(f"Period covered: {letter.period}")
    _risk_box(pdf, letter)
    _codes(pdf, letter)
    for title, entries in letter.sections:
        pdf.heading(title)
        for entry in entries or ["None"]:
            pdf.line_of(entry)
            pdf.ln(1)
    return bytes(pdf.output())


def _risk_box(pdf: _LetterPdf, letter: Letter) -> None:
    pdf.ln(4)
    pdf.set_draw_color(180, 0, 0)
    pdf.set_line_width(0.6)
    pdf.set_font(pdf.family_name, "B", 12)
    pdf.multi_cell(
        0, 7, "Risk and alerts", border="LTR", new_x=XPos.LMARGIN, new_y=YPos.NEXT, padding=(1, 2)
    )
    pdf.set_font(pdf.family_name, "", 10)
    body = "\n".join(f"- {line}" for line in letter.risks) or "None recorded"
    pdf.multi_cell(
        0, 5, pdf.clean(body), border="LBR", new_x=XPos.LMARGIN, new_y=YPos.NEXT, padding=(1, 2)
    )
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)


def _codes(pdf: _LetterPdf, letter: Letter) -> None:
    pdf.heading("Codes to add to the record")
    if not letter.codes:
        pdf.line_of("None")
        return
    pdf.set_font(pdf.family_name, "", 9)
    with pdf.table(col_widths=CODE_WIDTHS, text_align="LEFT", line_height=5) as table:
        header = table.row()
        for title in CODE_COLUMNS:
            header.cell(title)
        for code in letter.codes:
            row = table.row()
            for value in (code.date, code.snomed, code.term, code.value, code.unit):
                row.cell(pdf.clean(value))
