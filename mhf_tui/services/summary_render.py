"""The subject access summary written out: rendered as HTML or text (every stored value
escaped, control characters replaced) and, as it leaves the vault, age-encrypted to a
passphrase or recipients unless a plaintext file is asked for explicitly (audited)."""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from sqlmodel import Session

from mhf_tui.errors import ValidationError
from mhf_tui.paths import write_private
from mhf_tui.services.audit import record_event
from mhf_tui.services.summary import build_summary
from mhf_tui.services.summary_model import FORMATS, Format, SummaryDocument

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _clean(text: str) -> str:
    """Free text without terminal control or bidi-override characters."""
    return _CONTROL.sub("\ufffd", text)


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #111; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #005eb8; margin-top: 2em; }
h3 { font-size: 1.05em; margin-bottom: .3em; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dt { font-weight: 600; } dd { margin: 0; white-space: pre-wrap; }
.item { border-left: 4px solid #ccc; padding: .2em .8em; margin: 1em 0; }
.flag { font-weight: 700; color: #8a1538; }
.body { white-space: pre-wrap; background: #f4f4f4; padding: .5em; }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
td, th { border: 1px solid #bbb; padding: .2em .4em; text-align: left; vertical-align: top; }
@media print { .item { break-inside: avoid; } }
"""


def render_html(doc: SummaryDocument) -> str:
    """A standalone HTML page; every stored value is escaped, no scripts or remote
    content are allowed by its content security policy."""

    def e(value: str) -> str:
        return html.escape(_clean(value), quote=True)

    def fields_html(fields: Iterable[tuple[str, str]]) -> str:
        inner = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in fields)
        return f"<dl>{inner}</dl>" if inner else ""

    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(doc.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(doc.title)}</h1>",
    ]
    for section in doc.sections:
        out.append(f"<section><h2>{e(section.title)}</h2>")
        if section.intro:
            out.append(f"<p>{e(section.intro)}</p>")
        out.append(fields_html(section.fields))
        for item in section.items:
            out.append('<div class="item">')
            out.append(f"<h3>{e(item.heading)}</h3>")
            if item.flag:
                out.append(f'<p class="flag">{e(item.flag)}</p>')
            out.append(fields_html(item.fields))
            if item.body:
                out.append(f'<div class="body">{e(item.body)}</div>')
            out.append("</div>")
        if section.table_rows:
            head = "".join(f"<th>{e(h)}</th>" for h in section.table_header)
            body = "".join(
                "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                for row in section.table_rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        if section.is_empty():
            out.append(f"<p>{e(section.empty)}</p>")
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def render_text(doc: SummaryDocument) -> str:
    """Plain text for printing or a screen reader; control characters are replaced so
    the file is safe to `cat` in a terminal."""

    def indent(text: str, prefix: str) -> str:
        return "\n".join(prefix + line for line in _clean(text).splitlines() or [""])

    out = [_clean(doc.title), "=" * len(doc.title), ""]
    for section in doc.sections:
        out += [_clean(section.title), "-" * len(section.title)]
        if section.intro:
            out.append(_clean(section.intro))
        for key, value in section.fields:
            out.append(f"{_clean(key)}: " + indent(value, "    ").lstrip())
        for item in section.items:
            out.append("")
            out.append(f"* {_clean(item.heading)}")
            if item.flag:
                out.append(f"  [{_clean(item.flag)}]")
            for key, value in item.fields:
                out.append(f"  {_clean(key)}: " + indent(value, "      ").lstrip())
            if item.body:
                out.append("  Text:")
                out.append(indent(item.body, "    | "))
        if section.table_rows:
            out.append(" | ".join(section.table_header))
            out.extend(" | ".join(_clean(c) for c in row) for row in section.table_rows)
        if section.is_empty():
            out.append(section.empty)
        out.append("")
    return "\n".join(out)


def parse_recipients(values: Iterable[str]) -> list[Any]:
    """age X25519 (`age1...`) or SSH public keys, as given to `--to`."""
    recipients: list[Any] = []
    for raw in values:
        value = raw.strip()
        try:
            if value.startswith("age1"):
                recipients.append(pyrage.x25519.Recipient.from_str(value))
            elif value.startswith("ssh-"):
                recipients.append(pyrage.ssh.Recipient.from_str(value))
            else:
                raise ValidationError("a recipient is an age public key (age1...) or SSH key")
        except pyrage.RecipientError:
            raise ValidationError("not a valid age recipient (public key)") from None
    return recipients


@dataclass(frozen=True)
class ExportResult:
    path: Path
    size: int
    protection: str  #: "passphrase", "recipients" or "plaintext"
    counts: dict[str, int]


def export_summary(
    session: Session,
    *,
    patient_id: uuid.UUID,
    actor: str,
    out: Path,
    fmt: Format = "html",
    passphrase: str | None = None,
    recipients: Sequence[str] = (),
    plaintext: bool = False,
    overwrite: bool = False,
) -> ExportResult:
    """Write the summary to `out`: age-encrypted to `passphrase` or `recipients`, or
    readable only when `plaintext` is asked for. Audited (format and protection only)
    before rendering, so the access history in the document includes this export."""
    if fmt not in FORMATS:
        raise ValidationError(f"format must be one of {', '.join(FORMATS)}")
    chosen = [bool(passphrase), bool(recipients), plaintext]
    if sum(chosen) == 0:
        raise ValidationError(
            "the summary leaves the vault: give a passphrase or a recipient to encrypt it "
            "to, or ask explicitly for a plaintext file"
        )
    if sum(chosen) > 1:
        raise ValidationError("choose one of: passphrase, recipients, plaintext")
    parsed = parse_recipients(recipients) if recipients else []
    if out.exists() and not overwrite:
        raise ValidationError(f"{out.name} already exists; choose another file name")
    if not out.parent.is_dir():
        raise ValidationError("the folder to write the summary into does not exist")
    protection = "passphrase" if passphrase else "recipients" if parsed else "plaintext"
    record_event(
        session,
        actor=actor,
        action="export",
        entity="patient_summary",
        entity_id=patient_id,
        patient_id=patient_id,
        detail=json.dumps({"format": fmt, "protection": protection, "recipients": len(parsed)}),
    )
    doc = build_summary(session, patient_id=patient_id, actor=actor)
    rendered = (render_html(doc) if fmt == "html" else render_text(doc)).encode("utf-8")
    if passphrase:
        payload = pyrage.passphrase.encrypt(rendered, passphrase)
    elif parsed:
        payload = pyrage.encrypt(rendered, parsed)
    else:
        payload = rendered
    write_private(out, payload)
    return ExportResult(out, len(payload), protection, doc.counts)
