"""Data-quality findings: each rule on a small readable book, SQL checks agree with check()."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

import clientops
from clientops import cardrows
from clientops.demo import build_demo
from clientops.quality import COLUMNS

FR_IBAN = "FR7630006000011234567890189"
SIREN = "732829320"
SIRET = "73282932000009"


def raw_update(book: clientops.Book, code: str, **values: Any) -> None:
    """Write values as an old import did: no validation (what quality() must catch)."""
    sets = ", ".join(f"{k} = ?" for k in values)
    with book.store.transaction() as conn:
        conn.execute(f"UPDATE clients SET {sets} WHERE code = ?", [*values.values(), code])
        cardrows.touch(conn, codes=[code])  # the card reads what the old import wrote


def findings(book: clientops.Book, rule: str | None = None) -> list[tuple[Any, ...]]:
    frame = book.quality()
    assert list(frame.columns) == COLUMNS
    if rule is not None:
        frame = frame[frame["rule"] == rule]
    return [tuple(r) for r in frame[["rule", "code", "field", "value"]].itertuples(index=False)]


def clean_company(book: clientops.Book, name: str, **extra: Any) -> str:
    values = {"kind": "company", "name": name, "siren": SIREN, "siret": SIRET,
              "email": f"{name.lower()}@example.fr", "allow_duplicate": True}
    values.update(extra)
    return book.clients.create(**values).code


def test_a_clean_book_has_no_findings(book: clientops.Book) -> None:
    book.clients.create(kind="company", name="Alpha", siren=SIREN, siret=SIRET,
                        email="alpha@example.fr", phone="01 42 68 53 00", iban=FR_IBAN,
                        einvoicing_address=SIREN, einvoicing_checked_on=date.today())
    book.clients.create(kind="individual", first_name="Jeanne", last_name="Dupont",
                        email="jeanne@example.fr")
    assert findings(book) == []


@pytest.mark.parametrize(
    ("field", "stored", "message_part"),
    [
        ("siren", "732829321", "key digit"),                          # Luhn broken
        ("siret", "73282932000008", "key digit"),                     # Luhn broken
        ("vat_number", "FR00732829320", "key does not match"),        # wrong French key
        ("iban", "FR7630006000011234567890180", "not a valid IBAN"),  # last digit wrong
        ("iban", "fr76 3000 6000 0112 3456 7890 189", "clean form"),  # valid, stored loosely
        ("bic", "AGRIFRP", "not a valid BIC"),                        # 7 characters
        ("email", "compta@@example.fr", "not a valid email"),         # two @
        ("email", "compta@acme.test", "reserved"),                    # special-use domain
        ("email", "compta@intranet.local", "reserved"),               # special-use domain
        ("email", "compta@" + "a" * 64 + ".fr", "not a valid email"),  # label over 63
        ("email", "compta@xn--a.fr", "not a valid email"),            # broken punycode
        ("phone", "+3399", "not a valid phone"),                      # too short
        ("phone", "+33612", "not a valid phone"),                     # truncated mobile
        ("payment_terms", "90_days", "must be one of"),               # vocabulary changed
        ("accounting_account", "411-000", "3 to 20 letters"),         # a dash inside
    ],
)
def test_stored_values_that_no_longer_validate(
    book: clientops.Book, field: str, stored: str, message_part: str
) -> None:
    code = clean_company(book, "Alpha")
    raw_update(book, code, **{field: stored})
    frame = book.quality()
    row = frame[(frame["rule"] == "invalid_value") & (frame["field"] == field)]
    assert row["code"].tolist() == [code]
    assert message_part in row["message"].iloc[0]


def test_missing_identifiers_duplicates_mandates_recipients_accounts(book: clientops.Book) -> None:
    a = clean_company(book, "Alpha", iban=FR_IBAN)
    b = clean_company(book, "Bravo", iban=FR_IBAN, payment_method="transfer")
    c = book.clients.create(kind="company", name="Charlie", email="charlie@example.fr").code
    d = book.clients.create(kind="individual", name="Dan").code
    raw_update(book, d, payment_method="sepa_debit", accounting_account="401000004")
    assert findings(book, "missing_siren") == [("missing_siren", c, "siren", None)]
    assert findings(book, "missing_siret") == [("missing_siret", c, "siret", None)]
    dup = findings(book, "duplicate")
    # both clients share SIREN and IBAN (IBAN masked in the findings)
    assert ("duplicate", a, "siren", SIREN) in dup and ("duplicate", b, "siren", SIREN) in dup
    assert ("duplicate", a, "iban", "FR76 •••• •••• •••• •••• •••• 0189") in dup
    assert findings(book, "debit_without_mandate") == [
        ("debit_without_mandate", d, "payment_method", "sepa_debit")]
    assert findings(book, "no_reminder_recipient") == [("no_reminder_recipient", d, "email", None)]
    assert findings(book, "account_outside_prefix") == [
        ("account_outside_prefix", d, "accounting_account", "401000004")]


def test_a_favourite_contact_with_an_email_is_a_reminder_recipient(book: clientops.Book) -> None:
    d = book.clients.create(kind="individual", name="Dan").code
    assert findings(book, "no_reminder_recipient") == [("no_reminder_recipient", d, "email", None)]
    book.contacts.add(d, first_name="Dan", email="dan@example.fr", favorite=True)
    assert findings(book, "no_reminder_recipient") == []


def test_archived_clients_with_open_invoices(book: clientops.Book) -> None:
    code = clean_company(book, "Alpha")
    book.documents.add(code, kind="invoice", issue_date=date(2026, 3, 1), total_excl_tax="100",
                       tax="20")
    book.clients.archive(code)
    rows = book.quality()
    row = rows[rows["rule"] == "archived_with_open_invoices"]
    assert row["code"].tolist() == [code]
    assert row["message"].iloc[0] == "archived but still owes 120.00 on 1 invoice"
    assert row["message_code"].tolist() == ["quality.archived_owes_one"]


def test_findings_become_a_change_set_of_the_fixes_we_know(book: clientops.Book) -> None:
    a = clean_company(book, "Alpha")
    b = clean_company(book, "Bravo")
    raw_update(book, a, iban="fr76 3000 6000 0112 3456 7890 189", accounting_account="401000001")
    raw_update(book, b, siren="732829321")   # no automatic fix for a wrong key
    cs = book.bulk.from_quality(book.quality())
    changes = {(r.code, r.field): r.new for r in cs.items.itertuples()}
    assert changes[(a, "iban")] == FR_IBAN
    assert changes[(a, "accounting_account")] == "411000001"
    assert (b, "siren") not in changes
    cs.apply()
    assert [r for r in findings(book, "invalid_value") if r[1] == a] == []
    assert book.changesets()["source"].tolist() == ["quality"]


def test_a_new_column_filled_by_the_user_wins(book: clientops.Book) -> None:
    b = clean_company(book, "Bravo")
    raw_update(book, b, siren="732829321")
    found = book.quality()
    found = found[found["rule"] == "invalid_value"].assign(new="303265045")
    cs = book.bulk.from_quality(found)
    assert [(r.code, r.field, r.old, r.new) for r in cs.preview.itertuples()] == [
        (b, "siren", "732829321", "303265045")]


def test_sql_checks_agree_with_the_single_edit_rules_on_a_demo_book(book: clientops.Book) -> None:
    """Every stored identifier of a demo book, some broken on purpose: quality() flags exactly
    the values Clients.check refuses."""
    build_demo(book, clients=400, seed=3, progress=False, today=date(2026, 11, 27))
    with book.store.transaction() as conn:  # break one digit of a few values of each kind
        for field in ("siren", "siret", "iban", "phone", "vat_number"):
            conn.execute(
                f"UPDATE clients SET {field} = left({field}, length({field}) - 1)"
                f" || CAST((CAST(right({field}, 1) AS INTEGER) + 1) % 10 AS VARCHAR)"
                f" WHERE {field} IS NOT NULL AND id % 7 = 0")
        cardrows.touch(conn, None)  # raw SQL: the card rows of every client, rebuilt
        stored = conn.execute(
            "SELECT code, country, siren, siret, vat_number, iban, bic, phone, email FROM clients"
        ).df()
    expected = set()
    for row in stored.itertuples():
        for field in ("siren", "siret", "vat_number", "iban", "bic", "phone", "email"):
            value = getattr(row, field)
            if value is None or pd.isna(value):
                continue
            changes = {field: value} if field != "phone" else {"country": row.country, field: value}
            cleaned, errors = book.clients.check(changes)
            if [e for e in errors if e.field == field] or cleaned.get(field) != value:
                expected.add((row.code, field))
    found = book.quality()
    got = {(r.code, r.field) for r in found[found["rule"] == "invalid_value"].itertuples()}
    assert len(expected) > 20
    assert got == expected


@pytest.mark.parametrize(
    ("stored", "field", "message_part"),
    [
        # an old import wrote the SIRET of another company next to this SIREN
        ({"siret": "55208131766522"}, "siret", "does not belong to the company"),
        # the VAT number of another SIREN (valid key for 552081317)
        ({"vat_number": "FR03552081317"}, "vat_number", "does not match the SIREN 732829320"),
        # a German bank's BIC next to a French IBAN
        ({"iban": FR_IBAN, "bic": "COBADEFFXXX"}, "bic", "bank in DE but the IBAN is from FR"),
    ],
)
def test_stored_values_that_contradict_each_other(
    book: clientops.Book, stored: dict[str, str], field: str, message_part: str
) -> None:
    code = clean_company(book, "Alpha")
    raw_update(book, code, **stored)
    frame = book.quality()
    row = frame[(frame["rule"] == "invalid_value") & (frame["field"] == field)]
    assert row["code"].tolist() == [code], frame
    assert message_part in row["message"].iloc[0]
    # the message is the one a single edit gives for the same values
    with pytest.raises(clientops.ValidationError, match=message_part.split(" ")[0]):
        book.clients.update(code, **{field: stored[field]}, **(
            {"iban": FR_IBAN} if field == "bic" else {}))
    # no automatic fix: each value is valid alone
    assert book.bulk.from_quality(frame[frame["rule"] == "invalid_value"]).preview.empty


def test_a_french_overseas_bank_goes_with_a_french_iban(book: clientops.Book) -> None:
    code = clean_company(book, "Alpha")
    raw_update(book, code, iban=FR_IBAN, bic="BFCORERXXXX")  # a bank in La Réunion
    assert findings(book, "invalid_value") == []
