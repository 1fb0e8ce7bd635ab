"""The bulk-corrections widget, headless: set values, click, read the grid and banners.

The widget speaks French (tests/ui/conftest.py), so the texts asserted are what users read;
the last test asks for English.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

import clientops
from clientops.ui import i18n
from clientops.ui.bulk import UNCHANGED, BulkCorrections


def active_codes(book: clientops.Book, n: int) -> list[str]:
    return book.clients.list(limit=n)["code"].tolist()


def test_selection_from_the_client_list_preview_apply_and_undo(demo_book: clientops.Book) -> None:
    codes = active_codes(demo_book, 5)
    widget = BulkCorrections(demo_book, selection=codes)
    assert widget.source.value == "selection"
    widget.owner.value = "Nadia"
    widget.preview_button.click()
    assert widget.changeset is not None
    assert "5 modifications pour 5 clients" in widget.counts.value
    assert widget.grid.value.count("<tr>") == 1 + 5      # header + one row per change
    assert not widget.apply_button.disabled
    widget.apply_button.click()
    assert widget.confirm.pending                         # asks before writing
    assert demo_book.clients.get(codes[0]).owner != "Nadia"
    widget.confirm.yes.click()
    assert widget.banner.kind == "ok", widget.banner.text
    assert all(demo_book.clients.get(c).owner == "Nadia" for c in codes)
    assert "Gestionnaire du compte pour 5 clients" in widget.history.value  # just applied
    assert "correction en masse" in widget.history.value and "appliqué" in widget.history.value
    applied = widget.undo_choice.value
    widget.undo_button.click()
    widget.confirm.yes.click()
    assert widget.banner.kind == "ok", widget.banner.text
    assert demo_book.clients.get(codes[0]).owner != "Nadia"
    assert "annulation" in widget.history.value and "annulé" in widget.history.value
    assert applied not in [v for _label, v in widget.undo_choice.options]


def test_errors_are_highlighted_counted_and_block_apply(demo_book: clientops.Book) -> None:
    codes = active_codes(demo_book, 3)
    widget = BulkCorrections(demo_book, selection=codes)
    widget.other_field.value = "email"
    widget.other_value.value = "not-an-email"
    widget.preview_button.click()
    assert "3 erreurs (3 clients)" in widget.counts.value
    assert "co-banner-error" in widget.counts.value
    assert widget.grid.value.count("co-row-error") == 3
    assert widget.apply_button.disabled
    widget.skip_invalid.value = True
    assert widget.apply_button.disabled                  # nothing valid left to apply


def test_a_filter_counts_the_clients_it_will_touch(demo_book: clientops.Book) -> None:
    widget = BulkCorrections(demo_book)
    assert widget.source.value == "filter"
    widget.method.value = "cheque"
    expected = demo_book.clients.count(payment_method="cheque")
    assert widget.filter_count.value.startswith(f"{expected} client")
    widget.terms.value = "on_receipt"
    widget.preview_button.click()
    assert widget.changeset is not None
    assert set(widget.changeset.preview["field"]) <= {"payment_terms"}
    # the grid names fields and values in French, not by their codes
    assert "Conditions de paiement" in widget.grid.value and "À réception" in widget.grid.value
    assert "on_receipt" not in widget.grid.value


def test_an_uploaded_spreadsheet(demo_book: clientops.Book, tmp_path: Path) -> None:
    codes = active_codes(demo_book, 2)
    path = tmp_path / "fix.csv"
    pd.DataFrame({"code": codes + ["C999999"], "payment_terms": ["60_days"] * 3}).to_csv(
        path, sep=";", index=False)
    widget = BulkCorrections(demo_book)
    widget.load_file("fix.csv", path.read_bytes())
    assert widget.source.value == "file"
    widget.preview_button.click()
    assert "1 erreur (1 client)" in widget.counts.value
    assert "aucun client n'a ce code" in html.unescape(widget.grid.value)  # the domain's words, in French


def test_nothing_stated_is_an_error_in_the_banner(demo_book: clientops.Book) -> None:
    widget = BulkCorrections(demo_book, selection=active_codes(demo_book, 2))
    assert widget.terms.value == UNCHANGED
    widget.preview_button.click()
    assert widget.banner.kind == "error"
    assert widget.changeset is None


def test_archive_from_the_widget_reports_and_is_undoable(demo_book: clientops.Book) -> None:
    codes = active_codes(demo_book, 2)
    widget = BulkCorrections(demo_book, selection=codes)
    widget.archive_button.click()
    widget.confirm.yes.click()
    assert widget.banner.kind == "ok", widget.banner.text
    assert demo_book.clients.get(codes[0]).status == "archived"
    widget.undo_button.click()
    widget.confirm.yes.click()
    assert demo_book.clients.get(codes[0]).status == "active"


def test_one_client_is_singular(demo_book: clientops.Book) -> None:
    widget = BulkCorrections(demo_book, selection=active_codes(demo_book, 1))
    assert widget.selection_label.value == "1 client choisi dans la liste des clients."


def test_english_on_request(demo_book: clientops.Book) -> None:
    i18n.set_language("en")
    widget = BulkCorrections(demo_book, selection=active_codes(demo_book, 2))
    assert widget.selection_label.value == "2 clients chosen in the client list."
    widget.terms.value = "60_days"
    widget.preview_button.click()
    assert "2 changes for 2 clients" in widget.counts.value
    assert "Payment terms" in widget.grid.value and "60 days" in widget.grid.value


def test_the_preview_grid_masks_old_and_new_ibans(demo_book: clientops.Book) -> None:
    old, new = "FR7630006000011234567890189", "DE89370400440532013000"
    code = demo_book.clients.create(kind="company", name="Martin SARL", iban=old).code
    widget = BulkCorrections(demo_book, selection=[code])
    widget.other_field.value = "iban"
    widget.other_value.value = new
    widget.preview_button.click()
    grid = html.unescape(widget.grid.value)
    assert "FR76 •••• •••• •••• •••• •••• 0189" in grid and "DE89 •••• •••• •••• •••• 3000" in grid
    assert old[4:-4] not in grid and new[4:-4] not in grid
    widget.apply_button.click()
    widget.confirm.yes.click()
    assert demo_book.clients.get(code).iban == new
