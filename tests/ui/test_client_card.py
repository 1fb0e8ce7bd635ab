"""The client card, headless: six sections, edit windows, tasks, archive/restore/delete."""

from __future__ import annotations

import pytest

import clientops
from clientops.ui import fmt
from clientops.ui.client_card import ClientCard, card_code
from clientops.ui.client_form import ClientForm
from clientops.ui.contacts_editor import ContactsEditor
from clientops.ui.payment_form import PaymentForm


@pytest.fixture
def busy_code(demo_book: clientops.Book) -> str:
    """A client with documents, payments and an open task."""
    tasks = demo_book.tasks.list()
    docs = set(demo_book.documents.list()["client_code"])
    return str(next(c for c in tasks["client_code"] if c in docs))


def test_the_six_sections_show_the_card_data(demo_book: clientops.Book, busy_code: str) -> None:
    card = ClientCard(demo_book, busy_code, charts=False)
    data = demo_book.card(busy_code)
    assert data.identity["name"] in card.title.value
    assert fmt.money(data.kpis.outstanding) in card.kpis.value  # Activité
    assert data.identity["accounting_account"] in card.identity.value  # Identité
    assert data.documents["number"].iloc[0] in card.documents.value  # Derniers documents
    assert "IBAN" in card.payment.value  # Paiement
    if data.payment.iban_masked:
        assert data.payment.iban_masked in card.payment.value
    if not data.reminders.empty:  # Relances
        assert str(data.reminders["number"].iloc[0]) in card.reminders.value
    for email in data.contacts["email"].dropna():  # Contacts
        assert email in card.contacts.value
    open_task = data.tasks[~data.tasks["done"].astype(bool)]["title"].iloc[0]
    assert open_task in card.tasks.value
    assert card.banner.kind == ""


def test_chart_shows_invoiced_and_collected_per_month(
    demo_book: clientops.Book, busy_code: str
) -> None:
    card = ClientCard(demo_book, busy_code)
    assert card.chart.value.startswith("<svg") and card.chart.value.count("<rect class=") == 24
    monthly = demo_book.indicators.monthly(code=busy_code, months=12)
    last = monthly.iloc[-1]
    if last["invoiced_incl_tax"]:
        assert fmt.money(last["invoiced_incl_tax"]) in card.chart.value
    if last["collected"]:
        assert fmt.money(last["collected"]) in card.chart.value


def test_identity_click_opens_the_creation_form_and_saves(
    demo_book: clientops.Book, busy_code: str
) -> None:
    changed: list[bool] = []
    card = ClientCard(demo_book, busy_code, charts=False, on_changed=lambda: changed.append(True))
    card.identity_button.click()
    form = card.editor.children[0]
    assert type(form) is ClientForm and form.code == busy_code
    form.fields["comments"].input.value = "Client historique, appeler avant relance"
    form.save.click()
    assert demo_book.clients.get(busy_code).comments.startswith("Client historique")
    assert "Client historique" in card.identity.value  # the card reloaded
    assert changed == [True]


def test_payment_and_contacts_windows(demo_book: clientops.Book, busy_code: str) -> None:
    card = ClientCard(demo_book, busy_code, charts=False)
    card.payment_button.click()
    assert isinstance(card.editor.children[0], PaymentForm)
    card.contacts_button.click()
    editor = card.editor.children[0]
    assert isinstance(editor, ContactsEditor)
    editor.fields["first_name"].input.value = "Zoé"
    editor.fields["last_name"].input.value = "Zidane"
    editor.save.click()
    assert "Zoé Zidane" in card.contacts.value  # the card reloaded its contacts
    card.editor.children[1].click()  # Close
    assert card.editor.children == ()


def test_complete_a_task(demo_book: clientops.Book, busy_code: str) -> None:
    card = ClientCard(demo_book, busy_code, charts=False)
    task_id = card.task_choice.value
    card.task_done.click()
    tasks = demo_book.tasks.list(busy_code, open_only=False).set_index("id")
    assert bool(tasks.loc[task_id, "done"])


def test_add_a_task_due_yesterday_stands_out(book: clientops.Book) -> None:
    from datetime import date, timedelta

    client = book.clients.create(kind="company", name="Martin")
    card = ClientCard(book, client.code, charts=False)
    card.task_add.click()  # no title: nothing added
    assert book.tasks.list(client.code).empty
    card.task_title.value = "Rappeler la comptable"
    card.task_due.value = date.today() - timedelta(days=1)
    card.task_add.click()
    assert list(book.tasks.list(client.code)["title"]) == ["Rappeler la comptable"]
    assert "⚠ Rappeler la comptable" in card.tasks.value and "co-late" in card.tasks.value


def test_archive_restore_and_refused_delete(demo_book: clientops.Book, busy_code: str) -> None:
    card = ClientCard(demo_book, busy_code, charts=False)
    card.archive_button.click()
    assert card.confirm.pending and demo_book.clients.get(busy_code).status == "active"
    card.confirm.yes.click()
    assert demo_book.clients.get(busy_code).status == "archived"
    assert card.restore_button.layout.display != "none"
    card.restore_button.click()
    card.confirm.yes.click()
    assert demo_book.clients.get(busy_code).status == "active"
    card.delete_button.click()
    card.confirm.yes.click()
    assert demo_book.clients.exists(busy_code)
    assert card.banner.kind == "error" and "archiv" in card.banner.text.lower()
    assert isinstance(card.last_error, clientops.DeletionRefused)


def test_delete_a_client_without_history(book: clientops.Book) -> None:
    client = book.clients.create(kind="company", name="Erreur de saisie")
    card = ClientCard(book, client.code, charts=False)
    card.delete_button.click()
    card.confirm.yes.click()
    assert not book.clients.exists(client.code)
    assert card.deleted and "supprimé" in card.banner.text


def test_unknown_code_is_shown_not_raised(book: clientops.Book) -> None:
    card = ClientCard(book, "C999999", charts=False)
    assert card.banner.kind == "error" and "C999999" in card.banner.text


def test_card_code_from_query_env_or_first_active(
    demo_book: clientops.Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = demo_book.clients.list(limit=1)["code"].iloc[0]
    monkeypatch.delenv("CLIENTOPS_CLIENT", raising=False)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert card_code(demo_book) == first
    monkeypatch.setenv("CLIENTOPS_CLIENT", "c000007")
    assert card_code(demo_book) == "C000007"
    monkeypatch.setenv("QUERY_STRING", "code=C000003")  # what Voilà passes from ?code=…
    assert card_code(demo_book) == "C000003"
