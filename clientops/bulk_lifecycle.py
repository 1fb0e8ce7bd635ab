"""Archive, restore and delete many clients, each in one change set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pyarrow as pa

from .changeset import new_changeset, record_items, write_client_changes
from .clients import Attachments
from .errors import Coded

if TYPE_CHECKING:
    from .book import Book


# -- archive, restore, delete many ------------------------------------------------------
def _outcome(codes: list[str], done: set[str], reasons: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame({
        "code": pd.Series(codes, dtype=object),
        "done": [c in done for c in codes],
        "reason": pd.Series([reasons.get(c) for c in codes], dtype=object),
    })


def _lookup(conn: duckdb.DuckDBPyConnection, codes: list[str]) -> pd.DataFrame:
    conn.register("bulk_codes", pa.table({"code": pa.array(codes, pa.string())}))
    try:
        frame = conn.execute(
            "SELECT c.id AS client_id, c.code, c.name, c.status,"
            " CAST(c.archived_at AS VARCHAR) AS archived_at, c.siret, c.iban"
            " FROM bulk_codes r JOIN clients c ON c.code = r.code").df()
    finally:
        conn.unregister("bulk_codes")
    return frame.astype({"archived_at": object, "siret": object, "iban": object, "name": object})


def archive_many(book: Book, codes: list[str], *, restore: bool = False) -> pd.DataFrame:
    """Archive (or restore) clients in one undoable change set; ``code, done, reason``."""
    target, was = ("active", "archived") if restore else ("archived", "active")
    reasons: dict[str, str] = {}
    with book.store.transaction() as conn:
        found = _lookup(conn, codes)
        known = set(found["code"])
        for code in codes:
            if code not in known:
                reasons[code] = "no client has this code"
        already = found[found["status"] == target]
        for code in already["code"]:
            reasons[code] = f"was already {target}"
        todo = found[found["status"] == was]
        if not todo.empty:
            stamp = None if restore else conn.execute("SELECT CAST(now() AS VARCHAR)").fetchone()[0]  # type: ignore[index]
            n = len(todo)
            items = pd.DataFrame({
                "client_id": pd.concat([todo["client_id"]] * 2, ignore_index=True),
                "code": pd.concat([todo["code"]] * 2, ignore_index=True),
                "field": ["status"] * n + ["archived_at"] * n,
                "old": pd.Series([was] * n + todo["archived_at"].tolist(), dtype=object),
                "new": pd.Series([target] * n + [stamp] * n, dtype=object),
            })
            items["old"] = items["old"].where(items["old"].notna(), None)
            verb = "restore" if restore else "archive"
            changeset_id = new_changeset(
                conn, book, source="bulk", rows=len(items),
                description=f"{verb} {n:,} client{'s' if n != 1 else ''}")
            write_client_changes(conn, book, items, changeset_id, action=verb, source="bulk")
    return _outcome(codes, set(found["code"]) - set(reasons), reasons)


def delete_many(book: Book, codes: list[str]) -> pd.DataFrame:
    """Delete the clients with no document, payment or collected mandate; the others are
    refused with what is attached (archive them instead). ``code, done, reason``."""
    reasons: dict[str, str] = {}
    with book.store.transaction() as conn:
        found = _lookup(conn, codes)
        for code in set(codes) - set(found["code"]):
            reasons[code] = "no client has this code"
        conn.register("bulk_ids", pa.table({"id": pa.array(found["client_id"].to_numpy(dtype="int64"))}))
        try:
            attached = conn.execute(
                "SELECT client_id, kind, count(*) FROM documents"
                " WHERE client_id IN (SELECT id FROM bulk_ids) GROUP BY ALL"
                " UNION ALL SELECT client_id, 'payment', count(*) FROM payments"
                " WHERE client_id IN (SELECT id FROM bulk_ids) GROUP BY ALL"
                " UNION ALL SELECT client_id, 'collected_mandate', count(*) FROM sepa_mandates"
                " WHERE client_id IN (SELECT id FROM bulk_ids) AND last_collected_on IS NOT NULL"
                " GROUP BY ALL").fetchall()
            counts: dict[int, dict[str, int]] = {}
            for client_id, kind, n in attached:
                counts.setdefault(int(client_id), {})[str(kind)] = int(n)
            code_of = dict(zip(found["client_id"], found["code"], strict=True))
            for client_id, what in counts.items():
                reasons[code_of[client_id]] = Coded(
                    "client.attached_archive", attachments=Attachments(what)).message()
            gone = found[~found["client_id"].isin(list(counts))]
            if not gone.empty:
                ids = pa.table({"id": pa.array(gone["client_id"].to_numpy(dtype="int64"))})
                conn.register("bulk_gone", ids)
                conn.execute(
                    "DELETE FROM mandate_amendments WHERE mandate_id IN (SELECT id FROM sepa_mandates"
                    " WHERE client_id IN (SELECT id FROM bulk_gone))")
                for table in ("contacts", "sepa_mandates", "tasks", "reminders"):
                    conn.execute(f"DELETE FROM {table} WHERE client_id IN (SELECT id FROM bulk_gone)")
                conn.execute("DELETE FROM clients WHERE id IN (SELECT id FROM bulk_gone)")
                conn.unregister("bulk_gone")
                rows = gone.melt(id_vars=["client_id", "code"], value_vars=["name", "siret", "iban"],
                                 var_name="field", value_name="old")
                rows = rows[rows["old"].notna()].astype({"old": object})
                rows["new"] = None
                changeset_id = new_changeset(
                    conn, book, source="delete", rows=len(gone),
                    description=f"delete {len(gone):,} client{'s' if len(gone) != 1 else ''}")
                record_items(conn, book, rows, changeset_id, entity="client", action="delete",
                        source="bulk")
        finally:
            conn.unregister("bulk_ids")
    return _outcome(codes, set(found["code"]) - set(reasons), reasons)


__all__ = ["archive_many", "delete_many"]
