"""Dates and times as typed in the app's forms (services.when) and the contact form's
fields checked all at once (services.contacts.contact_from_form)."""

from __future__ import annotations

import time
from datetime import date, datetime

import pytest

from mhf_tui.errors import ValidationError
from mhf_tui.services.contacts import contact_from_form
from mhf_tui.services.validation import FieldErrors
from mhf_tui.services.when import parse_day, parse_when


@pytest.fixture(autouse=True)
def london(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def local(*args: int) -> datetime:
    return datetime(*args).astimezone()  # type: ignore[arg-type]


NOW = datetime(2026, 3, 2, 10, 15).astimezone()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", NOW),
        ("now", NOW),
        ("9:05", local(2026, 3, 2, 9, 5)),
        ("yesterday 14:30", local(2026, 3, 1, 14, 30)),
        ("Yesterday  14.30", local(2026, 3, 1, 14, 30)),
        ("today 08:00", local(2026, 3, 2, 8, 0)),
        ("30/11 9:00", local(2025, 11, 30, 9, 0)),  # no year: the last 30 November
        ("1/3 9:00", local(2026, 3, 1, 9, 0)),
        ("30/11/2025 9:00", local(2025, 11, 30, 9, 0)),
        ("2026-02-27 16:45", local(2026, 2, 27, 16, 45)),
        ("2026-02-27T16:45", local(2026, 2, 27, 16, 45)),
        ("2026-02-27 16:45:00", local(2026, 2, 27, 16, 45)),
    ],
)
def test_when_forms(typed: str, expected: datetime) -> None:
    assert parse_when(typed, "when", now=NOW) == expected


def test_summer_time_is_local(monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime(2026, 7, 2, 10, 0).astimezone()
    when = parse_when("yesterday 14:30", "when", now=now)
    assert when.utcoffset() is not None and when.utcoffset().total_seconds() == 3600
    assert (when.month, when.day, when.hour) == (7, 1, 14)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("tomorrow 9:00", "when is in the future"),
        ("11:00", "when is in the future"),
        ("yesterday", "when: add the time, e.g. yesterday 14:30"),
        ("25:00", "when: type a time as"),
        ("31/2 9:00", "when: type a time as"),
        ("last tuesday", "when: type a time as"),
    ],
)
def test_when_refused(typed: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_when(typed, "when", now=NOW)
    assert str(raised.value).startswith(message)
    assert "tuesday" not in str(raised.value)  # never echoes what was typed


@pytest.mark.parametrize(
    ("typed", "towards", "expected"),
    [
        ("", "future", None),
        ("today", "future", date(2026, 3, 2)),
        ("tomorrow", "future", date(2026, 3, 3)),
        ("1/3", "future", date(2027, 3, 1)),  # a follow-up is ahead
        ("1/3", "past", date(2026, 3, 1)),  # a test result is behind
        ("16/3", "future", date(2026, 3, 16)),
        ("16/03/26", "future", date(2026, 3, 16)),
        ("2026-03-16", "future", date(2026, 3, 16)),
    ],
)
def test_day_forms(typed: str, towards: str, expected: date | None) -> None:
    assert parse_day(typed, "follow-up", today=date(2026, 3, 2), towards=towards) == expected


def test_day_refused() -> None:
    with pytest.raises(ValidationError, match="follow-up: type a date as today, tomorrow"):
        parse_day("next week", "follow-up", today=date(2026, 3, 2))


def test_contact_form_yesterdays_home_visit() -> None:
    contact = contact_from_form(
        {
            "mode": "home_visit",
            "when": "yesterday 14:30",
            "minutes": "20",
            "location": "home",
            "outcome": "Settled; plan agreed",
            "follow_up": "9/3",
        },
        now=NOW,
    )
    assert contact.mode == "home_visit"
    assert contact.occurred_at == local(2026, 3, 1, 14, 30)
    assert contact.duration_minutes == 20
    assert contact.follow_up_on == date(2026, 3, 9)
    assert contact.outcome == "Settled; plan agreed"


def test_contact_form_reports_every_bad_field_at_once() -> None:
    with pytest.raises(FieldErrors) as raised:
        contact_from_form(
            {"mode": "", "when": "tomorrow 9:00", "minutes": "twenty", "follow_up": "soon"},
            now=NOW,
        )
    assert list(raised.value.errors) == ["mode", "when", "minutes", "follow_up"]
    assert raised.value.errors["minutes"] == "minutes must be a whole number"


def test_questionnaire_wording_matches_the_item_counts() -> None:
    from mhf_tui.services.outcomes import ANSWERS, MEASURES, QUESTIONS

    for measure, spec in MEASURES.items():
        assert len(QUESTIONS[measure]) == spec.items
        assert len(ANSWERS) == spec.item_max + 1
    assert QUESTIONS["phq9"][8].startswith("Thoughts that you would be better off dead")
    assert QUESTIONS["gad7"][6] == "Feeling afraid as if something awful might happen"
