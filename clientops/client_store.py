"""Reading client records: one by code, lists filtered, sorted and paged, exports, and the
set-based uniqueness check.

What a list shows, sorts by and searches is read from the field registry
(:mod:`clientops.fields`: ``listed``, ``sort``, ``search``, ``sensitive``): a new field shows in
the list and its exports by its declaration alone.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import einvoicing, exports, fields, identifiers, searchwords
from .cleaning import parse_tags, stored_tags
from .client_model import Client, from_row
from .errors import Coded, NotFound, ValidationError
from .frames import fetch_df
from .masking import mask_iban_sql
from .text import as_key, clean_text

if TYPE_CHECKING:
    from .book import Book

SEARCH_LIMIT = 200  # what a search box takes
STATUS_FILTERS = ("active", "archived", "all")
# Open balances a list can be sorted by (the grid's Encours and Échu columns): summed over the
# open invoices when asked, as of today.
BALANCE_ORDER = ("outstanding", "overdue")
_BALANCES_SQL = (
    "(SELECT c.*, b.outstanding, b.overdue FROM clients c LEFT JOIN ("
    "SELECT client_id, sum(open_amount) AS outstanding,"
    " sum(open_amount) FILTER (WHERE due_date < current_date) AS overdue FROM documents"
    " WHERE kind = 'invoice' AND open_amount > 0 GROUP BY client_id) b ON b.client_id = c.id"
    ") AS clients")


def orderable() -> tuple[str, ...]:
    """What a list can be sorted by: the registry's sort keys and the open balances."""
    return (*fields.names_where("sort", "text"), *fields.names_where("sort", "value"),
            *BALANCE_ORDER)


def _column_sql(name: str) -> str:
    """A list column's SELECT expression: bank details masked, computed fields computed."""
    declared = fields.field(name)
    if declared.sensitive:
        return f"{mask_iban_sql(name)} AS {name}"
    if declared.computed_sql:
        return f"{declared.computed_sql} AS {name}"
    return name


def _count(field: str, value: Any) -> int:
    """A number of rows (a page's size, an offset): a whole number from 0 to 2^63 - 1."""
    if isinstance(value, bool) or not isinstance(value, Integral) or not 0 <= int(value) < 2**63:
        raise ValidationError(field, value, "client.row_count")
    return int(value)



def _duplicate(field: str, value: str, other: str) -> ValidationError:
    """Another client (``other``; ``""``: a new client of the same batch) holds ``value``."""
    declared = fields.field(field)
    shown = identifiers.mask_iban(value) if declared.sensitive else value
    this = Coded(f"client.this.{field}")
    if declared.unique == "always":
        if other == "":
            return ValidationError(field, shown, "client.duplicate_in_batch", this=this)
        return ValidationError(field, shown, "client.duplicate", this=this, other=other)
    if other == "":
        return ValidationError(field, shown, "client.duplicate_in_batch_allowed", this=this)
    return ValidationError(field, shown, "client.duplicate_allowed", this=this, other=other)


class ClientStore:
    """The reads of ``book.clients`` (the writes are :class:`clientops.clients.Clients`)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def fetch(self, conn: duckdb.DuckDBPyConnection, code: str) -> Client:
        """The client with this code, read on ``conn`` (inside the caller's transaction);
        raises :class:`NotFound`."""
        key = as_key(code)
        if key is None:
            raise NotFound("client.not_found", code=repr(code))
        columns = fields.columns()
        cursor = conn.execute(f"SELECT {', '.join(columns)} FROM clients WHERE code = ?",
                              [key.upper()])
        row = cursor.fetchone()
        if row is None:
            raise NotFound("client.not_found", code=repr(code))
        return from_row(columns, row)

    def get(self, code: str) -> Client:
        """The client with this code (full IBAN included); raises :class:`NotFound`."""
        with self._book.store.connection() as conn:
            return self.fetch(conn, code)

    def id_of(self, code: str) -> int:
        """The surrogate id of the client with this code; raises :class:`NotFound`."""
        key = as_key(code)
        if key is None:
            raise NotFound("client.not_found", code=repr(code))
        with self._book.store.connection() as conn:
            row = conn.execute("SELECT id FROM clients WHERE code = ?", [key.upper()]).fetchone()
        if row is None:
            raise NotFound("client.not_found", code=repr(code))
        return int(row[0])

    def exists(self, code: str) -> bool:
        try:
            self.id_of(code)
        except NotFound:
            return False
        return True

    def _where(
        self,
        status: str,
        search: str | None,
        tags: str | Sequence[str] | None,
        payment_method: str | Sequence[str] | None,
        owner: str | None,
        einvoicing_flow: str | Sequence[str] | None = None,
    ) -> tuple[str, builtins.list[Any]]:
        clauses: builtins.list[str] = []
        params: builtins.list[Any] = []
        if status not in STATUS_FILTERS:
            raise ValidationError("status", status, "client.choice",
                                  choices=", ".join(STATUS_FILTERS))
        if status != "all":
            clauses.append("status = ?")
            params.append(status)
        if search is not None and str(search).strip():
            needle = clean_text("search", str(search), SEARCH_LIMIT) or ""
            store = self._book.store
            with store.connection() as conn:
                clause, found = searchwords.match(conn, searchwords.words_of(conn, needle),
                                                  kept=store.keeps(searchwords.NAME))
            clauses.append(clause)
            params.extend(found)
        if tags:
            wanted = list(parse_tags(tags))
            clauses.append("list_has_all(list_transform(string_split(coalesce(tags, ''), ','), t -> trim(t)), ?)")
            params.append(wanted)
        if payment_method:
            methods = [payment_method] if isinstance(payment_method, str) else list(payment_method)
            allowed = tuple(fields.choices("payment_method"))
            for method in methods:
                if method not in allowed:
                    raise ValidationError("payment_method", method, "client.choice",
                                          choices=", ".join(allowed))
            clauses.append("list_contains(?, payment_method)")
            params.append(methods)
        if owner is not None:
            clauses.append("owner = ?")
            params.append(owner)
        if einvoicing_flow:
            flows = [einvoicing_flow] if isinstance(einvoicing_flow, str) else list(einvoicing_flow)
            for flow in flows:
                if flow not in einvoicing.FLOWS:
                    raise ValidationError("einvoicing_flow", flow, "client.choice",
                                          choices=", ".join(einvoicing.FLOWS))
            clauses.append(f"list_contains(?, {einvoicing.flow_sql()})")
            params.append(flows)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def list(
        self,
        status: str = "active",
        search: str | None = None,
        *,
        tags: str | Sequence[str] | None = None,
        payment_method: str | Sequence[str] | None = None,
        owner: str | None = None,
        einvoicing_flow: str | Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        order_by: str = "code",
        descending: bool = False,
    ) -> pd.DataFrame:
        """Clients as a DataFrame (IBAN masked), filtered and paged on the database side.

        ``status`` is ``active`` (default), ``archived`` or ``all``; ``search`` matches name
        and city (ignoring case and accents), code, email, SIREN/SIRET and VAT number;
        ``einvoicing_flow`` keeps the clients of these flows (:data:`einvoicing.FLOWS`).
        """
        sortable = orderable()
        if order_by not in sortable:
            raise ValidationError("order_by", order_by, "client.choice",
                                  choices=", ".join(sortable))
        where, params = self._where(status, search, tags, payment_method, owner,
                                    einvoicing_flow)
        select = ", ".join(_column_sql(c) for c in fields.listed())
        direction = "DESC" if descending else "ASC"
        # Text in dictionary order, as a French reader expects (Émile before Zoé, "de" with
        # "De"), not in byte order; the code breaks ties.
        key = f"{order_by} COLLATE noaccent.nocase" if order_by in fields.names_where("sort", "text") else order_by
        source = "clients"
        if order_by in BALANCE_ORDER:  # the open balances, summed for the sort only
            source = _BALANCES_SQL
        order = f"{key} {direction} NULLS LAST" + (", code" if order_by != "code" else "")
        if limit is None and not offset and source == "clients":
            sql = f"SELECT {select} FROM clients{where} ORDER BY {order}"
        else:
            # Find the page's ids on narrow rows (much faster deep in a large book), then
            # read, mask and shape only the rows of the page.
            page = f"SELECT id FROM {source}{where} ORDER BY {order}"
            if limit is not None:
                limit = _count("limit", limit)
                page += " LIMIT ?"
                params.append(max(0, int(limit)))
            if offset:
                offset = _count("offset", offset)
                page += " OFFSET ?"
                params.append(max(0, int(offset)))
            if source == "clients":
                sql = f"SELECT {select} FROM clients WHERE id IN ({page}) ORDER BY {order}"
            else:  # the balances are summed once, for the page's ids and their order
                page = page.replace("SELECT id FROM", f"SELECT id, {order_by} AS sort_key FROM", 1)
                sql = (f"SELECT {select} FROM clients JOIN ({page}) AS page USING (id)"
                       f" ORDER BY page.sort_key {direction} NULLS LAST, code")
        with self._book.store.connection() as conn:
            df = fetch_df(conn, sql, params)
        # Few distinct tag strings: parse each once (a million rows stay fast).
        parsed = {t: stored_tags(t) for t in df["tags"].dropna().unique()}
        raw = df["tags"].to_numpy(dtype=object)
        df["tags"] = pd.Series([parsed.get(t, ()) if isinstance(t, str) else () for t in raw],
                               index=df.index, dtype=object)
        return df

    def count(
        self,
        status: str = "active",
        search: str | None = None,
        *,
        tags: str | Sequence[str] | None = None,
        payment_method: str | Sequence[str] | None = None,
        owner: str | None = None,
        einvoicing_flow: str | Sequence[str] | None = None,
    ) -> int:
        """How many clients :meth:`list` would return without paging."""
        where, params = self._where(status, search, tags, payment_method, owner,
                                    einvoicing_flow)
        with self._book.store.connection() as conn:
            row = conn.execute(f"SELECT count(*) FROM clients{where}", params).fetchone()
        return int(row[0]) if row else 0

    def export(
        self,
        path: exports.Destination,
        *,
        format: str | None = None,
        lang: str = "fr",
        status: str = "active",
        search: str | None = None,
        tags: str | Sequence[str] | None = None,
        payment_method: str | Sequence[str] | None = None,
        owner: str | None = None,
        einvoicing_flow: str | Sequence[str] | None = None,
        order_by: str = "code",
        descending: bool = False,
        codes: Iterable[str] | None = None,
        on_progress: exports.Progress | None = None,
    ) -> Path:
        """Write the clients :meth:`list` selects (only ``codes``, if given) to a CSV or XLSX.

        ``format`` is ``csv`` or ``xlsx`` (default: the path's suffix); ``lang`` ``fr`` or
        ``en``. Formula-like text is neutralised, IBANs are masked as in the list; see
        :mod:`clientops.exports` for what the file looks like. Returns the path written.
        """
        exports.check_destination(path, format, lang)
        frame = self.list(status, search, tags=tags, payment_method=payment_method, owner=owner,
                          einvoicing_flow=einvoicing_flow, order_by=order_by,
                          descending=descending)
        return exports.write(exports.select_codes(frame, codes), path, format=format, lang=lang,
                             sheet="Clients", on_progress=on_progress)

    def _has_active_mandate(self, client_id: int) -> bool:
        with self._book.store.connection() as conn:
            row = conn.execute(
                "SELECT count(*) FROM sepa_mandates WHERE client_id = ? AND status = 'active'",
                [client_id]).fetchone()
        return bool(row and row[0])

    def conflicts(
        self,
        rows: Mapping[str | None, Mapping[str, Any]],
        *,
        allow_duplicate: bool = False,
        conn: duckdb.DuckDBPyConnection | None = None,
    ) -> builtins.list[tuple[str | None, ValidationError]]:
        """Uniqueness problems of many changes at once, set-based.

        ``rows`` maps a client code (``None`` for a client being created) to its cleaned
        changes. Each value of an accounting account (always) and of SIREN, SIRET, VAT number
        and IBAN (unless ``allow_duplicate``) is compared with every other client as it will
        be once all ``rows`` are applied — archived clients included. Returns
        ``(code, ValidationError)`` pairs naming the other client's code.
        """
        checked = fields.unique(allow_duplicate)
        records = [
            (code or "", field, value)
            for code, changes in rows.items()
            for field, value in changes.items()
            if field in checked
        ]
        # the checked fields are all text once cleaned
        batch = pa.table({
            "code": pa.array([r[0] for r in records], pa.string()),
            "field": pa.array([r[1] for r in records], pa.string()),
            "value": pa.array([None if r[2] is None else str(r[2]) for r in records], pa.string()),
        })
        return self.batch_conflicts(batch, allow_duplicate=allow_duplicate, conn=conn)

    def batch_conflicts(
        self,
        batch: pa.Table,
        *,
        allow_duplicate: bool = False,
        conn: duckdb.DuckDBPyConnection | None = None,
    ) -> builtins.list[tuple[str | None, ValidationError]]:
        """:meth:`conflicts` of changes given as an Arrow table of text ``code, field, value``
        (code ``""`` for a client being created; other fields are ignored) — a bulk change
        set's rows as they are, without a dict per client."""
        checked = fields.unique(allow_duplicate)
        batch = batch.filter(pc.is_in(batch.column("field"), pa.array(checked, pa.string())))
        given = batch.filter(pc.is_valid(batch.column("value")))
        asked = set(pc.unique(given.column("field")).to_pylist())
        if not asked:
            return []
        if conn is None:
            with self._book.store.connection() as own:
                return self.batch_conflicts(batch, allow_duplicate=allow_duplicate, conn=own)
        found: builtins.list[tuple[str | None, ValidationError]] = []
        conn.register("_clientops_batch", batch)
        try:
            for field in (f for f in checked if f in asked):
                # Another client holds the value (and keeps it: its own row in the batch, if
                # any, decides), or another row of the batch gives it too. The stored side is
                # probed with the batch's values — no scan of every client's value against
                # the batch's codes.
                sql = f"""
                    WITH b AS (SELECT code, value FROM _clientops_batch
                               WHERE field = '{field}' AND value IS NOT NULL),
                    clash AS (
                        SELECT b.code, b.value, c.code AS other
                        FROM b JOIN clients c ON c.{field} = b.value AND c.code <> b.code
                        WHERE c.code NOT IN (SELECT code FROM _clientops_batch
                                             WHERE field = '{field}')
                        UNION ALL
                        SELECT b.code, b.value, o.code FROM b JOIN b o
                            ON o.value = b.value AND o.code <> b.code
                    )
                    SELECT code, value, min(other) AS other FROM clash
                    GROUP BY code, value ORDER BY code
                """  # noqa: S608 - field comes from a fixed tuple
                for code, value, other in conn.execute(sql).fetchall():
                    found.append((code or None, _duplicate(field, value, other)))
        finally:
            conn.unregister("_clientops_batch")
        return found


__all__ = ["ClientStore", "SEARCH_LIMIT", "orderable"]
