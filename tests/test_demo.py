"""The demo book: deterministic, valid identifiers, consistent documents and balances."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import phonenumbers
import pytest
from schwifty import BIC, IBAN
from stdnum.eu import at_02
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.fr import tva as fr_tva

import clientops
from clientops import ClientOpsError, identifiers
from clientops.allocation import open_amounts
from clientops.clients import PAYMENT_METHODS, PAYMENT_TERMS
from clientops.demo import (
    TABLES,
    Generator,
    build_demo,
    french_ibans,
    insert_chunk,
    luhn_check_digit,
)

TODAY = date(2026, 11, 27)


def build(path: Path, seed: int = 0, clients: int = 300, **kw: Any) -> clientops.Book:
    build_demo(path, clients=clients, seed=seed, progress=False, today=TODAY, **kw)
    return clientops.open(path, read_only=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> clientops.Book:
    book = build(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    yield book
    book.close()


def rows(book: clientops.Book, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with book.store.connection() as conn:
        return conn.execute(sql, params or []).fetchall()


def one(book: clientops.Book, sql: str) -> Any:
    return rows(book, sql)[0][0]


def snapshot(book: clientops.Book) -> dict[str, list[tuple[Any, ...]]]:
    tables = [*TABLES, "settings", "counters"]
    return {t: rows(book, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}


# -- determinism ----------------------------------------------------------------------------
def test_same_seed_same_book_other_seed_other_book(demo: clientops.Book, tmp_path: Path) -> None:
    again = build(tmp_path / "again.duckdb")
    other = build(tmp_path / "other.duckdb", seed=1)
    first = snapshot(demo)
    assert snapshot(again) == first
    different = snapshot(other)
    for table in TABLES:
        assert different[table] != first[table], table


def test_chunks_continue_ids_and_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large books are made a chunk at a time: ids and numbers run on across chunks."""
    monkeypatch.setattr("clientops.demo.loader.CHUNK", 70)
    book = build(tmp_path / "chunks.duckdb", clients=250)
    for table in TABLES:
        n, low, high = rows(book, f"SELECT count(*), min(id), max(id) FROM {table}")[0]
        assert (low, high) == (1, n), table
    assert one(book, "SELECT count(DISTINCT client_id) FROM documents") > 200
    # Invoice numbers follow issue dates over the whole book, not chunk by chunk.
    numbers = rows(book, "SELECT number FROM documents WHERE kind = 'invoice'"
                         " ORDER BY issue_date, id")
    assert [n for (n,) in numbers] == sorted(n for (n,) in numbers)
    book.close()


def test_codes_past_a_million_keep_every_digit(book: clientops.Book) -> None:
    """At 1M clients ids reach seven digits: C1000000 must not be cut to C100000."""
    gen = Generator(0, TODAY, date(2024, 1, 1), "411")
    tables = gen.chunk(0, 999_998, 4)
    with book.store.transaction() as conn:
        insert_chunk(conn, "clients", tables["clients"], {"prefix": "411"})
        insert_chunk(conn, "sepa_mandates", tables["sepa_mandates"])
    codes = [r[0] for r in rows(book, "SELECT code || ' ' || accounting_account FROM clients"
                                      " ORDER BY id")]
    assert codes == ["C999998 411999998", "C999999 411999999", "C1000000 4111000000",
                     "C1000001 4111000001"]
    for (rum,) in rows(book, "SELECT rum FROM sepa_mandates"):
        assert re.fullmatch(r"RUM-C\d{6,7}-\d{6}", rum)


def test_refuses_a_book_that_has_clients(demo: clientops.Book, tmp_path: Path) -> None:
    path = tmp_path / "used.duckdb"
    with clientops.open(path) as book:
        book.clients.create(kind="individual", name="Jeanne Petit")
        with pytest.raises(ClientOpsError, match="already holds 1 clients"):
            build_demo(book, clients=10, progress=False, today=TODAY)
        assert book.counts()["documents"] == 0


# -- identifiers ----------------------------------------------------------------------------
def test_every_identifier_validates(demo: clientops.Book) -> None:
    clients = rows(demo, "SELECT kind, siren, siret, vat_number, iban, bic, phone, email,"
                         " country FROM clients")
    assert len(clients) == 300
    for kind, siren, siret, vat, iban, bic, phone, email, country in clients:
        if kind == "individual":
            assert siren is None and siret is None and vat is None
        else:
            assert fr_siren.is_valid(siren) and identifiers.clean_siren(siren) == siren
            assert fr_siret.is_valid(siret) and siret.startswith(siren)
            assert identifiers.clean_siret(siret) == siret
            assert kind == "public_body" or siren[0] in "3456789"
        if vat is not None:
            assert fr_tva.is_valid(vat) and vat[4:] == siren
            assert identifiers.clean_vat(vat, siren=siren) == vat
        if iban is not None:
            parsed = IBAN(iban, validate_bban=True)  # the French RIB key too
            assert str(parsed.compact) == iban == identifiers.clean_iban(iban)
            assert parsed.bic is not None and str(parsed.bic.compact) == bic
            assert BIC(bic).country_code == parsed.country_code == country
            assert identifiers.clean_bic(bic, iban=iban) == bic
        if phone is not None:
            assert phonenumbers.is_valid_number(phonenumbers.parse(phone))
            assert identifiers.clean_phone(phone) == phone
        if email is not None:
            assert identifiers.clean_email(email) == email


def test_identifiers_are_unique(demo: clientops.Book) -> None:
    for column in ("code", "siren", "siret", "vat_number", "iban", "accounting_account"):
        total, distinct = rows(demo, f"SELECT count({column}), count(DISTINCT {column})"
                                     " FROM clients")[0]
        assert total == distinct, column
    assert one(demo, "SELECT count(*) FROM clients WHERE accounting_account"
                     " <> '411' || substr(code, 2)") == 0


def test_contacts_and_mandates_validate(demo: clientops.Book) -> None:
    for phone, email in rows(demo, "SELECT phone, email FROM contacts"):
        assert phone is None or identifiers.clean_phone(phone) == phone
        assert email is None or identifiers.clean_email(email) == email
    for rum, iban, bic in rows(demo, "SELECT rum, iban, bic FROM sepa_mandates"):
        assert len(rum) <= 35 and re.fullmatch(r"[A-Za-z0-9\-]+", rum)
        assert identifiers.clean_iban(iban) == iban and identifiers.clean_bic(bic, iban=iban)
    assert one(demo, "SELECT count(*) - count(DISTINCT rum) FROM sepa_mandates") == 0


def test_every_contact_is_one_the_api_would_accept(demo: clientops.Book) -> None:
    """Contacts pass check_contact as they are: in particular a favourite has an email (the
    API refuses a favourite it could not write to)."""
    from clientops.contacts import check_contact

    contacts = rows(demo, "SELECT k.first_name, k.last_name, k.role, k.email, k.phone,"
                          " k.favorite, c.country FROM contacts k JOIN clients c"
                          " ON c.id = k.client_id")
    assert contacts
    for *values, country in contacts:
        given = {k: v for k, v in zip(("first_name", "last_name", "role", "email", "phone",
                                       "favorite"), values, strict=True) if v is not None}
        cleaned, errors = check_contact(given, country)
        assert errors == [] and cleaned == given, (given, errors)


def test_quality_finds_only_what_the_demo_leaves_on_purpose(tmp_path: Path) -> None:
    """A fresh demo book is clean but for clients without any email address (a few on
    purpose: the reminders show them as skipped) and its e-invoicing readiness campaign still
    to run (no directory address yet: every business and public body is not ready);
    archived clients owe nothing."""
    book = build(tmp_path / "q.duckdb", clients=2000, seed=1)
    found = book.quality()
    assert set(found["rule"]) == {"no_reminder_recipient", "einvoicing_not_ready"}, \
        found.groupby("rule").size()
    not_ready = set(found.loc[found["rule"] == "einvoicing_not_ready", "code"])
    assert not_ready == set(book.einvoicing.readiness().query("not ready")["code"])
    assert one(book, "SELECT count(*) FROM documents d JOIN clients c ON c.id = d.client_id"
                     " WHERE c.status = 'archived' AND d.open_amount > 0") == 0
    book.close()


def test_company_settings_are_valid(demo: clientops.Book) -> None:
    s = demo.settings
    assert identifiers.clean_iban(s.company_iban) == s.company_iban
    assert identifiers.clean_bic(s.company_bic, iban=s.company_iban) == s.company_bic
    assert at_02.is_valid(s.sepa_creditor_id)
    assert identifiers.clean_creditor_id(s.sepa_creditor_id) == s.sepa_creditor_id
    assert s.company_name


@pytest.mark.parametrize(
    "base,check",
    [
        (73282932, 0),       # SIREN 732829320 (L'Oréal), stdnum's documentation example
        (44306184, 1),       # SIREN 443061841 (Google France): a key that is not 0
        (55212022, 2),       # SIREN 552120222 (Société Générale)
        (7328293200007, 4),  # SIRET 73282932000074: the key over 13 digits
    ],
)
def test_luhn_check_digit(base: int, check: int) -> None:
    from stdnum import luhn

    digit = int(luhn_check_digit(np.array([base]), len(str(base)))[0])
    assert digit == check == int(luhn.calc_check_digit(str(base)))


def test_french_ibans_match_schwifty() -> None:
    rng = np.random.default_rng(7)
    banks = rng.choice([30004, 30006, 20041, 10278], size=200)
    branches = rng.integers(0, 99_999, size=200)
    accounts = rng.integers(0, 10**11, size=200)
    ours = french_ibans(banks, branches, accounts)
    for iban, bank, branch, account in zip(ours, banks, branches, accounts, strict=True):
        theirs = IBAN.generate("FR", bank_code=f"{bank:05d}", branch_code=f"{branch:05d}",
                               account_code=f"{account:011d}")
        assert iban == str(theirs.compact)


# -- the portfolio hangs together -----------------------------------------------------------
def test_vocabularies(demo: clientops.Book) -> None:
    assert {r[0] for r in rows(demo, "SELECT DISTINCT kind FROM clients")} == {
        "company", "individual", "public_body"}
    assert {r[0] for r in rows(demo, "SELECT DISTINCT payment_method FROM clients")} <= set(
        PAYMENT_METHODS)
    assert {r[0] for r in rows(demo, "SELECT DISTINCT payment_terms FROM clients")} <= set(
        PAYMENT_TERMS)
    assert {r[0] for r in rows(demo, "SELECT DISTINCT method FROM payments")} <= set(
        PAYMENT_METHODS)
    assert {r[0] for r in rows(demo, "SELECT DISTINCT status FROM clients")} == {
        "active", "archived"}


def test_documents_numbers_amounts_and_dates(demo: clientops.Book) -> None:
    pattern = {"invoice": r"F-\d{4}-\d{5,}", "quote": r"D-\d{4}-\d{5,}",
               "credit_note": r"A-\d{4}-\d{5,}"}
    docs = rows(demo, "SELECT kind, number, issue_date, due_date, total_excl_tax, tax,"
                      " total_incl_tax FROM documents")
    assert 8 <= len(docs) / 300 <= 12  # about ten documents per client
    for kind, number, issued, due, excl, tax, incl in docs:
        assert re.fullmatch(pattern[kind], number) and number[2:6] == str(issued.year)
        assert excl + tax == incl and excl > 0 and tax >= 0
        assert all(isinstance(x, Decimal) for x in (excl, tax, incl))
        assert (due is not None) == (kind == "invoice")
        assert due is None or due >= issued
        assert date(2024, 1, 1) <= issued <= TODAY  # three fiscal years up to today
    assert one(demo, "SELECT count(*) - count(DISTINCT (kind, number)) FROM documents") == 0
    assert one(demo, "SELECT count(DISTINCT year(issue_date)) FROM documents") == 3


def test_credit_notes_cancel_an_invoice_of_the_same_client(demo: clientops.Book) -> None:
    bad = rows(demo, """
        SELECT a.number FROM documents a LEFT JOIN documents f ON f.id = a.cancels_id
        WHERE a.kind = 'credit_note' AND (f.kind IS DISTINCT FROM 'invoice'
              OR f.client_id <> a.client_id OR a.total_excl_tax > f.total_excl_tax
              OR a.issue_date < f.issue_date)""")
    assert bad == []
    assert one(demo, "SELECT count(*) FROM documents WHERE kind = 'credit_note'") > 0
    assert one(demo, "SELECT count(*) FROM documents WHERE cancels_id IS NOT NULL"
                     " AND kind <> 'credit_note'") == 0


def test_payments_late_partial_unpaid_and_unallocated(demo: clientops.Book) -> None:
    ref = one(demo, "SELECT count(*) FROM payments p JOIN documents d ON d.id = p.invoice_id"
                    " WHERE d.kind <> 'invoice' OR d.client_id <> p.client_id")
    assert ref == 0
    late = one(demo, "SELECT count(*) FROM payments p JOIN documents d ON d.id = p.invoice_id"
                     " WHERE p.paid_on > d.due_date + 30")
    partial = one(demo, "SELECT count(*) FROM documents WHERE kind = 'invoice'"
                        " AND open_amount > 0 AND open_amount < total_incl_tax")
    unpaid = one(demo, "SELECT count(*) FROM documents WHERE kind = 'invoice'"
                       " AND open_amount = total_incl_tax AND due_date < DATE '2026-10-01'")
    no_invoice = one(demo, "SELECT count(*) FROM payments WHERE invoice_id IS NULL")
    assert min(late, partial, unpaid, no_invoice) > 0, (late, partial, unpaid, no_invoice)
    assert one(demo, "SELECT max(paid_on) FROM payments") <= TODAY
    assert one(demo, "SELECT min(amount) FROM payments") > 0


def test_open_balances_are_the_allocation(demo: clientops.Book) -> None:
    with demo.store.connection() as conn:
        cursor = open_amounts(conn, TODAY)
        names = [d[0] for d in cursor.description]
        at = names.index("open_amount"), names.index("settled_on")
        fresh = {r[names.index("id")]: (r[at[0]], r[at[1]]) for r in cursor.fetchall()}
        kept = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT id, open_amount, settled_on FROM documents WHERE kind = 'invoice'").fetchall()}
    assert kept == fresh
    open_count = sum(1 for amount, _ in kept.values() if amount > 0)
    assert 0.03 < open_count / len(kept) < 0.3  # mostly paid, some still open


def test_direct_debit_clients_have_an_active_mandate_on_their_iban(demo: clientops.Book) -> None:
    missing = rows(demo, """
        SELECT c.code FROM clients c WHERE c.payment_method = 'sepa_debit' AND NOT EXISTS (
            SELECT 1 FROM sepa_mandates m WHERE m.client_id = c.id AND m.status = 'active'
                   AND m.iban = c.iban)""")
    assert missing == []
    assert one(demo, "SELECT count(*) FROM sepa_mandates WHERE status = 'revoked'"
                     " AND revoked_on IS NULL") == 0
    assert one(demo, "SELECT count(*) FROM sepa_mandates WHERE sequence = 'RCUR'"
                     " AND last_collected_on IS NULL") == 0
    assert one(demo, "SELECT max(signed_on) FROM sepa_mandates") <= TODAY


def test_contacts_favourites_reminders_tasks_archives(demo: clientops.Book) -> None:
    assert one(demo, "SELECT count(*) FROM contacts WHERE favorite") > 0
    assert one(demo, "SELECT count(*) FROM (SELECT client_id FROM contacts WHERE favorite"
                     " GROUP BY 1 HAVING count(*) > 1)") > 0  # several favourites happen
    levels = rows(demo, "SELECT DISTINCT level FROM reminders ORDER BY 1")
    assert levels == [(1,), (2,), (3,)]
    assert one(demo, """SELECT count(*) FROM reminders r JOIN documents d ON d.id = r.document_id
                        WHERE d.kind <> 'invoice' OR r.sent_on <= d.due_date
                           OR r.client_id <> d.client_id""") == 0
    assert one(demo, "SELECT count(*) FROM tasks WHERE NOT done") > 0
    archived = one(demo, "SELECT count(*) FROM clients WHERE status = 'archived'"
                         " AND archived_at IS NOT NULL")
    assert 0 < archived < 30
    # Archived clients got no document after they were archived.
    assert one(demo, """SELECT count(*) FROM documents d JOIN clients c ON c.id = d.client_id
                        WHERE c.status = 'archived' AND d.issue_date > c.archived_at::DATE""") == 0


def test_counters_run_past_every_id(demo: clientops.Book, tmp_path: Path) -> None:
    path = tmp_path / "more.duckdb"
    build_demo(path, clients=50, progress=False, today=TODAY)
    with clientops.open(path) as book:
        created = book.clients.create(kind="individual", name="Jeanne Petit")
        assert created.code == "C000051"
        doc = book.documents.add(created.code, kind="invoice", issue_date=TODAY,
                                 total_excl_tax=Decimal("100.00"), tax=Decimal("20.00"))
        with book.store.connection() as conn:
            assert conn.execute("SELECT count(*) FROM documents WHERE number = ?",
                                [doc.number]).fetchone() == (1,)
            for table, counter in [("contacts", "contact"), ("payments", "payment"),
                                   ("documents", "document"), ("reminders", "reminder"),
                                   ("tasks", "task"), ("sepa_mandates", "mandate")]:
                top = conn.execute(f"SELECT max(id) FROM {table}").fetchone()
                value = conn.execute("SELECT value FROM counters WHERE name = ?",
                                     [counter]).fetchone()
                assert value is not None and top is not None and value[0] >= top[0], table


def test_the_api_reads_demo_clients(demo: clientops.Book) -> None:
    client = demo.clients.get("C000001")
    assert client.code == "C000001" and client.name
    listed = demo.clients.list(status="all")
    assert len(listed) == 300


def test_email_names_stay_unique_across_chunks() -> None:
    """Namesakes get their client's number, so a name used in two chunks (made separately)
    never collides: a large demo book has no false "duplicate email" findings."""
    from clientops.demo.generator import _numbered

    names = np.array(["traiteur-gerard-lyon", "traiteur-gerard-lyon", "cabinet-dupont-dijon"],
                     dtype=object)
    first = _numbered(names, np.array([1, 2, 3]), first_chunk=True)
    later = _numbered(names, np.array([50_001, 50_002, 50_003]), first_chunk=False)
    assert first.tolist() == ["traiteur-gerard-lyon", "traiteur-gerard-lyon-2",
                              "cabinet-dupont-dijon"]
    assert len(set(first.tolist()) | set(later.tolist())) == 6


def test_the_demo_leaves_every_index_of_the_schema(demo: clientops.Book, tmp_path: Path) -> None:
    """The demo builds the payments' reference index once, at the end (quicker than keeping it
    row by row): a book made by the migrations alone has the same indexes."""
    indexes = "SELECT table_name, index_name, sql FROM duckdb_indexes() ORDER BY ALL"
    empty = clientops.open(tmp_path / "empty.duckdb", actor="t")
    try:
        assert rows(demo, indexes) == rows(empty, indexes)
    finally:
        empty.close()
    assert ("payments", "payments_reference_idx") in {r[:2] for r in rows(demo, indexes)}
