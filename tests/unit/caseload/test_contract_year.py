"""Contract years and quarters: the edges every report counts by."""

from datetime import date

import pytest

from mhf_tui.services.contract_year import ContractYear, Quarter


def test_contract_year_edges() -> None:
    year = ContractYear.parse("2026/27")
    assert (year.start, year.end) == (date(2026, 4, 1), date(2027, 3, 31))
    assert date(2026, 3, 31) not in year
    assert date(2026, 4, 1) in year
    assert date(2027, 3, 31) in year
    assert date(2027, 4, 1) not in year
    assert ContractYear.containing(date(2026, 3, 31)).label == "2025/26"
    assert ContractYear.containing(date(2026, 4, 1)).label == "2026/27"
    assert year.previous.label == "2025/26"
    assert ContractYear.parse("1999/00").end == date(2000, 3, 31)


@pytest.mark.parametrize("text", ["2026/28", "2026-27", "26/27", "2026/27\n", "x"])
def test_contract_year_refuses_bad_text(text: str) -> None:
    if text.endswith("\n"):
        # surrounding whitespace is trimmed, so a trailing newline is the same year
        assert ContractYear.parse(text).label == "2026/27"
        return
    with pytest.raises(ValueError, match="2026/27"):
        ContractYear.parse(text)


def test_quarters() -> None:
    q3 = Quarter.parse("2026-q3")
    assert (q3.start, q3.end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert Quarter.parse("2024-Q1").end == date(2024, 3, 31)
    assert Quarter.parse("2026-Q4").end == date(2026, 12, 31)
    assert Quarter.containing(date(2026, 12, 2)).label == "2026-Q4"
    with pytest.raises(ValueError, match="2026-Q3"):
        Quarter.parse("2026-Q5")
