"""The domain's texts in the UI: coded texts from the catalogue, in French, through one function
(``clientops.ui.controls.describe_error``)."""

from __future__ import annotations

import pytest

import clientops
from clientops import identifiers
from clientops.errors import ConflictError, NotFound, ValidationError
from clientops.ui import i18n
from clientops.ui.controls import describe_error
from clientops.ui.payment_form import PaymentForm

from .conftest import BAD_IBAN


def refusal(book: clientops.Book, **values: str) -> ValidationError:
    _cleaned, errors = book.clients.check(values)
    assert len(errors) == 1, errors
    return errors[0]


# -- coded errors: the catalogue's French, after the field's label --------------------------
def test_an_iban_error_in_french_with_the_field_label() -> None:
    with pytest.raises(ValidationError) as caught:
        identifiers.clean_iban(BAD_IBAN)
    assert caught.value.code == "iban.checksum"
    assert describe_error(caught.value) == (
        "IBAN : n'est pas un IBAN valide : la clé de contrôle ne correspond pas "
        "(faute de frappe ?)")


@pytest.mark.parametrize(("address", "french"), [
    ("compta@example", "le domaine après le @ n'a pas de point (par exemple exemple.fr)"),
    ("compta.example.fr", "il manque le @"),
    ("Compta <compta@example.fr>", "un nom ou des <…> autour de l'adresse"),
])
def test_email_validator_is_never_shown_raw(address: str, french: str) -> None:
    with pytest.raises(ValidationError) as caught:
        identifiers.clean_email(address)
    shown = describe_error(caught.value)
    assert shown == f"Email : n'est pas une adresse e-mail valide : {french}"
    assert "@-sign" not in shown


def test_a_nested_coded_text_is_french_too() -> None:
    with pytest.raises(ValidationError) as caught:
        identifiers.clean_siren(["732829320"])
    assert describe_error(caught.value) == (
        "SIREN : doit être saisi sous forme de texte, par exemple un SIREN de 9 chiffres")


def test_english_ui_shows_the_english_text() -> None:
    i18n.set_language("en")
    with pytest.raises(ValidationError) as caught:
        identifiers.clean_iban(BAD_IBAN)
    assert describe_error(caught.value) == (
        "IBAN : is not a valid IBAN: the check digits do not match (typing error?)")


def test_not_found_and_conflicts_in_french() -> None:
    assert describe_error(NotFound("client.not_found", code="'C999999'")) == (
        "Aucun client n'a le code 'C999999'.")
    assert describe_error(ConflictError("changeset.undone", id=3)) == (
        "Le lot de corrections 3 a déjà été annulé.")
    # a record changed meanwhile: the generic advice, with the fields by their label
    assert "Ville, IBAN" in describe_error(ConflictError(
        "client.changed_since", fields=("city", "iban"), code="C000001", who="julie", old=3,
        new=4, fields_changed="city, iban"))


# -- frames: their texts are written in the UI's language when they are built --------------
def test_quality_findings_read_in_french(book: clientops.Book) -> None:
    book.clients.create(kind="company", name="Sans SIREN", country="FR")  # no SIREN, SIRET…
    for name in ("Martin", "Martin bis"):  # the same SIREN twice
        book.clients.create(kind="company", name=name, siren="732829320", allow_duplicate=True)
    findings = book.quality()
    missing = findings[findings["message_code"] == "quality.missing_siret"]
    assert set(missing["message"]) == {
        "une entreprise française doit avoir le SIRET de l'établissement facturé"}
    same = findings[findings["message_code"] == "quality.duplicate_siren"]
    assert same["message"].str.startswith("le même SIREN pour 2 clients : ").all()


# -- prose of the modules not yet coded (clients, bulk…): still put in French -------------
def test_a_coded_text_reworded_as_prose_is_read_back_from_the_catalogue(
        book: clientops.Book) -> None:
    # Clients._cross_checks re-raises the BIC's coded error as English prose
    err = refusal(book, kind="company", name="Martin", iban="FR7630006000011234567890189",
                  bic="DEUTDEFFXXX")
    assert describe_error(err) == (
        "BIC : désigne une banque du pays DE alors que l'IBAN est du pays FR")


def test_an_accounting_account_outside_the_prefix(book: clientops.Book) -> None:
    err = refusal(book, kind="company", name="Martin", accounting_account="512000")
    assert describe_error(err) == (
        "Compte comptable : doit commencer par la racine des comptes clients 411")



# -- in a form -----------------------------------------------------------------------------
def test_a_bad_iban_is_explained_in_french_in_the_form(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin")
    form = PaymentForm(book, client.code)
    form.fields["iban"].input.value = BAD_IBAN
    assert form.submit() is None  # refused: nothing saved
    assert book.clients.get(client.code).iban is None
    assert form.errors == {"iban": "n'est pas un IBAN valide : la clé de contrôle ne correspond "
                                   "pas (faute de frappe ?)"}
    assert form.banner.kind == "error"
