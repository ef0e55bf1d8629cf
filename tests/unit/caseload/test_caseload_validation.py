from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mhf_tui.errors import ValidationError
from mhf_tui.services import validation as v


def _prefix_with_check(wanted: int | None) -> str:
    """Nine digits from the test range whose check digit is `wanted` (None: the 10 case)."""
    for n in range(1000):
        first = f"999{n:06d}"
        if v.nhs_check_digit(first) == wanted:
            return first
    raise AssertionError("no such prefix")


def test_known_valid_numbers() -> None:
    assert v.normalise_nhs_number("9990000018") == "9990000018"
    assert v.normalise_nhs_number("999 000 0018") == "9990000018"
    assert v.normalise_nhs_number(" 999-000-0018 ") == "9990000018"
    # the example from the NHS Data Dictionary: 943 476 5919
    assert v.normalise_nhs_number("943 476 5919") == "9434765919"


def test_check_digit_eleven_becomes_zero() -> None:
    first = _prefix_with_check(0)
    assert v.is_valid_nhs_number(first + "0")
    # and 11 - 0 = 11 is the only way to get 0: the weights sum is a multiple of 11
    assert sum(int(d) * w for d, w in zip(first, range(10, 1, -1), strict=True)) % 11 == 0


def test_check_digit_ten_is_never_valid() -> None:
    first = _prefix_with_check(None)
    for last in "0123456789":
        assert not v.is_valid_nhs_number(first + last)
    with pytest.raises(ValidationError, match="Modulus 11"):
        v.normalise_nhs_number(first + "0")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "required"),
        ("999000001", "10 digits"),
        ("99900000181", "10 digits"),
        ("999000001X", "only digits"),
        ("9990000017", "Modulus 11"),
        ("٩٩٩٠٠٠٠٠١٨", "only digits"),  # Arabic-Indic digits are not NHS numbers
    ],
)
def test_invalid_numbers(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        v.normalise_nhs_number(value)


def test_invalid_number_message_does_not_echo_the_number() -> None:
    with pytest.raises(ValidationError) as err:
        v.normalise_nhs_number("9990000017")
    assert "9990000017" not in str(err.value)


def test_optional_nhs_number_for_unregistered_patients() -> None:
    assert v.optional_nhs_number(None) is None
    assert v.optional_nhs_number("  ") is None
    assert v.format_nhs_number("9990000018") == "999 000 0018"


@given(st.text(max_size=30))
def test_nhs_validator_only_ever_raises_validation_error(text: str) -> None:
    try:
        result = v.normalise_nhs_number(text)
    except ValidationError:
        return
    assert len(result) == 10 and result.isdigit()
    assert v.nhs_check_digit(result[:9]) == int(result[9])


@given(st.integers(min_value=0, max_value=999_999), st.sampled_from(["", " ", "-", "  "]))
def test_valid_test_range_numbers_round_trip(n: int, sep: str) -> None:
    first = f"999{n:06d}"
    check = v.nhs_check_digit(first)
    if check is None:
        return
    digits = first + str(check)
    typed = sep.join([digits[:3], digits[3:6], digits[6:]])
    assert v.normalise_nhs_number(typed) == digits
    # any single-digit change to the check digit is caught
    wrong = first + str((check + 1) % 10)
    assert not v.is_valid_nhs_number(wrong)


def test_ods_codes() -> None:
    assert v.normalise_ods_code(" c82001 ") == "C82001"
    for bad in ("", "C8200", "CC82001", "823001", "C82-01"):
        with pytest.raises(ValidationError):
            v.normalise_ods_code(bad)


def test_date_of_birth_rules() -> None:
    today = date(2026, 1, 1)
    assert v.date_of_birth("1980-03-04", today=today) == date(1980, 3, 4)
    with pytest.raises(ValidationError, match="future"):
        v.date_of_birth(today + timedelta(days=1), today=today)
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        v.date_of_birth("04/03/1980", today=today)
    with pytest.raises(ValidationError, match="required"):
        v.date_of_birth("", today=today)


def test_phone_numbers() -> None:
    assert v.normalise_phone("07700 900123") == "07700 900123"
    assert v.normalise_phone("+44 7700 900123") == "+44 7700 900123"
    assert v.normalise_phone("(0116) 496 0000") == "(0116) 496 0000"
    assert v.normalise_phone("") == ""
    for bad in ("12345", "07700 9001234567", "call me", "7700900123"):
        with pytest.raises(ValidationError):
            v.normalise_phone(bad)


def test_postcodes_and_clusters() -> None:
    assert v.normalise_postcode("le1 5ww") == "LE1 5WW"
    assert v.normalise_postcode("ZZ991AA") == "ZZ99 1AA"
    with pytest.raises(ValidationError):
        v.normalise_postcode("not a postcode")
    assert v.parse_care_cluster("c8") == 8
    assert v.parse_care_cluster("Cluster 11") == 11
    assert v.parse_care_cluster(" 8 ") == 8
    assert v.parse_care_cluster("") is None
    for bad in ("22", "c-1", "eight", True):
        with pytest.raises(ValidationError):
            v.parse_care_cluster(bad)  # type: ignore[arg-type]


def test_required_text_refuses_control_characters() -> None:
    with pytest.raises(ValidationError, match="control"):
        v.required_text("Smith\x1b[31m", "family name")
    with pytest.raises(ValidationError, match="required"):
        v.required_text("   ", "family name")


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        (("Smith", "John"), ("Smyth", "Jon"), True),
        (("O'Neill", "Anna"), ("ONeil", "Ana"), True),
        (("Smith", "John"), ("John", "Smith"), True),  # swapped
        (("Zoë", "Müller"), ("Zoe", "Muller"), True),
        (("Smith", "John"), ("Patel", "John"), False),
        (("Smith", "John"), ("Smith", "Mary"), False),
    ],
)
def test_names_similar(a: tuple[str, str], b: tuple[str, str], similar: bool) -> None:
    assert v.names_similar(a[0], a[1], b[0], b[1]) is similar
