"""The two-step creation wizard, headless."""

from __future__ import annotations

import clientops
from clientops.ui.wizard import CreationWizard

from .conftest import BAD_IBAN, VALID_IBAN


def test_two_steps_identity_then_payment_and_contacts(book: clientops.Book) -> None:
    done: list[object] = []
    wizard = CreationWizard(book, on_done=done.append)
    assert wizard.step == 1 and "1. Identité" in wizard.header.value
    wizard.identity.fields["name"].input.value = "Boulangerie Martin SARL"
    wizard.identity.save.click()
    assert wizard.step == 2
    code = wizard.client.code
    payment = wizard.payment
    assert payment is not None and wizard.contacts is not None
    payment.fields["iban"].input.value = BAD_IBAN
    assert "iban" in payment.errors and payment.save.disabled
    payment.fields["iban"].input.value = VALID_IBAN
    payment.save.click()
    payment.confirm.yes.click()
    wizard.contacts.fields["first_name"].input.value = "Claire"
    wizard.contacts.fields["email"].input.value = "claire@martin.fr"
    wizard.contacts.fields["favorite"].input.value = True
    wizard.contacts.save.click()
    wizard.finish.click()
    assert wizard.step == 3 and done and done[0].code == code  # type: ignore[attr-defined]
    saved = book.clients.get(code)
    assert saved.iban == "FR7630006000011234567890189"
    assert book.contacts.favorites(code)[0].first_name == "Claire"


def test_step_two_can_be_skipped(book: clientops.Book) -> None:
    wizard = CreationWizard(book)
    wizard.identity.fields["name"].input.value = "Martin"
    wizard.identity.save.click()
    wizard.skip.click()
    assert wizard.step == 3
    assert book.clients.get(wizard.client.code).iban is None
    assert "prêt" in wizard.banner.text


def test_cancel_at_step_one_saves_nothing(book: clientops.Book) -> None:
    wizard = CreationWizard(book)
    wizard.identity.fields["name"].input.value = "Martin"
    wizard.identity.cancel.click()
    assert book.clients.count(status="all") == 0
    assert "rien" in wizard.banner.text
