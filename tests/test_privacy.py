"""Personal data (GDPR): anonymise a person everywhere, export what the book holds about them,
and list who is kept past the retention period. Both backends."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

import clientops
from clientops import ValidationError, cardcodec, cardrows
from clientops.privacy import retention_cutoff

FR_IBAN = "FR7630006000011234567890189"
DE_IBAN = "DE89370400440532013000"
OLD_EMAIL = "jeanne.dupont@example.fr"
NEW_EMAIL = "j.dupont@example.org"
CONTACT_EMAIL = "paul.dupont@example.fr"
PERSON = {"kind": "individual", "first_name": "Jeanne", "last_name": "Dupontel",
          "email": OLD_EMAIL, "phone": "06 12 34 56 78", "address_line1": "12 rue des Lilas",
          "postal_code": "75011", "city": "Paris", "iban": FR_IBAN,
          "comments": "Préfère être appelée le matin"}
# what must leave no trace once anonymised (compact IBANs: the account part of each)
TRACES = ["Dupontel", "Jeanne", OLD_EMAIL, NEW_EMAIL, CONTACT_EMAIL, "+33612345678",
          "rue des Lilas", FR_IBAN[4:-4], DE_IBAN[4:-4], "le matin"]


def one(book: clientops.Book, sql: str, params: list[Any] | None = None) -> Any:
    with book.store.connection() as conn:
        row = conn.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def counts(book: clientops.Book) -> dict[str, Any]:
    """What anonymising must leave alone: the books."""
    return {
        "documents": one(book, "SELECT count(*) FROM documents"),
        "payments": one(book, "SELECT count(*) FROM payments"),
        "invoiced": one(book, "SELECT sum(total_incl_tax) FROM documents"),
        "paid": one(book, "SELECT sum(amount) FROM payments"),
        "open": one(book, "SELECT sum(open_amount) FROM documents"),
        "dates": one(book, "SELECT string_agg(CAST(issue_date AS VARCHAR), ',' ORDER BY id)"
                           " FROM documents"),
        "reminders": one(book, "SELECT count(*) FROM reminders"),
    }


def a_person_with_a_history(book: clientops.Book) -> str:
    """An individual edited by hand and in bulk, with a contact, a past mandate, an invoice,
    a reminder and a payment: personal data in every table and in the audit trail."""
    code = book.clients.create(**PERSON).code
    book.contacts.add(code, first_name="Paul", last_name="Dupontel", email=CONTACT_EMAIL,
                      phone="06 98 76 54 32", favorite=True)
    rum = book.mandates.add(code, signed_on=date(2025, 3, 1)).rum
    book.clients.update(code, iban=DE_IBAN)  # an amendment: old and new IBAN on the mandate
    book.mandates.revoke(rum)
    book.clients.update(code, email=NEW_EMAIL)
    book.bulk.update([code], email=OLD_EMAIL).apply()  # old and new in change-set items
    doc = book.documents.add(code, issue_date=date.today() - timedelta(days=40),
                             total_excl_tax=Decimal("100.00"), tax=Decimal("20.00"))
    book.reminders.record(code, doc.number, note="Mme Dupontel promet un virement",
                          recipient=OLD_EMAIL, channel="email")
    book.payments.add(code, paid_on=date.today(), amount=Decimal("50.00"), invoice=doc.number)
    book.tasks.add(code, "Rappeler Mme DUPONTEL au +33612345678", assignee="Nadia")
    return code


def test_anonymise_leaves_no_trace_of_the_person_and_keeps_the_books(book: clientops.Book) -> None:
    code = a_person_with_a_history(book)
    other = book.clients.create(kind="individual", first_name="Anne", last_name="Martin",
                                email="anne@example.fr").code
    before = counts(book)
    dump = json.dumps(book.clients.personal_data(code))
    assert all(trace in dump for trace in (OLD_EMAIL, "Dupontel", FR_IBAN))  # there before

    client = book.clients.anonymise(code)

    assert client.name == f"Anonymisé {code}"
    assert (client.first_name, client.last_name, client.email, client.phone, client.iban,
            client.bic, client.address_line1, client.city, client.comments) == (None,) * 9
    assert counts(book) == before
    dump = json.dumps(book.clients.personal_data(code), ensure_ascii=False)
    for trace in TRACES:
        assert trace.lower() not in dump.lower(), trace
    for table, columns in (("audit_log", ("old_value", "new_value")),
                           ("changeset_items", ("old_value", "new_value")),
                           ("reminders", ("recipient", "note")),
                           ("contacts", ("email", "last_name"))):
        for trace in (OLD_EMAIL, "Dupontel", FR_IBAN[4:-4]):
            found = " OR ".join(f"contains(lower({c}), ?)" for c in columns)
            assert one(book, f"SELECT count(*) FROM {table} WHERE {found}",
                       [trace.lower()] * len(columns)) == 0, (table, trace)
    with book.store.connection() as conn:  # the kept cards, compressed
        cards = [cardcodec.decode(conn, int(d), bytes(b)).lower()
                 for d, b in conn.execute("SELECT dictionary, body FROM card_rows").fetchall()]
    assert bool(cards) == book.store.keeps_cards  # a file book keeps them, a server book none
    for trace in (OLD_EMAIL, "Dupontel", FR_IBAN[4:-4]):
        assert not any(trace.lower() in card for card in cards), trace
    assert book.tasks.list(code)["title"].tolist() == ["Rappeler Mme Anonymisé au Anonymisé"]
    history = book.history(code)
    assert list(history.loc[history["action"] == "anonymise", "field"].isna()) == [True]
    assert book.clients.get(other).last_name == "Martin"  # nobody else touched
    with book.store.connection() as conn:
        cardrows.check(conn)  # the kept card rows match the tables


def test_a_duplicate_merged_into_the_person_goes_with_it(book: clientops.Book) -> None:
    code = book.clients.create(**PERSON).code
    twin = book.clients.create(kind="individual", first_name="Jeanne", last_name="Dupontel",
                               email=NEW_EMAIL, allow_duplicate=True).code
    book.contacts.add(twin, last_name="Dupontel", email=CONTACT_EMAIL)
    book.clients.merge(code, twin)   # the contact moves; its history keeps the twin's code
    book.clients.anonymise(code)
    assert book.clients.get(twin).name == f"Anonymisé {twin}"
    for trace in (OLD_EMAIL, NEW_EMAIL, CONTACT_EMAIL, "Dupontel"):
        assert one(book, "SELECT count(*) FROM audit_log WHERE contains(lower(old_value), ?)"
                         " OR contains(lower(new_value), ?)", [trace.lower()] * 2) == 0, trace
    assert {a["client_code"] for a in book.clients.personal_data(code)["audit"]} == {code, twin}


def test_a_task_naming_the_person_in_full_loses_the_whole_name(book: clientops.Book) -> None:
    code = book.clients.create(**PERSON).code
    book.tasks.add(code, "Rappeler Jeanne Dupontel, puis jeanne.dupont@example.fr")
    book.clients.anonymise(code)
    # the full name goes as one piece, not its last name alone (leaving "Jeanne Anonymisé")
    assert book.tasks.list(code)["title"].tolist() == ["Rappeler Anonymisé, puis Anonymisé"]


def test_a_company_is_refused_and_nothing_changes(book: clientops.Book) -> None:
    code = book.clients.create(kind="company", name="Martin SARL", email="compta@martin.fr").code
    with pytest.raises(ValidationError) as info:
        book.clients.anonymise(code)
    assert info.value.field == "kind"
    assert book.clients.get(code).email == "compta@martin.fr"
    assert list(book.history(code)["action"]) == ["create"] * len(book.history(code))


def test_refused_while_a_mandate_is_active_naming_it(book: clientops.Book) -> None:
    code = book.clients.create(**PERSON).code
    rum = book.mandates.add(code, signed_on=date(2025, 3, 1)).rum
    audit_rows = len(book.history())
    with pytest.raises(ValidationError, match=rum) as info:
        book.clients.anonymise(code)
    assert info.value.field == "mandate"
    assert book.clients.get(code).email == OLD_EMAIL and len(book.history()) == audit_rows
    book.mandates.revoke(rum)
    assert book.clients.anonymise(code).email is None


def test_anonymise_a_contact_alone(book: clientops.Book) -> None:
    code = book.clients.create(kind="company", name="Dupontel SARL", email="compta@dupontel.fr").code
    book.clients.update(code, iban=FR_IBAN)
    rum = book.mandates.add(code, signed_on=date(2025, 3, 1)).rum  # a company's mandate: allowed
    paul = book.contacts.add(code, first_name="Paul", last_name="Dupontel", email=CONTACT_EMAIL,
                             phone="06 98 76 54 32", role="DAF", favorite=True)
    anne = book.contacts.add(code, first_name="Anne", last_name="Martin", email="anne@dupontel.fr")
    book.contacts.update(paul.id, email="paul@dupontel.fr")
    book.contacts.update(paul.id, email=CONTACT_EMAIL)
    doc = book.documents.add(code, issue_date=date.today(), total_excl_tax=Decimal("10.00"))
    book.reminders.record(code, doc.number, recipient=CONTACT_EMAIL, channel="email")

    contact = book.contacts.anonymise(paul.id)

    assert (contact.first_name, contact.last_name, contact.email, contact.phone, contact.role,
            contact.favorite) == (None, "Anonymisé", None, None, None, False)
    assert book.contacts.get(anne.id) == anne
    assert book.clients.get(code).name == "Dupontel SARL"      # the company's name stays
    assert book.mandates.get(rum).iban == FR_IBAN
    for trace in (CONTACT_EMAIL, "paul@dupontel.fr", "+33698765432", "DAF"):
        assert one(book, "SELECT count(*) FROM audit_log WHERE contains(old_value, ?)"
                         " OR contains(new_value, ?)", [trace, trace]) == 0, trace
        assert trace not in json.dumps(book.clients.personal_data(code)), trace
    assert "anne@dupontel.fr" in json.dumps(book.clients.personal_data(code))
    history = book.history(code)
    assert len(history[(history["entity"] == "contact") & (history["action"] == "anonymise")]) == 1


def test_personal_data_is_everything_about_the_person_as_json(book: clientops.Book) -> None:
    code = a_person_with_a_history(book)
    data = book.clients.personal_data(code)
    assert json.loads(json.dumps(data)) == data
    assert data["client"]["code"] == code and data["client"]["iban"] == DE_IBAN  # the person's own
    assert [c["email"] for c in data["contacts"]] == [CONTACT_EMAIL]
    assert [m["status"] for m in data["mandates"]] == ["revoked"]
    assert [(a["old_iban"], a["new_iban"]) for a in data["mandate_amendments"]] == [(FR_IBAN, DE_IBAN)]
    assert [r["recipient"] for r in data["reminders"]] == [OLD_EMAIL]
    assert [d["total_incl_tax"] for d in data["documents"]] == ["120.00"]
    assert [p["amount"] for p in data["payments"]] == ["50.00"]
    assert {"create", "update", "amend", "revoke"} <= {a["action"] for a in data["audit"]}
    assert all(a["entity"] for a in data["audit"])
    with pytest.raises(clientops.NotFound):
        book.clients.personal_data("C999999")


# -- retention ----------------------------------------------------------------------------------
def backdate(book: clientops.Book, code: str, days: int) -> None:
    """Move the client's and its contacts' creation and edits ``days`` back (as if they had
    been written then)."""
    with book.store.transaction() as conn:
        for table, where in (("clients", "code = ?"),
                             ("contacts", "client_id IN (SELECT id FROM clients WHERE code = ?)")):
            conn.execute(
                f"UPDATE {table} SET created_at = created_at - to_days(CAST(? AS INTEGER)),"
                f" updated_at = updated_at - to_days(CAST(? AS INTEGER)) WHERE {where}",
                [days, days, code])
        cardrows.touch(conn, codes=[code])


def retention(book: clientops.Book) -> list[tuple[Any, ...]]:
    found = book.quality()
    found = found[found["rule"] == "retention_expired"]
    return [tuple(r) for r in found[["code", "field", "value", "action"]].itertuples(index=False)]


def test_people_without_activity_for_three_years_are_listed_to_anonymise(book: clientops.Book) -> None:
    four_years = 4 * 365 + 1
    asleep = book.clients.create(kind="individual", first_name="Léa", last_name="Morel").code
    backdate(book, asleep, four_years)
    recent = book.clients.create(kind="individual", first_name="Marc", last_name="Blanc").code
    paid_lately = book.clients.create(kind="individual", first_name="Zoé", last_name="Roux").code
    owes = book.clients.create(kind="individual", first_name="Luc", last_name="Petit").code
    company = book.clients.create(kind="company", name="Vieille SARL").code
    old_contact = book.contacts.add(company, last_name="Durand", email="durand@vieille.fr")
    for code in (paid_lately, owes, company):
        backdate(book, code, four_years)
    old_day = date.today() - timedelta(days=four_years)
    doc = book.documents.add(paid_lately, issue_date=old_day, total_excl_tax=Decimal("10.00"))
    book.payments.add(paid_lately, paid_on=date.today() - timedelta(days=30),
                      amount=Decimal("10.00"), invoice=doc.number)
    book.documents.add(owes, issue_date=old_day, total_excl_tax=Decimal("10.00"))

    assert sorted(retention(book)) == sorted([
        (asleep, "client", None, "anonymise"),
        (company, "contact", str(old_contact.id), "anonymise"),
    ])
    assert recent and all(code not in {r[0] for r in retention(book)}
                          for code in (recent, paid_lately, owes))
    book.settings.update(retention_years=5)
    assert retention(book) == []
    book.settings.update(retention_years=3)
    book.clients.anonymise(asleep)
    book.contacts.anonymise(old_contact.id)
    backdate(book, asleep, four_years)   # years later: anonymised already, not listed again
    assert retention(book) == []


def test_retention_years_is_a_whole_number_of_years(book: clientops.Book) -> None:
    assert book.settings.retention_years == 3
    for bad in (0, 31, "three", True, 2.5):
        with pytest.raises(ValidationError) as info:
            book.settings.update(retention_years=bad)
        assert info.value.field == "retention_years"
    assert retention_cutoff(3, date(2028, 2, 29)) == date(2025, 2, 28)
