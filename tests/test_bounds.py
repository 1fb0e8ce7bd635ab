"""Dates and amounts: every write path refuses what falls outside the book's windows
(clientops.bounds), and no sum the book computes overflows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import clientops
from clientops.bounds import EARLIEST, MAX_AMOUNT, add_years, horizon

TODAY = date.today()
TOO_OLD = date(1999, 12, 31)
FAR = date(9999, 12, 31)


@pytest.fixture
def code(book: clientops.Book) -> str:
    return book.clients.create(kind="company", name="Alpha SARL",
                               iban="FR7630006000011234567890189").code


def unchanged(book: clientops.Book) -> tuple[dict[str, int], int]:
    return book.counts(), len(book.history())


def refused(book: clientops.Book, field: str, call: Any, *args: Any, **kwargs: Any) -> str:
    before = unchanged(book)
    with pytest.raises(clientops.ValidationError) as err:
        call(*args, **kwargs)
    assert err.value.field == field, err.value
    assert unchanged(book) == before
    return err.value.message("en")


# -- dates ---------------------------------------------------------------------------------
@pytest.mark.parametrize("day", [date(1, 1, 1), TOO_OLD, TODAY + timedelta(days=1), FAR])
def test_payment_dates_are_between_2000_and_today(book: clientops.Book, code: str,
                                                  day: date) -> None:
    refused(book, "paid_on", book.payments.add, code, paid_on=day, amount=D("10.00"))
    book.payments.add(code, paid_on=TODAY, amount=D("10.00"))
    book.payments.add(code, paid_on=EARLIEST, amount=D("10.00"))


def test_a_future_payment_date_says_so(book: clientops.Book, code: str) -> None:
    message = refused(book, "paid_on", book.payments.add, code, paid_on=TODAY + timedelta(1),
                      amount=D("10.00"))
    assert message == "cannot be in the future"


@pytest.mark.parametrize("day", [date(1, 1, 1), TOO_OLD, add_years(TODAY, 5) + timedelta(1), FAR])
def test_issue_dates_are_between_2000_and_the_horizon(book: clientops.Book, code: str,
                                                      day: date) -> None:
    # date(1, 1, 1) was numbered F-1-00001; date(9999, 12, 31) raised OverflowError
    for kind in ("invoice", "quote", "credit_note"):
        refused(book, "issue_date", book.documents.add, code, kind=kind, issue_date=day,
                total_excl_tax=D("10.00"))
    assert book.documents.add(code, issue_date=horizon(), total_excl_tax=D("1.00")).due_date


def test_due_dates_at_most_the_horizon_after_the_issue_date(book: clientops.Book,
                                                            code: str) -> None:
    issued = date(2026, 1, 5)
    refused(book, "due_date", book.documents.add, code, issue_date=issued,
            due_date=add_years(issued, 5) + timedelta(1), total_excl_tax=D("10.00"))
    refused(book, "due_date", book.documents.add, code, issue_date=issued, due_date=FAR,
            total_excl_tax=D("10.00"))
    doc = book.documents.add(code, issue_date=issued, due_date=add_years(issued, 5),
                             total_excl_tax=D("10.00"))
    assert doc.due_date == date(2031, 1, 5)


def test_task_due_dates(book: clientops.Book, code: str) -> None:
    for day in (TOO_OLD, horizon() + timedelta(1), FAR):
        refused(book, "due_on", book.tasks.add, code, "Call", due_on=day)
    assert book.tasks.add(code, "Call", due_on=horizon()).due_on == horizon()


def test_mandate_dates(book: clientops.Book, code: str) -> None:
    for day in (date(1, 1, 1), TOO_OLD, FAR):
        refused(book, "signed_on", book.mandates.add, code, signed_on=day)
    mandate = book.mandates.add(code, signed_on=date(2026, 1, 5))
    for day in (TOO_OLD, FAR):
        refused(book, "revoked_on", book.mandates.revoke, mandate.rum, on=day)
        refused(book, "as_of", book.mandates.expire_unused, as_of=day)


def test_reminder_dates(book: clientops.Book, code: str) -> None:
    inv = book.documents.add(code, issue_date=date(2026, 1, 5), total_excl_tax=D("10.00"))
    for day in (TOO_OLD, TODAY + timedelta(1), FAR):
        refused(book, "on", book.reminders.record, code, inv.number, on=day)
    book.reminders.record(code, inv.number, on=TODAY)


def test_sepa_collection_date(book: clientops.Book, code: str, tmp_path: Path) -> None:
    book.settings.update(company_iban="FR7630004000031234567890143", company_bic="BNPAFRPP",
                         sepa_creditor_id="FR72ZZZ123456")
    for day in (TOO_OLD, horizon() + timedelta(1), FAR):
        refused(book, "collection_date", book.sepa.collect, day, tmp_path / "d.xml")
    assert not (tmp_path / "d.xml").exists()


def test_reads_refuse_dates_outside_the_window(book: clientops.Book, code: str) -> None:
    reads = [book.indicators.portfolio, book.indicators.aging, book.indicators.monthly,
             book.documents.open_invoices, book.reminders.due]
    for read in reads:
        for day in (date(1, 1, 1), FAR):
            with pytest.raises(clientops.ValidationError) as err:
                read(as_of=day)
            assert err.value.field == "as_of"
    for fiscal_year in (1, 9999, 10**9):
        with pytest.raises(clientops.ValidationError) as err:
            book.indicators.portfolio(fiscal_year=fiscal_year)
        assert err.value.field == "fiscal_year"
    for months in (10**6, 10**12):
        with pytest.raises(clientops.ValidationError) as err:
            book.indicators.monthly(months=months)
        assert err.value.field == "months"


def test_a_sepa_confirmation_records_payments_on_a_future_collection_date(
        book: clientops.Book, code: str, tmp_path: Path) -> None:
    # A payment after today is only ever the one a SEPA confirmation records.
    book.settings.update(company_iban="FR7630004000031234567890143", company_bic="BNPAFRPP",
                         sepa_creditor_id="FR72ZZZ123456")
    book.mandates.add(code, signed_on=TODAY - timedelta(days=10))
    inv = book.documents.add(code, issue_date=TODAY - timedelta(days=40), due_date=TODAY,
                             total_excl_tax=D("100.00"))
    on = TODAY + timedelta(days=5)
    batch = book.sepa.collect(on, tmp_path / "batch.xml")
    assert batch.transactions == 1
    book.sepa.confirm(batch)
    paid = book.payments.list(code)
    assert paid["paid_on"].tolist() == [pd.Timestamp(on)] or paid["paid_on"].tolist() == [on]
    assert book.documents.get(inv.number).open_amount == D("0.00")


# -- imports -------------------------------------------------------------------------------
def csv(tmp_path: Path, name: str, rows: dict[str, list[str]]) -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "9999-12-31",
                                 (TODAY + timedelta(1)).isoformat()])
def test_imported_payment_dates(book: clientops.Book, code: str, tmp_path: Path,
                                day: str) -> None:
    before = unchanged(book)
    path = csv(tmp_path, "p.csv", {"client_code": [code], "paid_on": [day], "amount": ["10.00"],
                                   "reference": ["R-1"]})
    report = book.payments.import_file(path)
    assert report.attrs["status"] == "rejected"
    assert "payment date" in report["reason"].iloc[0]
    assert unchanged(book) == before


@pytest.mark.parametrize(("issue", "due"), [
    ("0001-01-01", None), ("1999-12-31", None), ("9999-12-31", None),
    (TODAY.isoformat(), (add_years(TODAY, 5) + timedelta(1)).isoformat()),
    ("2026-01-05", "2031-01-06"), ("2026-01-05", "9999-12-31"),
    ((horizon() + timedelta(1)).isoformat(), None),
])
def test_imported_document_dates(book: clientops.Book, code: str, tmp_path: Path, issue: str,
                                 due: str | None) -> None:
    before = unchanged(book)
    rows = {"client_code": [code], "number": ["F-X-1"], "issue_date": [issue],
            "total_excl_tax": ["10.00"]}
    if due is not None:
        rows["due_date"] = [due]
    report = book.documents.import_file(csv(tmp_path, "d.csv", rows))
    assert report.attrs["status"] == "rejected"
    assert " date " in report["reason"].iloc[0]
    assert unchanged(book) == before


# -- amounts ---------------------------------------------------------------------------------
@pytest.mark.parametrize("amount", [
    D("NaN"), D("sNaN"), D("Infinity"), D("-Infinity"), D("1.005"), D("1e16"), D("1e30"),
    D("1e999999"), MAX_AMOUNT + D("0.01"), "1000000000", 10**20, 1e3, "nan", "inf",
])
def test_amounts_outside_the_window(book: clientops.Book, code: str, amount: Any) -> None:
    refused(book, "amount", book.payments.add, code, paid_on=TODAY, amount=amount)
    refused(book, "total_excl_tax", book.documents.add, code, issue_date=TODAY,
            total_excl_tax=amount)
    refused(book, "tax", book.documents.add, code, issue_date=TODAY,
            total_excl_tax=D("1.00"), tax=amount)


def test_the_largest_amount_is_taken_and_every_sum_fits(book: clientops.Book,
                                                       code: str) -> None:
    # two payments of 9e15 (within the old limit of 1e16) made monthly() raise a raw
    # ConversionException for everyone; sums of many amounts at the maximum now fit
    other = book.clients.create(kind="company", name="Beta SA").code
    for who in (code, other):
        for _ in range(3):
            book.documents.add(who, issue_date=TODAY, total_excl_tax=MAX_AMOUNT,
                               tax=MAX_AMOUNT)
            book.documents.add(who, kind="credit_note", issue_date=TODAY,
                               total_excl_tax=MAX_AMOUNT, tax=MAX_AMOUNT)
            book.payments.add(who, paid_on=TODAY, amount=MAX_AMOUNT)
    month = book.indicators.monthly(exact=True).iloc[-1]
    assert month["invoiced_incl_tax"] == 2 * 3 * 2 * MAX_AMOUNT
    assert month["collected"] == 2 * 3 * MAX_AMOUNT
    portfolio = book.indicators.portfolio()
    assert len(portfolio) == 2
    book.indicators.aging()
    card = book.card(code)
    assert card is not None
    assert book.documents.open_invoices().empty


def test_imported_amounts_outside_the_window(book: clientops.Book, code: str,
                                             tmp_path: Path) -> None:
    for amount in ("1000000000.00", "9999999999999999", "-1000000000"):
        before = unchanged(book)
        pays = csv(tmp_path, "p.csv", {"client_code": [code], "paid_on": ["2026-01-05"],
                                       "amount": [amount], "reference": ["R-1"]})
        report = book.payments.import_file(pays)
        assert report.attrs["status"] == "rejected", amount
        docs = csv(tmp_path, "d.csv", {"client_code": [code], "number": ["F-X-1"],
                                       "issue_date": ["2026-01-05"],
                                       "total_excl_tax": ["1.00"], "tax": [amount]})
        report = book.documents.import_file(docs)
        assert report.attrs["status"] == "rejected", amount
        assert unchanged(book) == before
    # 9e15 + 9e15 used to overflow DECIMAL(18,2) with a raw ConversionException
    docs = csv(tmp_path, "d.csv", {"client_code": [code], "number": ["F-X-1"],
                                   "issue_date": ["2026-01-05"],
                                   "total_excl_tax": ["9000000000000000"],
                                   "tax": ["9000000000000000"]})
    assert book.documents.import_file(docs).attrs["status"] == "rejected"


def test_the_reminder_tolerance_is_an_amount_within_the_window(book: clientops.Book) -> None:
    for value in ("1e16", "1000000000", "NaN", "-1"):
        refused(book, "reminder_tolerance", book.settings.update, reminder_tolerance=value)


# -- record ids ------------------------------------------------------------------------------
@pytest.mark.parametrize("key", [10**40, 2**63, -1, 0, "1", "\x00", None, 1.5, True])
def test_record_ids_outside_bigint_are_refused_not_leaked(book: clientops.Book, code: str,
                                                          key: Any) -> None:
    # 10**40 reached DuckDB as "Python integer too large for 128-bit integer type"; "\x00" and
    # None reached int() as a raw ValueError / TypeError
    refused(book, "task_id", book.tasks.complete, key)
    refused(book, "task_id", book.tasks.get, key)
    refused(book, "batch", book.sepa.confirm, key)
    refused(book, "batch", book.sepa.get, key)
    refused(book, "batch", book.sepa.transactions, key)
    refused(book, "changeset_id", book.bulk.undo, key)
    with pytest.raises(clientops.NotFound):
        book.contacts.remove(key)
