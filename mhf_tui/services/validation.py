"""Field validators shared by the services, the CSV importers and the CLI.

Each returns the value in its stored form or raises `ValidationError` with a message that
names the field and the rule, never the value itself (messages can reach the terminal).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from mhf_tui.errors import ValidationError
from mhf_tui.safe_text import has_control, neutralise

NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
SEXES = ("female", "male", "other", "unknown")
SEX_ALIASES = {"f": "female", "m": "male", "o": "other", "u": "unknown", "": "unknown"}
PATIENT_STATUSES = ("active", "on_hold", "discharged")
PREFERRED_CONTACT = ("", "phone", "text", "letter", "email", "in_person")
#: mental health care clusters run 0-21
CARE_CLUSTERS = range(0, 22)
EARLIEST_BIRTH = date(1900, 1, 1)

_ODS_PRACTICE = re.compile(r"[A-Z][0-9]{5}")
_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})")
_CLUSTER = re.compile(r"(?:c|cluster)?\s*([0-9]{1,2})")


def nhs_check_digit(first_nine: str) -> int | None:
    """Modulus 11 check digit for nine digits; None when the remainder makes it 10
    (no valid NHS number starts with those nine digits)."""
    total = sum(int(d) * w for d, w in zip(first_nine, NHS_NUMBER_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    try:
        normalise_nhs_number(value)
    except ValidationError:
        return False
    return True


def normalise_nhs_number(value: str) -> str:
    """Ten digits; spaces and dashes allowed in input; Modulus 11 check digit."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not digits:
        raise ValidationError("NHS number is required")
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError("NHS number must contain only digits (spaces allowed)")
    if len(digits) != 10:
        raise ValidationError(f"NHS number must be 10 digits, got {len(digits)}")
    check = nhs_check_digit(digits[:9])
    if check is None or check != int(digits[9]):
        raise ValidationError("NHS number fails the Modulus 11 check digit (mistyped?)")
    return digits


def optional_nhs_number(value: str | None) -> str | None:
    """None (or blank) is allowed: patients not yet registered have no number."""
    if value is None or not value.strip():
        return None
    return normalise_nhs_number(value)


def format_nhs_number(digits: str | None) -> str:
    """`999 000 0018` as shown on NHS letters."""
    if not digits:
        return ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def normalise_ods_code(value: str) -> str:
    """GP practice ODS codes: one letter and five digits (e.g. C82001)."""
    code = (value or "").strip().upper()
    if not code:
        raise ValidationError("practice ODS code is required")
    if not _ODS_PRACTICE.fullmatch(code):
        raise ValidationError("practice ODS code must be a letter and 5 digits, e.g. C82001")
    return code


def required_text(value: str | None, field: str, *, max_length: int = 200) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"{field} is required")
    if len(text) > max_length:
        raise ValidationError(f"{field} is longer than {max_length} characters")
    if has_control(text):
        raise ValidationError(f"{field} contains control characters")
    return text


def optional_text(
    value: str | None, field: str, *, max_length: int = 2000, one_line: bool = False
) -> str:
    """A free-text field. `one_line` fields refuse control characters (as names do);
    multi-line ones keep newlines and tabs and store any other control character made
    visible (ESC as `␛`), so nothing typed is dropped or reordered."""
    text = multiline_text(value)
    if len(text) > max_length:
        raise ValidationError(f"{field} is longer than {max_length} characters")
    if one_line and has_control(text):
        raise ValidationError(f"{field} contains control characters")
    return text


def multiline_text(value: str | None) -> str:
    """Stripped text with CR LF and lone CR as newlines and other controls made visible."""
    return neutralise((value or "").replace("\r\n", "\n").replace("\r", "\n").strip())


def parse_date(value: object, field: str) -> date:
    """A date as given, or its text as YYYY-MM-DD. Any other value (a number from a TOML or
    JSON document, say) is read as its text, so it gets this message, not a crash."""
    if isinstance(value, date):
        return value
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValidationError(f"{field} is required (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{field} must be a date as YYYY-MM-DD") from None


def optional_date(value: object, field: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value, field)


def date_of_birth(value: date | str | None, *, today: date | None = None) -> date:
    born = parse_date(value, "date of birth")
    if born > (today or date.today()):
        raise ValidationError("date of birth is in the future")
    if born < EARLIEST_BIRTH:
        raise ValidationError("date of birth is before 1900")
    return born


def normalise_sex(value: str | None) -> str:
    text = (value or "").strip().lower()
    text = SEX_ALIASES.get(text, text)
    if text not in SEXES:
        raise ValidationError("sex must be one of " + ", ".join(SEXES))
    return text


def normalise_phone(value: str | None, field: str = "phone") -> str:
    """UK numbers: 10 or 11 digits starting 0, or +44; spaces, dashes, brackets allowed.
    Stored as typed (trimmed) so it reads the way the patient gave it."""
    text = (value or "").strip()
    if not text:
        return ""
    if not re.fullmatch(r"\+?[0-9 ()\-]+", text):
        raise ValidationError(f"{field} may contain only digits, spaces, brackets, - and +")
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        if not digits.startswith("44"):
            return text  # a non-UK number: accept the international form as given
        digits = "0" + digits[2:]
    if not digits.startswith("0") or len(digits) not in (10, 11):
        raise ValidationError(f"{field} must be a UK number of 10 or 11 digits starting 0")
    return text


def normalise_service_phone(value: str | None, field: str = "phone") -> str:
    """Helplines include short numbers (111, 116 123), so only the characters are checked."""
    text = (value or "").strip()
    if text and not re.fullmatch(r"\+?[0-9 ()\-]{3,20}", text):
        raise ValidationError(f"{field} may contain only digits, spaces, brackets, - and +")
    return text


def normalise_postcode(value: str | None) -> str:
    text = re.sub(r"\s+", "", (value or "").upper())
    if not text:
        return ""
    match = _POSTCODE.fullmatch(text)
    if not match:
        raise ValidationError("postcode is not a UK postcode")
    return f"{match.group(1)} {match.group(2)}"


def parse_care_cluster(value: int | str | None) -> int | None:
    """8, "8", "c8" or "cluster 8"."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError("care cluster must be a number from 0 to 21")
    if isinstance(value, int):
        number = value
    else:
        text = value.strip().lower()
        if not text:
            return None
        match = _CLUSTER.fullmatch(text)
        if not match:
            raise ValidationError("care cluster must be a number from 0 to 21")
        number = int(match.group(1))
    if number not in CARE_CLUSTERS:
        raise ValidationError("care cluster must be a number from 0 to 21")
    return number


def parse_bool(value: bool | str | None, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in ("true", "yes", "y", "1"):
        return True
    if text in ("false", "no", "n", "0", ""):
        return False
    raise ValidationError(f"{field} must be true or false")


def choice(value: str | None, field: str, allowed: tuple[str, ...] | list[str]) -> str:
    text = (value or "").strip().lower().replace(" ", "_").replace("-", "_")
    if text not in allowed:
        raise ValidationError(f"{field} must be one of " + ", ".join(a for a in allowed if a))
    return text


def fold_name(name: str) -> str:
    """Lower case, accents and punctuation removed: the form names are compared in."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def names_similar(family_a: str, given_a: str, family_b: str, given_b: str) -> bool:
    """Likely the same person when dates of birth match: family names nearly equal and
    given names sharing an initial (Jon/John, Smith/Smyth, O'Neil/ONeill), or the two
    names swapped."""
    fa, ga, fb, gb = (fold_name(n) for n in (family_a, given_a, family_b, given_b))
    if not fa or not fb:
        return False
    if fa == gb and ga == fb:
        return True
    family_close = fa == fb or SequenceMatcher(None, fa, fb).ratio() >= 0.8
    given_close = bool(ga and gb) and (
        ga[0] == gb[0] or SequenceMatcher(None, ga, gb).ratio() >= 0.8
    )
    return family_close and given_close


class FieldErrors(ValidationError):
    """Every problem in a form at once, by field name, so a screen can mark each field and
    focus the first; the message joins them for the CLI and notifications."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


def check_fields(checks: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run every field's check (in order) and return the values; raise `FieldErrors` naming
    all the fields that failed, not just the first."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except FieldErrors as exc:
            errors.update(exc.errors)
        except ValidationError as exc:
            errors[name] = str(exc)
    if errors:
        raise FieldErrors(errors)
    return values
