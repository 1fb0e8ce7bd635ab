"""Bulk corrections: select clients, state new values, preview, apply in one transaction, undo.

>>> cs = book.bulk.update(["C000001", "C000002"], payment_terms="60_days")
>>> cs.preview            # code, name, field, old, new, error, error_code
>>> cs.apply()            # one transaction, audited; returns the change-set id
>>> book.bulk.undo(cs_id) # the whole change set, or a ConflictError naming what changed since

The namespace ``book.bulk``; the work is in :mod:`clientops.bulk_values` (selections and
cells), :mod:`clientops.bulk_plan` (building a checked change set),
:mod:`clientops.changeset` (writing it: the same write as a single edit) and
:mod:`clientops.bulk_lifecycle` (archive, restore, delete many).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd

from . import vocabulary
from .allocation import recompute_open_balances
from .bounds import record_id
from .bulk_lifecycle import archive_many, delete_many
from .bulk_plan import build, check_unique
from .bulk_values import (
    as_typed,
    client_codes,
    masked_cell,
    raw,
    raw_all,
    read_corrections,
    selection_codes,
)
from .changeset import (
    ENTITY_TABLES,
    PREVIEW_COLUMNS,
    ChangeSet,
    client_columns,
    new_changeset,
    restore_entities,
    table_columns,
    write_client_changes,
)
from .errors import ConflictError, NotFound, ValidationError
from .quality import suggested_fixes

if TYPE_CHECKING:
    from .book import Book

# Columns an export writes for information only: a file sent back ignores them.
EXPORT_ONLY = ("version", "created_at", "updated_at")

# -- the namespace -----------------------------------------------------------------------
class Bulk:
    """``book.bulk``: corrections of many clients at once, previewed, applied whole, undone."""

    def __init__(self, book: Book) -> None:
        self.book = book

    def update(self, selection: Any, *, allow_duplicate: bool = False, **changes: Any) -> ChangeSet:
        """A change set giving every selected client the same new values (not yet applied).

        ``allow_duplicate`` accepts a SIREN, SIRET, VAT number or IBAN another client holds
        (several sites of one company); the accounting account stays unique regardless.
        """
        if not changes:
            raise ValidationError("changes", None, "bulk.no_changes")
        codes = selection_codes(self.book, selection)
        if not codes:
            raise ValidationError("selection", None, "bulk.empty_selection")
        n = len(codes)
        requests = pd.DataFrame({
            "code": pd.Series(codes * len(changes), dtype=object),
            "field": pd.Series([f for f in changes for _ in range(n)], dtype=object),
            "value": pd.Series([v for v in map(raw, changes.values()) for _ in range(n)],
                               dtype=object),
        })
        return build(self.book, requests, source="bulk", allow_duplicate=allow_duplicate,
                     prepared=True)

    def from_file(
        self, path_or_df: str | Path | pd.DataFrame, *, allow_duplicate: bool = False
    ) -> ChangeSet:
        """A change set from a spreadsheet (CSV/XLSX or DataFrame) of corrections keyed by code.

        Wide form: a ``code`` column and one column per field to change; an empty cell leaves
        the field as it is. Long form: columns ``code, field, new`` (e.g. edited quality
        findings; ``name`` and ``old`` columns are ignored there). Values equal to the stored ones
        drop out, so an exported client list edited and sent back only changes what was edited
        (its masked IBANs, ``FR76 •••• … 0189``, are left alone).

        A file written by ``book.clients.export`` can be sent back as it is, in French or in
        English: headers may be the field names or their labels (``Conditions de paiement``),
        coded values their codes or their labels in either language (``30 jours``,
        ``30 days``, ``30_days``), yes/no fields ``oui``/``non``; the export's ``'`` before a
        cell that looks like a formula (``'+33…``) is taken off, and its information-only
        columns (:data:`EXPORT_ONLY`: version, created and updated at) are ignored.
        """
        frame = read_corrections(path_or_df)
        wide = False
        if {"code", "field", "new"} <= set(frame.columns):
            long = frame[["code", "field", "new"]].rename(columns={"new": "value"})
            long = long.assign(field=[vocabulary.field_of(f) for f in long["field"].tolist()])
        else:
            frame = frame.rename(columns=vocabulary.field_of)
            frame = frame.drop(columns=[c for c in EXPORT_ONLY if c in frame.columns])
            if "code" not in frame.columns:
                raise ValidationError("columns", list(frame.columns), "bulk.sheet_code_column")
            fields = [c for c in frame.columns if c != "code"]
            if not fields:
                raise ValidationError("columns", list(frame.columns), "bulk.sheet_no_values")
            codes = pd.Series(client_codes(frame["code"].tolist()), dtype=object)
            long = pd.DataFrame({
                "code": pd.concat([codes] * len(fields), ignore_index=True),
                "field": pd.Series([f for f in fields for _ in range(len(frame))], dtype=object),
                "value": pd.concat([frame[f].astype(object) for f in fields], ignore_index=True),
            })
            wide = True
        values = pd.Series(as_typed(long["field"].tolist(), raw_all(long["value"].tolist())),
                           dtype=object)
        keep = np.array([v is not None for v in values], dtype=bool)
        iban = (long["field"] == "iban").to_numpy()
        if iban.any():  # masked IBANs of an exported list mean "unchanged"
            keep[iban] &= ~np.array([masked_cell("iban", v) for v in values[iban]], dtype=bool)
        requests = pd.DataFrame({
            "code": (long["code"] if wide else  # wide form: codes cleaned once per line above
                     pd.Series(client_codes(long["code"].tolist()), dtype=object))[keep],
            "field": long["field"].astype(object).reset_index(drop=True)[keep],
            "value": values[keep],
        })
        label = path_or_df.name if isinstance(path_or_df, Path) else (
            Path(path_or_df).name if isinstance(path_or_df, str) else "a table")
        cs = build(self.book, requests, source="import", allow_duplicate=allow_duplicate,
                   prepared=True)
        cs.description = f"{cs.description} (from {label})"
        return cs

    def from_quality(self, findings: pd.DataFrame) -> ChangeSet:
        """A change set from :func:`clientops.quality.quality` findings.

        Uses the ``new`` column where the user filled one, else the automatic fix when the
        finding has one (a stored value that only needed cleaning); findings without a fix are
        left out.
        """
        fixes = suggested_fixes(self.book, findings)
        cs = build(self.book, fixes.rename(columns={"new": "value"}), source="quality")
        cs.description = f"{cs.description} (data-quality fixes)"
        return cs

    # -- undo ---------------------------------------------------------------------------
    def undo(self, changeset_id: int) -> int:
        """Undo a whole change set in one audited transaction; returns the undo's id.

        Refused with :class:`ConflictError` naming the clients and fields where a later change
        touched the same value (the current value is no longer what the change set wrote).
        """
        changeset_id = record_id(changeset_id, "changeset_id")
        with self.book.store.transaction() as conn:
            row = conn.execute(
                "SELECT status, description, source FROM changesets WHERE id = ?", [changeset_id]
            ).fetchone()
            if row is None:
                raise NotFound("changeset.not_found", id=changeset_id)
            status, description, source = row
            if status == "undone":
                raise ConflictError("changeset.undone", id=changeset_id)
            if source == "delete":
                raise ConflictError("changeset.deleted_clients")
            items = _items(conn, changeset_id)
            if items.empty:
                raise ConflictError("changeset.nothing_to_undo", id=changeset_id)
            _refuse_conflicts(conn, changeset_id, items)
            undo_id = new_changeset(
                conn, self.book, source="undo", rows=len(items), undo_of=changeset_id,
                description=f"undo of change set {changeset_id}: {description or ''}".strip(": "),
            )
            back = items.rename(columns={"old": "new", "new": "old"})
            clients = back[back["entity"] == "client"].rename(columns={"entity_id": "client_id"})
            write_client_changes(conn, self.book, clients, undo_id, action="update", source="undo")
            others = back[back["entity"] != "client"]
            if not others.empty:
                restore_entities(conn, self.book, others, undo_id)
                moved = others[others["field"] == "client_id"]
                if not moved.empty:
                    # Documents or payments went back to their client (undo of a merge): both
                    # clients' allocation pools changed.
                    ids = {int(v) for v in pd.concat([moved["old"], moved["new"]]) if v is not None}
                    recompute_open_balances(conn, sorted(ids))
            conn.execute(
                "UPDATE changesets SET status = 'undone', undone_at = now(), undone_by = ?"
                " WHERE id = ?", [self.book.actor, changeset_id],
            )
        return undo_id

    # -- life cycle ---------------------------------------------------------------------
    def archive(self, selection: Any) -> pd.DataFrame:
        """Archive the selected clients in one change set; ``code, done, reason`` per client."""
        return archive_many(self.book, selection_codes(self.book, selection))

    def restore(self, selection: Any) -> pd.DataFrame:
        """Bring archived clients back to active; ``code, done, reason`` per client."""
        return archive_many(self.book, selection_codes(self.book, selection), restore=True)

    def delete(self, selection: Any) -> pd.DataFrame:
        """Delete the selected clients that have no history; ``code, done, reason`` per client."""
        return delete_many(self.book, selection_codes(self.book, selection))


def _items(conn: duckdb.DuckDBPyConnection, changeset_id: int) -> pd.DataFrame:
    frame = conn.execute(
        "SELECT entity, entity_id, client_code AS code, field, old_value AS old,"
        " new_value AS new FROM changeset_items WHERE changeset_id = ?", [changeset_id]
    ).to_arrow_table().to_pandas()
    return frame.astype({"old": object, "new": object, "code": object})


def _refuse_conflicts(conn: duckdb.DuckDBPyConnection, changeset_id: int, items: pd.DataFrame) -> None:
    """Raise ConflictError where the current value is not what the change set wrote."""
    columns = client_columns(conn)
    parts = []
    client_fields = sorted(items.loc[items["entity"] == "client", "field"].unique())
    if client_fields:
        cases = " ".join(
            f"WHEN '{f}' THEN CAST(c.\"{f}\" AS VARCHAR)" for f in client_fields if f in columns)
        parts.append(
            "SELECT i.client_code, CASE WHEN c.id IS NULL THEN 'deleted' ELSE i.field END"
            " FROM changeset_items i LEFT JOIN clients c ON c.id = i.entity_id"
            " WHERE i.changeset_id = $cs AND i.entity = 'client'"
            f" AND (c.id IS NULL OR (CASE i.field {cases} END) IS DISTINCT FROM i.new_value)")
    for entity, table in ENTITY_TABLES.items():
        names = sorted(items.loc[items["entity"] == entity, "field"].unique())
        if not names:
            continue
        known = table_columns(conn, table)
        cases = " ".join(f"WHEN '{f}' THEN CAST(t.\"{f}\" AS VARCHAR)" for f in names if f in known)
        parts.append(
            f"SELECT i.client_code, '{entity} ' || i.entity_id || ' ' || i.field FROM changeset_items i"
            f" LEFT JOIN {table} t ON t.id = i.entity_id"
            f" WHERE i.changeset_id = $cs AND i.entity = '{entity}'"
            f" AND (t.id IS NULL OR (CASE i.field {cases} END) IS DISTINCT FROM i.new_value)")
    if not parts:
        return
    found = conn.execute(
        "SELECT DISTINCT * FROM (" + " UNION ALL ".join(parts) + ") ORDER BY 1, 2 LIMIT 21",
        {"cs": changeset_id}
    ).fetchall()
    if found:
        shown = ", ".join(f"{code} ({what})" for code, what in found[:20])
        more = "…" if len(found) > 20 else ""
        raise ConflictError("changeset.changed_since",
                            fields=tuple(sorted({what for _, what in found})),
                            id=changeset_id, shown=shown + more)


__all__ = ["Bulk", "ChangeSet", "PREVIEW_COLUMNS", "build", "check_unique", "selection_codes",
           "read_corrections"]
