"""The payment form, headless: IBAN validation, the audited-change confirmation, mandates."""

from __future__ import annotations

from datetime import date, timedelta

import clientops
from clientops.ui.payment_form import PaymentForm

from .conftest import BAD_IBAN, VALID_IBAN

OTHER_IBAN = "DE89 3704 0044 0532 0130 00"  # the public German test IBAN


def test_invalid_iban_is_flagged_next_to_the_field_and_save_is_disabled(
    book: clientops.Book,
) -> None:
    client = book.clients.create(kind="company", name="Martin")
    form = PaymentForm(book, client.code)
    form.fields["iban"].input.value = BAD_IBAN
    assert "iban" in form.errors
    assert form.save.disabled
    form.fields["iban"].input.value = VALID_IBAN
    assert form.errors == {}
    assert not form.save.disabled


def test_new_iban_asks_for_confirmation_saying_it_is_audited(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin")
    form = PaymentForm(book, client.code)
    form.fields["iban"].input.value = VALID_IBAN
    form.save.click()
    assert form.confirm.pending
    assert "audit" in form.confirm.message.value
    assert book.clients.get(client.code).iban is None  # nothing until confirmed
    form.confirm.no.click()
    assert book.clients.get(client.code).iban is None
    form.save.click()
    form.confirm.yes.click()
    saved = book.clients.get(client.code)
    assert saved.iban == "FR7630006000011234567890189"
    assert saved.bic  # derived from the IBAN by the domain
    assert form.fields["bic"].input.value == saved.bic
    trail = book.history(client.code)
    iban_rows = trail[trail["field"] == "iban"]
    assert list(iban_rows["source"]) == ["form"]
    assert "189" in iban_rows["new_value"].iloc[0] and "6000" not in iban_rows["new_value"].iloc[0]


def test_changing_an_existing_iban_also_asks(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin", iban=VALID_IBAN)
    form = PaymentForm(book, client.code)
    assert form.fields["iban"].input.value == VALID_IBAN  # shown grouped by four
    form.fields["iban"].input.value = OTHER_IBAN
    form.fields["bic"].input.value = ""
    form.save.click()
    assert form.confirm.pending and "FR76" in form.confirm.message.value
    form.confirm.yes.click()
    assert book.clients.get(client.code).iban == "DE89370400440532013000"


def test_terms_change_without_iban_change_saves_directly(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin", iban=VALID_IBAN)
    form = PaymentForm(book, client.code)
    form.fields["payment_terms"].input.value = "45_days_end_of_month"
    form.save.click()
    assert not form.confirm.pending
    assert book.clients.get(client.code).payment_terms == "45_days_end_of_month"


def test_direct_debit_without_mandate_is_refused_on_the_field(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin", iban=VALID_IBAN)
    form = PaymentForm(book, client.code)
    form.fields["payment_method"].input.value = "sepa_debit"
    assert "payment_method" in form.errors
    assert form.save.disabled


def test_record_and_revoke_a_mandate(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin", iban=VALID_IBAN)
    form = PaymentForm(book, client.code)
    form.signed_on.input.value = date.today() - timedelta(days=3)
    form.add_mandate.click()
    assert "enregistré" in form.mandate_banner.text
    mandates = book.mandates.list(client.code)
    assert len(mandates) == 1
    rum = mandates["rum"].iloc[0]
    assert rum in form.mandates_html.value
    form.fields["payment_method"].input.value = "sepa_debit"  # now allowed
    assert form.errors == {}
    form.save.click()
    assert book.clients.get(client.code).payment_method == "sepa_debit"
    assert form.revoke_choice.value == rum
    form.revoke_button.click()
    assert form.confirm.pending
    form.confirm.yes.click()
    assert book.mandates.list(client.code)["status"].iloc[0] == "revoked"


def test_mandate_in_the_future_is_refused_next_to_the_date(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin", iban=VALID_IBAN)
    form = PaymentForm(book, client.code)
    form.signed_on.input.value = date.today() + timedelta(days=10)
    form.add_mandate.click()
    assert form.signed_on.error_text
    assert book.mandates.list(client.code).empty


def test_mandate_needs_an_iban(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin")
    form = PaymentForm(book, client.code)
    form.add_mandate.click()
    assert form.mandate_banner.kind == "error"
    assert book.mandates.list(client.code).empty
