"""The client card on the hand-made portfolio (tests/handmade.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import handmade
import pytest

import clientops
from clientops import cardrows
from clientops.ui.card_html import card_html

Z = D("0.00")


@pytest.fixture
def codes(book: clientops.Book) -> handmade.Codes:
    return handmade.build(book)


def test_card_of_a_client_with_partial_payments_and_credit_note(
    book: clientops.Book, codes: handmade.Codes
) -> None:
    card = book.card(codes.a, as_of=handmade.AS_OF)
    assert card.identity["code"] == codes.a and card.identity["name"] == "Alpha SARL"
    k = card.kpis
    assert (k.revenue, k.payments_received, k.outstanding, k.overdue, k.unallocated_credit) == (
        D("1400.00"), D("800.00"), D("880.00"), D("400.00"), Z)
    assert k.dso == pytest.approx(880 / 1800 * 365)
    assert k.avg_days_late is None
    assert (k.last_payment, k.last_payment_amount) == (date(2026, 3, 5), D("300.00"))
    assert k.last_reminder_level is None
    assert k.aging["not_due"] == D("480.00") and k.aging["days_31_60"] == D("400.00")
    docs = card.documents[["kind", "number", "issue_date", "due_date", "total_incl_tax",
                           "cancels", "open_amount", "settled_on", "days_late"]]
    assert [tuple(None if v != v else v for v in r) for r in docs.itertuples(index=False)] == [
        # latest first
        ("credit_note", "A-2026-00001", date(2026, 3, 10), None, D("120.00"), "F-2026-00002",
         None, None, None),
        # due today: open, not late
        ("invoice", "F-2026-00002", date(2026, 3, 1), date(2026, 3, 31), D("600.00"), None,
         D("480.00"), None, 0),
        ("invoice", "F-2026-00001", date(2026, 1, 5), date(2026, 2, 4), D("1200.00"), None,
         D("400.00"), None, 55),
    ]
    pays = card.payment.payments
    assert pays["paid_on"].tolist() == [date(2026, 3, 5), date(2026, 2, 10)]
    assert pays["amount"].tolist() == [D("300.00"), D("500.00")]
    assert pays["invoice"].tolist() == ["F-2026-00001", "F-2026-00001"]
    assert card.payment.preferences["payment_terms"] == "30_days"


def test_card_of_unnamed_payment_client(book: clientops.Book, codes: handmade.Codes) -> None:
    k = book.card(codes.b, as_of=handmade.AS_OF).kpis
    assert (k.outstanding, k.overdue) == (D("600.00"), D("600.00"))
    assert k.avg_days_late == pytest.approx(45.0)
    docs = book.card(codes.b, as_of=handmade.AS_OF).documents
    assert docs["settled_on"].tolist() == [None, date(2026, 1, 15)]


def test_card_of_archived_client_with_only_a_payment(
    book: clientops.Book, codes: handmade.Codes
) -> None:
    card = book.card(codes.d, as_of=handmade.AS_OF)
    assert card.identity["status"] == "archived"
    assert card.kpis.unallocated_credit == D("250.00")
    assert card.kpis.outstanding == Z and card.kpis.dso is None
    html = card_html(card)
    assert "Delta Dupont" in html and "archived" in html and "250,00" in html


@pytest.mark.parametrize("as_of", [
    date(2025, 12, 31),   # year end: 30 days late stays in 1–30
    date(2026, 1, 31),    # before A's payments and D's payment
    handmade.AS_OF,       # invoice due that day, one 95 days late
    date(2026, 11, 27),   # well after: everything older than 120 days
])
@pytest.mark.parametrize("start_month", [1, 7])
def test_card_matches_portfolio(book: clientops.Book, codes: handmade.Codes, as_of: date,
                                start_month: int) -> None:
    book.settings.update(fiscal_year_start_month=start_month)
    frame = book.indicators.portfolio(as_of=as_of).set_index("code")
    for code in (codes.a, codes.b, codes.c, codes.d):
        k = book.card(code, as_of=as_of).kpis
        row = frame.loc[code]
        assert k.fiscal_year == frame.attrs["fiscal_year"]
        for name in ("revenue", "payments_received", "outstanding", "overdue",
                     "unallocated_credit"):
            assert getattr(k, name) == row[name], (code, name)
        for bucket, amount in k.aging.items():
            assert amount == row[bucket], (code, bucket)
        for name in ("dso", "avg_days_late"):
            value = row[name]
            if value != value:
                assert getattr(k, name) is None
            else:
                assert getattr(k, name) == pytest.approx(value)


def test_card_sections(book: clientops.Book, codes: handmade.Codes) -> None:
    book.contacts.add(codes.a, first_name="Anne", last_name="Martin", email="anne@alpha.fr",
                      favorite=True)
    late = book.tasks.add(codes.a, "Call about F-2026-00001", due_on=date.today() - timedelta(1))
    book.tasks.add(codes.a, "Send the new price list")
    card = book.card(codes.a)
    assert card.contacts["email"].tolist() == ["anne@alpha.fr"]
    assert card.tasks["title"].tolist() == ["Call about F-2026-00001", "Send the new price list"]
    assert card.tasks["overdue"].tolist() == [True, False]
    book.tasks.complete(late.id)
    assert book.card(codes.a).tasks["done"].tolist() == [False, True]
    with book.store.transaction() as conn:   # two reminders sent, as the reminders module does
        client_id = conn.execute("SELECT id FROM clients WHERE code = ?", [codes.a]).fetchone()[0]
        doc_id = conn.execute("SELECT id FROM documents WHERE number = 'F-2026-00001'"
                              " AND kind = 'invoice'").fetchone()[0]
        for rid, level, sent in ((1, 1, date(2026, 2, 11)), (2, 2, date(2026, 2, 19))):
            conn.execute("INSERT INTO reminders (id, client_id, document_id, level, sent_on,"
                         " channel, recipient, amount_due, created_at) VALUES"
                         " (?, ?, ?, ?, ?, 'email', 'anne@alpha.fr', 700.00, now())",
                         [rid, client_id, doc_id, level, sent])
        cardrows.touch(conn, [client_id])  # what the audit row of a real send does
    card = book.card(codes.a, as_of=date(2026, 2, 15))
    assert card.kpis.last_reminder_level == 1          # the second one was not sent yet
    assert card.reminders[["sent_on", "level", "number"]].values.tolist() == [
        [date(2026, 2, 11), 1, "F-2026-00001"]]
    assert book.card(codes.a, as_of=handmade.AS_OF).kpis.last_reminder_level == 2
    assert "Send the new price list" in card_html(book.card(codes.a))


def test_identity_is_the_clients_fields_only(book: clientops.Book) -> None:
    # a fresh book stores no fiscal-year setting: the card's lookup of it stays internal
    code = book.clients.create(kind="company", name="Echo SAS").code
    identity = book.card(code).identity
    assert not [key for key in identity if key.startswith("_")]
    assert identity["name"] == "Echo SAS"
    book.settings.update(fiscal_year_start_month=7)
    assert not [key for key in book.card(code).identity if key.startswith("_")]


def test_card_unknown_client(book: clientops.Book) -> None:
    with pytest.raises(clientops.NotFound):
        book.card("C999999")


def test_records_are_the_tables_rows(book: clientops.Book, codes: handmade.Codes) -> None:
    """What the card widget draws from (no DataFrame built) is each table, row for row."""
    card = book.card(codes.a, as_of=handmade.AS_OF)
    for owner, names in ((card, ("documents", "reminders", "contacts", "tasks")),
                         (card.payment, ("mandates", "payments"))):
        for name in names:
            frame = getattr(owner, name)
            rows = owner.records(name)
            assert [list(r) for r in rows] == [list(frame.columns)] * len(rows), name
            assert [tuple(r.values()) for r in rows] == [
                tuple(None if v is None or v != v else v for v in r)
                for r in frame.itertuples(index=False)], name
    assert card.records("documents") and card.payment.records("payments")  # not all empty
