"""Documents: numbering, due dates from payment terms, validation, disputes, open invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

import clientops
from clientops.documents import due_date_for


@pytest.fixture
def code(book: clientops.Book) -> str:
    return book.clients.create(kind="company", name="Alpha SARL", payment_terms="30_days").code


@pytest.mark.parametrize(
    ("terms", "issued", "due"),
    [
        ("on_receipt", date(2026, 1, 15), date(2026, 1, 15)),              # paid at once
        ("30_days", date(2026, 1, 15), date(2026, 2, 14)),                 # plain 30 days
        ("30_days_end_of_month", date(2026, 1, 15), date(2026, 2, 28)),    # then month end
        ("45_days_end_of_month", date(2026, 1, 20), date(2026, 3, 31)),    # 6 Mar → 31 Mar
        ("45_days", date(2026, 12, 1), date(2027, 1, 15)),                 # across the year
        ("60_days", date(2024, 1, 1), date(2024, 3, 1)),                   # leap year
    ],
)
def test_due_date_from_terms(terms: str, issued: date, due: date) -> None:
    assert due_date_for(terms, issued) == due


def test_numbers_per_kind_and_year(book: clientops.Book, code: str) -> None:
    add = book.documents.add
    first = add(code, issue_date=date(2026, 1, 5), total_excl_tax=D("100.00"), tax=D("20.00"))
    second = add(code, issue_date="2026-02-05", total_excl_tax=D("50.00"))
    older = add(code, issue_date="31/12/2025", total_excl_tax=D("10.00"))
    quote = add(code, kind="quote", issue_date=date(2026, 1, 6), total_excl_tax=D("100.00"))
    note = add(code, kind="credit_note", issue_date=date(2026, 1, 7), total_excl_tax=D("10.00"),
               cancels=first.number)
    assert [first.number, second.number, older.number, quote.number, note.number] == [
        "F-2026-00001", "F-2026-00002", "F-2025-00001", "D-2026-00001", "A-2026-00001"]
    assert first.total_incl_tax == D("120.00") and first.due_date == date(2026, 2, 4)
    assert first.open_amount == D("120.00") and quote.open_amount is None
    assert note.cancels == "F-2026-00001"
    assert book.documents.get("F-2026-00001").open_amount == D("110.00")
    # a number given by hand is kept, and the generator skips it
    mine = add(code, issue_date=date(2026, 3, 1), total_excl_tax=D("1.00"), number="F-2026-00003")
    assert mine.number == "F-2026-00003"
    assert add(code, issue_date=date(2026, 3, 2), total_excl_tax=D("1.00")).number == "F-2026-00004"
    # the same number may exist for another kind, never twice for one kind
    add(code, kind="quote", issue_date=date(2026, 3, 2), total_excl_tax=D("1.00"),
        number="F-2026-00003")
    with pytest.raises(clientops.ValidationError, match="already used"):
        add(code, issue_date=date(2026, 3, 2), total_excl_tax=D("1.00"), number="F-2026-00003")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "order"}, "kind"),                                  # unknown kind
        ({"total_excl_tax": D("-1.00")}, "total_excl_tax"),           # negative amount
        ({"total_excl_tax": 10.5}, "total_excl_tax"),                 # float: not exact
        ({"total_excl_tax": D("1.005")}, "total_excl_tax"),           # three decimals
        ({"tax": "abc"}, "tax"),                                      # not an amount
        ({"issue_date": "2026-13-01"}, "issue_date"),                 # not a date
        ({"issue_date": None}, "issue_date"),                         # missing
        ({"due_date": date(2025, 12, 1)}, "due_date"),                # before issue date
        ({"kind": "quote", "due_date": date(2026, 2, 1)}, "due_date"),  # quotes have no due date
        ({"cancels": "F-2099-00001", "kind": "credit_note"}, "cancels"),  # no such invoice
        ({"cancels": "F-2099-00001"}, "cancels"),                     # invoices cancel nothing
        ({"kind": "quote", "status": "paid"}, "status"),              # not a quote status
    ],
)
def test_invalid_documents(book: clientops.Book, code: str, kwargs: dict, field: str) -> None:
    args = {"issue_date": date(2026, 1, 5), "total_excl_tax": D("100.00")} | kwargs
    with pytest.raises(clientops.ValidationError) as err:
        book.documents.add(code, **args)
    assert err.value.field == field
    assert book.documents.list().empty


def test_cancels_refuses_another_clients_invoice(book: clientops.Book, code: str) -> None:
    other = book.clients.create(kind="company", name="Other SA").code
    inv = book.documents.add(other, issue_date=date(2026, 1, 5), total_excl_tax=D("10.00"))
    with pytest.raises(clientops.ValidationError, match="another client"):
        book.documents.add(code, kind="credit_note", issue_date=date(2026, 1, 6),
                           total_excl_tax=D("10.00"), cancels=inv)


def test_archived_client_gets_no_documents(book: clientops.Book, code: str) -> None:
    book.clients.archive(code)
    with pytest.raises(clientops.ValidationError, match="archived"):
        book.documents.add(code, issue_date=date(2026, 1, 5), total_excl_tax=D("10.00"))
    with pytest.raises(clientops.NotFound):
        book.documents.add("C999999", issue_date=date(2026, 1, 5), total_excl_tax=D("10.00"))


def test_list_and_audit(book: clientops.Book, code: str) -> None:
    book.documents.add(code, issue_date=date(2026, 1, 5), total_excl_tax=D("100.00"),
                       tax=D("20.00"))
    frame = book.documents.list(code)
    assert list(frame.columns) == [
        "client_code", "kind", "number", "issue_date", "due_date", "total_excl_tax", "tax",
        "total_incl_tax", "status", "cancels", "in_dispute", "open_amount", "settled_on",
        "engagement_number"]
    assert frame["total_incl_tax"].tolist() == [D("120.00")]
    history = book.history(code)
    assert ((history["entity"] == "document") & (history["new_value"] == "F-2026-00001")).any()


def test_dispute_and_open_invoices(book: clientops.Book, code: str) -> None:
    inv = book.documents.add(code, issue_date=date(2026, 1, 5), total_excl_tax=D("100.00"),
                             tax=D("20.00"))
    book.payments.add(code, paid_on=date(2026, 2, 1), amount=D("20.00"))
    disputed = book.documents.set_dispute(inv.number)
    assert disputed.in_dispute
    frame = book.documents.open_invoices(as_of=date(2026, 2, 14), code=code)
    assert list(frame.columns) == ["client_code", "number", "issue_date", "due_date",
                                   "total_incl_tax", "open_amount", "days_late", "in_dispute"]
    assert frame.to_dict("records") == [{
        "client_code": code, "number": "F-2026-00001", "issue_date": date(2026, 1, 5),
        "due_date": date(2026, 2, 4), "total_incl_tax": D("120.00"), "open_amount": D("100.00"),
        "days_late": 10, "in_dispute": True}]
    # before the payment and before the invoice existed
    assert book.documents.open_invoices(as_of=date(2026, 1, 31))["open_amount"].tolist() == [
        D("120.00")]
    assert book.documents.open_invoices(as_of=date(2026, 1, 4)).empty
    assert not book.documents.set_dispute(inv.number, in_dispute=False).in_dispute
