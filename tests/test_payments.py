"""Payments: validation, references, open balances kept current at write time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

import clientops


@pytest.fixture
def code(book: clientops.Book) -> str:
    return book.clients.create(kind="company", name="Alpha SARL").code


def test_payment_updates_open_balance(book: clientops.Book, code: str) -> None:
    inv = book.documents.add(code, issue_date=date(2026, 1, 5), total_excl_tax=D("100.00"),
                             tax=D("20.00"))
    pay = book.payments.add(code, paid_on="2026-01-20", amount=D("120.00"), invoice=inv.number,
                            method="card", reference="CB-1")
    assert (pay.invoice, pay.amount, pay.method) == (inv.number, D("120.00"), "card")
    settled = book.documents.get(inv.number)
    assert (settled.open_amount, settled.settled_on) == (D("0.00"), date(2026, 1, 20))
    frame = book.payments.list(code)
    assert list(frame.columns) == ["client_code", "paid_on", "amount", "method", "reference",
                                   "invoice"]
    assert frame["amount"].tolist() == [D("120.00")]
    assert (book.history(code)["entity"] == "payment").any()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": D("0.00")}, "amount"),                 # nothing paid
        ({"amount": D("-5.00")}, "amount"),                # negative: record a refund otherwise
        ({"amount": 12.3}, "amount"),                      # float: not exact
        ({"paid_on": "yesterday"}, "paid_on"),             # not a date
        ({"method": "bitcoin"}, "method"),                 # unknown method
        ({"invoice": "F-2099-00001"}, "invoice"),          # no such invoice
    ],
)
def test_invalid_payments(book: clientops.Book, code: str, kwargs: dict, field: str) -> None:
    args = {"paid_on": date(2026, 1, 5), "amount": D("10.00")} | kwargs
    with pytest.raises(clientops.ValidationError) as err:
        book.payments.add(code, **args)
    assert err.value.field == field
    assert book.payments.list().empty


def test_reference_unique_and_invoice_of_same_client(book: clientops.Book, code: str) -> None:
    book.payments.add(code, paid_on=date(2026, 1, 5), amount=D("10.00"), reference="VIR-1")
    with pytest.raises(clientops.ValidationError, match="already used"):
        book.payments.add(code, paid_on=date(2026, 1, 6), amount=D("10.00"), reference="VIR-1")
    other = book.clients.create(kind="company", name="Other SA").code
    inv = book.documents.add(other, issue_date=date(2026, 1, 5), total_excl_tax=D("10.00"))
    with pytest.raises(clientops.ValidationError, match="another client"):
        book.payments.add(code, paid_on=date(2026, 1, 6), amount=D("10.00"), invoice=inv)


def test_invoice_given_as_a_document_of_another_kind(book: clientops.Book, code: str) -> None:
    # numbers are unique per kind only: a quote may carry an invoice's number, and passing the
    # quote must not settle that invoice
    inv = book.documents.add(code, issue_date=date(2026, 1, 5), total_excl_tax=D("10.00"))
    quote = book.documents.add(code, kind="quote", issue_date=date(2026, 1, 5),
                               total_excl_tax=D("10.00"), number=inv.number)
    with pytest.raises(clientops.ValidationError, match="not an invoice") as err:
        book.payments.add(code, paid_on=date(2026, 1, 6), amount=D("10.00"), invoice=quote)
    assert err.value.field == "invoice"
    with pytest.raises(clientops.ValidationError, match="not an invoice"):
        book.documents.add(code, kind="credit_note", issue_date=date(2026, 1, 6),
                           total_excl_tax=D("10.00"), cancels=quote)
    assert book.payments.list().empty
    assert book.documents.get(inv.number).open_amount == D("10.00")


def test_archived_client_may_still_pay(book: clientops.Book, code: str) -> None:
    book.documents.add(code, issue_date=date(2026, 1, 5), total_excl_tax=D("10.00"))
    book.clients.archive(code)
    book.payments.add(code, paid_on=date(2026, 2, 5), amount=D("10.00"))
    assert book.documents.list(code)["open_amount"].tolist() == [D("0.00")]


def test_a_used_reference_is_found_through_the_index(book: clientops.Book, code: str,
                                                     db_path: Path) -> None:
    """On the file (asking for db_path keeps the test off the server, whose plan is the
    scanner's; PostgreSQL uses its own index there)."""
    from clientops.payments import REFERENCE_USED

    assert db_path.exists()

    book.payments.add(code, paid_on=date(2026, 1, 5), amount=D("10.00"), reference="VIR-1")
    with book.store.connection() as conn:
        plan = conn.execute("EXPLAIN ANALYZE " + REFERENCE_USED, ["VIR-1"]).fetchall()[0][1]
    assert "Index Scan" in plan and "Sequential Scan" not in plan
