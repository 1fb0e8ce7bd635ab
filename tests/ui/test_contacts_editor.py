"""The contacts editor, headless: add, edit, favourite, remove (with confirmation)."""

from __future__ import annotations

import clientops
from clientops.ui.contacts_editor import ContactsEditor


def fill(editor: ContactsEditor, **values: object) -> None:
    for name, value in values.items():
        editor.fields[name].input.value = value


def test_add_edit_favourite_remove(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin", email="compta@martin.fr")
    editor = ContactsEditor(book, client.code)
    assert "compta" not in editor.table.value and "email du client" in editor.table.value
    fill(editor, first_name="Claire", last_name="Dubois", email="claire@martin.fr", role="DAF")
    editor.save.click()
    contacts = book.contacts.list(client.code)
    assert list(contacts["email"]) == ["claire@martin.fr"]
    assert "Claire Dubois" in editor.table.value
    contact_id = int(contacts["id"].iloc[0])
    assert editor.picker.value == contact_id  # the saved contact stays selected
    fill(editor, favorite=True, phone="06 12 34 56 78")
    editor.save.click()
    row = book.contacts.list(client.code).iloc[0]
    assert bool(row["favorite"]) and row["phone"] == "+33612345678"
    assert "★" in editor.table.value
    editor.remove.click()
    assert editor.confirm.pending
    editor.confirm.no.click()
    assert len(book.contacts.list(client.code)) == 1
    editor.remove.click()
    editor.confirm.yes.click()
    assert book.contacts.list(client.code).empty


def test_invalid_email_is_flagged_next_to_the_field(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin")
    editor = ContactsEditor(book, client.code)
    fill(editor, first_name="Claire", email="claire@@martin")
    editor.save.click()
    assert editor.fields["email"].error_text
    assert book.contacts.list(client.code).empty


def test_two_favourites_are_allowed(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin")
    editor = ContactsEditor(book, client.code)
    for first in ("Claire", "Paul"):
        editor.new.click()
        fill(editor, first_name=first, last_name="Dubois", favorite=True,
             email=f"{first.lower()}@martin.fr")
        editor.save.click()
    assert int(book.contacts.list(client.code)["favorite"].sum()) == 2


def test_favourite_without_email_is_refused_on_the_favourite_box(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin")
    editor = ContactsEditor(book, client.code)
    fill(editor, first_name="Claire", favorite=True)
    editor.save.click()
    assert editor.fields["favorite"].error_text
    assert book.contacts.list(client.code).empty


def test_concurrent_contact_edit_is_reported(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin")
    contact = book.contacts.add(client.code, first_name="Claire", last_name="Dubois")
    editor = ContactsEditor(book, client.code)
    editor.picker.value = contact.id
    book.contacts.update(contact.id, role="DAF")  # someone else
    fill(editor, role="Comptable")
    editor.save.click()
    assert editor.banner.kind == "error"
    assert book.contacts.get(contact.id).role == "DAF"
