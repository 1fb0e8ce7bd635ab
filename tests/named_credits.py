"""What the named-credit columns (clientops.allocation.refresh_named_credits) must hold,
worked out here in Python from the credits themselves — shared by the allocation and
indicator tests, which check them after every kind of write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def expected(conn: Any) -> tuple[dict[int, tuple], dict[tuple[str, int], bool]]:
    """``({invoice id: (count, total, first, last)}, {(table, credit id): pool_only})``."""
    invoices = dict(conn.execute(
        "SELECT id, client_id FROM documents WHERE kind = 'invoice'").fetchall())
    credits = conn.execute(
        "SELECT 'payments', id, client_id, paid_on, amount, invoice_id FROM payments"
        " UNION ALL SELECT 'documents', id, client_id, issue_date, total_incl_tax, cancels_id"
        " FROM documents WHERE kind = 'credit_note'").fetchall()
    named: dict[int, tuple] = {}
    pool_only = {}
    for table, credit, client, day, amount, target in credits:
        # only a credit of the invoice's own client counts as naming it
        names_own = target is not None and invoices.get(target) == client
        pool_only[(table, credit)] = not names_own
        if names_own:
            n, total, first, last = named.get(target, (0, Decimal("0.00"), day, day))
            named[target] = (n + 1, total + amount, min(first, day), max(last, day))
    return ({i: named.get(i, (None, None, None, None)) for i in invoices}, pool_only)


def pool_ranks(conn: Any) -> dict[int, int]:
    """Each invoice's place among its client's invoices: due date (none last), issue date,
    number, id."""
    rows = conn.execute("SELECT id, client_id, due_date, issue_date, number FROM documents"
                        " WHERE kind = 'invoice'").fetchall()
    rows.sort(key=lambda r: (r[1], r[2] is None, r[2] or r[3], r[3], r[4], r[0]))
    ranks, place, previous = {}, 0, None
    for invoice, client, *_rest in rows:
        place = place + 1 if client == previous else 1
        ranks[invoice], previous = place, client
    return ranks


def assert_current(conn: Any) -> None:
    """The stored named-credit columns (and pool ranks) are what the credits say."""
    stored_named = {row[0]: tuple(row[1:]) for row in conn.execute(
        "SELECT id, named_count, named_total, named_first, named_last FROM documents"
        " WHERE kind = 'invoice'").fetchall()}
    stored_pool = {("payments", i): v for i, v in conn.execute(
        "SELECT id, pool_only FROM payments").fetchall()}
    stored_pool |= {("documents", i): v for i, v in conn.execute(
        "SELECT id, pool_only FROM documents WHERE kind = 'credit_note'").fetchall()}
    named, pool_only = expected(conn)
    assert stored_named == named
    assert stored_pool == pool_only
    assert dict(conn.execute("SELECT id, pool_rank FROM documents WHERE kind = 'invoice'")
                .fetchall()) == pool_ranks(conn)
