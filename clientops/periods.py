"""The periods the indicators count over: fiscal years, and the aging buckets of days past due.

A fiscal year is named by the calendar year in which it starts (the setting
``fiscal_year_start_month`` gives its first month). An invoice's aging bucket is how many days
past its due date it is on the as-of date (SPEC.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from numbers import Integral
from typing import TYPE_CHECKING, Any

from . import bounds
from .errors import ValidationError

if TYPE_CHECKING:
    from .book import Book

BUCKETS: list[tuple[str, str, int | None, int | None]] = [
    # name, label, lowest and highest days past due (None: open-ended)
    ("not_due", "not due", None, 0),
    ("days_1_30", "1–30 days", 1, 30),
    ("days_31_60", "31–60 days", 31, 60),
    ("days_61_90", "61–90 days", 61, 90),
    ("days_91_120", "91–120 days", 91, 120),
    ("days_over_120", "over 120 days", 121, None),
]


@dataclass(frozen=True)
class FiscalYear:
    """A fiscal year, named by the calendar year in which it starts."""

    year: int
    start: date
    end: date


def fiscal_year(start_month: int, year: int) -> FiscalYear:
    """FY ``year``: from the 1st of ``start_month`` in ``year``, twelve months."""
    start = date(year, start_month, 1)
    nxt = date(year + 1, start_month, 1)
    return FiscalYear(year, start, nxt - timedelta(days=1))


def fiscal_year_of(day: date, start_month: int) -> int:
    """The name of the fiscal year containing ``day``."""
    return day.year if day.month >= start_month else day.year - 1


def resolve_period(
    book: Book, fiscal_year_name: int | None, as_of: Any, start_month: int | None = None
) -> tuple[date, FiscalYear]:
    """The as-of date (default today) and the fiscal year (default the one containing it)."""
    day = bounds.as_of(as_of)
    month = int(start_month or book.settings.fiscal_year_start_month)
    if fiscal_year_name is None:
        fiscal_year_name = fiscal_year_of(day, month)
    elif isinstance(fiscal_year_name, bool) or not isinstance(fiscal_year_name, Integral):
        raise ValidationError("fiscal_year", fiscal_year_name, "fec.fiscal_year")
    else:
        fiscal_year_name = int(fiscal_year_name)  # numpy integers from a DataFrame too
        first, last = bounds.EARLIEST.year - 1, bounds.horizon().year
        if not first <= fiscal_year_name <= last:
            raise ValidationError("fiscal_year", fiscal_year_name, "indicators.year_range",
                                  low=first, high=last)
    return day, fiscal_year(month, fiscal_year_name)


def bucket_case(late: str = "($as_of - due_date)") -> str:
    """SQL: the bucket index (0 = not due … 5 = over 120 days) of an invoice ``late`` days
    past due (``late`` an SQL expression in days; the row has a ``due_date``)."""
    parts = []
    for i, (_name, _label, _lo, hi) in enumerate(BUCKETS[:-1]):
        parts.append(f"WHEN {late} <= {hi} THEN {i}")
    return f"CASE WHEN due_date IS NULL THEN 0 {' '.join(parts)} ELSE {len(BUCKETS) - 1} END"


__all__ = ["BUCKETS", "FiscalYear", "bucket_case", "fiscal_year", "fiscal_year_of",
           "resolve_period"]
