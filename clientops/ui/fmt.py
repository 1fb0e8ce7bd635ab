"""Amounts, dates and numbers formatted for the UI's locale (Babel): ``12 345,67 €``."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

from .i18n import babel_locale


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        if value != value:  # NaN, pd.NA compare unequal… or raise
            return True
    except TypeError:
        return True
    return isinstance(value, float) and math.isnan(value)


def money(value: Any, currency: str = "EUR", empty: str = "—") -> str:
    """``Decimal('12345.67')`` → ``12 345,67 €`` in French, ``€12,345.67`` in English."""
    if _missing(value):
        return empty
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return format_currency(amount, currency or "EUR", locale=babel_locale())


def number(value: Any, digits: int = 0, empty: str = "—") -> str:
    """A plain number with the locale's grouping: ``1 234`` / ``12,5``."""
    if _missing(value):
        return empty
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return format_decimal(amount, format=pattern, locale=babel_locale())


def percent(value: Any, empty: str = "—") -> str:
    """``0.125`` → ``12,5 %``."""
    if _missing(value):
        return empty
    return format_percent(float(value), format="#,##0.#%", locale=babel_locale())


def day(value: Any, empty: str = "—") -> str:
    """A date in the locale's short form: ``05/01/2026``."""
    if _missing(value):
        return empty
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value, "short", locale=babel_locale())


def month(value: Any, empty: str = "—") -> str:
    """The month of a date: ``janvier 2026`` / ``January 2026``."""
    if _missing(value):
        return empty
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value, "LLLL yyyy", locale=babel_locale())


def moment(value: Any, empty: str = "—") -> str:
    """A timestamp: ``05/01/2026 14:03``."""
    if _missing(value):
        return empty
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return format_datetime(value, "short", locale=babel_locale())


def text(value: Any, empty: str = "") -> str:
    """Any value as display text (missing → ``empty``); a list of tags as ``a, b`` (none:
    ``empty``, never ``()``)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(str(v) for v in value if not _missing(v)) or empty
    if _missing(value):
        return empty
    return str(value)


__all__ = ["money", "number", "percent", "day", "month", "moment", "text"]
