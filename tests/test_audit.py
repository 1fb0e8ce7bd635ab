"""Audit trail of client, contact and mandate changes: who, when, source, field, old → new."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import clientops

FR_IBAN = "FR7630006000011234567890189"
DE_IBAN = "DE89370400440532013000"


def rows(book: clientops.Book, code: str, action: str | None = None) -> pd.DataFrame:
    trail = book.history(code)
    return trail if action is None else trail[trail["action"] == action]


def test_create_records_every_given_field(book: clientops.Book) -> None:
    c = book.clients.create(kind="company", name="Martin", city="Paris")
    created = rows(book, c.code, "create")
    values = dict(zip(created["field"].fillna("-"), created["new_value"], strict=True))
    assert values["name"] == "Martin" and values["city"] == "Paris" and values["kind"] == "company"
    assert set(created["who"]) == {"tester"} and set(created["source"]) == {"api"}
    # SPEC §6: when, who, source, entity, field, old value, new value, change set
    assert list(created.columns) == ["when", "who", "source", "entity", "entity_id", "code",
                                     "action", "field", "old_value", "new_value", "changeset_id"]


def test_update_records_old_and_new_values(book: clientops.Book) -> None:
    c = book.clients.create(kind="company", name="Martin", city="Paris")
    book.clients.update(c.code, city="Lyon", payment_terms="60_days")
    updated = rows(book, c.code, "update").set_index("field")
    assert updated.loc["city", ["old_value", "new_value"]].tolist() == ["Paris", "Lyon"]
    assert updated.loc["payment_terms", ["old_value", "new_value"]].tolist() == ["30_days", "60_days"]
    assert len(updated) == 2  # unchanged fields leave no row


def test_history_finds_the_client_as_get_does(book: clientops.Book) -> None:
    c = book.clients.create(kind="company", name="Martin", city="Paris")
    book.clients.update(c.code, city="Lyon")
    assert len(book.history(c.code)) > 0
    pd.testing.assert_frame_equal(book.history(c.code.lower()), book.history(c.code))
    pd.testing.assert_frame_equal(book.history(f" {c.code} "), book.history(c.code))


def test_source_follows_the_book(book: clientops.Book) -> None:
    c = book.clients.create(kind="company", name="Martin")
    with book.using_source("form"):
        book.clients.update(c.code, city="Lyon")
    assert rows(book, c.code, "update")["source"].tolist() == ["form"]


@pytest.mark.parametrize(
    "step",
    [
        "create",  # IBAN given at creation
        "update",  # IBAN changed later
        "mandate",  # IBAN recorded on the mandate and on its amendment
    ],
)
def test_iban_never_reaches_the_trail_in_clear(book: clientops.Book, step: str) -> None:
    c = book.clients.create(kind="company", name="Martin", iban=FR_IBAN)
    if step in ("update", "mandate"):
        if step == "mandate":
            book.mandates.add(c.code, signed_on=date(2025, 1, 1))
        book.clients.update(c.code, iban=DE_IBAN)
    with book.store.connection() as conn:
        text = " ".join(str(v) for r in conn.execute("SELECT * FROM audit_log").fetchall() for v in r)
    assert FR_IBAN not in text and DE_IBAN not in text
    assert "FR76 •••• •••• •••• •••• •••• 0189" in text


def test_archive_restore_delete_are_audited(book: clientops.Book) -> None:
    c = book.clients.create(kind="company", name="Martin")
    book.clients.archive(c.code)
    book.clients.restore(c.code)
    book.clients.delete(c.code)
    actions = rows(book, c.code)["action"].tolist()
    assert actions[:3] == ["delete", "restore", "archive"]
    status = rows(book, c.code, "archive").iloc[0]
    assert (status["field"], status["old_value"], status["new_value"]) == ("status", "active", "archived")


def test_refused_change_leaves_no_audit_row(book: clientops.Book) -> None:
    c = book.clients.create(kind="company", name="Martin")
    before = len(book.history())
    with pytest.raises(clientops.ValidationError):
        book.clients.update(c.code, city="Lyon", siren="123")
    assert len(book.history()) == before


def test_expiry_and_revocation_are_audited(book: clientops.Book) -> None:
    c = book.clients.create(kind="company", name="Martin", iban=FR_IBAN)
    m = book.mandates.add(c.code, signed_on=date(2020, 1, 1))
    book.clients.update(c.code, payment_method="sepa_debit")
    assert book.mandates.expire_unused(date(2025, 1, 1)) == 1
    trail = rows(book, c.code)
    assert ((trail["entity"] == "mandate") & (trail["action"] == "expire")).sum() == 1
    fallback = trail[(trail["field"] == "payment_method") & (trail["new_value"] == "transfer")]
    assert len(fallback) == 1
    assert book.mandates.get(m.rum).status == "expired"
