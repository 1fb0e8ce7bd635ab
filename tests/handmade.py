"""The small hand-made portfolio of issue 4, shared by the indicator and card tests.

As of 2026-03-31 (a Tuesday), fiscal years starting in January unless a test says otherwise:

- A (30 days): invoice F-2026-00001 of 1,200.00 issued 5 Jan, due 4 Feb, paid 500 on 10 Feb
  and 300 on 5 Mar (partial payments naming it): 400.00 open, 55 days late. Invoice
  F-2026-00002 of 600.00 issued 1 Mar, due 31 Mar (due today: not overdue), part-cancelled
  by credit note A-2026-00001 of 120.00 on 10 Mar: 480.00 open.
- B (30 days): invoices F-2025-00001 (2,400.00, due 1 Dec 2025) and F-2025-00002 (1,200.00,
  due 31 Dec 2025); a payment of 3,000.00 on 15 Jan 2026 naming no invoice settles the older
  one (45 days late) and leaves 600.00 open on the other (90 days late).
- C (on receipt): invoice F-2025-00003 of 960.00 issued and due 26 Dec 2025, unpaid: 95 days
  late.
- D (archived): a payment of 250.00 on 1 Feb 2026 and no invoice: unallocated credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D

from setup_writes import setup_writes

import clientops

AS_OF = date(2026, 3, 31)


@dataclass(frozen=True)
class Codes:
    a: str
    b: str
    c: str
    d: str


def build(book: clientops.Book) -> Codes:
    """Create the four clients and their documents and payments (numbers as in the doc)."""
    with setup_writes(book):  # checked once, at the end (tests/setup_writes.py)
        a = book.clients.create(kind="company", name="Alpha SARL", payment_terms="30_days").code
        b = book.clients.create(kind="company", name="Bravo SA", payment_terms="30_days").code
        c = book.clients.create(kind="company", name="Charlie SAS", payment_terms="on_receipt").code
        d = book.clients.create(kind="individual", name="Delta Dupont", first_name="Delta",
                                last_name="Dupont").code
        docs = book.documents
        docs.add(b, issue_date=date(2025, 11, 1), total_excl_tax=D("2000.00"), tax=D("400.00"))
        docs.add(b, issue_date=date(2025, 12, 1), total_excl_tax=D("1000.00"), tax=D("200.00"))
        docs.add(c, issue_date=date(2025, 12, 26), total_excl_tax=D("800.00"), tax=D("160.00"))
        a1 = docs.add(a, issue_date=date(2026, 1, 5), total_excl_tax=D("1000.00"), tax=D("200.00"))
        a2 = docs.add(a, issue_date=date(2026, 3, 1), total_excl_tax=D("500.00"), tax=D("100.00"))
        docs.add(a, kind="credit_note", issue_date=date(2026, 3, 10), total_excl_tax=D("100.00"),
                 tax=D("20.00"), cancels=a2.number)
        book.payments.add(a, paid_on=date(2026, 2, 10), amount=D("500.00"), invoice=a1.number,
                          reference="VIR-A-1")
        book.payments.add(a, paid_on=date(2026, 3, 5), amount=D("300.00"), invoice=a1,
                          reference="VIR-A-2")
        book.payments.add(b, paid_on=date(2026, 1, 15), amount=D("3000.00"), reference="VIR-B-1")
        book.payments.add(d, paid_on=date(2026, 2, 1), amount=D("250.00"), method="cheque")
        book.clients.archive(d)
    return Codes(a, b, c, d)
