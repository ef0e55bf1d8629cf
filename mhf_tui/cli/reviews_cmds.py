"""`mhf reviews start|answer|complete|abandon|show|list|due|report|templates`."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from mhf_tui.cli.common import add_json_option, data_dir, open_caseload, print_json
from mhf_tui.errors import ValidationError


def parse_date(value: str | None, field: str) -> date | None:
    from mhf_tui.services.validation import optional_date

    return optional_date(value, field)


def _year(args: argparse.Namespace) -> Any:
    """The --year option as a contract year (None when not given)."""
    from mhf_tui.services.contract_year import ContractYear

    if args.year is None:
        return None
    try:
        return ContractYear.parse(args.year)
    except ValueError as exc:
        raise ValidationError(f"--year: {exc}") from None


def _templates(args: argparse.Namespace) -> Any:
    from mhf_tui.services.templates import load_templates

    return load_templates(data_dir(args).templates)


def patient_by_nhs(session: Any, nhs: str) -> Any:
    from mhf_tui.services.patients import find_patient_by_nhs

    return find_patient_by_nhs(session, nhs_number=nhs)


def _parse_pairs(pairs: list[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for pair in pairs:
        item, sep, value = pair.partition("=")
        if not sep or not item.strip():
            raise ValidationError(f"answers are ITEM=VALUE, got {pair!r}")
        answers[item.strip()] = value
    return answers


# --- reviews ------------------------------------------------------------------------------


def cmd_templates(args: argparse.Namespace) -> int:
    templates = _templates(args)
    if args.json:
        print_json(
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
                for t in templates
            ]
        )
        return 0
    for t in templates:
        print(f"{t.id}  v{t.version}  every {t.recurrence_months} months  ({t.origin})")
        print(f"  {t.title}: {len(t.items)} items, {len(t.required_items)} required")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    from mhf_tui.services.reviews import current_answers, start_review
    from mhf_tui.services.templates import describe_expected

    templates = _templates(args)
    template = templates.get(args.template)
    with open_caseload(args) as caseload, caseload.session() as session:
        patient = patient_by_nhs(session, args.nhs)
        review = start_review(
            session,
            patient_id=patient.id,
            template=template,
            actor=caseload.actor,
            performed_on=parse_date(args.on, "--on"),
        )
        answered = current_answers(session, review_id=review.id)
    if args.json:
        print_json({"review_id": str(review.id), "template": template.id, "status": review.status})
        return 0
    again = " (carrying on the review already started)" if answered else ""
    print(f"Review {review.id} of {template.title}{again}")
    for item in template.items:
        mark = "*" if item.required else " "
        done = f" = {answered[item.id].value}" if item.id in answered else ""
        print(f" {mark} {item.id:<24} {item.label} [{describe_expected(item)}]{done}")
    print("* required. Answer with: mhf reviews answer REVIEW ITEM=VALUE ...")
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    from mhf_tui.services.reviews import answer_items, find_review, missing_required

    templates = _templates(args)
    answers = _parse_pairs(args.answers)
    with open_caseload(args) as caseload, caseload.session() as session:
        review = find_review(session, ref=args.review)
        written = answer_items(
            session,
            review_id=review.id,
            answers=answers,
            templates=templates,
            actor=caseload.actor,
            observed_on=parse_date(args.on, "--on"),
            amend_reason=args.reason or "",
        )
        missing = missing_required(
            session, review=review, template=templates.get(review.template_id)
        )
    print(f"Saved {len(written)} answer(s)" + ("" if written else " (nothing changed)"))
    if review.status == "in_progress":
        if missing:
            print("Still required: " + ", ".join(i.id for i in missing))
        else:
            print("All required items answered: mhf reviews complete " + str(review.id))
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    from mhf_tui.services.reviews import complete_review, find_review

    templates = _templates(args)
    with open_caseload(args) as caseload, caseload.session() as session:
        review = find_review(session, ref=args.review)
        review = complete_review(
            session, review_id=review.id, templates=templates, actor=caseload.actor
        )
    print(f"Completed; next due {review.next_due_on}")
    return 0


def cmd_abandon(args: argparse.Namespace) -> int:
    from mhf_tui.services.reviews import abandon_review, find_review

    with open_caseload(args) as caseload, caseload.session() as session:
        review = find_review(session, ref=args.review)
        abandon_review(session, review_id=review.id, actor=caseload.actor)
    print("Review abandoned (its answers are kept)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from mhf_tui.services.reviews import find_review, review_detail

    templates = _templates(args)
    with open_caseload(args) as caseload, caseload.session() as session:
        review = find_review(session, ref=args.review)
        detail = review_detail(
            session, review_id=review.id, templates=templates, actor=caseload.actor
        )
    r = detail.review
    if args.json:
        print_json(
            {
                "review_id": str(r.id),
                "template": r.template_id,
                "template_version": r.template_version,
                "status": r.status,
                "performed_on": r.performed_on,
                "next_due_on": r.next_due_on,
                "author": r.author,
                "answers": [
                    {
                        "item": a.item.id,
                        "label": a.item.label,
                        "value": a.answer.value if a.answer else None,
                        "unit": a.answer.unit if a.answer else a.item.unit,
                        "snomed": a.answer.code if a.answer else a.item.snomed,
                        "observed_on": a.answer.observed_on if a.answer else None,
                        "versions": a.versions,
                        "required": a.item.required,
                    }
                    for a in detail.answers
                ],
                "missing_required": [i.id for i in detail.missing_required],
            }
        )
        return 0
    due = f", next due {r.next_due_on}" if r.next_due_on else ""
    print(f"{detail.template.title} on {r.performed_on}: {r.status.replace('_', ' ')}{due}")
    for a in detail.answers:
        mark = "*" if a.item.required else " "
        amended = f"  (version {a.versions})" if a.versions > 1 and a.answer else ""
        print(f" {mark} {a.item.label:<32} {a.display or '-'}{amended}")
    if detail.missing_required:
        print("Still required: " + ", ".join(i.label for i in detail.missing_required))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from mhf_tui.services.audit import record_event
    from mhf_tui.services.reviews import patient_reviews

    templates = _templates(args)
    with open_caseload(args) as caseload, caseload.session() as session:
        patient = patient_by_nhs(session, args.nhs)
        reviews = patient_reviews(session, patient_id=patient.id)
        record_event(
            session,
            actor=caseload.actor,
            action="view",
            entity="review",
            patient_id=patient.id,
            detail=f"list rows={len(reviews)}",
        )
    rows = [
        {
            "review_id": str(r.id),
            "template": r.template_id,
            "title": templates.get(r.template_id).title if r.template_id in templates else "",
            "status": r.status,
            "performed_on": r.performed_on,
            "next_due_on": r.next_due_on,
        }
        for r in reviews
    ]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("No reviews yet")
    for row in rows:
        due = f"  next due {row['next_due_on']}" if row["next_due_on"] else ""
        print(
            f"{str(row['review_id'])[:8]}  {row['performed_on']}  {row['status']:<11} "
            f"{row['title'] or row['template']}{due}"
        )
    return 0


def cmd_due(args: argparse.Namespace) -> int:
    from mhf_tui.services.audit import record_event
    from mhf_tui.services.recall import recall_list

    templates = _templates(args)
    year = _year(args)
    as_of = parse_date(args.as_of, "--as-of")
    with open_caseload(args) as caseload, caseload.session() as session:
        entries = recall_list(
            session,
            templates=templates,
            as_of=as_of,
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
    if args.json:
        print_json([e.as_json() for e in entries])
        return 0
    if not entries:
        until = (
            f"before {year.end} (end of {year})" if year else f"in the next {args.days or 30} days"
        )
        print(f"Nothing overdue, due {until}, or never done")
    from mhf_tui.services.validation import format_nhs_number

    for e in entries:
        due = e.due_on.isoformat() if e.due_on else "never done"
        started = "  (started)" if e.in_progress_review_id else ""
        print(
            f"{e.status:<8} {due:<11} {format_nhs_number(e.nhs_number):<13} "
            f"{e.patient_name:<28} {e.practice_ods:<7} {e.template_title}{started}"
        )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from mhf_tui.services.audit import record_event
    from mhf_tui.services.qof_report import qof_report

    templates = _templates(args)
    year = _year(args)
    as_of = parse_date(args.as_of, "--as-of")
    if year is not None and as_of is None:
        as_of = min(date.today(), year.end)
    with open_caseload(args) as caseload, caseload.session() as session:
        report = qof_report(
            session, templates=templates, practice_ods=args.practice, as_of=as_of, year=year
        )
        record_event(
            session,
            actor=caseload.actor,
            action="view",
            entity="qof_report",
            detail=f"practice={report.practice_ods}",
        )
    if args.json:
        print_json(report.as_json())
        return 0
    denominator = report.smi_register

    def pct(n: int) -> str:
        return f"{100 * n / denominator:5.1f}%" if denominator else "    -"

    from mhf_tui.safe_text import neutralise

    year = report.year
    print(
        f"{report.practice_ods} {neutralise(report.practice_name)}: SMI register {denominator}, "
        f"contract year {year} ({year.start} to {year.end})"
    )
    for check in report.checks:
        print(f"  {check.indicator:<8} {check.label:<30} {check.count:>5}  {pct(check.count)}")
    print(
        f"  {'NHSE':<8} {'All six (SMI health check)':<30} {report.all_checks_complete:>5}  "
        f"{pct(report.all_checks_complete)}"
    )
    overrides = sum(p.lipids.override for p in report.patients)
    print(
        f"By contract year, as of {report.as_of}: each check counts if recorded since "
        f"{year.start}; lipids per QOF MH011 (this contract year if a risk factor is on "
        f"record, else this or the previous one). Manual CV-risk overrides: {overrides}."
    )
    print("All six = NHS England's SMI physical health check measure (QOF MH021 retired 2025/26).")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser) -> None:
    parents = [common, secret]
    reviews = sub.add_parser(
        "reviews", parents=[common], help="review checklists, recall and the QOF-style report"
    )
    rsub = reviews.add_subparsers(dest="reviews_command", metavar="ACTION", required=True)

    p = rsub.add_parser("templates", parents=parents, help="list (and validate) review templates")
    add_json_option(p)
    p.set_defaults(func=cmd_templates)

    p = rsub.add_parser("start", parents=parents, help="start a review for a patient")
    p.add_argument("--nhs", required=True, help="the patient's NHS number")
    p.add_argument("--template", default="smi_physical_health_check", help="template id")
    p.add_argument("--on", help="the day the review took place (default today)")
    add_json_option(p)
    p.set_defaults(func=cmd_start)

    p = rsub.add_parser("answer", parents=parents, help="answer items: ITEM=VALUE ...")
    p.add_argument("review", help="review id (or its first 6+ characters)")
    p.add_argument("answers", nargs="+", metavar="ITEM=VALUE", help="an empty VALUE withdraws")
    p.add_argument("--on", help="day the values were observed (default: the review's day)")
    p.add_argument("--reason", help="why a completed review is being amended")
    p.set_defaults(func=cmd_answer)

    p = rsub.add_parser("complete", parents=parents, help="complete a review")
    p.add_argument("review")
    p.set_defaults(func=cmd_complete)

    p = rsub.add_parser("abandon", parents=parents, help="set aside a review started in error")
    p.add_argument("review")
    p.set_defaults(func=cmd_abandon)

    p = rsub.add_parser("show", parents=parents, help="show a review and its answers")
    p.add_argument("review")
    add_json_option(p)
    p.set_defaults(func=cmd_show)

    p = rsub.add_parser("list", parents=parents, help="a patient's reviews")
    p.add_argument("--nhs", required=True)
    add_json_option(p)
    p.set_defaults(func=cmd_list)

    p = rsub.add_parser("due", parents=parents, help="overdue, due soon and never-done reviews")
    p.add_argument("--days", type=int, help="due within this many days (30, or to --year's end)")
    p.add_argument("--practice", help="one practice (ODS code)")
    p.add_argument("--year", help="contract year, e.g. 2026/27: everything due before 31 March")
    p.add_argument("--as-of", help="reference date (default today)")
    add_json_option(p)
    p.set_defaults(func=cmd_due)

    p = rsub.add_parser("report", parents=parents, help="QOF-style physical health check report")
    p.add_argument("--practice", required=True, help="ODS code")
    p.add_argument("--year", help="contract year, e.g. 2026/27 (default: the current one)")
    p.add_argument("--as-of", help="reference date (default today, or 31 March of --year)")
    add_json_option(p)
    p.set_defaults(func=cmd_report)
