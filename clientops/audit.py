"""Audit rows: who changed what, when, from where, in which change set.

Every write path calls :func:`record` inside its own transaction, so a change and its audit
rows land together or not at all. Bank details never reach the trail in clear.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from .frames import fetch_df
from .masking import SENSITIVE, mask_iban
from .text import as_key

if TYPE_CHECKING:
    from .book import Book

AUDIT_COLUMNS = [
    "id", "changed_at", "actor", "source", "entity", "entity_id", "client_code", "action",
    "field", "old_value", "new_value", "changeset_id",
]


def as_text(field: str | None, value: Any) -> str | None:
    """The audit trail's text form of a value (masked for bank details)."""
    if value is None:
        return None
    if field in SENSITIVE:
        return mask_iban(str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def record(
    conn: duckdb.DuckDBPyConnection,
    book: Book,
    *,
    entity: str,
    entity_id: int | None,
    client_code: str | None,
    action: str,
    changes: Iterable[tuple[str | None, Any, Any]] = ((None, None, None),),
    changeset_id: int | None = None,
    source: str | None = None,
) -> int:
    """Write one audit row per ``(field, old, new)``; returns how many were written."""
    rows: list[Sequence[Any]] = []
    for field, old, new in changes:
        rows.append((field, as_text(field, old), as_text(field, new)))
    if not rows:
        return 0
    first = book.store.reserve(conn, "audit", len(rows))
    values = [[first + i, book.actor, source or book.source, entity, entity_id, client_code,
               action, field, old, new, changeset_id] for i, (field, old, new) in enumerate(rows)]
    insert_rows(conn, "audit_log", "(?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
    return len(rows)


def insert_rows(conn: duckdb.DuckDBPyConnection, table: str, row_sql: str,
                rows: Sequence[Sequence[Any]]) -> None:
    """Insert a few ``rows`` into ``table``; ``row_sql`` is one row's ``VALUES`` tuple with a
    ``?`` per value (``"(?, now(), ?)"``). One statement per hundred rows: ``executemany``
    runs one statement per row."""
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start:start + _ROWS_PER_INSERT]
        conn.execute(f"INSERT INTO {table} VALUES " + ", ".join([row_sql] * len(chunk)),
                     [v for row in chunk for v in row])


_ROWS_PER_INSERT = 100


def history(book: Book, code: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """The audit trail, newest first; one client's when ``code`` is given.

    Columns: ``when, who, source, entity, entity_id, code, action, field, old_value,
    new_value, changeset_id`` (SPEC §6's words; ``book.changesets()`` says when and who too).
    """
    sql = (
        'SELECT changed_at AS "when", actor AS who, source, entity, entity_id,'
        " client_code AS code, action, field, old_value, new_value, changeset_id FROM audit_log"
    )
    params: list[Any] = []
    if code is not None:
        key = as_key(code)
        if key is None:  # names no client: no row
            key = ""
        sql += " WHERE client_code = ?"
        params.append(key.upper())  # as clients.get
    sql += " ORDER BY changed_at DESC, id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    with book.store.connection() as conn:
        return fetch_df(conn, sql, params)
