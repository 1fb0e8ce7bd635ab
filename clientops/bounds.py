"""Dates, amounts and record ids: how they are read, and the window each must fall in.

Every date a write path takes goes through :func:`clean_date`, every amount through
:func:`to_money`; imports check the same bounds in SQL (:data:`EARLIEST`, :data:`MAX_AMOUNT`,
:func:`horizon`). The windows:

- **No date before** :data:`EARLIEST` (1 January 2000): the book holds no older business.
- **What has happened** (a payment received, a mandate signed, a reminder recorded by hand)
  is not after today. The one exception is the payment a SEPA confirmation records: it is dated
  on the batch's collection date, which may still be ahead (:mod:`clientops.sepa`).
- **What is planned or issued** (a document's issue date, a task's due date, a collection date,
  a revocation date, the ``as_of`` date of a read) is at most :data:`HORIZON_YEARS` years after
  today; an invoice's due date at most :data:`HORIZON_YEARS` years after its issue date.

Amounts are exact (``Decimal``), have at most two decimals and are at most
:data:`MAX_AMOUNT` (just under a billion euros) in absolute value. Money columns are
DECIMAL(18,2) (up to 10^16), so any sum the book computes — a client's balance, a month's
invoicing, the whole portfolio — fits as long as it adds fewer than ten million amounts at the
maximum; the indicators sum in whole cents held exactly up to 90 trillion euros.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from numbers import Integral
from typing import Any

from .errors import ValidationError

EARLIEST = date(2000, 1, 1)
HORIZON_YEARS = 5
MAX_AMOUNT = Decimal("999999999.99")
CENT = Decimal("0.01")
MAX_ID = 2**63 - 1  # BIGINT


def add_years(day: date, years: int) -> date:
    """``day`` moved by whole years (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def horizon(start: date | None = None) -> date:
    """The latest date of anything planned: :data:`HORIZON_YEARS` years after ``start``
    (default today)."""
    return add_years(start or date.today(), HORIZON_YEARS)


def to_date(value: Any, field: str, *, required: bool = True) -> date | None:
    """A date from a date, datetime, pandas Timestamp or text (ISO, or French dd/mm/yyyy).

    Parsing only, no window: :func:`clean_date` adds it.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, value, "date.required")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise ValidationError(field, value, "date.invalid")


def required_date(value: Any, field: str) -> date:
    """Like :func:`to_date`, for a date that must be given (no window)."""
    day = to_date(value, field)
    assert day is not None  # required=True raises rather than return None
    return day


def clean_date(field: str, value: Any, *, earliest: date = EARLIEST, latest: date | None = None,
               required: bool = True) -> date | None:
    """The date ``value`` gives, refused (:class:`ValidationError` naming ``field``) outside
    ``earliest`` … ``latest`` (default: :func:`horizon`). ``None`` when not required and blank."""
    day = to_date(value, field, required=required)
    if day is None:
        return None
    last = horizon() if latest is None else latest
    if day < earliest:
        raise ValidationError(field, value, "date.too_early", day=earliest)
    if day > last:
        if last == date.today():
            raise ValidationError(field, value, "date.future")
        raise ValidationError(field, value, "date.too_late", day=last)
    return day


def past_date(field: str, value: Any) -> date:
    """A required date of something that has happened: :data:`EARLIEST` … today."""
    day = clean_date(field, value, latest=date.today())
    assert day is not None
    return day


def planned_date(field: str, value: Any) -> date:
    """A required date of something planned or issued: :data:`EARLIEST` … :func:`horizon`."""
    day = clean_date(field, value)
    assert day is not None
    return day


def as_of(value: Any, field: str = "as_of") -> date:
    """The date a read looks at: today when blank, else within :data:`EARLIEST` …
    :func:`horizon`."""
    return clean_date(field, value, required=False) or date.today()


def to_money(value: Any, field: str, *, allow_negative: bool = False) -> Decimal:
    """An exact amount with at most two decimals, at most :data:`MAX_AMOUNT` in absolute
    value; floats are refused (they are not exact)."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        raise ValidationError(field, value, "amount.not_decimal")
    try:
        amount = Decimal(value.strip().replace(",", ".")) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError) as err:
        raise ValidationError(field, value, "amount.invalid") from err
    if not amount.is_finite():
        raise ValidationError(field, value, "amount.invalid")
    if abs(amount) > MAX_AMOUNT:
        raise ValidationError(field, value, "amount.too_large", max=MAX_AMOUNT)
    if amount != amount.quantize(CENT):
        raise ValidationError(field, value, "amount.decimals")
    if amount < 0 and not allow_negative:
        raise ValidationError(field, value, "amount.negative")
    return amount.quantize(CENT)


def record_id(value: Any, field: str) -> int:
    """A record's id as the API takes it (a task's, a contact's, a batch's…): a whole number
    from 1 to 2^63 - 1; anything else is :class:`ValidationError` naming ``field``."""
    if type(value) is int and 1 <= value <= MAX_ID:  # the usual case, without the ABC check
        return value
    if isinstance(value, bool) or not isinstance(value, Integral) or not 1 <= int(value) <= MAX_ID:
        raise ValidationError(field, value, "record.id")
    return int(value)


__all__ = ["EARLIEST", "HORIZON_YEARS", "MAX_AMOUNT", "CENT", "add_years", "horizon", "to_date",
           "required_date", "clean_date", "past_date", "planned_date", "as_of", "to_money",
           "MAX_ID", "record_id"]
