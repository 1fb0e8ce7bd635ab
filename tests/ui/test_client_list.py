"""The client list, headless: search, filters, sort, paging, selection and every action."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest

import clientops
from clientops.ui.client_card import ClientCard
from clientops.ui.client_list import ClientList
from clientops.ui.wizard import CreationWizard
from clientops.web.grid import ClientGrid


def make(book: clientops.Book, tmp_path: Path, **kwargs: object) -> ClientList:
    return ClientList(book, export_dir=tmp_path / "exports", **kwargs)  # type: ignore[arg-type]


def test_first_page_and_paging(demo_book: clientops.Book, tmp_path: Path) -> None:
    grid = make(demo_book, tmp_path, page_size=10)
    active = demo_book.clients.count()
    assert grid.total == active
    assert len(grid.grid.options) == 10
    assert "Page 1 / " in grid.page_label.value and grid.prev_button.disabled
    first_page = [code for _label, code in grid.grid.options]
    grid.next_button.click()
    assert grid.page == 1
    assert not set(first_page) & {code for _label, code in grid.grid.options}
    grid.prev_button.click()
    assert [code for _label, code in grid.grid.options] == first_page


def test_search_by_name_code_and_city(demo_book: clientops.Book, tmp_path: Path) -> None:
    grid = make(demo_book, tmp_path)
    target = demo_book.clients.list(limit=1, offset=5).iloc[0]
    grid.search.value = str(target["code"])
    assert [code for _l, code in grid.grid.options] == [target["code"]]
    grid.search.value = str(target["name"])[:12]
    assert target["code"] in [code for _l, code in grid.grid.options]
    grid.search.value = "zzzz-nobody"
    assert grid.total == 0 and grid.grid.options == ()


def test_filters_status_payment_method_owner(demo_book: clientops.Book, tmp_path: Path) -> None:
    grid = make(demo_book, tmp_path)
    grid.payment_method.value = "sepa_debit"
    expected = demo_book.clients.count(payment_method="sepa_debit")
    assert grid.total == expected > 0
    assert all("Prélèvement" in label for label, _c in grid.grid.options)
    grid.payment_method.value = ""  # any method
    owner = demo_book.clients.list(limit=1)["owner"].iloc[0]
    grid.owner.value = owner
    assert grid.total == demo_book.clients.count(owner=owner)
    grid.owner.value = ""
    grid.status.value = "archived"
    assert grid.total == demo_book.clients.count(status="archived")


def test_overdue_only_keeps_clients_with_late_open_invoices(
    demo_book: clientops.Book, tmp_path: Path
) -> None:
    grid = make(demo_book, tmp_path, page_size=100)
    grid.overdue_only.value = True
    portfolio = demo_book.indicators.portfolio()
    late = set(portfolio[(portfolio["overdue"].astype(float) > 0)
                         & (portfolio["status"] == "active")]["code"])
    assert {code for _l, code in grid.grid.options} == late
    assert all(pd.notna(v) and v > 0 for v in grid.frame["overdue"])


def test_sort_by_name_both_ways(demo_book: clientops.Book, tmp_path: Path) -> None:
    grid = make(demo_book, tmp_path, page_size=100)
    def dictionary(name: str) -> str:  # Électricité between Eau and Emma, not after Zoé
        return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()

    grid.sort_buttons["name"].click()
    keys = [dictionary(n) for n in grid.frame["name"]]
    assert keys == sorted(keys) and "▲" in grid.sort_buttons["name"].description
    grid.sort_buttons["name"].click()
    assert [dictionary(n) for n in grid.frame["name"]] == sorted(keys, reverse=True)
    assert grid.sort_buttons["outstanding"].disabled  # not sortable on the database side


def test_archive_then_restore_with_confirmation(demo_book: clientops.Book, tmp_path: Path) -> None:
    grid = make(demo_book, tmp_path)
    codes = [code for _l, code in grid.grid.options][:2]
    grid.select(*codes)
    assert "2 sélectionnés" in grid.selection_label.value
    grid.archive_button.click()
    assert grid.confirm.pending
    grid.confirm.no.click()
    assert demo_book.clients.get(codes[0]).status == "active"
    grid.archive_button.click()
    grid.confirm.yes.click()
    assert {demo_book.clients.get(c).status for c in codes} == {"archived"}
    assert "2 archivé" in grid.banner.text
    assert not set(codes) & {code for _l, code in grid.grid.options}  # left the default list
    grid.status.value = "archived"
    grid.select(*codes)
    grid.restore_button.click()
    grid.confirm.yes.click()
    assert {demo_book.clients.get(c).status for c in codes} == {"active"}


def test_delete_reports_what_was_refused_and_why(demo_book: clientops.Book, tmp_path: Path) -> None:
    fresh = demo_book.clients.create(kind="company", name="Aaa Sans Historique")
    busy = demo_book.documents.list().iloc[0]["client_code"]
    grid = make(demo_book, tmp_path, page_size=100)
    grid.select(fresh.code, busy)
    grid.delete_button.click()
    assert "définitivement" in grid.confirm.message.value
    grid.confirm.yes.click()
    assert not demo_book.clients.exists(fresh.code)
    assert demo_book.clients.exists(busy)
    report = grid.report.set_index("code")
    assert bool(report.loc[fresh.code, "done"]) and not bool(report.loc[busy, "done"])
    assert "facture" in str(report.loc[busy, "reason"])  # the reason, in the UI's language
    assert busy in grid.detail.children[0].value  # the refusal is listed on screen


def test_all_matching_applies_to_every_filtered_client(
    demo_book: clientops.Book, tmp_path: Path
) -> None:
    grid = make(demo_book, tmp_path, page_size=5)
    grid.payment_method.value = "cheque"
    expected = set(demo_book.clients.list(payment_method="cheque")["code"])
    grid.all_matching.value = True
    assert set(grid.selected()) == expected
    assert not grid.archive_button.disabled


def test_export_csv_and_xlsx(demo_book: clientops.Book, tmp_path: Path) -> None:
    grid = make(demo_book, tmp_path)
    grid.csv_button.click()
    assert grid.last_export is not None and grid.last_export.suffix == ".csv"
    exported = pd.read_csv(grid.last_export, sep=";", encoding="utf-8-sig", dtype=str)
    assert len(exported) == grid.total
    assert "•" in "".join(exported["IBAN"].dropna())  # analysts get masked IBANs
    assert "download" in grid.download.value
    grid.select(*[code for _l, code in grid.grid.options][:3])
    grid.xlsx_button.click()
    assert grid.last_export.suffix == ".xlsx"
    assert len(pd.read_excel(grid.last_export)) == 3


def test_export_buttons_write_through_the_domain(
    demo_book: clientops.Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the widget hands its filters, order and selection to book.clients.export, which writes
    hostile = demo_book.clients.create(kind="company", name='=HYPERLINK("http://x","y")')
    calls: list[dict[str, object]] = []
    real = demo_book.clients.export

    def export(path: Path, **kwargs: object) -> Path:
        calls.append(kwargs)
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(demo_book.clients, "export", export)
    grid = make(demo_book, tmp_path)
    grid.search.value = "hyperlink"
    grid.csv_button.click()
    assert grid.banner.kind == "ok", grid.banner.value
    assert calls[-1]["search"] == "hyperlink" and calls[-1]["codes"] is None
    assert calls[-1]["lang"] == "fr" and calls[-1]["format"] == "csv"
    raw = grid.last_export.read_bytes().decode("utf-8-sig")
    assert raw.splitlines()[0].startswith("Code;Nom;Type;")  # French headers
    assert f"{hostile.code};\"'=HYPERLINK(" in raw  # neutralised
    grid.select(hostile.code)
    grid.xlsx_button.click()
    assert calls[-1]["codes"] == [hostile.code] and calls[-1]["format"] == "xlsx"
    assert len(pd.read_excel(grid.last_export)) == 1


def test_open_card_and_new_client(demo_book: clientops.Book, tmp_path: Path) -> None:
    grid = make(demo_book, tmp_path)
    code = grid.grid.options[0][1]
    assert grid.open_button.disabled
    grid.select(code)
    grid.open_button.click()
    card = grid.detail.children[0]
    assert isinstance(card, ClientCard) and card.code == code
    grid.new_button.click()
    wizard = grid.detail.children[0]
    assert isinstance(wizard, CreationWizard)
    wizard.identity.fields["name"].input.value = "Zzz Nouveau Client"
    wizard.identity.save.click()
    wizard.skip.click()
    grid.search.value = "Zzz Nouveau"
    assert [c for _l, c in grid.grid.options] == [wizard.client.code]


def test_open_card_callback_and_bulk_handover(demo_book: clientops.Book, tmp_path: Path) -> None:
    opened: list[str] = []
    handed: list[list[str]] = []
    grid = make(demo_book, tmp_path, on_open=opened.append, on_bulk=handed.append)
    codes = [c for _l, c in grid.grid.options][:2]
    grid.select(codes[0])
    grid.open_button.click()
    grid.select(*codes)
    grid.bulk_button.click()
    assert opened == [codes[0]] and handed == [codes]


def test_correct_in_bulk_opens_the_bulk_widget_with_the_selection(
    demo_book: clientops.Book, tmp_path: Path
) -> None:
    from clientops.ui.bulk import BulkCorrections

    grid = make(demo_book, tmp_path)
    codes = [c for _l, c in grid.grid.options][:3]
    grid.select(*codes)
    grid.bulk_button.click()
    widget = grid.detail.children[0]
    assert isinstance(widget, BulkCorrections)
    assert widget._codes == codes


def test_the_web_grid_shows_every_coded_value_by_its_french_label(
        demo_book: clientops.Book) -> None:
    rows = ClientGrid(demo_book).table.items
    flows = {r["einvoicing_flow"] for r in rows}
    assert flows <= {"Facturation électronique", "E-reporting", "Chorus Pro", ""}
    assert "Facturation électronique" in flows
    assert {r["status"] for r in rows} == {"Actif"}
    assert "transfer" not in {r["payment_method"] for r in rows}
