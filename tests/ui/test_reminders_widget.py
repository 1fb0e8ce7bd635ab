"""The reminders review and the SEPA panel, headless: tick, simulate, send, confirm."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import clientops
from clientops.ui.reminders import RemindersAndSepa, RemindersView, SepaPanel

from .conftest import TODAY

D = date(2026, 3, 2)


@pytest.fixture
def book(book: clientops.Book, smtp_sink: Any) -> clientops.Book:
    book.settings.update(smtp_host=smtp_sink.host, smtp_port=smtp_sink.port,
                         company_iban="FR7630004000031234567890143", company_bic="BNPAFRPP")
    return book


def client_with_invoice(book: clientops.Book, name: str, email: str, number: str,
                        late: int = 10, **kw: Any) -> str:
    code = book.clients.create(kind="company", name=name, email=email, **kw).code
    book.documents.add(code, kind="invoice", number=number, issue_date=D - timedelta(late + 30),
                       due_date=D - timedelta(late), total_excl_tax=Decimal("100.00"))
    return code


def test_review_untick_simulate_then_send(book: clientops.Book, smtp_sink: Any) -> None:
    a = client_with_invoice(book, "Alpha", "a@alpha.fr", "F-1")
    b = client_with_invoice(book, "Beta", "b@beta.fr", "F-2")
    view = RemindersView(book, as_of=D)
    assert list(view.ticks) == [a, b] and all(t.value for t in view.ticks.values())
    assert "F-1" in view.ticks[a].description and "a@alpha.fr" in view.ticks[a].description
    view.ticks[a].value = False
    # simulation by default: nothing leaves, nothing is recorded
    view.send_button.click()
    assert view.dry_run.value and smtp_sink.messages == []
    assert "Simulation" in view.banner.text
    assert view.result is not None
    assert view.result.set_index("code")["status"].to_dict() == {a: "skipped", b: "would send"}
    # a real send asks first; cancelling sends nothing
    view.dry_run.value = False
    view.send_button.click()
    assert view.confirm.pending
    view.confirm.no.click()
    assert smtp_sink.messages == []
    view.send_button.click()
    view.confirm.yes.click()
    assert [m["To"] for m in smtp_sink.messages] == ["b@beta.fr"]
    assert view.progress.bar.max == 1 and view.progress.layout.display == "none"
    assert book.reminders.history()["code"].tolist() == [b]
    assert "F-2" in view.history.value
    # after sending, the list is read again: only the unticked client is still due
    assert list(view.ticks) == [a]


def test_skipped_clients_are_shown_with_the_reason_in_french(book: clientops.Book) -> None:
    a = client_with_invoice(book, "Alpha", "a@alpha.fr", "F-1")
    book.reminders.pause(a)
    view = RemindersView(book, as_of=D)
    assert view.ticks == {} and view.send_button.disabled
    assert "relances suspendues pour ce client" in view.skipped.value


def test_preview_shows_the_email(book: clientops.Book) -> None:
    a = client_with_invoice(book, "Alpha", "a@alpha.fr", "F-1")
    view = RemindersView(book, as_of=D)
    view.preview_pick.value = a
    assert "F-1" in view.preview.value and "a@alpha.fr" in view.preview.value
    assert "Rappel : facture(s) en attente de règlement" in view.preview.value


def test_history_filter_by_client(book: clientops.Book) -> None:
    a = client_with_invoice(book, "Alpha", "a@alpha.fr", "F-1")
    b = client_with_invoice(book, "Beta", "b@beta.fr", "F-2")
    book.reminders.record(a, "F-1", 1, on=D - timedelta(1))
    book.reminders.record(b, "F-2", 1, on=D - timedelta(1))
    view = RemindersView(book, as_of=D)
    view.history_code.value = b
    assert "F-2" in view.history.value and "F-1" not in view.history.value


def test_sepa_collect_then_confirm_with_a_rejection(book: clientops.Book,
                                                   tmp_path: Path) -> None:
    book.settings.update(sepa_creditor_id="FR72ZZZ123456")
    codes = []
    for name, iban, number in [("Alpha", "FR7630006000011234567890189", "F-1"),
                               ("Beta", "DE89370400440532013000", "F-2")]:
        code = client_with_invoice(book, name, f"{name}@x.fr", number, iban=iban)
        book.mandates.add(code, signed_on=date(2025, 1, 1))
        codes.append(code)
    panel = SepaPanel(book, folder=tmp_path / "sepa")
    panel.collection_date.value = D
    assert panel.path.value.endswith("pain008-20260302.xml")
    panel.collect_button.click()
    assert panel.last_error is None, panel.banner.text
    assert Path(panel.path.value).exists()
    assert "2 transactions" in panel.banner.text
    assert panel.batch_pick.value == panel.batch.id
    assert [v for _label, v in panel.rejected.options] == ["F-1", "F-2"]
    panel.rejected.value = ("F-2",)
    panel.confirm_button.click()
    panel.confirm.yes.click()
    assert book.sepa.get(panel.batch.id).status == "confirmed"
    assert book.payments.list()["invoice"].tolist() == ["F-1"]
    assert list(panel.batch_pick.options) == []


def test_sepa_without_creditor_settings_shows_the_error(book: clientops.Book,
                                                       tmp_path: Path) -> None:
    panel = SepaPanel(book, folder=tmp_path / "sepa")
    panel.collect_button.click()
    assert "sepa_creditor_id" in panel.banner.text
    assert not (tmp_path / "sepa").exists() or list((tmp_path / "sepa").iterdir()) == []


def test_on_the_demo_portfolio(demo_book: clientops.Book, tmp_path: Path) -> None:
    tabs = RemindersAndSepa(demo_book, as_of=TODAY, sepa_folder=tmp_path)
    view = tabs.reminders
    assert view.last_error is None
    assert len(view.ticks) + len(view.due_frame) > 0
    view.send_button.click()                      # simulation: the demo sends nothing
    assert view.last_error is None and view.dry_run.value
    assert demo_book.reminders.send(TODAY, dry_run=True)["status"].isin(
        ["would send", "skipped"]).all()


def test_long_lists_show_a_bounded_number_of_tick_boxes(book: clientops.Book,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import clientops.ui.reminders as ui

    monkeypatch.setattr(ui, "MAX_TICKS", 1)
    a = client_with_invoice(book, "Alpha", "a@alpha.fr", "F-1")
    b = client_with_invoice(book, "Beta", "b@beta.fr", "F-2")
    view = RemindersView(book, as_of=D)
    boxes = [c for c in view.tick_box.children if hasattr(c, "indent")]
    assert len(boxes) == 1 and "1 autres clients, tous cochés" in view.tick_box.children[1].value
    assert view.selected == [a, b]


def test_a_failed_client_is_shown_and_the_others_are_sent(book: clientops.Book,
                                                          smtp_sink: Any) -> None:
    from clientops import cardrows

    book.settings.update(reminder_templates={
        "fr": {"1": "Subject: Relance $client_name\n\n$invoice_lines\n"}})
    a = client_with_invoice(book, "Alpha", "a@alpha.fr", "F-1")
    b = client_with_invoice(book, "Beta", "b@beta.fr", "F-2")
    with book.store.transaction() as conn:     # a name left by an older version
        conn.execute("UPDATE clients SET name = 'Al\rpha' WHERE code = ?", [a])
        cardrows.touch(conn, None)
    view = RemindersView(book, as_of=D)
    view.dry_run.value = False
    view.send_button.click()
    view.confirm.yes.click()
    assert view.last_error is None, view.banner.text
    assert view.result is not None
    assert view.result.set_index("code")["status"].to_dict() == {a: "failed", b: "sent"}
    assert [m["To"] for m in smtp_sink.messages] == ["b@beta.fr"]
    assert "1 en échec" in view.banner.text, view.banner.text
    assert "échec" in view.outcome.value
    assert "saut de ligne" in view.outcome.value          # the reason, in French
    assert list(view.ticks) == [a]                        # still due


def test_sepa_on_a_read_only_book_makes_no_folder(book: clientops.Book, tmp_path: Path) -> None:
    book.settings.update(sepa_creditor_id="FR72ZZZ123456")
    code = client_with_invoice(book, "Alpha", "a@x.fr", "F-1",
                               iban="FR7630006000011234567890189")
    book.mandates.add(code, signed_on=date(2025, 1, 1))
    book.close()
    with clientops.open(book.path, read_only=True) as viewer:
        panel = SepaPanel(viewer, folder=tmp_path / "sepa")
        panel.collection_date.value = D
        panel.collect_button.click()
        assert isinstance(panel.last_error, clientops.ReadOnlyError)
    assert not (tmp_path / "sepa").exists()


def test_preview_of_a_formal_notice_shows_the_penalties(book: clientops.Book) -> None:
    a = client_with_invoice(book, "Alpha", "a@alpha.fr", "F-1", late=60)
    book.reminders.record(a, "F-1", 1, on=D - timedelta(50))
    book.reminders.record(a, "F-1", 2, on=D - timedelta(40))
    view = RemindersView(book, as_of=D)
    view.preview_pick.value = a
    shown = view.preview.value
    assert "Mise en demeure" in shown
    # 100.00 × 7.86 % × 60 / 365 = 1.2920… → 1,29 € ; the indemnity 40 €
    assert "Pénalités de retard et indemnité forfaitaire de recouvrement" in shown
    assert "pénalités 1,29\u00a0€, indemnité 40,00\u00a0€" in shown
    assert "<td class=\"num\">1,29\u00a0€</td>" in shown and "41,29" in shown
