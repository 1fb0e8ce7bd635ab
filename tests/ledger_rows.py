"""Documents and payments written straight into a book's tables, for the allocation tests
(tests/test_allocation.py, tests/test_newpayments.py): each row gives its day as an offset in
days from ``BASE``."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

BASE = date(2026, 1, 1)


def insert_documents(conn: duckdb.DuckDBPyConnection, invoices: list[tuple],
                     notes: list[tuple]) -> None:
    """invoices: (id, client, issue offset, due offset, total); notes (credit notes): (id,
    client, offset, total, invoice cancelled or None)."""
    for i, cl, issued, due, total in invoices:
        conn.execute(
            "INSERT INTO documents (id, client_id, kind, number, issue_date, due_date,"
            " total_excl_tax, tax, total_incl_tax, created_at) VALUES"
            " (?, ?, 'invoice', ?, ?, ?, ?, 0, ?, now())",
            [i, cl, f"F{i:03d}", BASE + timedelta(issued), BASE + timedelta(issued + due),
             total, total])
    for i, cl, on, total, target in notes:
        conn.execute(
            "INSERT INTO documents (id, client_id, kind, number, issue_date, total_excl_tax,"
            " tax, total_incl_tax, cancels_id, created_at) VALUES"
            " (?, ?, 'credit_note', ?, ?, ?, 0, ?, ?, now())",
            [i, cl, f"A{i:03d}", BASE + timedelta(on), total, total, target])


def insert_payments(conn: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """rows: (id, client, offset, amount, invoice named or None), by transfer."""
    for i, cl, on, amount, target in rows:
        conn.execute(
            "INSERT INTO payments (id, client_id, paid_on, amount, method, invoice_id,"
            " created_at) VALUES (?, ?, ?, ?, 'transfer', ?, now())",
            [i, cl, BASE + timedelta(on), amount, target])
