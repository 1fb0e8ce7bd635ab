"""Open balances of clients as a list shows them: who owes an overdue invoice, and how much each
client of a page owes (from the open amounts kept on the invoices, see
:mod:`clientops.allocation`). Reads only."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .book import Book


def overdue_codes(book: Book) -> set[str]:
    """The codes of the clients with an invoice past due today and still open."""
    with book.store.connection() as conn:
        rows = conn.execute(
            "SELECT DISTINCT c.code FROM documents d JOIN clients c ON c.id = d.client_id"
            " WHERE d.kind = 'invoice' AND d.open_amount > 0 AND d.due_date < current_date"
        ).fetchall()
    return {str(r[0]) for r in rows}


def open_balances(book: Book, codes: list[str]) -> dict[str, tuple[Decimal, Decimal | None]]:
    """``{code: (outstanding, overdue)}`` of the given clients that owe anything today;
    ``overdue`` is None when nothing open is past due. Clients that owe nothing are left out."""
    if not codes:
        return {}
    marks = ",".join("?" * len(codes))
    with book.store.connection() as conn:
        rows = conn.execute(
            "SELECT c.code, sum(d.open_amount) AS outstanding,"
            " sum(d.open_amount) FILTER (WHERE d.due_date < current_date) AS overdue"
            f" FROM clients c JOIN documents d ON d.client_id = c.id"
            f" WHERE c.code IN ({marks}) AND d.kind = 'invoice' AND d.open_amount > 0"
            " GROUP BY c.code", codes).fetchall()
    return {str(code): (out, due) for code, out, due in rows}


__all__ = ["overdue_codes", "open_balances"]
