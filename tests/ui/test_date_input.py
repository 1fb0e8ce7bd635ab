"""Dates typed the French way (jj/mm/aaaa), headless: shown, read, refused beside the box."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import clientops
from clientops.ui.client_card import ClientCard
from clientops.ui.date_input import DateInput
from clientops.ui.payment_form import PaymentForm

from .conftest import VALID_IBAN


def test_a_date_is_shown_day_first_with_a_french_placeholder() -> None:
    box = DateInput(value=date(2026, 12, 5), description="Signé le")
    assert box.text.value == "05/12/2026"
    assert box.text.placeholder == "jj/mm/aaaa"
    assert box.text.description == "Signé le"
    box.value = date(2025, 1, 2)
    assert box.text.value == "02/01/2025"
    box.value = None
    assert box.text.value == ""


@pytest.mark.parametrize(("typed", "read", "shown"), [
    ("3/1/2027", date(2027, 1, 3), "03/01/2027"),  # day first, one digit each
    ("05/12/2026", date(2026, 12, 5), "05/12/2026"),
    ("05.12.2026", date(2026, 12, 5), "05/12/2026"),  # dots
    ("2026-12-05", date(2026, 12, 5), "05/12/2026"),  # ISO, pasted from a spreadsheet
    ("29/02/2028", date(2028, 2, 29), "29/02/2028"),  # a leap day
])
def test_a_typed_date_is_read_day_first(typed: str, read: date, shown: str) -> None:
    box = DateInput()
    box.text.value = typed
    assert (box.value, box.text.value, box.invalid) == (read, shown, False)


@pytest.mark.parametrize("typed", [
    "12/31/2026",  # American month first: no 31st month
    "31/02/2026",  # no 31 February
    "demain",
])
def test_a_text_that_is_no_date_is_refused_beside_the_box(typed: str) -> None:
    box = DateInput(value=date(2026, 1, 1))
    box.text.value = typed
    assert box.value is None and box.invalid
    assert "n'est pas une date" in box.problem.value
    assert box.entered == typed  # handed to the domain as typed, which refuses it
    box.text.value = "01/01/2026"
    assert not box.invalid and box.problem.value == ""


def test_a_mandate_signed_on_a_text_that_is_no_date_is_refused_next_to_the_field(
        book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin", iban=VALID_IBAN)
    form = PaymentForm(book, client.code)
    form.signed_on.input.text.value = "12/31/2026"
    form.add_mandate.click()
    assert "n'est pas une date" in form.signed_on.error_text
    assert book.mandates.list(client.code).empty
    signed = date.today() - timedelta(days=3)
    form.signed_on.input.text.value = signed.strftime("%d/%m/%Y")
    form.add_mandate.click()
    assert book.mandates.list(client.code)["signed_on"].tolist() == [signed]


def test_a_task_due_on_a_typed_date(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Martin")
    card = ClientCard(book, client.code)
    due = date.today() + timedelta(days=9)
    card.task_title.value = "Rappeler le comptable"
    card.task_due.text.value = due.strftime("%d/%m/%Y")
    card.add_task()
    assert book.tasks.list(client.code)["due_on"].tolist() == [due]
    card.task_title.value = "Relancer"
    card.task_due.text.value = "32/01/2027"
    card.add_task()
    assert "n'est pas une date" in card.banner.text
    assert len(book.tasks.list(client.code)) == 1
