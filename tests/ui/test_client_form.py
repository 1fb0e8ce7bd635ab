"""The identity form, headless: creation (wizard step 1) and edit are the same window."""

from __future__ import annotations

import pytest

import clientops
from clientops.ui.client_form import ClientForm, errors_by_field
from clientops.ui.i18n import set_language

from .conftest import BAD_SIRET, VALID_SIRET


def type_into(form: ClientForm, **values: str) -> None:
    for name, value in values.items():
        form.fields[name].input.value = value


def test_save_is_disabled_until_a_name_is_given(book: clientops.Book) -> None:
    form = ClientForm(book)
    assert form.save.disabled
    type_into(form, name="Boulangerie Martin SARL")
    assert not form.save.disabled


@pytest.mark.parametrize(
    ("field", "bad", "good"),
    [
        ("siret", BAD_SIRET, VALID_SIRET),  # Luhn key wrong, then right
        ("siren", "732829321", "732829320"),  # SIREN key digit
        ("email", "compta@@martin.fr", "compta@martin.fr"),  # syntax
        ("phone", "12", "01 23 45 67 89"),  # too short for a French number
        ("vat_number", "FR00732829320", "FR44732829320"),  # VAT key does not match the SIREN
        ("accounting_account", "512000", "411MARTIN"),  # must start with the 411 prefix
    ],
)
def test_error_shows_next_to_the_field_and_nothing_is_saved(
    book: clientops.Book, field: str, bad: str, good: str
) -> None:
    form = ClientForm(book)
    type_into(form, name="Boulangerie Martin SARL", **{field: bad})
    assert field in form.errors, form.errors
    assert list(form.errors) == [field]  # only that field is flagged
    assert form.save.disabled
    form.save.click()  # disabled in the browser; even when forced, nothing is written
    assert form.submit() is None
    assert book.clients.count(status="all") == 0
    type_into(form, **{field: good})
    assert form.errors == {}
    assert not form.save.disabled
    form.save.click()
    assert form.saved is not None
    assert book.clients.count(status="all") == 1
    assert "C000001" in form.banner.text


def test_created_client_is_audited_as_coming_from_a_form(book: clientops.Book) -> None:
    form = ClientForm(book)
    type_into(form, name="Martin", siret=VALID_SIRET)
    form.save.click()
    history = book.history(form.saved.code)
    assert set(history["source"]) == {"form"}
    assert book.source == "api"  # the form's source does not leak into later API calls


def test_duplicate_siret_is_flagged_on_the_field_naming_the_other_client(
    book: clientops.Book,
) -> None:
    first = book.clients.create(kind="company", name="Martin", siret=VALID_SIRET)
    form = ClientForm(book)
    type_into(form, name="Martin bis", siret=VALID_SIRET)
    assert set(form.errors) == {"siret", "siren"}  # the SIRET typed and the SIREN it gives
    assert first.code in " ".join(form.errors.values())
    assert form.save.disabled
    assert form.allow_duplicate.layout.display != "none"  # the way out is offered…
    form.allow_duplicate.value = True  # …and taken: the same company, on purpose
    assert form.errors == {} and not form.save.disabled
    form.save.click()
    assert book.clients.count(status="all") == 2


def test_edit_loads_the_record_and_saves_only_the_changes_with_its_version(
    book: clientops.Book,
) -> None:
    client = book.clients.create(kind="company", name="Martin", city="Lyon", tags=["vip"])
    form = ClientForm(book, client.code)
    assert form.fields["name"].input.value == "Martin"
    assert form.fields["tags"].input.value == "vip"
    assert form.save.disabled  # nothing changed yet
    type_into(form, city="Villeurbanne", comments="Nouveau siège")
    assert form.changes() == {"city": "Villeurbanne", "comments": "Nouveau siège"}
    form.save.click()
    saved = book.clients.get(client.code)
    assert (saved.city, saved.comments, saved.version) == ("Villeurbanne", "Nouveau siège", 2)
    assert form.client.version == 2  # a second save carries the new version
    type_into(form, city="Lyon")
    form.save.click()
    assert book.clients.get(client.code).city == "Lyon"


def test_concurrent_edit_is_reported_not_overwritten(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin", city="Lyon")
    form = ClientForm(book, client.code)
    book.clients.update(client.code, city="Paris")  # someone else, meanwhile
    type_into(form, city="Marseille")
    form.save.click()
    assert book.clients.get(client.code).city == "Paris"
    assert "modifié cette fiche" in form.banner.text
    assert "Ville" in form.banner.text  # the field changed meanwhile (city), by its label
    assert form.reload_button.layout.display != "none"
    form.reload_button.click()
    assert form.fields["city"].input.value == "Paris"
    type_into(form, city="Marseille")
    form.save.click()
    assert book.clients.get(client.code).city == "Marseille"


def test_unexpected_errors_are_shown_not_swallowed(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin")
    form = ClientForm(book, client.code)
    book.clients.delete(client.code)  # the record vanished under the form
    type_into(form, city="Lyon")
    form.save.click()
    assert form.banner.kind == "error"
    assert "C000001" in form.banner.text
    assert isinstance(form.last_error, clientops.NotFound)


def test_cancel_calls_back(book: clientops.Book) -> None:
    called: list[bool] = []
    form = ClientForm(book, on_cancel=lambda: called.append(True))
    form.cancel.click()
    assert called == [True]


def test_form_speaks_english_on_request(book: clientops.Book) -> None:
    set_language("en")
    form = ClientForm(book)
    assert form.save.description == "Save"
    assert form.fields["postal_code"].input.description == "Postal code"
    set_language("fr")
    assert ClientForm(book).save.description == "Enregistrer"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([clientops.ValidationError("iban", "x", "iban.checksum")],  # check() style
         {"iban": "n'est pas un IBAN valide : la clé de contrôle ne correspond pas "
                  "(faute de frappe ?)"}),
        ({"email": "wrong"}, {"email": "wrong"}),  # a mapping
        ([("siret", clientops.ValidationError("siret", "1", "siret.length"))],  # conflicts()
         {"siret": "un SIRET compte exactement 14 chiffres"}),
        ([], {}),  # nothing wrong
    ],
)
def test_errors_by_field(raw: object, expected: dict[str, str]) -> None:
    assert errors_by_field(raw) == expected
