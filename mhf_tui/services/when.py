"""Dates and times as a facilitator types them in a form: `yesterday 14:30`, `30/11 9:00`,
`2026-11-30 09:00`, `now`; and days: `today`, `tomorrow`, `30/11`, `30/11/2026`, ISO.

Typed times are local (what the user means) and come back aware. A day and month without a
year means the nearest one in the direction that makes sense: the past for when something
happened, the future for a follow-up. Messages name the field and the accepted forms, never
the text typed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Literal

from mhf_tui.errors import ValidationError

Direction = Literal["past", "future"]

TIME_FORMS = "now, 14:30, yesterday 14:30, 30/11 9:00 or 2026-11-30 09:00"
DAY_FORMS = "today, tomorrow, 30/11, 30/11/2026 or 2026-11-30"

_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?::00)?")
_ISO_T = re.compile(r"(\d)t(\d)")
_DAY_MONTH = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?")
_RELATIVE = {"today": 0, "yesterday": -1, "tomorrow": 1}


def _clock(text: str) -> time | None:
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _day_month(text: str, today: date, towards: Direction) -> date | None:
    match = _DAY_MONTH.fullmatch(text)
    if match is None:
        return None
    day, month = int(match[1]), int(match[2])
    try:
        if match[3]:
            year = int(match[3])
            return date(year + 2000 if year < 100 else year, month, day)
        found = date(today.year, month, day)
    except ValueError:
        return None
    if towards == "past" and found > today:
        return _same_day(found, today.year - 1)
    if towards == "future" and found < today:
        return _same_day(found, today.year + 1)
    return found


def _same_day(day: date, year: int) -> date | None:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return None


def _day(text: str, today: date, towards: Direction) -> date | None:
    text = text.strip().lower()
    if text in _RELATIVE:
        return today + timedelta(days=_RELATIVE[text])
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    return _day_month(text, today, towards)


def parse_day(text: str, field: str, *, today: date, towards: Direction = "future") -> date | None:
    """A typed day, or None when left empty."""
    text = (text or "").strip()
    if not text:
        return None
    day = _day(text, today, towards)
    if day is None:
        raise ValidationError(f"{field}: type a date as {DAY_FORMS}")
    return day


def parse_when(text: str, field: str, *, now: datetime) -> datetime:
    """When something happened: local time typed, aware datetime back; empty means now.
    Never in the future."""
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    text = " ".join(_ISO_T.sub(r"\1 \2", (text or "").strip().lower()).split())
    if text in ("", "now"):
        return now
    local_now = now.astimezone()
    today = local_now.date()
    parts = text.rsplit(" ", 1)
    clock = _clock(parts[-1])
    if clock is None:
        if _day(text, today, "past") is not None:
            raise ValidationError(f"{field}: add the time, e.g. {text} 14:30")
        raise ValidationError(f"{field}: type a time as {TIME_FORMS}")
    day = today if len(parts) == 1 else _day(parts[0], today, "past")
    if day is None:
        raise ValidationError(f"{field}: type a time as {TIME_FORMS}")
    when = datetime.combine(day, clock).astimezone()
    if when > now:
        raise ValidationError(f"{field} is in the future")
    return when
