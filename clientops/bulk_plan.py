"""Building a change set of client corrections: every row checked, nothing written.

Validation is :meth:`Clients.check` — the very code path of a single edit — but run once per
*distinct* new value of a field (and the few other fields its rule reads, such as the SIREN
for a VAT number: the registry's ``reads``), not once per row: 100,000 clients moved to
"60 days" is one check. Cross-row rules (uniqueness) are set-based SQL. When many distinct
values need checking (a spreadsheet of 100,000 new IBANs), the checks run in forked worker
processes, one per core (:mod:`clientops.parallel`) — still ``Clients.check``, the verdicts
are the same. Each refused row has its reason in ``error`` (English) and ``error_code``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from . import fields, parallel
from .bulk_values import client_codes, raw_all, shown_value, value_key
from .changeset import ChangeSet, as_text, client_columns, describe
from .client_model import Client
from .einvoicing import flow_of
from .errors import text as error_text
from .memory import paused_gc

if TYPE_CHECKING:
    from .book import Book

# What a field's rule reads, the fields checked together, what a check derives, and so on
# are the field registry's (clientops.fields: reads, coupled, derives, kept, own_default,
# mandate_rule); a check result is shared only by clients that agree on what the rule reads.
def _context(name: str) -> tuple[str, ...]:
    return fields.context().get(name, ())


def _derives(name: str) -> tuple[str, ...]:
    return fields.derives().get(name, ())


def _groups() -> dict[str, int]:
    return {f: i for i, group in enumerate(fields.coupled()) for f in group}


def _kept() -> tuple[str, ...]:
    """Fields the others of their group are read against (the country): when a new value of
    one is refused, ``check`` reads the others against the stored value, so the
    representative record keeps it (and only clients storing the same share it)."""
    return fields.names_where("kept")


def _own_default() -> tuple[str, ...]:
    """Fields that take a default of the client's own when cleared (the accounting account):
    a blank value is checked per client, never shared through a representative record."""
    return fields.names_where("own_default")


def _mandate_rules() -> tuple[str, ...]:
    """Fields whose rules depend on an active SEPA mandate."""
    return fields.names_where("mandate_rule")


def _computed() -> tuple[str, ...]:
    """Columns of the client list computed from others (the e-invoicing flow): an exported
    list sent back carries them unchanged; a new value is refused."""
    return tuple(f.name for f in fields.all_fields() if not f.stored)


# Why these cannot be corrected (the error code of their preview rows).
READ_ONLY_CODES = {"einvoicing_flow": "bulk.computed", "status": "bulk.status", "code": "bulk.code"}


def _said(code: str, **params: Any) -> str:
    """The preview's ``error`` text of a code, in the package's language (``error_code``
    holds the code)."""
    return error_text(code, None, **params)


# -- building a change set ---------------------------------------------------------------
def _editable() -> frozenset[str]:
    return fields.editable()


def build(
    book: Book,
    requests: pd.DataFrame,
    *,
    source: str,
    description: str | None = None,
    allow_duplicate: bool = False,
    prepared: bool = False,
    vouched: frozenset[str] = frozenset(),
) -> ChangeSet:
    """A change set from requests ``code, field, value`` (raw values as the user gave them).

    Every problem of every row is reported in ``error``; nothing is written. ``prepared``:
    codes are already stripped text and values already went through :func:`_raw`.
    ``vouched``: fields whose values the caller already checked, client by client, with the
    field's own rule — each value is the text ``Clients.check`` returns for that client and
    passes its cross-checks (the directory check's addresses: parsed, and matched to the
    client's own SIREN and SIRET). Alone in their group of coupled fields, they are taken as
    they are; the rest of the change set (uniqueness, unchanged values…) is as for any other.
    """
    with paused_gc():
        return _build(book, requests, source=source, description=description,
                      allow_duplicate=allow_duplicate, prepared=prepared, vouched=vouched)


def _build(
    book: Book,
    requests: pd.DataFrame,
    *,
    source: str,
    description: str | None,
    allow_duplicate: bool,
    prepared: bool,
    vouched: frozenset[str] = frozenset(),
) -> ChangeSet:
    req = requests[["code", "field", "value"]]
    if not prepared:
        req = req.copy()
        req["code"] = client_codes(req["code"].tolist())
        req["value"] = pd.Series(raw_all(req["value"].tolist()), index=req.index,
                                 dtype=object)
    req = req.reset_index(drop=True)  # a line without a code is reported, not dropped
    editable = _editable()
    with book.store.connection() as conn:
        columns = client_columns(conn)
        names = [f for f in req["field"].unique() if f in editable and f in columns]
        ctx = {c for f in names for c in _context(f) if c in columns}
        derived = {d for f in names for d in _derives(f)}
        # read-only columns are refused only where the file asks to change them (an exported
        # list sent back carries its status, version… unchanged)
        readonly = {f for f in req["field"].unique() if f in columns and f not in editable}
        read = sorted(set(names) | ctx | derived | readonly | {"kind", "country", "siren"})
        clients = _read_clients(conn, req["code"].unique().tolist(), read)
    position = clients.index.get_indexer(pd.Index(req["code"]))  # -1: unknown code
    found = position >= 0
    items = req.copy()
    for column in ("client_id", "name", "version"):
        items[column] = _take(clients[column], position, found)
    items = items.assign(new=None, error=None, error_code=None, old=None).astype(
        {"new": object, "error": object, "error_code": object, "old": object})
    for name in set(read) & set(items["field"].unique()):
        rows = (items["field"] == name).to_numpy() & found
        items.loc[rows, "old"] = clients[name].to_numpy(dtype=object)[position[rows]]

    # the same client and field asked twice with different values
    dup = items.duplicated(["code", "field"], keep=False) & items["code"].notna()
    if dup.any():
        keys = items.loc[dup, "value"].map(value_key)
        differing = keys.groupby([items.loc[dup, "code"], items.loc[dup, "field"]]).transform("nunique") > 1
        items.loc[differing[differing].index, "error"] = _said("bulk.repeated")
        items.loc[differing[differing].index, "error_code"] = "bulk.repeated"
        items = items[~items.duplicated(["code", "field", "error"])]

    unknown = items["client_id"].isna()
    items.loc[unknown, "error"] = _said("bulk.unknown_code")
    items.loc[unknown, "error_code"] = "bulk.unknown_code"
    items.loc[items["code"].isna(), "error"] = _said("bulk.no_code")
    items.loc[items["code"].isna(), "error_code"] = "bulk.no_code"
    for name in set(items["field"].unique()) - set(names):
        rows = (items["field"] == name) & ~unknown
        if rows.any():
            message, code = _field_refusal(book, name, items.loc[rows, "value"].iloc[0])
            items.loc[rows, "error"] = message
            items.loc[rows, "error_code"] = code

    items["old"] = items["old"].where(items["old"].notna(), None)
    flows = ((items["field"] == "einvoicing_flow").to_numpy() & found)
    if flows.any():  # the flow each client has now (from its kind and country)
        at = position[flows]
        items.loc[flows, "old"] = [
            flow_of(k, c) for k, c in zip(clients["kind"].to_numpy(dtype=object)[at],
                                          clients["country"].to_numpy(dtype=object)[at],
                                          strict=True)]
    kept = items["field"].isin([*readonly, *_computed()]) & items["client_id"].notna()
    if kept.any():
        kept &= items["value"].map(as_text) == items["old"].map(as_text)
        items.loc[kept, "error"] = None
        items.loc[kept, "error_code"] = None
        items.loc[kept, "new"] = items.loc[kept, "old"]

    extra = _validate(book, items, clients, columns, vouched)
    if extra is not None:
        items = _add_derived(items, extra, clients)
    pending = items["new"].isna() & items["error"].notna()
    items.loc[pending, "new"] = pd.Series(
        [shown_value(as_text(v)) for v in items.loc[pending, "value"]],
        index=items.index[pending], dtype=object)

    # leave out what already has the value asked for
    # old and new are text or None (None equals None here, as it should)
    same = items["error"].isna().to_numpy() & (
        items["old"].to_numpy(dtype=object) == items["new"].to_numpy(dtype=object))
    unchanged = int(same.sum())
    items = items[~same]  # a new frame (copy-on-write): later writes stay in it

    for idx, message, code in unique_errors(book, items, allow_duplicate=allow_duplicate):
        if items.at[idx, "error"] is None:
            items.at[idx, "error"] = message
            items.at[idx, "error_code"] = code
    # by code then field: clients are read in code order, so their positions sort the codes
    where = clients.index.get_indexer(pd.Index(items["code"]))
    where = np.where(where >= 0, where,
                     len(clients) + pd.factorize(items["code"], use_na_sentinel=False)[0])
    order = np.lexsort((pd.factorize(items["field"], sort=True)[0], where))
    items = items.drop(columns=["value"]).iloc[order]
    items["name"] = items["name"].astype(object).where(items["name"].notna(), None)
    items["client_id"] = items["client_id"].astype("Int64")
    items["version"] = items["version"].astype("Int64")
    valid = items[items["error"].isna()]
    text = description or describe(valid["field"].unique().tolist(), valid["code"].nunique())
    cs = ChangeSet(book, items.reset_index(drop=True), source=source, description=text,
                   unchanged=unchanged, recheck=check_unique)
    cs.allow_duplicate = allow_duplicate
    return cs


def _take(column: pd.Series, position: np.ndarray, found: np.ndarray) -> pd.Series:
    """``column[position]`` with missing values where the code was not found."""
    out = np.full(len(position), None, dtype=object)
    out[found] = column.to_numpy(dtype=object)[position[found]]
    return pd.Series(out)


def _read_clients(conn: duckdb.DuckDBPyConnection, codes: list[str], read: list[str]) -> pd.DataFrame:
    """``code, client_id, name, version``, an active-mandate flag and the ``read`` columns as
    text, for ``codes``; indexed by code, in code order."""
    table = pa.table({"code": pa.array(codes, pa.string())})  # storable codes (_code)
    cols = "".join(f', CAST(c."{f}" AS VARCHAR) AS "{f}"' for f in read)
    conn.register("bulk_codes", table)
    try:
        frame = conn.execute(
            "SELECT r.code, c.id AS client_id, c.name AS name, c.version" + cols +
            ", c.id IN (SELECT client_id FROM sepa_mandates WHERE status = 'active')"
            " AS has_active_mandate FROM bulk_codes r JOIN clients c ON c.code = r.code"
            " ORDER BY c.code"
        ).to_arrow_table().to_pandas()
    finally:
        conn.unregister("bulk_codes")
    frame = frame.loc[:, ~frame.columns.duplicated()]  # "name" is shown and maybe corrected
    for f in {*read, "name", "code"}:
        frame[f] = frame[f].astype(object).where(frame[f].notna(), None)
    # indexed by code: every lookup of codes reuses one hash table, built once
    frame.index = pd.Index(frame["code"], name=None)
    return frame


def _field_refusal(book: Book, name: str, value: Any) -> tuple[str, str]:
    """Why ``name`` cannot be corrected, in :meth:`Clients.check`'s own words: the English
    text and the code."""
    if name in READ_ONLY_CODES:
        return _said(READ_ONLY_CODES[name]), READ_ONLY_CODES[name]
    _clean, errors = book.clients.check({name: value})
    for err in errors:
        if err.field == name:
            return str(err.message()), err.code
    return _said("bulk.not_correctable"), "bulk.not_correctable"


def _validate(
    book: Book, items: pd.DataFrame, clients: pd.DataFrame, columns: dict[str, str],
    vouched: frozenset[str] = frozenset(),
) -> pd.DataFrame | None:
    """Fill ``new`` and ``error`` of the valid-so-far rows by calling ``check`` once per unit.

    A unit is what one client changes in one group of coupled fields (most often one field);
    units that agree on their fields, values and context share one ``check`` call. Returns the
    derived changes (the BIC found from a new IBAN…) as ``code, field, new``. Rows of a
    ``vouched`` field alone in its group take their value as it is (see :func:`build`).
    """
    editable = set(_editable())
    todo = items["client_id"].notna() & items["error"].isna() & items["field"].isin(list(editable))
    if not todo.any():
        return None
    rows = items.loc[todo, ["code", "field", "value"]]
    # the group of coupled fields each field belongs to (a field alone: its own name)
    groups = _groups()
    group = rows["field"].map({f: str(groups.get(f, f)) for f in rows["field"].unique()})
    shared = pd.DataFrame({"code": rows["code"], "group": group}).duplicated(keep=False)
    if vouched:
        taken = rows["field"].isin(list(vouched)) & ~shared
        if taken.any():
            items.loc[taken[taken].index, "new"] = pd.Series(
                [as_text(v) for v in rows.loc[taken, "value"]], index=taken[taken].index,
                dtype=object)
            rows, group, shared = rows[~taken], group[~taken], shared[~taken]
            if rows.empty:
                return None
    checker = _Checker(book, clients, columns)
    derived: list[pd.DataFrame] = []
    single = rows[~shared]
    for name in single["field"].unique():
        derived += checker.single(items, single[single["field"] == name], str(name))
    multi = rows[shared]
    if not multi.empty:
        derived += checker.units(items, multi.assign(group=group[shared]))
    return pd.concat(derived, ignore_index=True) if derived else None


class _Checker:
    """Runs ``Clients.check`` for representative clients and spreads the verdicts."""

    def __init__(self, book: Book, clients: pd.DataFrame, columns: dict[str, str]) -> None:
        self.book = book
        self.clients = clients
        self.columns = columns
        self.position = clients.index
        self.values = {str(c): clients[c].tolist() for c in clients.columns}
        self.prefix = book.settings.accounting_prefix

        self.client_fields = list(fields.columns())
        self._representatives: dict[Any, Any] = {}
        # per tuple of field names: the context columns a verdict depends on, and which of
        # the names take each client's own default when cleared (computed once)
        self._plans: dict[tuple[str, ...], tuple[tuple[list[Any], ...], tuple[int, ...]]] = {}

    def check(self, names: tuple[str, ...], values: tuple[Any, ...], at: int, flag: bool | None
              ) -> tuple[list[str | None], dict[str, tuple[str, str]], list[tuple[str, str | None]]]:
        """(new texts, (error, code) per field, derived changes) for the client at ``at``."""
        # The result depends on the values and on the context fields only (CONTEXT), so one
        # representative record serves every client sharing that context.
        plan = self._plans.get(names)
        if plan is None:
            ctx_names = tuple(sorted(
                {c for n in names for c in _context(n) if c in self.columns}
                - (set(names) - set(_kept()))))
            own = tuple(i for i, n in enumerate(names) if n in _own_default())
            plan = self._plans[names] = (tuple(self.values[c] for c in ctx_names), own)
        context, own = plan
        key: tuple[Any, ...] = (names, *[column[at] for column in context])
        if own and any(values[i] is None for i in own):
            key = (*key, at)
        rep = self._representatives.get(key)
        if rep is None:
            blank = (set(names) - set(_kept())) | {d for n in names for d in _derives(n)}
            record = {c: column[at] for c, column in self.values.items()}
            rep = self._representatives[key] = _client_from(record, self.client_fields, blank)
        cleaned, errors = self.book.clients.check(
            dict(zip(names, values, strict=True)), rep, has_active_mandate=flag,
            accounting_prefix=self.prefix)
        by_field: dict[str, list[str]] = {}
        codes: dict[str, str] = {}
        for err in errors:
            target = err.field if err.field in names else names[0]
            by_field.setdefault(target, []).append(
                err.message() if err.field == target else f"{err.field}: {err.message()}")
            codes.setdefault(target, err.code)
        # a kept field asked to hold its stored value is left out of ``cleaned``
        texts = [as_text(cleaned[n] if n in cleaned else getattr(rep, n)) for n in names]
        others = [(f, as_text(v)) for f, v in cleaned.items() if f not in names] if not errors else []
        return texts, {f: ("; ".join(m), codes[f]) for f, m in by_field.items()}, others

    def single(self, items: pd.DataFrame, rows: pd.DataFrame, name: str) -> list[pd.DataFrame]:
        """One field alone in its group: vectorised grouping on (value, context)."""
        at = self.position.get_indexer(pd.Index(rows["code"]))
        values = rows["value"].tolist()
        # values told apart by type too (1 and "1" differ); all text (a spreadsheet): as is
        same_type = all(type(v) is str for v in values)
        keys = pd.DataFrame({"v": values if same_type else [_vkey(v) for v in values]},
                            dtype=object)
        for c in _context(name):
            if c in self.columns:
                keys[c] = self.clients[c].to_numpy()[at]
        if name in _own_default():  # cleared: each client gets its own default value
            keys["own"] = np.where(rows["value"].isna().to_numpy(), at, -1)
        flag = name in _mandate_rules()
        if flag:
            keys["m"] = self.clients["has_active_mandate"].to_numpy()[at]
        try:
            codes = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()
        except UnicodeEncodeError:  # broken text (a lone surrogate) is grouped by its repr
            keys["v"] = [_vkey(v) for v in values]
            codes = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()
        firsts = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
        flags = keys["m"].to_numpy() if flag else None
        results = parallel.starmap(self.check, [
            ((name,), (values[i],), int(at[i]), bool(flags[i]) if flags is not None else None)
            for i in firsts])
        texts = [text[0] for text, _by_field, _derived in results]
        errors = [by_field.get(name, (None, None)) for _text, by_field, _derived in results]
        others = [derived for _text, _by_field, derived in results]
        error_col = np.array([e[0] for e in errors], dtype=object)[codes]
        code_col = np.array([e[1] for e in errors], dtype=object)[codes]
        new_col = np.array(texts, dtype=object)[codes]
        items.loc[rows.index, "error"] = error_col
        items.loc[rows.index, "error_code"] = code_col
        items.loc[rows.index, "new"] = pd.Series(
            [n if e is None else None for n, e in zip(new_col, error_col, strict=True)],
            index=rows.index, dtype=object)
        out = []
        found = [dict(group) for group in others]
        for field in sorted({f for group in others for f, _ in group}):
            missing = object()
            per_group = np.array([group.get(field, missing) for group in found], dtype=object)
            spread = per_group[codes]
            keep = np.array([v is not missing for v in spread], dtype=bool)
            out.append(pd.DataFrame({"code": rows["code"].to_numpy()[keep], "field": field,
                                     "new": spread[keep]}, dtype=object))
        return out

    def units(self, items: pd.DataFrame, rows: pd.DataFrame) -> list[pd.DataFrame]:
        """Coupled fields changed together by one client: one check per distinct unit."""
        rows = rows.sort_values(["code", "group", "field"], kind="stable")
        units: dict[Any, list[tuple[str, list[Any]]]] = {}
        first: dict[Any, tuple[tuple[str, ...], tuple[Any, ...], int, bool | None]] = {}
        for (_code, _group), unit in rows.groupby(["code", "group"], sort=False):
            code = str(_code)
            names = tuple(unit["field"].tolist())
            values = tuple(unit["value"].tolist())
            at = int(cast(int, self.position.get_loc(code)))  # codes are unique
            ctx_names = sorted({c for n in names for c in _context(n) if c in self.columns}
                               - (set(names) - set(_kept())))
            ctx = tuple(self.values[c][at] for c in ctx_names)
            flag = bool(self.values["has_active_mandate"][at]) \
                if set(_mandate_rules()) & set(names) else None
            key = (names, tuple(_vkey(v) for v in values), ctx, flag)
            units.setdefault(key, []).append((code, unit.index.tolist()))
            first.setdefault(key, (names, values, at, flag))
        derived_rows: list[tuple[str, str, str | None]] = []
        results = parallel.starmap(self.check, [first[key] for key in units])
        for key, (texts, by_field, others) in zip(units, results, strict=True):
            names = first[key][0]
            for code, idxs in units[key]:
                for idx, n, text in zip(idxs, names, texts, strict=True):
                    if n in by_field:
                        items.at[idx, "error"], items.at[idx, "error_code"] = by_field[n]
                    else:
                        items.at[idx, "new"] = text
                derived_rows += [(code, f, t) for f, t in others]
        if not derived_rows:
            return []
        return [pd.DataFrame(derived_rows, columns=["code", "field", "new"], dtype=object)]


def _vkey(value: Any) -> str:
    """A hashable key telling values apart by type too (``1`` and ``"1"`` differ)."""
    return f"{type(value).__name__}:{value!r}"


def _client_from(record: Mapping[str, Any], fields: list[str], blank: set[str]) -> Any:
    """A representative ``Client`` for one check: its stored values, the changed fields (and
    what ``check`` derives from them) blank so that ``check`` always returns them."""
    values: dict[str, Any] = {}
    for f in fields:
        if f == "id":
            values[f] = int(record["client_id"])
        elif f in blank:
            values[f] = () if f == "tags" else None
        else:
            v = record.get(f)
            values[f] = None if v is None or (isinstance(v, float) and math.isnan(v)) else v
    return Client(**values)


def _add_derived(items: pd.DataFrame, derived: pd.DataFrame, clients: pd.DataFrame) -> pd.DataFrame:
    """Add the derived changes (BIC from IBAN…) the request does not already state."""
    derived = derived.drop_duplicates(["code", "field"], keep="last")
    stated = items[items["field"].isin(derived["field"].unique())]
    if not stated.empty:  # usually nobody states the BIC beside a new IBAN: nothing to leave out
        asked = set(zip(stated["code"].tolist(), stated["field"].tolist(), strict=True))
        derived = derived[[(c, f) not in asked for c, f in zip(
            derived["code"].tolist(), derived["field"].tolist(), strict=True)]]
    if derived.empty:
        return items
    at = clients.index.get_indexer(pd.Index(derived["code"]))
    rows = derived.reset_index(drop=True)
    for col in ("client_id", "name", "version"):
        rows[col] = clients[col].to_numpy(dtype=object)[at]
    old = np.full(len(rows), None, dtype=object)
    fields = rows["field"].to_numpy(dtype=object)
    for field in pd.unique(fields):
        if field in clients.columns:
            mask = fields == field
            old[mask] = clients[field].to_numpy(dtype=object)[at[mask]]
    rows["old"] = pd.Series(old, dtype=object).where(pd.notna(old), None)
    rows["error"] = None
    rows["error_code"] = None
    rows["value"] = rows["new"]
    return pd.concat([items, rows[items.columns]], ignore_index=True)


# -- uniqueness (set-based, in Clients.conflicts) ----------------------------------------
def unique_errors(
    book: Book,
    items: pd.DataFrame,
    *,
    allow_duplicate: bool = False,
    conn: duckdb.DuckDBPyConnection | None = None,
) -> list[tuple[Any, str, str]]:
    """``(row index, message, code)`` for new values another client holds (or will hold)."""
    checked = set(fields.unique(allow_duplicate=False))
    rows = items[items["field"].isin(list(checked)) & items["client_id"].notna()]
    if rows.empty:
        return []
    # one row per client and field already (duplicates were refused above); values are text
    batch = pa.table({
        "code": pa.array(rows["code"].tolist(), pa.string()),
        "field": pa.array(rows["field"].tolist(), pa.string()),
        "value": pa.array(rows["new"].tolist(), pa.string()),
    })
    found = book.clients.batch_conflicts(batch, allow_duplicate=allow_duplicate, conn=conn)
    if not found:
        return []
    where = {(c, f): i for i, c, f in zip(rows.index, rows["code"], rows["field"], strict=True)}
    return [(where[(code, err.field)], err.message(), err.code) for code, err in found
            if (code, err.field) in where]


def check_unique(
    conn: duckdb.DuckDBPyConnection, book: Book, items: pd.DataFrame, allow_duplicate: bool = False
) -> list[str]:
    """The uniqueness clashes of ``items`` now (run again inside the write transaction)."""
    return [f"{items.at[i, 'code']!s}: {items.at[i, 'field']!s} {message}"
            for i, message, _code in unique_errors(book, items, allow_duplicate=allow_duplicate,
                                                   conn=conn)]


__all__ = ["build", "check_unique", "unique_errors", "READ_ONLY_CODES"]
