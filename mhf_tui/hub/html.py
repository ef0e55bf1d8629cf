"""The report as one self-contained HTML file: inline CSS and SVG charts, no script, no
network, readable printed. Every figure cell carries `data-key` (its path in the `--json`
object) so the numbers can be checked against the JSON."""

from __future__ import annotations

from html import escape
from typing import Any

from mhf_tui.safe_text import neutralise

_CSS = """
body{font-family:system-ui,Arial,sans-serif;margin:2em;color:#111;max-width:60em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #bbb;padding:.2em .6em}
td{text-align:right}th{background:#eee;text-align:left}td.name{text-align:left}
.note{color:#444;font-size:.9em}svg text{font-size:11px;font-family:inherit}
@media print{body{margin:0}h2{break-after:avoid}table,svg{break-inside:avoid}}
"""
MEASURE_ROWS = (
    ("paired", "Paired (first and last score)"),
    ("mean_change", "Mean change (negative is better)"),
    ("reliable_improvement", "Reliable improvement"),
    ("reliable_improvement_rate", "Reliable improvement %"),
    ("at_caseness", "At caseness at the start"),
    ("recovery", "Recovery"),
    ("recovery_rate", "Recovery % (of those at caseness)"),
    ("reliable_deterioration", "Reliable deterioration"),
)
_BAR_COLOURS = ("#1f5f9e", "#4c9a2a", "#b5401c")


def show(value: Any) -> str:
    """How a figure is written in a cell (the test reads it back the same way)."""
    return "n/a" if value is None else str(value)


def _text(value: Any) -> str:
    return escape(neutralise(str(value), multiline=False))


def _cell(key: str, value: Any) -> str:
    return f'<td data-key="{escape(key)}">{escape(show(value))}</td>'


def _figures_table(prefix: str, f: dict[str, Any]) -> str:
    c = f["contacts"]
    rows = [
        ("Caseload (episodes)", "caseload", f["caseload"]),
        ("New episodes", "new_episodes", f["new_episodes"]),
        ("Closed episodes", "closed_episodes", f["closed_episodes"]),
        ("Contacts", "contacts.total", c["total"]),
        ("Contact minutes", "contacts.minutes", c["minutes"]),
        ("Did not attend", "contacts.dna", c["dna"]),
        ("DNA rate %", "contacts.dna_rate", c["dna_rate"]),
        ("Goals paired", "goals.paired", f["goals"]["paired"]),
        ("Goal score mean change", "goals.mean_change", f["goals"]["mean_change"]),
        ("SMI episodes", "physical_health_checks.smi", f["physical_health_checks"]["smi"]),
        ("All six health checks", "physical_health_checks.all_six",
         f["physical_health_checks"]["all_six"]),
        ("All six %", "physical_health_checks.rate", f["physical_health_checks"]["rate"]),
    ]  # fmt: skip
    body = "".join(
        f'<tr><th scope="row">{label}</th>{_cell(f"{prefix}.{key}", value)}</tr>'
        for label, key, value in rows
    )
    return f"<table>{body}</table>"


def _measures_table(prefix: str, f: dict[str, Any]) -> str:
    head = "<tr><th></th><th>PHQ-9</th><th>GAD-7</th></tr>"
    body = "".join(
        f'<tr><th scope="row">{label}</th>'
        + "".join(_cell(f"{prefix}.{m}.{key}", f[m][key]) for m in ("phq9", "gad7"))
        + "</tr>"
        for key, label in MEASURE_ROWS
    )
    return f"<table>{head}{body}</table>"


def _bars(title: str, series: list[tuple[str, list[tuple[str, Any]]]], unit: str) -> str:
    """A horizontal bar chart: per row, up to three bars (values 0-100 for %, else scaled
    to the largest); suppressed or missing values are drawn as text, not bars."""
    numbers = [v for _, bars in series for _, v in bars if isinstance(v, int | float)]
    top = 100.0 if unit == "%" else float(max(numbers, default=0) or 1)
    per_row = max((len(bars) for _, bars in series), default=1)
    row_h, bar_h, label_w, width = 16 * per_row + 8, 14, 170, 360
    height = row_h * len(series) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + width + 80}" '
        f'height="{height}" aria-label="{escape(title)}">'
    ]
    for i, (label, bars) in enumerate(series):
        y = 10 + i * row_h
        parts.append(f'<text x="0" y="{y + 8 * per_row + 3}">{_text(str(label)[:28])}</text>')
        for j, (name, value) in enumerate(bars):
            by = y + j * 16
            if isinstance(value, int | float):
                w = max(0.0, min(1.0, value / top)) * width
                parts.append(
                    f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h}" '
                    f'fill="{_BAR_COLOURS[j % 3]}"><title>{escape(name)}</title></rect>'
                )
                text = f"{escape(name)} {value}{unit}"
                parts.append(f'<text x="{label_w + w + 4:.1f}" y="{by + 11}">{text}</text>')
            else:
                parts.append(
                    f'<text x="{label_w}" y="{by + 11}">{escape(name)} {escape(show(value))}</text>'
                )
    parts.append("</svg>")
    return f"<figure><figcaption>{escape(title)}</figcaption>{''.join(parts)}</figure>"


def _outcome_chart(report: dict[str, Any], measure: str, label: str) -> str:
    rows = [("Service", report["service"])] + [(str(g["group"]), g) for g in report["groups"]]
    series = [
        (name, [("improved", f[measure]["reliable_improvement_rate"]),
                ("recovered", f[measure]["recovery_rate"])])
        for name, f in rows
    ]  # fmt: skip
    return _bars(f"{label}: reliable improvement and recovery (%)", series, "%")


def _signposting(prefix: str, items: list[dict[str, Any]]) -> str:
    if not items:
        return "<p>No signposting in this period.</p>"
    body = "".join(
        f'<tr><td class="name">{_text(s["service"])}</td><td class="name">{_text(s["status"])}'
        f"</td>{_cell(f'{prefix}.signposting.{i}.count', s['count'])}</tr>"
        for i, s in enumerate(items)
    )
    return f"<table><tr><th>Service</th><th>Status</th><th>People</th></tr>{body}</table>"


def render(report: dict[str, Any]) -> str:
    period, service = report["period"], report["service"]
    title = f"Service outcomes {period['label']}"
    note = (
        "Counts of 1 to 7 are shown as *, other counts rounded to the nearest 5 (NHS England "
        "mental health statistics); rates and means use the unrounded numbers."
        if report["suppressed"]
        else "UNSUPPRESSED: exact small numbers; not for circulation."
    )
    practices = service["physical_health_checks_by_practice"]
    checks_rows = "".join(
        f'<tr><td class="name">{_text(p["practice"])}</td>'
        + "".join(
            _cell(f"service.physical_health_checks_by_practice.{i}.{k}", p[k])
            for k in ("smi", "all_six", "rate")
        )
        + "</tr>"
        for i, p in enumerate(practices)
    )
    modes = service["contacts"]["by_mode"]
    mode_cells = "".join(
        f'<tr><th scope="row">{escape(m)}</th>{_cell(f"service.contacts.by_mode.{m}", v)}</tr>'
        for m, v in modes.items()
    )
    groups = "".join(
        f"<h3>{_text(g['group'])}</h3>{_figures_table(f'groups.{i}', g)}"
        f"{_measures_table(f'groups.{i}', g)}{_signposting(f'groups.{i}', g['signposting'])}"
        for i, g in enumerate(report["groups"])
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>{escape(period['from'])} to {escape(period['to'])}; "
        f"groups by {escape(report['by'])}; made {escape(report['generated_at'])}.</p>"
        f'<p class="note">{escape(note)}</p>'
        f"<h2>Whole service</h2>{_figures_table('service', service)}"
        f"<h2>PHQ-9 and GAD-7 (first and last score per episode)</h2>"
        f"{_measures_table('service', service)}"
        f"{_outcome_chart(report, 'phq9', 'PHQ-9')}{_outcome_chart(report, 'gad7', 'GAD-7')}"
        f"<h2>Contacts by mode</h2><table>{mode_cells}</table>"
        + _bars("Contacts by mode", [(m, [("contacts", v)]) for m, v in modes.items()], "")
        + "<h2>SMI physical health check: all six, by practice</h2>"
        "<table><tr><th>Practice</th><th>SMI</th><th>All six</th><th>%</th></tr>"
        f"{checks_rows}</table>"
        + _bars(
            "All six checks (%)",
            [(p["practice"], [("all six", p["rate"])]) for p in practices],
            "%",
        )
        + f"<h2>Signposting</h2>{_signposting('service', service['signposting'])}"
        f"<h2>By {escape(report['by'])}</h2>{groups}"
        "</body></html>\n"
    )
