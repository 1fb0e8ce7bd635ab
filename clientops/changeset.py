"""Change sets: many field changes previewed together, written in one transaction, undone whole.

A :class:`ChangeSet` is built by :mod:`clientops.bulk` (from a selection, a spreadsheet or the
data-quality findings). It holds one row per field change — ``code, name, field, old, new,
error`` — with values in their text form (what DuckDB gives for ``CAST(x AS VARCHAR)``), so the
same frame feeds the preview grid, the ``UPDATE … FROM`` and the audit ``INSERT … SELECT``.

Writing is set-based: one ``UPDATE clients … FROM`` a registered wide table, one ``INSERT …
SELECT`` of the audit rows (ids reserved as a range), one of the change-set items (the old
values in clear, which the audit trail masks for bank details, so that undo can restore them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from . import cardrows, derived
from . import fields as fields_registry
from .audit import insert_rows
from .errors import ClientOpsError, ConflictError, ValidationError
from .masking import SENSITIVE, looks_like_iban, mask_iban, mask_iban_sql
from .text import clean_text

if TYPE_CHECKING:
    from .book import Book

# (conn, book, items, allow_duplicate) -> the uniqueness clashes, one text each
UniquenessCheck = Callable[[Any, "Book", pd.DataFrame, bool], list[str]]

# ``error``: why a change is refused, in English; ``error_code``: the same as a stable code (its
# text in any language: clientops.errors.text).
PREVIEW_COLUMNS = ["code", "name", "field", "old", "new", "error", "error_code"]
# What a change set does, as the history shows it: one line of text.
DESCRIPTION_LIMIT = 2000

# Columns of ``changeset_items`` rows for other entities than the client (merge moves rows).
ENTITY_TABLES = {
    "contact": "contacts",
    "mandate": "sepa_mandates",
    "document": "documents",
    "payment": "payments",
    "reminder": "reminders",
    "task": "tasks",
}


def table_columns(conn: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name → SQL type of a table (the whitelist for field names spliced into SQL)."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_name = ? AND table_catalog = current_database()"
        " ORDER BY ordinal_position", [table]
    ).fetchall()
    return {name: kind for name, kind in rows}


def client_columns(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Column name → SQL type of the clients table."""
    return table_columns(conn, "clients")


def _ident(name: str, allowed: dict[str, str] | set[str]) -> str:
    """A column name safe to splice into SQL (it must be a known column)."""
    if name not in allowed:
        raise ClientOpsError("changeset.unknown_column", name=repr(name))
    return f'"{name}"'


def as_text(value: Any) -> str | None:
    """The text DuckDB gives for ``CAST(value AS VARCHAR)`` — the change set's value form."""
    if value is None:
        return None
    if type(value) is str:  # most values: no isinstance chain
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (tuple, list)):  # tags, stored comma-separated
        return ",".join(str(v) for v in value) or None
    return str(value)


def client_items(client: Any, cleaned: Mapping[str, Any]) -> pd.DataFrame:
    """One client's cleaned changes as change-set items (``client_id, code, field, old,
    new``, values as text): a single edit is a one-client change set."""
    names = list(cleaned)
    return pd.DataFrame({
        "client_id": [client.id] * len(names),
        "code": [client.code] * len(names),
        "field": names,
        "old": pd.Series([as_text(getattr(client, f)) for f in names], dtype=object),
        "new": pd.Series([as_text(cleaned[f]) for f in names], dtype=object),
    })


def write_client_changes(
    conn: duckdb.DuckDBPyConnection,
    book: Book,
    items: pd.DataFrame,
    changeset_id: int | None,
    *,
    action: str,
    source: str,
) -> int:
    """Write ``items`` (client_id, code, field, old, new: text) set-based, with audit rows.

    The one write of client fields: a single edit (one client, ``changeset_id`` None: not
    undoable as a change set), a bulk correction, an import, an undo. Each touched client gets
    ``version + 1`` and ``updated_at = now()`` once, whatever the number of its fields
    changed; a new IBAN amends the client's active SEPA mandates. Returns the number of field
    changes written.
    """
    cardrows.prefer_drop(conn)  # a bulk correction stays as fast as before
    if items.empty:
        return 0
    names = sorted(items["field"].unique())
    columns = _column_types(conn, names)
    if len(items) <= POINT_ROWS:
        _update_points(conn, items, columns)
    else:
        _update_set(conn, items, names, columns)
    written = record_items(conn, book, items, changeset_id, entity="client", action=action, source=source)
    if "iban" in names and source != "undo":
        written += _amend_mandates(conn, book, items[items["field"] == "iban"], changeset_id, source)
    return written


# Up to this many field changes (a single edit, a merge's archive) are written by point
# statements, with parameters; beyond, set-based from a registered Arrow table. The same
# statements' effect, the same audit rows: only the way they reach DuckDB differs (a
# registered table and a join cost ~20 ms more for one client).
POINT_ROWS = 16


def _column_types(conn: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, str]:
    """SQL type of each changed column: the registry's (no catalogue read); the table's for
    a column the registry does not declare (refused by :func:`_ident` if it has none)."""
    declared = {n: f.sql for n in names if (f := fields_registry.get(n)) is not None and f.stored}
    if len(declared) == len(names):
        return declared
    return client_columns(conn)


def _update_points(conn: duckdb.DuckDBPyConnection, items: pd.DataFrame,
                   columns: dict[str, str]) -> None:
    """One parametrised UPDATE per client (few changes)."""
    per_client: dict[int, list[tuple[str, Any]]] = {}
    for client_id, name, new in zip(items["client_id"].tolist(), items["field"].tolist(),
                                    items["new"].tolist(), strict=True):
        _ident(name, columns)
        per_client.setdefault(int(client_id), []).append((name, new))
    for client_id, changes in per_client.items():
        sets = ", ".join(f'"{name}" = CAST(? AS {columns[name]})' for name, _ in changes)
        conn.execute(f"UPDATE clients SET {sets}, version = version + 1, updated_at = now()"
                     " WHERE id = ?", [*(_text_or_none(v) for _, v in changes), client_id])


def _text_or_none(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def _update_set(conn: duckdb.DuckDBPyConnection, items: pd.DataFrame, fields: list[str],
                columns: dict[str, str]) -> None:
    """One ``UPDATE … FROM`` a registered wide table (many changes)."""
    # one row per client, a (set, new) pair of columns per field: positions, not a pivot
    client_ids = items["client_id"].to_numpy(dtype="int64")
    ids, position = np.unique(client_ids, return_inverse=True)
    new_values = items["new"].to_numpy(dtype=object)
    field_of = items["field"].to_numpy(dtype=object)
    arrays: dict[str, pa.Array] = {"client_id": pa.array(ids, pa.int64())}
    sets = []
    for name in fields:
        _ident(name, columns)
        mask = field_of == name
        flag = np.zeros(len(ids), dtype=bool)
        flag[position[mask]] = True
        column = np.full(len(ids), None, dtype=object)
        column[position[mask]] = new_values[mask]
        arrays[f"set__{name}"] = pa.array(flag, pa.bool_())
        arrays[f"new__{name}"] = _strings(pd.Series(column, dtype=object))
        sets.append(
            f'"{name}" = CASE WHEN w."set__{name}" THEN CAST(w."new__{name}" AS {columns[name]})'
            f' ELSE c."{name}" END'
        )
    conn.register("bulk_wide", pa.table(arrays))
    try:
        conn.execute(
            "UPDATE clients AS c SET " + ", ".join(sets) + ","
            " version = c.version + 1, updated_at = now()"
            " FROM bulk_wide AS w WHERE c.id = w.client_id"
        )
    finally:
        conn.unregister("bulk_wide")


def _amend_mandates(
    conn: duckdb.DuckDBPyConnection, book: Book, items: pd.DataFrame, changeset_id: int | None,
    source: str
) -> int:
    """A new IBAN on a client with an active mandate amends the mandate: amendment row,
    mandate IBAN/BIC, next collection FRST — set-based. The IBAN was checked before
    (:func:`clientops.client_rules.check` refuses one outside the SEPA zone)."""
    found_sql = (
        "SELECT m.id AS entity_id, c.code, m.iban AS old_iban, c.iban AS new_iban,"
        " m.bic AS old_bic, c.bic AS new_bic, m.sequence AS old_sequence"
        " FROM sepa_mandates m {clients} JOIN clients c ON c.id = m.client_id"
        " WHERE m.status = 'active' AND c.iban IS NOT NULL AND m.iban <> c.iban")
    if len(items) <= POINT_ROWS:
        found = _amend_points(conn, book, items)
    else:
        found = _amend_set(conn, book, items, found_sql)
    if found.empty:
        return 0
    parts = []
    for name in ("iban", "bic", "sequence"):
        part = pd.DataFrame({
            "entity_id": found["entity_id"], "code": found["code"], "field": name,
            "old": found[f"old_{name}"].astype(object),
            "new": found[f"new_{name}"].astype(object) if name != "sequence" else "FRST",
        })
        parts.append(part)
    rows = pd.concat(parts, ignore_index=True)
    rows = rows[rows["old"].fillna("\0") != rows["new"].fillna("\0")]
    return record_items(conn, book, rows, changeset_id, entity="mandate", action="amend", source=source)


_AMENDED = ["entity_id", "code", "old_iban", "new_iban", "old_bic", "new_bic", "old_sequence"]


def _amend_points(conn: duckdb.DuckDBPyConnection, book: Book, items: pd.DataFrame
                  ) -> pd.DataFrame:
    """:func:`_amend_mandates` for a few clients: index lookups and parametrised writes."""
    rows = []
    for client_id in dict.fromkeys(int(i) for i in items["client_id"].tolist()):
        client = conn.execute("SELECT code, iban, bic FROM clients WHERE id = ?",
                              [client_id]).fetchone()
        if client is None or client[1] is None:
            continue
        rows += [(mandate_id, client[0], old_iban, client[1], old_bic, client[2], sequence)
                 for mandate_id, old_iban, old_bic, sequence in conn.execute(
                     "SELECT id, iban, bic, sequence FROM sepa_mandates"
                     " WHERE client_id = ? AND status = 'active'", [client_id]).fetchall()
                 if old_iban is not None and old_iban != client[1]]
    if rows:
        first = book.store.reserve(conn, "amendment", len(rows))
        conn.executemany("INSERT INTO mandate_amendments VALUES (?, ?, now(), ?, ?, ?)",
                         [[first + i, r[0], r[2], r[3], book.actor] for i, r in enumerate(rows)])
        conn.executemany(
            "UPDATE sepa_mandates SET iban = ?, bic = ?, sequence = 'FRST',"
            " amended_on = current_date, version = version + 1, updated_at = now() WHERE id = ?",
            [[r[3], r[5], r[0]] for r in rows])
    return pd.DataFrame(rows, columns=_AMENDED, dtype=object)


def _amend_set(conn: duckdb.DuckDBPyConnection, book: Book, items: pd.DataFrame,
               found_sql: str) -> pd.DataFrame:
    """:func:`_amend_mandates` for many clients: registered tables, set-based writes."""
    table = pa.table({"client_id": pa.array(items["client_id"].to_numpy(dtype="int64"))})
    conn.register("bulk_iban", table)
    try:
        found = conn.execute(found_sql.format(
            clients="JOIN bulk_iban w ON w.client_id = m.client_id")).df()
    finally:
        conn.unregister("bulk_iban")
    if found.empty:
        return found
    first = book.store.reserve(conn, "amendment", len(found))
    conn.register("bulk_amend", found)
    try:
        conn.execute(
            "INSERT INTO mandate_amendments SELECT ? + row_number() OVER () - 1, entity_id, now(),"
            " old_iban, new_iban, ? FROM bulk_amend", [first, book.actor])
        conn.execute(
            "UPDATE sepa_mandates AS m SET iban = a.new_iban, bic = a.new_bic, sequence = 'FRST',"
            " amended_on = current_date, version = m.version + 1, updated_at = now()"
            " FROM bulk_amend a WHERE m.id = a.entity_id")
    finally:
        conn.unregister("bulk_amend")
    return found


def restore_entities(
    conn: duckdb.DuckDBPyConnection, book: Book, items: pd.DataFrame, changeset_id: int
) -> int:
    """Put back fields of contacts, mandates, documents… (``entity, entity_id, field, new``)."""
    for (entity, name), rows in items.groupby(["entity", "field"]):
        table = ENTITY_TABLES[str(entity)]
        types = table_columns(conn, table)
        column = _ident(str(name), types)
        frame = pa.table({
            "id": pa.array(rows["entity_id"].to_numpy(dtype="int64")),
            "value": _strings(rows["new"]),
        })
        conn.register("bulk_restore", frame)
        try:
            conn.execute(
                f"UPDATE {table} AS t SET {column} = CAST(r.value AS {types[str(name)]})"
                " FROM bulk_restore r WHERE t.id = r.id")
        finally:
            conn.unregister("bulk_restore")
    return record_items(conn, book, items, changeset_id, entity=items["entity"], action="update",
                   source="undo")


def record_items(
    conn: duckdb.DuckDBPyConnection,
    book: Book,
    items: pd.DataFrame,
    changeset_id: int | None,
    *,
    entity: str | pd.Series,
    action: str,
    source: str,
) -> int:
    """Write ``items`` (``client_id`` or ``entity_id``, ``code``, ``field``, ``old``, ``new``) as
    audit rows and as items of change set ``changeset_id`` (none for a single edit), in one
    ``INSERT … SELECT`` each; returns how many were written. Undo reads them back
    (:func:`restore_entities`)."""
    n = len(items)
    entities = entity if isinstance(entity, pd.Series) else pd.Series([entity] * n, index=items.index)
    ids = items["entity_id"] if "entity_id" in items else items["client_id"]
    first = book.store.reserve(conn, "audit", n)
    if n <= POINT_ROWS:
        _record_points(conn, book, first, entities.tolist(), ids.tolist(), items, changeset_id,
                       action=action, source=source)
        return n
    old, new = _strings(items["old"]), _strings(items["new"])
    table = pa.table({
        "audit_id": pa.array(np.arange(first, first + n, dtype=np.int64)),
        "entity": _strings(entities),
        "entity_id": pa.array(ids.to_numpy(dtype="int64"), pa.int64()),
        "code": _strings(items["code"]),
        "field": _strings(items["field"]),
        "old": old,
        "new": new,
    })
    # bank details masked in the audit trail, in SQL (kept in clear in changeset_items for undo)
    sensitive = ", ".join(f"'{f}'" for f in sorted(SENSITIVE))
    conn.register("bulk_items", table)
    try:
        conn.execute(
            "INSERT INTO audit_log SELECT audit_id, now(), ?, ?, entity, entity_id, code, ?, field,"
            f" CASE WHEN field IN ({sensitive}) THEN {mask_iban_sql('old')} ELSE old END,"
            f" CASE WHEN field IN ({sensitive}) THEN {mask_iban_sql('new')} ELSE new END,"
            " ? FROM bulk_items",
            [book.actor, source, action, changeset_id],
        )
        if changeset_id is not None:
            conn.execute(
                "INSERT INTO changeset_items SELECT ?, entity, entity_id, code, field, old, new"
                " FROM bulk_items",
                [changeset_id],
            )
    finally:
        conn.unregister("bulk_items")
    return n


def _record_points(conn: duckdb.DuckDBPyConnection, book: Book, first: int, entities: list[Any],
                   ids: list[Any], items: pd.DataFrame, changeset_id: int | None, *,
                   action: str, source: str) -> None:
    """:func:`record_items` of a few rows, by parametrised inserts: the same rows (bank
    details masked by :func:`mask_iban`, which agrees with :func:`mask_iban_sql`)."""
    rows = list(zip(entities, ids, items["code"].tolist(), items["field"].tolist(),
                    [_text_or_none(v) for v in items["old"].tolist()],
                    [_text_or_none(v) for v in items["new"].tolist()], strict=True))

    def shown(name: str, value: str | None) -> str | None:
        return mask_iban(value) if name in SENSITIVE else value

    insert_rows(conn, "audit_log", "(?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[first + i, book.actor, source, e, int(i_d), code, action, name,
                  shown(name, old), shown(name, new), changeset_id]
                 for i, (e, i_d, code, name, old, new) in enumerate(rows)])
    derived.note_audit_rows(conn, first, [(code, e, int(i_d), action, name, shown(name, old))
                                          for e, i_d, code, name, old, _new in rows])
    if changeset_id is not None:
        insert_rows(conn, "changeset_items", "(?, ?, ?, ?, ?, ?, ?)",
                    [[changeset_id, e, int(i_d), code, name, old, new]
                     for e, i_d, code, name, old, new in rows])


def _strings(values: pd.Series) -> pa.Array:
    """A text column as an Arrow string array (missing → null), vectorised when it can be."""
    try:
        return pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array(_texts(values), pa.string())


def _texts(values: pd.Series) -> list[str | None]:
    return [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)
            for v in values.tolist()]


def new_changeset(
    conn: duckdb.DuckDBPyConnection,
    book: Book,
    *,
    source: str,
    description: str,
    rows: int,
    undo_of: int | None = None,
) -> int:
    """Reserve a change-set id and write its row (status ``applied``)."""
    changeset_id = book.store.reserve(conn, "changeset", 1)
    conn.execute(
        "INSERT INTO changesets (id, created_at, actor, source, description, rows, status, undo_of)"
        " VALUES (?, now(), ?, ?, ?, ?, 'applied', ?)",
        [changeset_id, book.actor, source, description, rows, undo_of],
    )
    return changeset_id


@dataclass
class ChangeSet:
    """Field changes for many clients, previewed before they are written.

    Attributes:
      items: one row per field change: ``client_id, code, name, field, old, new, error,
        version`` (values as text; ``client_id`` is missing for unknown codes).
      source: audit source written with the change (``bulk``, ``import``, ``quality``…).
      description: what the change set does, shown in the history.
      action: audit action of each row (``update``, ``archive``).
      unchanged: how many requested changes already had the new value (left out).
      recheck: the uniqueness rule (:func:`clientops.bulk.check_unique`), given by the builder
        and run again inside the write transaction: ``(conn, book, items, allow_duplicate)``
        returns the clashes, one text each.
      after_write: called with the connection and the change-set id inside the write
        transaction, after the changes (the directory check records the lines it read).
    """

    book: Book
    items: pd.DataFrame
    source: str = "bulk"
    description: str = ""
    action: str = "update"
    unchanged: int = 0
    allow_duplicate: bool = False
    after_write: Callable[[duckdb.DuckDBPyConnection, int], None] | None = field(
        default=None, repr=False)
    applied_id: int | None = field(default=None, init=False)
    recheck: UniquenessCheck = field(kw_only=True, repr=False, compare=False)

    def __post_init__(self) -> None:
        if "error_code" not in self.items.columns:  # built by a caller that has no codes
            self.items = self.items.assign(error_code=None)

    @property
    def preview(self) -> pd.DataFrame:
        """``code, name, field, old, new, error, error_code`` — one row per field change; bank details
        masked in ``old`` and ``new`` (the change set itself holds them in clear), and so is
        an IBAN in a refused row (sent under an ``IBAN`` header, or in the BIC column)."""
        frame = self.items[PREVIEW_COLUMNS].reset_index(drop=True)
        sensitive = frame["field"].isin(SENSITIVE).to_numpy()
        if sensitive.any():
            frame = frame.copy()
            for column in ("old", "new"):
                values = frame[column].to_numpy(dtype=object).copy()
                values[sensitive] = [mask_iban(v) for v in values[sensitive]]
                frame[column] = pd.Series(values, index=frame.index, dtype=object)
        refused = np.flatnonzero(frame["error"].notna().to_numpy() & ~sensitive)
        new = frame["new"].to_numpy(dtype=object)
        if any(looks_like_iban(new[i]) for i in refused):
            new = new.copy()
            new[refused] = [mask_iban(v) if looks_like_iban(v) else v for v in new[refused]]
            frame = frame.assign(new=pd.Series(new, index=frame.index, dtype=object))
        return frame

    @property
    def errors(self) -> pd.DataFrame:
        """Only the rows that fail validation, with the reason in ``error``."""
        frame = self.preview
        return frame[frame["error"].notna()].reset_index(drop=True)

    @property
    def counts(self) -> dict[str, int]:
        """How many changes, clients, errors and unchanged values this change set holds."""
        valid = self.items["error"].isna()
        return {
            "changes": int(valid.sum()),
            "clients": int(self.items.loc[valid, "code"].nunique()),
            "errors": int((~valid).sum()),
            "clients_in_error": int(self.items.loc[~valid, "code"].nunique()),
            "unchanged": int(self.unchanged),
        }

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        c = self.counts
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        return (f"<ChangeSet {n(c['changes'], 'change')} for {n(c['clients'], 'client')}, "
                f"{n(c['errors'], 'error')}, {c['unchanged']} already so>")

    def apply(self, skip_invalid: bool = False) -> int:
        """Write every change in one transaction with its audit rows; returns the change-set id.

        Refuses while errors remain, unless ``skip_invalid`` (then the clients with an error
        are left out entirely, so a client is never half-corrected). Refuses too when a client
        changed since the preview (its version moved): preview again.
        """
        if self.applied_id is not None:
            raise ClientOpsError("changeset.applied", id=self.applied_id)
        description = clean_text("description", self.description, DESCRIPTION_LIMIT) or ""
        items = self.items
        bad = items["error"].notna()
        if bad.any():
            if not skip_invalid:
                c = self.counts
                raise ValidationError("changes", None, "changeset.has_errors", n=c["errors"],
                                      clients=c["clients_in_error"])
            items = items[~items["code"].isin(items.loc[bad, "code"])]
        if items.empty:
            raise ValidationError("changes", None, "changeset.nothing")
        with self.book.store.transaction() as conn:
            _check_versions(conn, items)
            # the uniqueness rule is checked again under the write lock
            clashes = self.recheck(conn, self.book, items, self.allow_duplicate)
            if clashes:
                raise ConflictError(
                    "changeset.values_taken",
                    clashes="; ".join(clashes[:5]) + ("…" if len(clashes) > 5 else ""))
            changeset_id = new_changeset(
                conn, self.book, source=self.source, description=description,
                rows=len(items),
            )
            write_client_changes(conn, self.book, items, changeset_id,
                                 action=self.action, source=self.source)
            if self.after_write is not None:
                self.after_write(conn, changeset_id)
        self.applied_id = changeset_id
        return changeset_id


def _check_versions(conn: duckdb.DuckDBPyConnection, items: pd.DataFrame) -> None:
    """Refuse when a client changed (or vanished) since the preview read it."""
    versions = items[["client_id", "code", "version"]].drop_duplicates("client_id")
    table = pa.table({
        "client_id": pa.array(versions["client_id"].to_numpy(dtype="int64")),
        "code": pa.array(versions["code"].tolist(), pa.string()),
        "version": pa.array(versions["version"].to_numpy(dtype="int64")),
    })
    conn.register("bulk_versions", table)
    try:
        moved = conn.execute(
            "SELECT v.code FROM bulk_versions v LEFT JOIN clients c ON c.id = v.client_id"
            " WHERE c.id IS NULL OR c.version <> v.version ORDER BY v.code LIMIT 11"
        ).fetchall()
    finally:
        conn.unregister("bulk_versions")
    if moved:
        codes = [r[0] for r in moved]
        shown = ", ".join(codes[:10]) + ("…" if len(codes) > 10 else "")
        raise ConflictError("changeset.versions_moved", shown=shown)


def describe(fields: list[str] | Any, clients: int) -> str:
    """``payment_terms, iban for 1,234 clients``."""
    names = ", ".join(sorted(set(fields)))
    return f"{names} for {clients:,} client{'s' if clients != 1 else ''}"
