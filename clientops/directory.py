"""``book.einvoicing``: the directory check, the readiness report and the ready revenue.

**Directory check.** :meth:`EInvoicing.check_directory` reads an extract of the e-invoicing
directory (annuaire) — CSV, XLSX or Parquet, columns ``siren, siret, routing_code, suffix,
platform, address`` (headers renamed with ``mapping``, as every import) — and matches each
active client with a SIREN to the line it should use:

1. the line of the address the client already has (it is still listed: kept);
2. a line of the client's SIRET whose routing code is the client's Chorus Pro service code;
3. a line of the client's SIRET without routing code;
4. the SIREN's own line (neither SIRET nor suffix);
5. another line of the SIREN or of the client's SIRET (a routing code or a suffix), the
   first in address order.

The result is a :class:`DirectoryCheck`, a bulk change set (:mod:`clientops.bulk`: the same
preview, apply, undo with ``book.bulk.undo``, the same validation outcome as a single edit)
that sets ``einvoicing_address`` and ``einvoicing_platform`` to the line's and stamps
``einvoicing_checked_on``. Clients the extract does not list are in ``absent`` and left
unchanged; lines that are not valid addresses, or match no client, in ``rejected``. Applying
it also records the extract's lines (those of the SIRENs it lists) in
``einvoicing_directory``, which the readiness report compares the clients with.

The extract's usual lines are checked together (:func:`clientops.einvoicing.vouched`: shape
and Luhn keys in Arrow and NumPy), the others one by one with python-stdnum, which says why
a line is refused. An address matched with a client is the client's own (its SIREN, and its
SIRET if it names one): the change set takes it without checking it again client by client
(``vouched`` in :func:`clientops.bulk.build`).

**Readiness.** :meth:`EInvoicing.readiness` gives one row per active client: its flow,
whether it is ready, and what is missing (:data:`clientops.readiness.MISSING`). The same
findings are rows of ``quality()`` (rule ``einvoicing_not_ready``), with the directory's values as their fixes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import bounds, einvoicing, imports
from .bulk import build, check_unique
from .changeset import ChangeSet
from .errors import Coded, ValidationError
from .readiness import MISSING, best_line_sql, cutoff, findings_sql

if TYPE_CHECKING:
    from .book import Book

DIRECTORY_COLUMNS = ("siren", "siret", "routing_code", "suffix", "platform", "address")
READINESS_COLUMNS = ["code", "name", "flow", "ready", "missing"]
ABSENT_COLUMNS = ["code", "name", "siren", "siret", "flow"]
REJECTED_COLUMNS = ["row", "siren", "siret", "address", "reason"]  # and "code", when read


@dataclass
class DirectoryCheck(ChangeSet):
    """A directory check: a bulk change set (``preview``, ``apply``, ``book.bulk.undo``).

    Attributes:
      absent: active clients of the e-invoicing and Chorus Pro flows that the extract does
        not list (``code, name, siren, siret, flow``): reported, never changed.
      rejected: the extract's lines that were not used (``row, siren, siret, address, code,
        reason``): not a valid address, or no active client has their SIREN (``code``, and
        ``reason`` in the package's language).
      lines: how many lines the extract has.
    """

    absent: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ABSENT_COLUMNS))
    rejected: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=REJECTED_COLUMNS))
    lines: int = 0


class EInvoicing:
    """``book.einvoicing``: the e-invoicing readiness of the clients."""

    def __init__(self, book: Book) -> None:
        self._book = book

    # -- the directory check ----------------------------------------------------------------
    def check_directory(self, path: str | Path,
                        mapping: dict[str, str] | None = None) -> DirectoryCheck:
        """A change set bringing the clients' addresses and platforms to the directory extract
        at ``path`` (see the module's docstring); nothing is written until ``apply()``."""
        frame = imports.read_table(path, mapping)
        if "siren" not in frame.columns and "address" not in frame.columns:
            imports.require_columns(frame, ["siren"])
        lines, rejected = _clean_lines(frame)
        today = date.today()
        with self._book.store.connection() as conn, \
                imports.registered(conn, "_einv_lines", lines):
            matched = conn.execute(
                f"SELECT code, address, platform FROM ({best_line_sql('_einv_lines')})"
                " ORDER BY code").df()
            # listed: a line of the SIREN without SIRET, or of the client's SIRET (two
            # equality joins: one join with an OR in its condition is twice as slow)
            absent = _objects(conn.execute(f"""
                SELECT c.code, c.name, c.siren, c.siret, {einvoicing.flow_sql()} AS flow
                FROM clients c
                LEFT JOIN (SELECT DISTINCT siren FROM _einv_lines WHERE siret IS NULL) s
                  ON s.siren = c.siren
                LEFT JOIN (SELECT DISTINCT siren, siret FROM _einv_lines
                           WHERE siret IS NOT NULL) e ON e.siren = c.siren AND e.siret = c.siret
                WHERE c.status = 'active' AND {einvoicing.flow_sql()} <> 'e-reporting'
                  AND s.siren IS NULL AND e.siren IS NULL
                ORDER BY c.code""").to_arrow_table())
            unused = conn.execute("""
                SELECT l._row AS row, l.siren, l.siret, l.address FROM _einv_lines l
                WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.siren = l.siren
                                  AND c.status = 'active'
                                  AND (l.siret IS NULL OR l.siret = c.siret))
                ORDER BY l._row""").df()
        if not unused.empty:
            unused["reason"] = imports.encode(Coded("directory.no_client"))
            rejected = pd.concat([rejected, unused[REJECTED_COLUMNS]], ignore_index=True)
        n = len(matched)
        codes = matched["code"].astype(object).tolist()
        requests = pd.DataFrame({
            "code": pd.Series(codes * 3, dtype=object),
            "field": pd.Series(["einvoicing_address"] * n + ["einvoicing_platform"] * n
                               + ["einvoicing_checked_on"] * n, dtype=object),
            "value": pd.Series(matched["address"].tolist() + _blanks(matched["platform"])
                               + [today] * n, dtype=object),
        })
        label = Path(path).name
        if requests.empty:
            base = ChangeSet(self._book, pd.DataFrame(columns=[
                "client_id", "code", "name", "field", "old", "new", "error", "version"]),
                source="directory", recheck=check_unique)
        else:
            # the addresses are the lines' (checked above) that the SQL matched with the
            # client's own SIREN and SIRET: what Clients.check would say of them, said already
            base = build(self._book, requests, source="directory", prepared=True,
                         vouched=frozenset({"einvoicing_address"}))
        keep = lines.drop_columns(["_row"])

        def record(conn: duckdb.DuckDBPyConnection, _changeset_id: int) -> None:
            _record_lines(conn, keep, today)

        return DirectoryCheck(
            self._book, base.items, source="directory",
            description=f"directory check of {base.counts['clients']:,} clients (from {label})",
            unchanged=base.unchanged, after_write=record, recheck=check_unique,
            absent=absent,
            rejected=imports.with_reasons(
                rejected.sort_values("row", kind="stable").reset_index(drop=True)),
            lines=len(frame))

    # -- readiness --------------------------------------------------------------------------
    def findings(self, as_of: Any = None) -> pd.DataFrame:
        """``code, name, flow, item, field, value, fix`` — what each active client lacks."""
        day = bounds.as_of(as_of)
        with self._book.store.connection() as conn:
            frame = conn.execute(f"SELECT * FROM ({findings_sql()}) ORDER BY code, o",
                                 {"cutoff": cutoff(day)}).df()
        frame = frame.drop(columns=["o"])
        return frame.astype(object).where(frame.notna(), None)

    def readiness(self, as_of: Any = None) -> pd.DataFrame:
        """One row per active client: ``code, name, flow, ready, missing``.

        ``missing`` lists, comma-separated, the items of :data:`MISSING` the client lacks
        (``siren``, ``siret``, ``chorus_service_code``, ``einvoicing_address``,
        ``not_checked`` — no check against the directory in the 12 months before ``as_of`` —
        and ``directory_disagrees``); ``ready`` is True when nothing is. ``e-reporting``
        clients need nothing and are always ready.
        """
        day = bounds.as_of(as_of)
        with self._book.store.connection() as conn:
            frame = conn.execute(f"""
                WITH f AS ({findings_sql()})
                SELECT c.code, c.name, {einvoicing.flow_sql('c.kind', 'c.country')} AS flow,
                       count(f.item) = 0 AS ready,
                       coalesce(string_agg(f.item, ', ' ORDER BY f.o), '') AS missing
                FROM clients c LEFT JOIN f ON f.code = c.code
                WHERE c.status = 'active'
                GROUP BY c.code, c.name, c.kind, c.country ORDER BY c.code""",
                                 {"cutoff": cutoff(day)}).df()
        frame["ready"] = frame["ready"].astype(bool)
        return frame[READINESS_COLUMNS]

    def ready_revenue(self, as_of: Any = None) -> pd.DataFrame:
        """``flow, revenue, ready_revenue, share`` — the revenue (invoices less credit notes,
        excluding tax) of the 12 months up to ``as_of`` by flow, and the share of it billed
        to clients ready today (Decimal; share None for a flow without revenue)."""
        day = bounds.as_of(as_of)
        flow = einvoicing.flow_sql("c.kind", "c.country")
        with self._book.store.connection() as conn:
            rows = conn.execute(f"""
                WITH f AS (SELECT DISTINCT code FROM ({findings_sql()})),
                x AS (
                    SELECT {flow} AS flow, f.code IS NULL AS ready,
                           CASE WHEN d.kind = 'credit_note' THEN -d.total_excl_tax
                                ELSE d.total_excl_tax END AS amount
                    FROM documents d JOIN clients c ON c.id = d.client_id
                    LEFT JOIN f ON f.code = c.code
                    WHERE d.kind IN ('invoice', 'credit_note') AND c.status = 'active'
                      AND d.issue_date > $start AND d.issue_date <= $day)
                SELECT r.flow, CAST(coalesce(sum(x.amount), 0) AS DECIMAL(18,2)),
                       CAST(coalesce(sum(x.amount) FILTER (WHERE x.ready), 0) AS DECIMAL(18,2))
                FROM (SELECT unnest(['e-invoicing', 'e-reporting', 'chorus_pro']) AS flow) r
                LEFT JOIN x ON x.flow = r.flow
                GROUP BY r.flow""", {"start": cutoff(day), "day": day,
                                     "cutoff": cutoff(day)}).fetchall()
        by_flow = {flow: (Decimal(revenue), Decimal(part)) for flow, revenue, part in rows}
        return pd.DataFrame([
            (flow, revenue, part, (part / revenue).quantize(Decimal("0.0001")) if revenue else None)
            for flow in einvoicing.FLOWS for revenue, part in [by_flow[flow]]
        ], columns=["flow", "revenue", "ready_revenue", "share"], dtype=object)


def _objects(table: pa.Table) -> pd.DataFrame:
    """An Arrow table of text as a DataFrame of ``str`` or None cells (object columns)."""
    return pd.DataFrame({name: pd.Series(table.column(name).to_numpy(zero_copy_only=False),
                                         dtype=object) for name in table.column_names})


def _blanks(values: pd.Series) -> list[Any]:
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in values]


def _clean_lines(frame: pd.DataFrame) -> tuple[pa.Table, pd.DataFrame]:
    """The extract's valid lines (``_row`` and the six columns, the address compact) and the
    refused ones (``row, siren, siret, address, reason``).

    The usual lines — plain parts or an address already compact — are checked together in
    Arrow (:func:`_vouched_lines`); the others one by one (:func:`_line`), which says why a
    line is refused."""
    get = {c: (frame[c].tolist() if c in frame.columns else [None] * len(frame))
           for c in DIRECTORY_COLUMNS}
    imports.check_text(frame, {"platform": einvoicing.PLATFORM_LIMIT})
    platforms = frame["platform"].tolist() if "platform" in frame.columns else get["platform"]
    problems = frame["_text_problem"].tolist()
    rows = np.asarray(frame["_row"].to_numpy(), dtype=np.int64)
    sure, fast = _vouched_lines(get, platforms, problems)
    good: list[tuple[Any, ...]] = []
    bad: list[tuple[Any, ...]] = []
    for i in np.flatnonzero(~sure).tolist():
        row, siren, siret, address = int(rows[i]), get["siren"][i], get["siret"][i], \
            get["address"][i]
        if problems[i]:
            bad.append((row, siren, siret, address, problems[i]))
            continue
        try:
            parts = _line(siren, siret, get["routing_code"][i], get["suffix"][i], address)
        except ValidationError as err:
            if not address and not siren and siret:  # reported with the SIREN read
                siren = str(siret).strip()[:9]
            bad.append((row, siren, siret, address, imports.encode(Coded(
                "import.cell", field=err.field, problem=Coded(err.code, **err.params)))))
            continue
        good.append((row, *parts[:4], platforms[i], parts[4]))
    columns = list(zip(*good, strict=True)) if good else [()] * 7
    slow = pa.table({"_row": pa.array(columns[0], pa.int64()), **{
        name: pa.array(values, pa.string()) for name, values in zip(
            LINE_COLUMNS, columns[1:], strict=True)}})
    if fast is not None:
        fast = fast.add_column(0, "_row", pa.array(rows[sure]))
        slow = pa.concat_tables([fast, slow]).sort_by("_row")
    rejected = pd.DataFrame(bad, columns=REJECTED_COLUMNS, dtype=object)
    return slow, rejected


LINE_COLUMNS = ("siren", "siret", "routing_code", "suffix", "platform", "address")
# The parts of a compact address (einvoicing.vouched tells whether it is one).
_PARTS_RE = (r"^(?P<siren>[0-9]{9})(?:_(?P<siret>[0-9]{14})(?:_(?P<routing_code>.+))?"
             r"|_(?P<suffix>.+))?$")


def _vouched_lines(get: dict[str, list[Any]], platforms: list[Any], problems: list[Any]
                   ) -> tuple[np.ndarray, pa.Table | None]:
    """Which lines are certainly valid, and their columns (:data:`LINE_COLUMNS`): lines of
    text cells, without a text problem, whose address (given, or their parts joined) is
    vouched for (:func:`einvoicing.vouched`), and whose own SIREN and SIRET cells are the
    address's. The other lines are for :func:`_line`."""
    n = len(problems)
    try:
        cells = {c: pa.array(v, pa.string()) for c, v in get.items() if c != "platform"}
        platform = pa.array([None if p else v for v, p in zip(platforms, problems, strict=True)],
                            pa.string())
    except (pa.ArrowException, UnicodeError):  # not all text (numbers, broken Unicode)
        return np.zeros(n, dtype=bool), None
    siren, siret, routing, suffix = (cells["siren"], cells["siret"], cells["routing_code"],
                                     cells["suffix"])
    own = pc.coalesce(siren, pc.utf8_slice_codeunits(siret, 0, 9))
    # the parts joined by "_", blank ones left out (null_handling="skip" miscounts the rows
    # when a column is all null, in pyarrow 26)
    joined = pc.binary_join_element_wise(own, *[
        pc.fill_null(pc.binary_join_element_wise("_", part, ""), "")
        for part in (siret, routing, suffix)], "")
    # what einvoicing.join refuses (a suffix beside a SIRET or a routing code, a routing code
    # without SIRET) and lines without any SIREN are left to _line, which says why
    refused = pc.or_kleene(
        pc.and_kleene(pc.is_valid(suffix), pc.or_kleene(pc.is_valid(siret),
                                                        pc.is_valid(routing))),
        pc.or_kleene(pc.and_kleene(pc.is_valid(routing), pc.is_null(siret)), pc.is_null(own)))
    candidate = pc.coalesce(cells["address"], pc.if_else(refused, pa.scalar(None, pa.string()),
                                                          joined))
    sure = einvoicing.vouched(candidate)
    sure &= np.array([p is None for p in problems], dtype=bool)
    if not sure.any():
        return sure, None
    picked = pa.array(sure)
    address = pc.filter(candidate, picked)
    parts = pc.extract_regex(address, _PARTS_RE)
    found = {name: pc.if_else(pc.equal(parts.field(name), ""), pa.scalar(None, pa.string()),
                              parts.field(name))
             for name in ("siren", "siret", "routing_code", "suffix")}
    # the line's own SIREN and SIRET cells, when given, are the address's
    agree = pc.and_(
        pc.fill_null(pc.or_kleene(pc.is_null(pc.filter(siren, picked)),
                                  pc.equal(pc.filter(siren, picked), found["siren"])), False),
        pc.fill_null(pc.or_kleene(pc.is_null(pc.filter(siret, picked)),
                                  pc.equal(pc.filter(siret, picked), found["siret"])), False))
    agrees = np.asarray(agree.to_numpy(zero_copy_only=False), dtype=bool)
    sure[sure] = agrees
    keep = pa.array(agrees)
    table = pa.table({**{name: pc.filter(found[name], keep) for name in found},
                      "platform": pc.filter(pc.filter(platform, picked), keep),
                      "address": pc.filter(address, keep)})
    return sure, table


_Parts = tuple[str, "str | None", "str | None", "str | None", str]


def _line(siren: Any, siret: Any, routing: Any, suffix: Any, address: Any) -> _Parts:
    """One line checked on its own: its parts, or :class:`ValidationError` saying why not."""
    if address:
        parsed = einvoicing.parse(address, "address")
    else:
        if not siren and siret:
            siren = str(siret).strip()[:9]
        if not siren:
            raise ValidationError("siren", None, "directory.line_empty")
        parsed = einvoicing.parse(
            einvoicing.join(siren, siret, routing, suffix, "address"), "address")
    for name, given, part in (("siren", siren, parsed.siren), ("siret", siret, parsed.siret)):
        if given and einvoicing.compact(str(given)) != part:
            raise ValidationError(name, given, "directory.part_mismatch", address=parsed.compact)
    return parsed.siren, parsed.siret, parsed.routing_code, parsed.suffix, parsed.compact


def _record_lines(conn: duckdb.DuckDBPyConnection, lines: pa.Table, day: date) -> None:
    """Keep the extract's lines: those of its SIRENs replace the ones read before."""
    with imports.registered(conn, "_einv_keep", lines):
        conn.execute("DELETE FROM einvoicing_directory WHERE siren IN "
                     "(SELECT DISTINCT siren FROM _einv_keep)")
        conn.execute("INSERT INTO einvoicing_directory SELECT siren, siret, routing_code,"
                     " suffix, platform, address, ? FROM _einv_keep", [day])


__all__ = ["DirectoryCheck", "EInvoicing", "MISSING", "READINESS_COLUMNS", "findings_sql"]
