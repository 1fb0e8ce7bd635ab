"""The e-invoicing block of the identity form, the card, the list filter and the dashboard,
in French."""

from __future__ import annotations

from datetime import date

import clientops
from clientops.ui.client_card import ClientCard
from clientops.ui.client_form import ClientForm
from clientops.ui.client_list import ClientList
from clientops.ui.dashboard import Dashboard


def _public_body(book: clientops.Book) -> str:
    return book.clients.create(kind="public_body", name="Ville", siren="217500016",
                               siret="21750001600019", chorus_service_code="FIN-01",
                               chorus_engagement_required=True).code


def test_identity_form_edits_the_address_and_shows_its_error(book: clientops.Book) -> None:
    code = _public_body(book)
    form = ClientForm(book, code)
    assert form.fields["einvoicing_address"].input.description == \
        "Adresse de facturation électronique"
    form.fields["einvoicing_address"].value = "542107651"  # another company's SIREN
    assert "pas au SIREN du client 217500016" in form.fields["einvoicing_address"].error_text
    assert form.save.disabled
    form.fields["einvoicing_address"].value = "217500016_21750001600019_FIN-01"
    form.fields["einvoicing_checked_on"].value = date(2026, 12, 1)
    assert not form.save.disabled
    form.save.click()
    saved = book.clients.get(code)
    assert saved.einvoicing_address == "217500016_21750001600019_FIN-01"
    assert saved.einvoicing_checked_on == date(2026, 12, 1)


def test_card_shows_the_einvoicing_block_in_french(book: clientops.Book) -> None:
    code = _public_body(book)
    card = ClientCard(book, code, charts=False)
    block = card.einvoicing.value
    assert "Facturation électronique" in block
    assert "Chorus Pro" in block and "FIN-01" in block
    assert "N° d&#x27;engagement obligatoire</b> : oui" in block
    assert "jamais" in block  # never checked against the directory


def test_list_filters_by_flow(book: clientops.Book) -> None:
    code = _public_body(book)
    book.clients.create(kind="company", name="Acme")
    listing = ClientList(book)
    listing.einvoicing_flow.value = "chorus_pro"
    assert [c for _label, c in listing.grid.options] == [code]
    assert "Chorus Pro" in listing.grid.options[0][0]


def test_dashboard_shows_the_ready_share_by_flow(book: clientops.Book) -> None:
    _public_body(book)
    board = Dashboard(book, charts=False)
    table = board.einvoicing.value
    assert "Facturation électronique" in table and "E-reporting" in table
