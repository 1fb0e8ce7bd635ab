"""The field registry: each client field declared once, every reader following it.

A test-only field (``legal_form``, with its migration) is registered and must reach create,
update, get, list, bulk corrections, the card, exports and the identity form without any
other module being touched; the forms keep every allowed value of a coded field as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import clientops
from clientops import cardrows, fields, i18n, vocabulary
from clientops.client_model import Client
from clientops.pg import PgStore
from clientops.ui.client_form import ClientForm
from clientops.ui.payment_form import PaymentForm

LEGAL_FORMS = {"sas": ("Simplified joint-stock company", "Société par actions simplifiée"),
               "sarl": ("Limited liability company", "Société à responsabilité limitée"),
               "ei": ("Sole proprietorship", "Entreprise individuelle")}


# -- the declarations ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(fields.vocabularies()))
def test_every_choice_of_every_vocabulary_has_a_french_and_an_english_label(name: str) -> None:
    for code, (english, french) in fields.choices(name).items():
        assert english.strip() and french.strip(), (name, code)
        assert vocabulary.value_label(name, code, "fr") == french
        assert vocabulary.value_label(name, code, "en") == english


def test_every_field_has_a_french_and_an_english_label() -> None:
    for declared in fields.all_fields():
        assert declared.label_in("fr").strip() and declared.label_in("en").strip()
        assert vocabulary.field_label(declared.name, "fr") == declared.label[1]


def test_the_client_record_is_the_registry() -> None:
    import dataclasses

    assert [f.name for f in dataclasses.fields(Client)] == list(fields.columns())
    assert "einvoicing_flow" not in fields.columns()  # computed, not stored


def test_what_reads_other_fields_reads_declared_fields() -> None:
    names = {f.name for f in fields.all_fields()}
    for declared in fields.all_fields():
        assert set(declared.reads) <= names, declared.name
        assert set(declared.derives) <= names, declared.name
        assert declared.form in (None, *fields.FORMS)
        assert declared.card in (None, *fields.CARD_SECTIONS)


def test_the_sensitive_fields_are_masked() -> None:
    from clientops.masking import SENSITIVE

    assert set(fields.names_where("sensitive")) == {"iban"}
    assert "iban" in SENSITIVE


# -- the forms keep what they do not show as changed (regression) --------------------------------
@pytest.mark.parametrize("term", list(fields.choices("payment_terms")))
def test_the_payment_form_keeps_every_payment_term_when_another_field_is_edited(
        book: clientops.Book, term: str) -> None:
    """A 45-day client's terms were rewritten to "on receipt" by saving a bank-name edit: the
    dropdown had no label for 45_days. Every allowed term survives an unrelated edit."""
    client = book.clients.create(kind="company", name="Martin", payment_terms=term)
    form = PaymentForm(book, client.code)
    assert form.changes() == {}
    form.fields["bank_name"].input.value = "Banque Populaire"
    assert form.changes() == {"bank_name": "Banque Populaire"}
    form.save.click()
    saved = book.clients.get(client.code)
    assert (saved.payment_terms, saved.bank_name) == (term, "Banque Populaire")


@pytest.mark.parametrize("method", [m for m in fields.choices("payment_method")
                                    if m != "sepa_debit"])
def test_the_payment_form_keeps_every_payment_method(book: clientops.Book, method: str) -> None:
    client = book.clients.create(kind="company", name="Martin", payment_method=method)
    form = PaymentForm(book, client.code)
    form.fields["bank_name"].input.value = "Banque Populaire"
    assert form.changes() == {"bank_name": "Banque Populaire"}


@pytest.mark.parametrize("language", list(fields.choices("language")))
def test_the_identity_form_keeps_every_language(book: clientops.Book, language: str) -> None:
    client = book.clients.create(kind="company", name="Martin", language=language)
    form = ClientForm(book, client.code)
    form.fields["city"].input.value = "Lyon"
    assert form.changes() == {"city": "Lyon"}


# -- a new field: declared once, with its migration -----------------------------------------
def _alias(book: clientops.Book) -> str:
    """The server book's catalogue name inside DuckDB."""
    assert isinstance(book.store, PgStore)
    return book.store.alias


def _add_column(book: clientops.Book, backend: str, ddl: str) -> None:
    with book.store.transaction() as conn:
        if backend == "postgres":
            conn.execute(f"CALL postgres_execute('{_alias(book)}', ?)", [ddl])
            conn.execute("CALL pg_clear_cache()")
        else:
            conn.execute(ddl)
        cardrows.rebuild_all(conn)  # what a migration adding a client column ends with


@pytest.fixture
def legal_form(book: clientops.Book, backend: str) -> Iterator[fields.Field]:
    """``legal_form`` registered (a coded identity field, listed, on the card) and its column
    added to a fresh book; taken back after the test."""
    declared = fields.Field(
        "legal_form", ("Legal form", "Forme juridique"), choices=LEGAL_FORMS,
        form="identity", listed=True, sort="text", card="identity")
    fields.register(declared)
    try:
        _add_column(book, backend, declared.ddl())
        yield declared
    finally:
        fields.unregister("legal_form")
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
        if backend == "postgres":  # the test run's server database is reused by other tests
            with book.store.transaction() as conn:
                conn.execute(f"CALL postgres_execute('{_alias(book)}', ?)",
                             ["ALTER TABLE clients DROP COLUMN IF EXISTS legal_form"])
                conn.execute("CALL pg_clear_cache()")
            with book.store.connection() as conn:  # once committed: every book of the process
                conn.execute("CALL pg_clear_cache()")


def test_a_new_field_is_created_updated_read_and_listed(book: clientops.Book,
                                                         legal_form: fields.Field) -> None:
    client = book.clients.create(kind="company", name="Martin", legal_form="SAS")
    assert client.legal_form == "sas"  # cleaned by its choices
    with pytest.raises(clientops.ValidationError) as refused:
        book.clients.update(client.code, legal_form="gmbh")
    assert (refused.value.field, refused.value.code) == ("legal_form", "client.choice")
    assert "doit être l'une des valeurs" in refused.value.message("fr")
    updated = book.clients.update(client.code, legal_form="sarl")
    assert book.clients.get(client.code).legal_form == "sarl" == updated.legal_form
    listed = book.clients.list(order_by="legal_form")
    assert listed.loc[listed["code"] == client.code, "legal_form"].tolist() == ["sarl"]
    trail = book.history(client.code)
    assert trail.loc[trail["field"] == "legal_form", "new_value"].tolist()[:2] == ["sarl", "sas"]


def test_a_new_field_is_corrected_in_bulk_and_undone(book: clientops.Book,
                                                      legal_form: fields.Field) -> None:
    a = book.clients.create(kind="company", name="Martin", legal_form="sas")
    b = book.clients.create(kind="company", name="Durand")
    cs = book.bulk.update([a.code, b.code], legal_form="ei")
    assert cs.preview["new"].tolist() == ["ei", "ei"]
    sheet = pd.DataFrame({"code": [a.code], "Forme juridique": ["Entreprise individuelle"]})
    assert book.bulk.from_file(sheet).preview["new"].tolist() == ["ei"]  # its label, its header
    bad = book.bulk.update([a.code], legal_form="gmbh")
    assert bad.preview["error_code"].tolist() == ["client.choice"]
    undo_of = cs.apply()
    assert {book.clients.get(c).legal_form for c in (a.code, b.code)} == {"ei"}
    book.bulk.undo(undo_of)
    assert (book.clients.get(a.code).legal_form, book.clients.get(b.code).legal_form) == ("sas", None)


def test_a_new_field_shows_on_the_card_in_exports_and_in_the_identity_form(
        book: clientops.Book, legal_form: fields.Field, tmp_path: Path) -> None:
    client = book.clients.create(kind="company", name="Martin", legal_form="sas")
    assert book.card(client.code).identity["legal_form"] == "sas"
    with book.store.connection() as conn:
        assert cardrows.differences(conn) == []

    path = book.clients.export(tmp_path / "clients.xlsx", lang="fr")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    headers = [c.value for c in sheet[1]]
    assert "Forme juridique" in headers
    row = [c.value for c in sheet[2]]
    assert row[headers.index("Forme juridique")] == "Société par actions simplifiée"
    english = pd.read_csv(book.clients.export(tmp_path / "clients.csv", lang="en"), sep=None,
                          engine="python")
    assert english["Legal form"].tolist() == ["Simplified joint-stock company"]

    i18n.set_language("fr")
    form = ClientForm(book, client.code)
    dropdown = form.fields["legal_form"].input
    assert list(dropdown.options) == [(french, code) for code, (_en, french) in LEGAL_FORMS.items()]
    assert dropdown.value == "sas"
    assert form.changes() == {}
    dropdown.value = "ei"
    form.save.click()
    assert book.clients.get(client.code).legal_form == "ei"


def test_a_new_coded_field_is_checked_by_data_quality(book: clientops.Book,
                                                       legal_form: fields.Field) -> None:
    client = book.clients.create(kind="company", name="Martin", legal_form="sas")
    with book.store.transaction() as conn:  # stored before the rule, or by another program
        conn.execute("UPDATE clients SET legal_form = 'gmbh' WHERE code = ?", [client.code])
        cardrows.touch(conn, [client.id])
    findings = book.quality()
    found = findings[(findings["field"] == "legal_form") & (findings["code"] == client.code)]
    assert found["value"].tolist() == ["gmbh"]
