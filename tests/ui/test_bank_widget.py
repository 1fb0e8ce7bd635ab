"""The bank-reconciliation widget, driven without a browser (French UI)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import clientops
from clientops.ui.bank import BankReconciliation

DATA = Path(__file__).parent.parent / "data" / "bank"


def _book(book: clientops.Book) -> tuple[str, str]:
    dupont = book.clients.create(kind="company", name="Dupont SA").code
    martin = book.clients.create(kind="company", name="Martin GmbH").code
    for code, number, amount in [(dupont, "F-2026-0001", "1200.00"),
                                 (martin, "F-2026-0002", "700.00")]:
        book.documents.add(code, kind="invoice", number=number, issue_date=date(2026, 1, 15),
                           due_date=date(2026, 2, 14), total_excl_tax=Decimal(amount),
                           tax=Decimal("0.00"))
    return dupont, martin


def test_drop_review_accept_undo_and_fix_by_hand(book: clientops.Book) -> None:
    dupont, martin = _book(book)
    view = BankReconciliation(book)
    assert "Rapprochement bancaire" in view.title.value
    view.load_file("releve.ofx", (DATA / "ofx2.ofx").read_bytes())
    assert view.last_error is None
    assert "3 lignes lues" in view.banner.value
    assert "F-2026-0001" in view.grid.value and "99" in view.grid.value
    assert "débit : argent versé" in view.grid.value  # the reason, in French
    view.threshold.value = 0.95
    view.accept_button.click()
    assert book.documents.get("F-2026-0001").open_amount == 0
    assert not view.undo_button.disabled
    view.undo_button.click()
    assert book.documents.get("F-2026-0001").open_amount == Decimal("1200.00")
    # the 500.00 from "MARTIN" matched no client: fix it by hand
    line = next(value for label, value in view.line.options if "MARTIN" in label)
    view.line.value = line
    view.code.value = martin
    view.invoices.value = "F-2026-0002"
    view.match_button.click()
    assert view.last_error is None, view.last_error
    assert book.documents.get("F-2026-0002").open_amount == Decimal("200.00")
    assert dupont


def test_a_bad_file_is_shown_in_french_and_changes_nothing(book: clientops.Book) -> None:
    view = BankReconciliation(book)
    view.load_file("x.txt", b"hello")
    assert view.last_error is not None
    assert "pas un relevé bancaire" in view.banner.value
    assert book.bank.lines().empty
