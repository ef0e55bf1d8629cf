"""Argument types for the command line: each turns a typed word into its value or raises
`ArgumentTypeError` with a message that never repeats the word (it may be patient data)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from mhf_tui.errors import ValidationError

if TYPE_CHECKING:
    from mhf_tui.services.contract_year import ContractYear

_YES = ("yes", "y", "true", "1")
_NO = ("no", "n", "false", "0")


def iso_date(value: str) -> date:
    """`YYYY-MM-DD`."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date as YYYY-MM-DD") from None


def local_time(value: str) -> datetime:
    """`YYYY-MM-DD HH:MM` in local time (what the user means), kept as an aware time."""
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("expected a time as 'YYYY-MM-DD HH:MM'") from None
    return when if when.tzinfo else when.astimezone()


def yes_no(value: str) -> bool:
    text = value.strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise argparse.ArgumentTypeError("expected yes or no")


def yes_no_unknown(value: str) -> bool | None:
    """yes, no, or unknown (None: not recorded; `clear` and `none` say the same)."""
    if value.strip().lower() in ("unknown", "clear", "none"):
        return None
    try:
        return yes_no(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError("expected yes, no or unknown") from None


def _checked(normalise: Callable[[str], str]) -> Callable[[str], str]:
    """An argument type from one of the services' validators (same rule, same message)."""

    def convert(value: str) -> str:
        try:
            return normalise(value)
        except ValidationError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = normalise.__name__
    return convert


def nhs_number(value: str) -> str:
    """Ten digits with a valid Modulus 11 check digit; spaces and dashes allowed."""
    from mhf_tui.services.validation import normalise_nhs_number

    return _checked(normalise_nhs_number)(value)


def ods_code(value: str) -> str:
    """A GP practice's ODS code (a letter and five digits), upper-cased."""
    from mhf_tui.services.validation import normalise_ods_code

    return _checked(normalise_ods_code)(value)


def contract_year(value: str) -> ContractYear:
    """A QOF contract year as written on the forms, e.g. 2026/27."""
    from mhf_tui.services.contract_year import ContractYear

    try:
        return ContractYear.parse(value)
    except ValueError:
        raise argparse.ArgumentTypeError("a contract year is written like 2026/27") from None
