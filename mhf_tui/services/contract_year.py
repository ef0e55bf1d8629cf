"""QOF contract years (1 April - 31 March) and calendar quarters: the periods that reports
count within, shared by the facilitator's recall, the practice's QOF view and the hub."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_YEAR = re.compile(r"(\d{4})/(\d{2})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")


class Period:
    """What contract years and quarters share: `day in period` (inclusive of both ends)
    and `str(period)` as its label."""

    @property
    def start(self) -> date:
        raise NotImplementedError

    @property
    def end(self) -> date:
        raise NotImplementedError

    @property
    def label(self) -> str:
        raise NotImplementedError

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True, order=True)
class ContractYear(Period):
    """One QOF year, named by the calendar year it starts in: 2026/27 runs 2026-04-01 to
    2027-03-31 inclusive."""

    first_year: int

    @classmethod
    def parse(cls, text: str) -> ContractYear:
        """`2026/27`; ValueError for anything else (the second part must follow the first)."""
        match = _YEAR.fullmatch(text.strip())
        if not match or (int(match[1]) + 1) % 100 != int(match[2]):
            raise ValueError(f"a contract year is written like 2026/27, not {text!r}")
        return cls(int(match[1]))

    @classmethod
    def containing(cls, day: date) -> ContractYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def start(self) -> date:
        return date(self.first_year, 4, 1)

    @property
    def end(self) -> date:
        """The last day (inclusive): 31 March."""
        return date(self.first_year + 1, 3, 31)

    @property
    def previous(self) -> ContractYear:
        return ContractYear(self.first_year - 1)

    @property
    def label(self) -> str:
        return f"{self.first_year}/{(self.first_year + 1) % 100:02d}"


@dataclass(frozen=True, order=True)
class Quarter(Period):
    """A calendar quarter: Q1 = January-March ... Q4 = October-December."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER.fullmatch(text.strip().upper())
        if not match:
            raise ValueError(f"a quarter is written like 2026-Q3, not {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The last day (inclusive)."""
        if self.number == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.number + 1, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"
