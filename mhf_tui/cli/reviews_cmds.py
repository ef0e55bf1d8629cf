"""`mhf reviews start|answer|complete|abandon|show|list|due|report|templates`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from mhf_tui.cli.argtypes import contract_year, iso_date, nhs_number, ods_code
from mhf_tui.cli.common import audit_view, data_dir, patient_id, with_caseload
from mhf_tui.cli.output import emit
from mhf_tui.cli.registry import Commands, arg
from mhf_tui.errors import ValidationError

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.contract_year import ContractYear
    from mhf_tui.services.qof_report import QofReport
    from mhf_tui.services.recall import RecallEntry
    from mhf_tui.services.templates import ReviewTemplate, TemplateSet

R = TypeVar("R")

cli = Commands()
cli.group("reviews", "review checklists, recall and the QOF-style report")
register = cli.register

REVIEW = arg("review", help="review id (or its first 6+ characters)")


def _year(args: argparse.Namespace) -> ContractYear | None:
    """--year as a contract year; a bad one is this command's error (exit 1), named."""
    if args.year is None:
        return None
    try:
        return contract_year(args.year)
    except argparse.ArgumentTypeError as exc:
        raise ValidationError(f"--year: {exc}") from None


def _templates(args: argparse.Namespace) -> TemplateSet:
    from mhf_tui.services.templates import load_templates

    return load_templates(data_dir(args).templates)


def _parse_pairs(pairs: list[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for pair in pairs:
        item, sep, value = pair.partition("=")
        if not sep or not item.strip():
            raise ValidationError(f"answers are ITEM=VALUE, got {pair!r}")
        answers[item.strip()] = value
    return answers


@cli.command("reviews templates", help="list (and validate) review templates", json=True)
def templates(args: argparse.Namespace) -> int:
    loaded = list(_templates(args))
    if not args.json:
        return emit(
            args,
            loaded,
            lines=lambda t: [
                f"{t.id}  v{t.version}  every {t.recurrence_months} months  ({t.origin})",
                f"  {t.title}: {len(t.items)} items, {len(t.required_items)} required",
            ],
        )
    return emit(
        args,
        [
            {
                "id": t.id,
                "title": t.title,
                "version": t.version,
                "recurrence_months": t.recurrence_months,
                "applies_to": list(t.applies_to),
                "origin": t.origin,
                "source": t.source,
                "items": [
                    {
                        "id": i.id,
                        "label": i.label,
                        "type": i.type,
                        "required": i.required,
                        "unit": i.unit,
                        "snomed": i.snomed,
                    }
                    for i in t.items
                ],
            }
            for t in loaded
        ],
    )


@cli.command("reviews start", help="start a review for a patient", json=True)
@arg("--nhs", required=True, type=nhs_number, help="the patient's NHS number")
@arg("--template", default="smi_physical_health_check", help="template id")
@arg("--on", type=iso_date, help="the day the review took place (default today)")
def start(args: argparse.Namespace) -> int:
    loaded = _templates(args)
    return _start(args, loaded.get(args.template))


@with_caseload
def _start(args: argparse.Namespace, caseload: Caseload, template: ReviewTemplate) -> int:
    from mhf_tui.services.reviews import ReviewStarted, current_answers, start_review
    from mhf_tui.services.templates import describe_expected

    with caseload.session() as session:
        review = start_review(
            session,
            patient_id=patient_id(session, args.nhs),
            template=template,
            actor=caseload.actor,
            performed_on=args.on,
        )
        answered = current_answers(session, review_id=review.id)
    if args.json:
        return emit(args, ReviewStarted.from_attrs(review))
    again = " (carrying on the review already started)" if answered else ""
    lines = [f"Review {review.id} of {template.title}{again}"]
    for item in template.items:
        mark = "*" if item.required else " "
        done = f" = {answered[item.id].value}" if item.id in answered else ""
        lines.append(f" {mark} {item.id:<24} {item.label} [{describe_expected(item)}]{done}")
    lines.append("* required. Answer with: mhf reviews answer REVIEW ITEM=VALUE ...")
    return emit(args, lines, lines=lambda line: [line])


@cli.command("reviews answer", help="answer items: ITEM=VALUE ...")
@REVIEW
@arg("answers", nargs="+", metavar="ITEM=VALUE", help="an empty VALUE withdraws")
@arg("--on", type=iso_date, help="day the values were observed (default: the review's day)")
@arg("--reason", help="why a completed review is being amended")
def answer(args: argparse.Namespace) -> int:
    return _answer(args, _templates(args), _parse_pairs(args.answers))


@with_caseload
def _answer(
    args: argparse.Namespace, caseload: Caseload, loaded: TemplateSet, answers: dict[str, str]
) -> int:
    from mhf_tui.services.reviews import answer_items, find_review, missing_required

    with caseload.session() as session:
        review = find_review(session, ref=args.review)
        written = answer_items(
            session,
            review_id=review.id,
            answers=answers,
            templates=loaded,
            actor=caseload.actor,
            observed_on=args.on,
            amend_reason=args.reason or "",
        )
        missing = missing_required(session, review=review, template=loaded.get(review.template_id))
    print(f"Saved {len(written)} answer(s)" + ("" if written else " (nothing changed)"))
    if review.status == "in_progress":
        if missing:
            print("Still required: " + ", ".join(i.id for i in missing))
        else:
            print("All required items answered: mhf reviews complete " + str(review.id))
    return 0


def _on_review(
    args: argparse.Namespace, caseload: Caseload, change: Callable[..., R], **fields: Any
) -> R:
    """A change to the review REVIEW names, by the facilitator."""
    from mhf_tui.services.reviews import find_review

    with caseload.session() as session:
        review = find_review(session, ref=args.review)
        return change(session, review_id=review.id, actor=caseload.actor, **fields)


@cli.command("reviews complete", help="complete a review")
@REVIEW
def complete(args: argparse.Namespace) -> int:
    return _complete(args, _templates(args))


@with_caseload
def _complete(args: argparse.Namespace, caseload: Caseload, loaded: TemplateSet) -> int:
    from mhf_tui.services.reviews import complete_review

    review = _on_review(args, caseload, complete_review, templates=loaded)
    print(f"Completed; next due {review.next_due_on}")
    return 0


@cli.command("reviews abandon", help="set aside a review started in error")
@REVIEW
@with_caseload
def abandon(args: argparse.Namespace, caseload: Caseload) -> int:
    from mhf_tui.services.reviews import abandon_review

    _on_review(args, caseload, abandon_review)
    print("Review abandoned (its answers are kept)")
    return 0


@cli.command("reviews show", help="show a review and its answers", json=True)
@REVIEW
def show(args: argparse.Namespace) -> int:
    return _show(args, _templates(args))


@with_caseload
def _show(args: argparse.Namespace, caseload: Caseload, loaded: TemplateSet) -> int:
    from mhf_tui.services.reviews import find_review, review_detail

    with caseload.session() as session:
        review = find_review(session, ref=args.review)
        detail = review_detail(session, review_id=review.id, templates=loaded, actor=caseload.actor)
    r = detail.review
    if args.json:
        return emit(args, detail.read())
    due = f", next due {r.next_due_on}" if r.next_due_on else ""
    lines = [f"{detail.template.title} on {r.performed_on}: {r.status.replace('_', ' ')}{due}"]
    for a in detail.answers:
        mark = "*" if a.item.required else " "
        amended = f"  (version {a.versions})" if a.versions > 1 and a.answer else ""
        lines.append(f" {mark} {a.item.label:<32} {a.display or '-'}{amended}")
    if detail.missing_required:
        lines.append("Still required: " + ", ".join(i.label for i in detail.missing_required))
    return emit(args, lines, lines=lambda line: [line])


@cli.command("reviews list", help="a patient's reviews", json=True)
@arg("--nhs", required=True, type=nhs_number)
def list_reviews(args: argparse.Namespace) -> int:
    return _list(args, _templates(args))


@with_caseload
def _list(args: argparse.Namespace, caseload: Caseload, loaded: TemplateSet) -> int:
    from mhf_tui.services.reviews import ReviewRead, patient_reviews

    with caseload.session() as session:
        patient = patient_id(session, args.nhs)
        reviews = patient_reviews(session, patient_id=patient)
        audit_view(session, caseload.actor, "review", patient=patient, rows=len(reviews))
    rows = [ReviewRead.from_row(r, loaded) for r in reviews]

    def lines(row: ReviewRead) -> list[str]:
        due = f"  next due {row.next_due_on}" if row.next_due_on else ""
        return [
            f"{str(row.id)[:8]}  {row.performed_on}  {row.status:<11} "
            f"{row.title or row.template_id}{due}"
        ]

    return emit(args, rows, lines=lines, empty="No reviews yet")


@cli.command("reviews due", help="overdue, due soon and never-done reviews", json=True)
@arg("--days", type=int, help="due within this many days (30, or to --year's end)")
@arg("--practice", type=ods_code, help="one practice (ODS code)")
@arg(
    "--year", metavar="2026/27", help="contract year, e.g. 2026/27: everything due before 31 March"
)
@arg("--as-of", type=iso_date, help="reference date (default today)")
def due(args: argparse.Namespace) -> int:
    return _due(args, _templates(args), _year(args))


@with_caseload
def _due(
    args: argparse.Namespace, caseload: Caseload, loaded: TemplateSet, year: ContractYear | None
) -> int:
    from mhf_tui.services.audit import record_event
    from mhf_tui.services.recall import recall_list
    from mhf_tui.services.validation import format_nhs_number

    with caseload.session() as session:
        entries = recall_list(
            session,
            templates=loaded,
            as_of=args.as_of,
            within_days=args.days,
            practice_ods=args.practice,
            year=year,
        )
        record_event(
            session,
            actor=caseload.actor,
            action="view",
            entity="recall",
            detail=f"entries={len(entries)}",
        )
    until = f"before {year.end} (end of {year})" if year else f"in the next {args.days or 30} days"

    def lines(e: RecallEntry) -> list[str]:
        due_on = e.due_on.isoformat() if e.due_on else "never done"
        started = "  (started)" if e.in_progress_review_id else ""
        return [
            f"{e.status:<8} {due_on:<11} {format_nhs_number(e.nhs_number):<13} "
            f"{e.patient_name:<28} {e.practice_ods:<7} {e.template_title}{started}"
        ]

    return emit(args, entries, lines=lines, empty=f"Nothing overdue, due {until}, or never done")


@cli.command("reviews report", help="QOF-style physical health check report", json=True)
@arg("--practice", required=True, type=ods_code, help="ODS code")
@arg("--year", metavar="2026/27", help="contract year, e.g. 2026/27 (default: the current one)")
@arg("--as-of", type=iso_date, help="reference date (default today, or 31 March of --year)")
def report(args: argparse.Namespace) -> int:
    year = _year(args)
    as_of = args.as_of
    if year is not None and as_of is None:
        as_of = min(date.today(), year.end)
    return _report(args, _templates(args), year, as_of)


@with_caseload
def _report(
    args: argparse.Namespace,
    caseload: Caseload,
    loaded: TemplateSet,
    year: ContractYear | None,
    as_of: date | None,
) -> int:
    from mhf_tui.services.audit import record_event
    from mhf_tui.services.qof_report import qof_report

    with caseload.session() as session:
        result = qof_report(
            session, templates=loaded, practice_ods=args.practice, as_of=as_of, year=year
        )
        record_event(
            session,
            actor=caseload.actor,
            action="view",
            entity="qof_report",
            detail=f"practice={result.practice_ods}",
        )
    return emit(args, result, lines=_report_lines)


def _report_lines(report: QofReport) -> list[str]:
    denominator = report.smi_register

    def pct(n: int) -> str:
        return f"{100 * n / denominator:5.1f}%" if denominator else "    -"

    year = report.year
    lines = [
        f"{report.practice_ods} {report.practice_name}: SMI register {denominator}, "
        f"contract year {year} ({year.start} to {year.end})"
    ]
    for check in report.checks:
        lines.append(
            f"  {check.indicator:<8} {check.label:<30} {check.count:>5}  {pct(check.count)}"
        )
    overrides = sum(p.lipids.override for p in report.patients)
    return [
        *lines,
        f"  {'NHSE':<8} {'All six (SMI health check)':<30} {report.all_checks_complete:>5}  "
        f"{pct(report.all_checks_complete)}",
        f"By contract year, as of {report.as_of}: each check counts if recorded since "
        f"{year.start}; lipids per QOF MH011 (this contract year if a risk factor is on "
        f"record, else this or the previous one). Manual CV-risk overrides: {overrides}.",
        "All six = NHS England's SMI physical health check measure (QOF MH021 retired 2025/26).",
    ]
