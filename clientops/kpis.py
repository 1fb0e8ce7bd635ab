"""The activity indicators of one client (the card's KPIs), from its few rows, in Python.

The portfolio computes the same figures for every client at once in SQL
(:mod:`clientops.indicators`); a card reads one client's rows in one point read
(:mod:`clientops.card`) and finishes here, with the same buckets (:data:`BUCKETS`), the same
allocation rules (:func:`clientops.allocation.allocate`) and the same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .allocation import Allocation, Invoice
from .indicators import BUCKETS, FiscalYear

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Kpis:
    """The card's activity figures (SPEC.md §7), for the fiscal year and as-of date shown.

    Attributes:
      aging: open amounts per bucket (``not_due``, ``days_1_30`` … ``days_over_120``).
      avg_days_late, dso: days (None when undefined).
      last_payment: date of the latest payment up to the as-of date.
    """

    as_of: date
    fiscal_year: int
    revenue: Decimal
    payments_received: Decimal
    outstanding: Decimal
    overdue: Decimal
    unallocated_credit: Decimal
    avg_days_late: float | None
    dso: float | None
    last_payment: date | None
    last_payment_amount: Decimal | None
    last_reminder_level: int | None
    aging: dict[str, Decimal] = field(default_factory=dict)


def client_kpis(
    day: date, fy: FiscalYear, docs: list[tuple[Any, ...]], pays: list[tuple[Any, ...]],
    invoices: list[Invoice], alloc: Allocation, reminders: list[tuple[Any, ...]],
) -> Kpis:
    """One client's KPIs as of ``day`` for fiscal year ``fy``, from its rows up to ``day``.

    ``alloc`` is :func:`clientops.allocation.allocate` of ``invoices`` and the client's credits.
    Each figure has the definition of the portfolio's column of the same name
    (:func:`clientops.indicators.portfolio_sql`); ``tests/test_card.py`` checks them equal on
    the hand-made portfolio at several dates.
    """
    # rows as in clientops.card._SECTIONS: documents (2 issue_date, 4 excl. tax, 7 kind), payments (2 paid_on,
    # 4 amount), reminders (2 sent_on, 13 level); all already limited to the as-of date
    in_fy = [d for d in docs if fy.start <= d[2] <= fy.end]
    revenue = sum((d[4] if d[7] == "invoice" else -d[4] for d in in_fy
                   if d[7] in ("invoice", "credit_note")), ZERO)
    received = sum((p[4] for p in pays if fy.start <= p[2] <= fy.end), ZERO)
    aging = {b[0]: ZERO for b in BUCKETS}
    outstanding = overdue = ZERO
    late_w = weight = ZERO
    invoiced_365 = ZERO
    for inv in invoices:
        open_amount = alloc.open_amount[inv.id]
        outstanding += open_amount
        if (day - inv.issue_date).days < 365:
            invoiced_365 += inv.total
        settled = alloc.settled_on.get(inv.id)
        if settled is not None and 0 <= (day - settled).days < 365:
            days = max(0, (settled - inv.due_date).days) if inv.due_date else 0
            late_w += inv.total * days
            weight += inv.total
        if open_amount <= 0:
            continue
        past = (day - inv.due_date).days if inv.due_date else 0
        if past > 0:
            overdue += open_amount
        for name, _label, lo, hi in BUCKETS:
            if (lo is None or past >= lo) and (hi is None or past <= hi):
                aging[name] += open_amount
                break
    last = max(pays, key=lambda p: (p[2], p[1]), default=None)
    latest_reminder = reminders[0] if reminders else None
    return Kpis(
        as_of=day, fiscal_year=fy.year, revenue=revenue, payments_received=received,
        outstanding=outstanding, overdue=overdue, unallocated_credit=alloc.unallocated,
        avg_days_late=float(late_w / weight) if weight > 0 else None,
        dso=float(outstanding / invoiced_365 * 365) if invoiced_365 > 0 else None,
        last_payment=last[2] if last else None, last_payment_amount=last[4] if last else None,
        last_reminder_level=int(latest_reminder[13]) if latest_reminder else None,
        aging=aging,
    )
