"""Client life cycle: two-step creation, validation, duplicates, versions, archive/delete, lists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

import clientops
from clientops import ConflictError, DeletionRefused, NotFound, ValidationError
from clientops.allocation import recompute_open_balances
from clientops.clients import EDITABLE_FIELDS, KINDS, PAYMENT_METHODS, PAYMENT_TERMS, Client

FR_IBAN = "FR7630006000011234567890189"
DE_IBAN = "DE89370400440532013000"
BE_IBAN = "BE68539007547034"


def company(book: clientops.Book, **extra: Any) -> Client:
    values: dict[str, Any] = {"kind": "company", "name": "Boulangerie Martin SARL"}
    values.update(extra)
    return book.clients.create(**values)


def add_document(book: clientops.Book, client_id: int, kind: str, n: int) -> None:
    with book.store.transaction() as conn:
        conn.execute(
            "INSERT INTO documents (id, client_id, kind, number, issue_date, due_date,"
            " total_excl_tax, tax, total_incl_tax, created_at)"
            " VALUES (?, ?, ?, ?, DATE '2026-01-10', DATE '2026-02-10', 100, 20, 120, now())",
            [n, client_id, kind, f"{kind[:1].upper()}-{n}"],
        )
        recompute_open_balances(conn, [client_id])  # what clientops' own writes do


def add_payment(book: clientops.Book, client_id: int, n: int) -> None:
    with book.store.transaction() as conn:
        conn.execute(
            "INSERT INTO payments (id, client_id, paid_on, amount, method, created_at)"
            " VALUES (?, ?, DATE '2026-02-01', ?, 'transfer', now())",
            [n, client_id, Decimal("120.00")],
        )
        recompute_open_balances(conn, [client_id])  # what clientops' own writes do


# -- creation ----------------------------------------------------------------------------
def test_step_one_needs_only_kind_and_name(book: clientops.Book) -> None:
    c = company(book)
    assert c.code == "C000001"
    assert (c.kind, c.name, c.status, c.version) == ("company", "Boulangerie Martin SARL", "active", 1)
    assert (c.payment_terms, c.payment_method, c.country, c.currency) == ("30_days", "transfer", "FR", "EUR")
    assert book.clients.get(c.code) == c


def test_full_creation_stores_compact_forms(book: clientops.Book) -> None:
    c = book.clients.create(
        kind="company", name="Boulangerie Martin SARL", siret="732 829 320 00074",
        vat_number="fr 44 732829320", email="Compta@Martin.FR", phone="01 23 45 67 89",
        address_line1="1 rue de la Paix", postal_code="75 001", city="Paris", country="fr",
        payment_terms="30_days", payment_method="transfer", comments="Livraison le matin",
        iban="fr76 3000 6000 0112 3456 7890 189", tags=["vip", "export"],
    )
    assert c.siret == "73282932000074"
    assert c.siren == "732829320"  # derived from the SIRET
    assert c.vat_number == "FR44732829320"
    assert c.phone == "+33123456789"
    assert c.email == "Compta@martin.fr"
    assert c.postal_code == "75001"
    assert c.iban == FR_IBAN
    assert c.bic == "AGRIFRPPXXX"  # filled from the bank registry
    assert c.bank_name == "CREDIT AGRICOLE SA"
    assert c.tags == ("vip", "export")
    assert c.iban_formatted == "FR76 3000 6000 0112 3456 7890 189"


def test_codes_are_generated_and_never_reused(book: clientops.Book) -> None:
    first = company(book)
    book.clients.delete(first.code)
    second = company(book, name="Autre")
    assert second.code == "C000002"


def test_codes_skip_rows_inserted_directly(book: clientops.Book) -> None:
    # Demo data and imports insert with SQL without touching the counter.
    with book.store.transaction() as conn:
        conn.execute(
            "INSERT INTO clients (id, code, kind, name, created_at, updated_at)"
            " VALUES (7, 'C000007', 'company', 'Imported', now(), now())"
        )
    assert book.clients.get("C000007").tags == ()
    assert company(book).code == "C000008"


def test_individual_name_from_first_and_last_name(book: clientops.Book) -> None:
    c = book.clients.create(kind="individual", first_name="Jeanne", last_name="Dupont")
    assert c.name == "Jeanne Dupont"
    c = book.clients.update(c.code, last_name="Martin")
    assert c.name == "Jeanne Martin"


def test_accounting_account_defaults_to_prefix_and_code(book: clientops.Book) -> None:
    book.settings.update(accounting_prefix="4111")
    c = company(book)
    assert c.accounting_account == "4111000001"


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"kind": "alien"}, "kind", "must be one of"),  # unknown kind
        ({"name": "   "}, "name", "required"),  # blank name
        ({"siret": "73282932000075"}, "siret", "key digit"),  # SIREN part right, Luhn wrong
        ({"siren": "552100554", "siret": "73282932000074"}, "siret", "starts with its SIREN"),  # SIRET of another company
        ({"siren": "552100554", "vat_number": "FR44732829320"}, "vat_number", "SIREN 552100554"),  # VAT key of another SIREN
        ({"iban": "FR0630006000011234567890188"}, "iban", "RIB key"),  # French RIB key wrong
        ({"iban": DE_IBAN, "bic": "BNPAFRPPXXX"}, "bic", "IBAN is from DE"),  # BIC/IBAN countries differ
        ({"email": "compta@"}, "email", "email"),  # no domain
        ({"phone": "01 23"}, "phone", "phone"),  # too short
        ({"payment_terms": "90_days"}, "payment_terms", "must be one of"),  # not in the vocabulary
        ({"payment_method": "bitcoin"}, "payment_method", "must be one of"),  # not in the vocabulary
        ({"payment_method": "sepa_debit"}, "payment_method", "IBAN"),  # direct debit without IBAN
        ({"payment_method": "sepa_debit", "iban": FR_IBAN}, "payment_method", "mandate"),  # no mandate yet
        ({"accounting_account": "401000001"}, "accounting_account", "prefix 411"),  # supplier account
        ({"postal_code": "7500"}, "postal_code", "5 digits"),  # French postal code too short
        ({"country": "XX"}, "country", "country"),  # unknown country
        ({"currency": "EURO"}, "currency", "currency"),  # not an ISO code
        ({"website": "not a site"}, "website", "web address"),  # spaces
        ({"tags": "x" * 60}, "tags", "50 characters"),  # a tag longer than 50 characters
        ({"tags": "vip,\ud800"}, "tags", "cannot be stored"),  # a lone surrogate (broken text)
        ({"comments": "x" * 6000}, "comments", "too long"),  # huge comment
        ({"name": "Martin\x00SARL"}, "name", "control"),  # NUL byte
        ({"reminders_paused": "yes"}, "reminders_paused", "true or false"),  # not a boolean
        ({"code": "C999999"}, "code", "cannot be changed"),  # read-only field
        ({"colour": "blue"}, "colour", "not a client field"),  # unknown field
    ],
)
def test_create_refuses_bad_values_and_writes_nothing(
    book: clientops.Book, changes: dict[str, Any], field: str, reason: str
) -> None:
    values = {"kind": "company", "name": "Martin", **changes}
    with pytest.raises(ValidationError) as info:
        book.clients.create(**values)
    assert info.value.field == field
    assert reason in str(info.value)
    assert book.clients.count("all") == 0
    assert len(book.history()) == 0


@pytest.mark.parametrize(
    ("country", "given", "stored"),
    [
        ("FR", "75 001", "75001"),  # Paris, typed with a space
        ("MC", "98000", "98000"),  # Monaco: French-style 5 digits
        ("DE", "10115", "10115"),  # Berlin
        ("BE", "1000", "1000"),  # Brussels
        ("LU", "L-1009", "1009"),  # Luxembourg, written with its L- prefix
        ("NL", "1011ab", "1011 AB"),  # Amsterdam: 4 digits and 2 letters
        ("AT", "1010", "1010"),  # Vienna
        ("CH", "8001", "8001"),  # Zurich
        ("ES", "28001", "28001"),  # Madrid
        ("IT", "00118", "00118"),  # Rome, leading zero kept
        ("PT", "1000-001", "1000-001"),  # Lisbon
        ("GB", "SW1A 1AA", "SW1A 1AA"),  # no fixed rule here: any plausible code
    ],
)
def test_postal_code_of_the_clients_country(
    book: clientops.Book, country: str, given: str, stored: str
) -> None:
    assert company(book, country=country, postal_code=given).postal_code == stored


@pytest.mark.parametrize(
    ("values", "field", "reason"),
    [
        ({"country": "DE", "postal_code": "1011"}, "postal_code", "5 digits"),  # German code has 5
        ({"country": "BE", "postal_code": "10000"}, "postal_code", "4 digits"),  # Belgian code has 4
        ({"country": "NL", "postal_code": "1011"}, "postal_code", "2 letters"),  # letters missing
        ({"country": "ES", "postal_code": "2800"}, "postal_code", "5 digits"),  # Spanish code has 5
        ({"country": "FR", "delivery_country": "BE", "delivery_postal_code": "75001"},
         "delivery_postal_code", "4 digits"),  # read for the delivery country
    ],
)
def test_postal_code_refused_for_the_clients_country(
    book: clientops.Book, values: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as info:
        company(book, **values)
    assert info.value.field == field and reason in str(info.value)
    assert book.clients.count("all") == 0


def test_create_needs_a_kind(book: clientops.Book) -> None:
    with pytest.raises(ValidationError) as info:
        book.clients.create(name="Martin")
    assert info.value.field == "kind"


def test_check_collects_every_error_without_writing(book: clientops.Book) -> None:
    cleaned, errors = book.clients.check(
        {"kind": "company", "name": "Martin", "siren": "732829321", "email": "nope",
         "iban": "FR7630006000011234567890188", "version": 4, "colour": "red"}
    )
    assert sorted(e.field for e in errors) == ["colour", "email", "iban", "siren", "version"]
    assert cleaned == {"kind": "company", "name": "Martin"}
    assert book.clients.count("all") == 0


def test_check_against_current_returns_only_real_changes(book: clientops.Book) -> None:
    c = company(book, city="Paris")
    cleaned, errors = book.clients.check({"city": " Paris ", "iban": BE_IBAN}, c)
    assert errors == []
    assert cleaned["iban"] == BE_IBAN and "city" not in cleaned


def test_vocabularies_are_the_documented_ones() -> None:
    assert KINDS == ("company", "individual", "public_body")
    assert set(PAYMENT_METHODS) == {"transfer", "sepa_debit", "card", "cheque", "cash"}
    assert {"on_receipt", "30_days", "30_days_end_of_month", "45_days_end_of_month", "60_days"} <= set(PAYMENT_TERMS)
    assert "code" not in EDITABLE_FIELDS and "iban" in EDITABLE_FIELDS


# -- duplicates and uniqueness -----------------------------------------------------------
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"siren": "732829320"}, {"siren": "732 829 320"}),  # same SIREN, other spacing
        ({"siret": "73282932000074"}, {"siret": "73282932000074"}),  # same establishment
        ({"vat_number": "FR44732829320"}, {"vat_number": "FR 44 732829320"}),  # same VAT number
        ({"iban": FR_IBAN}, {"iban": "FR76 3000 6000 0112 3456 7890 189"}),  # same bank account
    ],
)
def test_duplicates_are_refused_naming_the_other_client(
    book: clientops.Book, first: dict[str, Any], second: dict[str, Any]
) -> None:
    existing = company(book, **first)
    book.clients.archive(existing.code)  # archived clients count too
    with pytest.raises(ValidationError) as info:
        company(book, name="Copy", **second)
    assert existing.code in str(info.value)
    assert book.clients.count("all") == 1
    copy = company(book, name="Copy", allow_duplicate=True, **second)
    assert copy.code != existing.code


@pytest.mark.parametrize("step", ["create", "update"])
def test_duplicate_siret_is_blamed_on_the_siret_given(book: clientops.Book, step: str) -> None:
    # The SIREN derived from the SIRET clashes too; the error names the field the user typed.
    existing = company(book, siret="73282932000074")
    with pytest.raises(ValidationError) as info:
        if step == "create":
            company(book, name="Copy", siret="732 829 320 00074")
        else:
            book.clients.update(company(book, name="Copy").code, siret="73282932000074")
    assert info.value.field == "siret" and existing.code in str(info.value)


def test_a_refused_creation_does_not_use_up_a_client_code(book: clientops.Book) -> None:
    # Client codes are what finance people file and quote: a duplicate or an accounting
    # account refused at creation takes no code, on the server as on the file.
    existing = company(book, siren="732829320", accounting_account="411MARTIN")
    with pytest.raises(ValidationError, match=existing.code):
        company(book, name="Copy", siren="732829320")
    with pytest.raises(ValidationError, match=existing.code):
        company(book, name="Other", accounting_account="411MARTIN")
    assert company(book, name="Copy", siren="732829320", allow_duplicate=True).code == "C000002"


def test_duplicate_refused_on_update_too(book: clientops.Book) -> None:
    a = company(book, siren="732829320")
    b = company(book, name="B")
    with pytest.raises(ValidationError, match=a.code):
        book.clients.update(b.code, siren="732829320")
    assert book.clients.update(b.code, siren="732829320", allow_duplicate=True).siren == "732829320"


def test_accounting_account_is_unique_even_with_allow_duplicate(book: clientops.Book) -> None:
    a = company(book, accounting_account="411MARTIN")
    with pytest.raises(ValidationError, match=a.code):
        company(book, name="B", accounting_account="411martin", allow_duplicate=True)


def test_conflicts_see_the_batch_as_a_whole(book: clientops.Book) -> None:
    a = company(book, accounting_account="411A")
    b = company(book, name="B", accounting_account="411B")
    # Swapping the two accounts in one batch is fine …
    assert book.clients.conflicts({a.code: {"accounting_account": "411B"},
                                   b.code: {"accounting_account": "411A"}}) == []
    # … giving both the same value is not, and taking an untouched client's value neither.
    found = book.clients.conflicts({a.code: {"accounting_account": "411X"},
                                    b.code: {"accounting_account": "411X"}})
    assert sorted(code for code, _ in found) == [a.code, b.code]
    found = book.clients.conflicts({a.code: {"accounting_account": "411B"}})
    assert found[0][0] == a.code and b.code in str(found[0][1])


def test_unique_field_update_on_a_client_with_documents(book: clientops.Book) -> None:
    c = company(book)
    add_document(book, c.id, "invoice", 1)
    updated = book.clients.update(c.code, accounting_account="411999", siren="732829320")
    assert updated.accounting_account == "411999"
    assert book.clients.get(c.code).siren == "732829320"


# -- updates and versions ----------------------------------------------------------------
def test_update_changes_fields_and_bumps_version(book: clientops.Book) -> None:
    c = company(book)
    updated = book.clients.update(c.code, expected_version=1, city="Lyon", payment_terms="60_days")
    assert (updated.city, updated.payment_terms, updated.version) == ("Lyon", "60_days", 2)
    assert updated.updated_at is not None and c.updated_at is not None
    assert updated.updated_at >= c.updated_at


def test_update_with_no_real_change_keeps_the_version(book: clientops.Book) -> None:
    c = company(book, city="Paris")
    assert book.clients.update(c.code, city="Paris").version == 1


def test_stale_version_raises_conflict_naming_fields(book: clientops.Book) -> None:
    c = company(book)
    book.clients.update(c.code, expected_version=c.version, city="Lyon")  # another notebook
    with pytest.raises(ConflictError) as info:
        book.clients.update(c.code, expected_version=c.version, comments="mine")
    assert info.value.fields == ("city",)
    assert "city" in str(info.value)
    assert book.clients.get(c.code).comments is None


def test_bad_update_writes_nothing(book: clientops.Book) -> None:
    c = company(book)
    with pytest.raises(ValidationError):
        book.clients.update(c.code, city="Lyon", siret="73282932000075")
    assert book.clients.get(c.code) == c


def test_new_iban_replaces_derived_bic(book: clientops.Book) -> None:
    c = company(book, iban=FR_IBAN)
    c = book.clients.update(c.code, iban=DE_IBAN)
    assert (c.bic, c.bank_name) == ("COBADEFFXXX", "Commerzbank")
    c = book.clients.update(c.code, iban=None)
    assert (c.iban, c.bic) == (None, None)


def test_get_unknown_code(book: clientops.Book) -> None:
    with pytest.raises(NotFound):
        book.clients.get("C999999")
    with pytest.raises(NotFound):
        book.clients.id_of("C999999")
    assert book.clients.id_of(company(book).code) == 1


# -- archive, restore, delete ------------------------------------------------------------
def test_archive_and_restore(book: clientops.Book) -> None:
    c = company(book)
    archived = book.clients.archive(c.code)
    assert archived.status == "archived" and archived.archived_at is not None
    assert book.clients.count() == 0 and book.clients.count("archived") == 1
    assert list(book.clients.list("all")["code"]) == [c.code]
    restored = book.clients.restore(c.code)
    assert restored.status == "active" and restored.archived_at is None
    assert restored.version == 3


@pytest.mark.parametrize(
    ("documents", "payments", "message"),
    [
        (["invoice", "invoice", "invoice"], 1, "3 invoices, 1 payment"),  # the spec's example
        (["quote"], 0, "1 quote"),  # even a quote is history
        (["credit_note", "invoice"], 2, "1 invoice, 1 credit note, 2 payments"),  # mixed
        ([], 1, "1 payment"),  # a payment alone
    ],
)
def test_delete_refused_counts_what_is_attached(
    book: clientops.Book, documents: list[str], payments: int, message: str
) -> None:
    c = company(book)
    for n, kind in enumerate(documents, start=1):
        add_document(book, c.id, kind, n)
    for n in range(payments):
        add_payment(book, c.id, n + 1)
    with pytest.raises(DeletionRefused) as info:
        book.clients.delete(c.code)
    assert message in str(info.value)
    assert "archive" in str(info.value).lower()
    assert book.clients.get(c.code) == c


def test_delete_refused_for_a_collected_mandate(book: clientops.Book) -> None:
    c = company(book, iban=FR_IBAN)
    m = book.mandates.add(c.code, signed_on=date(2025, 1, 1))
    with book.store.transaction() as conn:
        book.mandates.mark_collected(conn, m.id, date(2025, 2, 1))
    with pytest.raises(DeletionRefused, match="1 collected SEPA mandate"):
        book.clients.delete(c.code)


def test_delete_removes_client_contacts_and_unused_mandates(book: clientops.Book) -> None:
    c = company(book, iban=FR_IBAN)
    book.contacts.add(c.code, first_name="Anne", email="anne@example.fr")
    book.mandates.add(c.code, signed_on=date(2025, 1, 1))
    book.clients.delete(c.code)
    with pytest.raises(NotFound):
        book.clients.get(c.code)
    counts = book.counts()
    assert counts["clients"] == counts["contacts"] == counts["sepa_mandates"] == 0
    assert "delete" in set(book.history(c.code)["action"])


# -- lists -------------------------------------------------------------------------------
@pytest.fixture
def portfolio(book: clientops.Book) -> clientops.Book:
    company(book, name="Boulangerie Martin", city="Paris", siren="732829320",
            vat_number="FR44732829320", iban=FR_IBAN, tags="vip", owner="alice")
    company(book, name="Garage Dupont", city="Lyon", email="contact@dupont.fr",
            payment_terms="60_days", owner="bob")
    book.clients.create(kind="individual", first_name="Zoé", last_name="Martin",
                        city="Marseille", tags=["vip", "export"])
    old = company(book, name="Ancienne Martin", city="Paris")
    book.clients.archive(old.code)
    return book


@pytest.mark.parametrize(
    ("kwargs", "codes"),
    [
        ({}, ["C000001", "C000002", "C000003"]),  # active by default
        ({"status": "archived"}, ["C000004"]),  # archived only
        ({"status": "all"}, ["C000001", "C000002", "C000003", "C000004"]),  # everything
        ({"search": "martin"}, ["C000001", "C000003"]),  # name, case-insensitive
        ({"search": "PARIS", "status": "all"}, ["C000001", "C000004"]),  # city
        ({"search": "732 829 320"}, ["C000001"]),  # SIREN typed with spaces
        ({"search": "dupont.fr"}, ["C000002"]),  # email
        ({"search": "c000002"}, ["C000002"]),  # code
        ({"search": "zoe"}, ["C000003"]),  # typed without the accent of Zoé
        ({"search": "ZOÉ MARTIN"}, ["C000003"]),  # accented capitals
        ({"search": "FR44 732829320"}, ["C000001"]),  # the VAT number, as on an invoice
        ({"tags": "vip"}, ["C000001", "C000003"]),  # one tag
        ({"tags": ["vip", "export"]}, ["C000003"]),  # all tags required
        ({"owner": "bob"}, ["C000002"]),  # owner
        ({"payment_method": ["transfer"]}, ["C000001", "C000002", "C000003"]),  # method list
        ({"order_by": "name"}, ["C000001", "C000002", "C000003"]),  # Boulangerie, Garage, Zoé
        ({"order_by": "city", "descending": True}, ["C000001", "C000003", "C000002"]),  # Paris, Marseille, Lyon
        ({"limit": 2, "offset": 1}, ["C000002", "C000003"]),  # a page
    ],
)
def test_list_filters_and_pages(portfolio: clientops.Book, kwargs: dict[str, Any], codes: list[str]) -> None:
    df = portfolio.clients.list(**kwargs)
    assert list(df["code"]) == codes
    paging = {"limit", "offset", "order_by", "descending"}
    assert portfolio.clients.count(**{k: v for k, v in kwargs.items() if k not in paging}) == (
        len(codes) if "limit" not in kwargs else 3)


def test_list_masks_the_iban(portfolio: clientops.Book) -> None:
    df = portfolio.clients.list()
    assert df.loc[0, "iban"] == "FR76 •••• •••• •••• •••• •••• 0189"
    assert FR_IBAN not in df.to_string()
    assert portfolio.clients.get("C000001").iban == FR_IBAN


def test_list_searches_cities_without_their_accents(book: clientops.Book) -> None:
    company(book, name="Boulangerie Martin", city="Orléans")
    company(book, name="Garage Dupont", city="Besançon")
    assert book.clients.list(search="orleans")["code"].tolist() == ["C000001"]
    assert book.clients.list(search="BESANCON")["code"].tolist() == ["C000002"]
    assert book.clients.count(search="orleans") == 1


def test_list_sorts_names_in_dictionary_order(book: clientops.Book) -> None:
    for name in ["Zoé Traiteur", "émile Bois", "Alpha Conseil", "bravo Transports", "Éole SA"]:
        company(book, name=name)
    names = book.clients.list(order_by="name")["name"].tolist()
    assert names == ["Alpha Conseil", "bravo Transports", "émile Bois", "Éole SA", "Zoé Traiteur"]
    paged = book.clients.list(order_by="name", descending=True, limit=2, offset=1)
    assert paged["name"].tolist() == ["Éole SA", "émile Bois"]


def test_list_refuses_an_unknown_payment_method(portfolio: clientops.Book) -> None:
    with pytest.raises(ValidationError) as info:
        portfolio.clients.list(payment_method=["transfer", "bitcoin"])
    assert info.value.field == "payment_method"
    with pytest.raises(ValidationError):
        portfolio.clients.count(payment_method="bitcoin")


def test_list_refuses_unknown_order(portfolio: clientops.Book) -> None:
    with pytest.raises(ValidationError):
        portfolio.clients.list(order_by="name; DROP TABLE clients")


def test_list_reads_rows_inserted_with_sql(book: clientops.Book) -> None:
    with book.store.transaction() as conn:
        conn.execute(
            "INSERT INTO clients (id, code, kind, name, iban, tags, created_at, updated_at)"
            " VALUES (1, 'C000001', 'company', 'Demo', 'FR76 3000 6000 0112 3456 7890 189',"
            " 'a, b', now(), now())"
        )
    df = book.clients.list(tags="b")
    assert df.loc[0, "iban"] == "FR76 •••• •••• •••• •••• •••• 0189"
    assert book.clients.get("C000001").tags == ("a", "b")


def test_clearing_the_account_gives_the_default_back(book: clientops.Book) -> None:
    c = company(book, accounting_account="411MARTIN")
    assert book.clients.update(c.code, accounting_account="").accounting_account == "411000001"


def test_check_can_be_told_about_the_mandate(book: clientops.Book) -> None:
    # Bulk corrections check thousands of rows: they pass what they already know.
    c = company(book, iban=FR_IBAN)
    _, errors = book.clients.check({"payment_method": "sepa_debit"}, c, has_active_mandate=True)
    assert errors == []
    _, errors = book.clients.check({"payment_method": "sepa_debit"}, c, has_active_mandate=False)
    assert [e.field for e in errors] == ["payment_method"]
    _, errors = book.clients.check({"accounting_account": "512000"}, c, accounting_prefix="512")
    assert errors == []


def test_conflicts_ignore_duplicates_when_allowed(book: clientops.Book) -> None:
    a = company(book, siren="732829320")
    b = company(book, name="B")
    assert book.clients.conflicts({b.code: {"siren": "732829320"}}, allow_duplicate=True) == []
    found = book.clients.conflicts({b.code: {"siren": "732829320"}})
    assert [(code, err.field) for code, err in found] == [(b.code, "siren")]
    assert a.code in found[0][1].message("en")


@pytest.mark.parametrize(
    ("stored", "change", "field"),
    [
        ({"siret": "73282932000074"}, {"siren": "552100554"}, "siren"),  # new SIREN, old SIRET
        ({"siren": "732829320"}, {"siret": "55210055400013"}, "siret"),  # new SIRET, old SIREN
        ({"vat_number": "FR44732829320", "siren": "732829320"}, {"siren": "552100554"}, "siren"),  # new SIREN, old VAT
        ({"siren": "552100554"}, {"vat_number": "FR44732829320"}, "vat_number"),  # new VAT, old SIREN
    ],
)
def test_cross_field_error_blames_the_changed_field(
    book: clientops.Book, stored: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    c = company(book, **stored)
    with pytest.raises(ValidationError) as info:
        book.clients.update(c.code, **change)
    assert info.value.field == field
    assert book.clients.get(c.code) == c


def test_as_dict_is_every_field_and_nothing_else(book: clientops.Book) -> None:
    from clientops.clients import COLUMNS

    client = book.clients.create(kind="company", name="Dict SAS", tags=["vip"])
    record = client.as_dict()
    assert list(record) == list(COLUMNS)
    assert record["name"] == "Dict SAS" and record["tags"] == client.tags
    record["name"] = "changed"  # a copy: the frozen record is untouched
    assert client.name == "Dict SAS"
