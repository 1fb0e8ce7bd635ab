"""Contacts: several favourites, recipients for documents and reminders, validation, audit."""

from __future__ import annotations

from typing import Any

import pytest

import clientops
from clientops import ConflictError, NotFound, ValidationError, cardrows


@pytest.fixture
def code(book: clientops.Book) -> str:
    return book.clients.create(kind="company", name="Martin SARL", email="compta@martin.fr").code


def test_add_cleans_and_reads_back(book: clientops.Book, code: str) -> None:
    contact = book.contacts.add(code, first_name=" Anne ", last_name="Durand", email="Anne@Martin.FR",
                                phone="06 12 34 56 78", role="Comptable", favorite=True)
    assert contact.id == 1 and contact.client_code == code
    assert (contact.first_name, contact.email, contact.phone) == ("Anne", "Anne@martin.fr", "+33612345678")
    assert contact.name == "Anne Durand"
    assert book.contacts.get(contact.id) == contact
    df = book.contacts.list(code)
    assert list(df["email"]) == ["Anne@martin.fr"]


def test_phone_read_for_the_clients_country(book: clientops.Book) -> None:
    code = book.clients.create(kind="company", name="Berlin GmbH", country="DE").code
    assert book.contacts.add(code, last_name="Schmidt", phone="030 123456").phone == "+4930123456"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"last_name": "Durand", "email": "anne@"}, "email"),  # broken email
        ({"last_name": "Durand", "phone": "12"}, "phone"),  # broken phone
        ({}, "last_name"),  # neither a name nor an email
        ({"last_name": "Durand", "favorite": True}, "favorite"),  # favourite needs an email
        ({"last_name": "Durand", "favorite": "yes"}, "favorite"),  # not a boolean
        ({"last_name": "x" * 500}, "last_name"),  # huge name
    ],
)
def test_add_refuses_and_writes_nothing(book: clientops.Book, code: str, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        book.contacts.add(code, **kwargs)
    assert info.value.field == field
    assert book.counts()["contacts"] == 0


def test_recipients_are_favourites_else_client_email(book: clientops.Book, code: str) -> None:
    assert book.contacts.recipients(code) == ["compta@martin.fr"]
    a = book.contacts.add(code, last_name="A", email="a@martin.fr", favorite=True)
    book.contacts.add(code, last_name="B", email="b@martin.fr")  # not a favourite
    book.contacts.add(code, last_name="C", email="c@martin.fr", favorite=True)  # several favourites
    assert book.contacts.recipients(code) == ["a@martin.fr", "c@martin.fr"]
    book.contacts.update(a.id, favorite=False)
    assert book.contacts.recipients(code) == ["c@martin.fr"]
    assert [c.last_name for c in book.contacts.favorites(code)] == ["C"]


@pytest.mark.parametrize("spelled", [str.lower, lambda c: f" {c} "])
def test_recipients_find_the_client_as_get_does(book: clientops.Book, code: str, spelled: Any) -> None:
    book.contacts.add(code, last_name="A", email="a@martin.fr", favorite=True)
    assert book.clients.get(spelled(code)).code == code
    assert book.contacts.recipients(spelled(code)) == ["a@martin.fr"]


def test_no_email_anywhere_means_no_recipient(book: clientops.Book) -> None:
    code = book.clients.create(kind="company", name="Sans mail").code
    assert book.contacts.recipients(code) == []
    with pytest.raises(NotFound):
        book.contacts.recipients("C999999")


def test_update_version_and_conflict(book: clientops.Book, code: str) -> None:
    c = book.contacts.add(code, last_name="Durand", email="d@martin.fr")
    updated = book.contacts.update(c.id, expected_version=1, role="DAF")
    assert (updated.role, updated.version) == ("DAF", 2)
    with pytest.raises(ConflictError):
        book.contacts.update(c.id, expected_version=1, role="CEO")
    with pytest.raises(ValidationError):
        book.contacts.update(c.id, email="nope")
    assert book.contacts.get(c.id).role == "DAF"


def test_remove(book: clientops.Book, code: str) -> None:
    c = book.contacts.add(code, last_name="Durand", email="d@martin.fr")
    book.contacts.remove(c.id)
    with pytest.raises(NotFound):
        book.contacts.get(c.id)
    trail = book.history(code)
    assert list(trail[trail["entity"] == "contact"]["action"].unique()) == ["delete", "create"]


def test_contacts_inserted_with_sql_are_read(book: clientops.Book, code: str) -> None:
    with book.store.transaction() as conn:
        conn.execute("INSERT INTO contacts (id, client_id, last_name, email, favorite, created_at,"
                     " updated_at) VALUES (5, 1, 'Demo', 'demo@martin.fr', TRUE, now(), now())")
        cardrows.touch(conn, [1])
    assert book.contacts.recipients(code) == ["demo@martin.fr"]
    assert book.contacts.add(code, last_name="Next").id == 6
