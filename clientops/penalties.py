"""Late-payment penalties and the fixed recovery indemnity, owed by a business paying late.

Between businesses, an invoice paid late owes, without any reminder being needed (article
L441-10 of the Code de commerce):

- **penalties** at the annual rate of the setting ``late_penalty_rate`` (a percentage; by
  default the legal minimum, three times the legal interest rate, see :data:`DEFAULT_RATE`),
  run from the day after the due date: simple interest on the amount still open,
  ``open × rate / 100 × days late / 365`` — the *exact/365* day count (every calendar day
  counts, a year is 365 days, leap years too), rounded half up to the cent;
- a **fixed indemnity** for recovery costs per invoice (article D441-5: 40 €; the setting
  ``recovery_indemnity``).

Neither is owed by an individual (a consumer), nor computed here for a public body (the
public procurement code sets its own rate of moratory interest): only clients of kind
``company`` owe them. They are stated in the reminders at the formal-notice level
(:func:`formal_notice_level`) and recorded with the reminder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from . import bounds
from .bounds import CENT
from .errors import NotFound, ValidationError
from .text import as_key

if TYPE_CHECKING:
    from .book import Book

# The legal interest rate for creditors other than individuals (« tous les autres cas ») for
# the first half of 2026 is 2.62 % (arrêté du 15 décembre 2025, JORF du 26 décembre 2025); the
# rate of the second half of 2026 could not be established offline when this was written, so
# the default is three times the latest rate known: 7.86 %. Update it with the settings
# (book.settings.update(late_penalty_rate=...)) each half-year.
LEGAL_INTEREST_RATE = Decimal("2.62")
DEFAULT_RATE = LEGAL_INTEREST_RATE * 3
DEFAULT_INDEMNITY = Decimal("40.00")
DAYS_IN_YEAR = 365
RATE_MAX = Decimal("100")
# Clients who owe penalties: businesses (never individuals; public bodies have their own rules).
LIABLE_KINDS = frozenset({"company"})
COLUMNS = ["invoice", "due_date", "days_late", "open_amount", "penalty", "indemnity", "total"]
_MONEY = pd.ArrowDtype(pa.decimal128(18, 2))


@dataclass(frozen=True)
class Penalty:
    """What one overdue invoice owes on top of its open amount, as of a day.

    Attributes:
      invoice: the invoice number.
      due_date: its due date.
      days_late: calendar days from the due date to the day (the due date not counted).
      open_amount: what is still open on it that day.
      penalty: the late-payment penalties accrued (to the cent).
      indemnity: the fixed recovery indemnity.
    """

    invoice: str
    due_date: date
    days_late: int
    open_amount: Decimal
    penalty: Decimal
    indemnity: Decimal

    @property
    def total(self) -> Decimal:
        return self.penalty + self.indemnity


def clean_rate(value: Any, field: str = "late_penalty_rate") -> Decimal:
    """An annual rate in percent (``Decimal('7.86')`` for 7.86 %): at most 3 decimals, from 0
    to 100; floats are refused (not exact)."""
    if isinstance(value, (bool, float)) or value is None:
        raise ValidationError(field, value, "rate.not_decimal")
    try:
        rate = Decimal(value.strip().replace(",", ".").rstrip("%").strip()) \
            if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError) as err:
        raise ValidationError(field, value, "rate.invalid") from err
    if not rate.is_finite():
        raise ValidationError(field, value, "rate.invalid")
    if not Decimal(0) <= rate <= RATE_MAX:
        raise ValidationError(field, value, "rate.range")
    if rate != rate.quantize(Decimal("0.001")):
        raise ValidationError(field, value, "rate.decimals")
    cents = rate.quantize(Decimal("0.01"))
    return cents if cents == rate else rate.quantize(Decimal("0.001"))


def accrued(open_amount: Decimal, days_late: int, rate: Decimal) -> Decimal:
    """Simple interest at ``rate`` percent a year on ``open_amount`` over ``days_late`` days
    (exact/365), rounded half up to the cent; nothing when not late."""
    if days_late <= 0 or open_amount <= 0:
        return Decimal("0.00")
    return (open_amount * rate * days_late / (100 * DAYS_IN_YEAR)).quantize(
        CENT, rounding=ROUND_HALF_UP)


def owes_penalties(kind: str | None) -> bool:
    """Whether a client of this kind owes late-payment penalties (a business)."""
    return kind in LIABLE_KINDS


def terms(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings :func:`compute` reads: ``late_penalty_rate`` and ``recovery_indemnity``."""
    return {k: settings[k] for k in ("late_penalty_rate", "recovery_indemnity")}


def compute(number: str, due_date: date, open_amount: Decimal, as_of: date,
            terms: Mapping[str, Any]) -> Penalty:
    """The penalty and indemnity of one invoice as of ``as_of``; ``terms`` holds the settings
    ``late_penalty_rate`` and ``recovery_indemnity``."""
    days = max(0, (as_of - due_date).days)
    indemnity = Decimal(terms["recovery_indemnity"]) if days > 0 else Decimal("0.00")
    return Penalty(number, due_date, days, open_amount,
                   accrued(open_amount, days, Decimal(terms["late_penalty_rate"])), indemnity)


def formal_notice_level(levels: Sequence[Mapping[str, Any]]) -> int:
    """The reminder level that is the formal notice (mise en demeure): the level named
    ``formal_notice``, else the policy's last level."""
    named = [int(lv["level"]) for lv in levels if lv.get("name") == "formal_notice"]
    return min(named) if named else max(int(lv["level"]) for lv in levels)


def frame(penalties: Iterable[Penalty]) -> pd.DataFrame:
    """Penalties as a table: :data:`COLUMNS`, money as decimals."""
    rows = [[p.invoice, p.due_date, p.days_late, p.open_amount, p.penalty, p.indemnity, p.total]
            for p in penalties]
    out = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    out["days_late"] = out["days_late"].astype("int64")
    for col in ("open_amount", "penalty", "indemnity", "total"):
        out[col] = out[col].astype(_MONEY)
    return out


def owed_by(book: Book, code: str, as_of: date | str | None = None) -> pd.DataFrame:
    """What each overdue invoice of client ``code`` owes on top on ``as_of`` (default today):
    :data:`COLUMNS`, one row per invoice past its due date; empty for a client who owes none
    (:func:`owes_penalties`). Raises NotFound for a code no client has."""
    day = bounds.as_of(as_of, "as_of")
    key = as_key(code)
    if key is None:  # not text that can name a client
        raise NotFound("client.not_found", code=repr(code))
    code = key.upper()
    open_ = book.documents.open_invoices(day, code)   # NotFound for an unknown code
    with book.store.connection() as conn:
        row = conn.execute("SELECT kind FROM clients WHERE code = ?", [code]).fetchone()
    if row is None or not owes_penalties(row[0]):
        return frame([])
    owed = terms(book.settings)
    return frame(compute(r["number"], r["due_date"], Decimal(r["open_amount"]), day, owed)
                 for r in open_.to_dict("records") if r["days_late"] > 0)


__all__ = ["COLUMNS", "DAYS_IN_YEAR", "DEFAULT_INDEMNITY", "DEFAULT_RATE", "LEGAL_INTEREST_RATE",
           "Penalty", "accrued", "clean_rate", "compute", "formal_notice_level", "frame",
           "owed_by", "owes_penalties", "terms"]
