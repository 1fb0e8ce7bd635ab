"""Portfolio indicators (SPEC.md §7): per client, per month, aged receivables.

Only what exists on the as-of date D counts (documents issued ≤ D, payments dated ≤ D), so a
report "as of last 31 December" is the same whenever it runs. Quotes never count as money.

Speed: when nothing in the book is dated after D — the usual "as of today" — open amounts and
settlement dates come from the balances maintained at write time
(:func:`clientops.allocation.recompute_open_balances`) and the portfolio's per-client sums are
one scan of ``documents`` and one of ``payments``. Those sums are also kept in the book for one
date (``portfolio_sums``, ``portfolio_payments``): each write updates its clients' sums in the
same transaction (:func:`refresh_portfolio_sums`), so the portfolio as of that date — today,
once the day's first portfolio has kept them — only reads them. For a past date the allocation
runs from scratch, set-based (:func:`clientops.allocation.alloc_ctes`), with two helps kept at
write time: each invoice's named-credit totals (only invoices named after D are grouped again)
and its place in its client's pool order (no invoice numbers to sort).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import bounds, derived, exports
from .allocation import (
    alloc_ctes,
    client_scope,
    fetch_named,
    latest_activity,
    maintained_is_current,
)
from .documents import client_row
from .errors import ConflictError, DatabaseBusy, ValidationError
from .frames import arrow_to_df, money_array

if TYPE_CHECKING:
    from .book import Book

MAX_MONTHS = 600  # monthly(): fifty years, more than the book's dates span

BUCKETS: list[tuple[str, str, int | None, int | None]] = [
    # name, label, lowest and highest days past due (None: open-ended)
    ("not_due", "not due", None, 0),
    ("days_1_30", "1–30 days", 1, 30),
    ("days_31_60", "31–60 days", 31, 60),
    ("days_61_90", "61–90 days", 61, 90),
    ("days_91_120", "91–120 days", 91, 120),
    ("days_over_120", "over 120 days", 121, None),
]

PORTFOLIO_COLUMNS = [
    "code", "name", "status", "revenue", "payments_received", "outstanding", "overdue",
    *[b[0] for b in BUCKETS], "dso", "avg_days_late", "unallocated_credit",
]


@dataclass(frozen=True)
class FiscalYear:
    """A fiscal year, named by the calendar year in which it starts."""

    year: int
    start: date
    end: date


def fiscal_year(start_month: int, year: int) -> FiscalYear:
    """FY ``year``: from the 1st of ``start_month`` in ``year``, twelve months."""
    start = date(year, start_month, 1)
    nxt = date(year + 1, start_month, 1)
    return FiscalYear(year, start, nxt - timedelta(days=1))


def fiscal_year_of(day: date, start_month: int) -> int:
    """The name of the fiscal year containing ``day``."""
    return day.year if day.month >= start_month else day.year - 1


def resolve_period(
    book: Book, fiscal_year_name: int | None, as_of: Any, start_month: int | None = None
) -> tuple[date, FiscalYear]:
    """The as-of date (default today) and the fiscal year (default the one containing it)."""
    day = bounds.as_of(as_of)
    month = int(start_month or book.settings.fiscal_year_start_month)
    if fiscal_year_name is None:
        fiscal_year_name = fiscal_year_of(day, month)
    elif isinstance(fiscal_year_name, bool) or not isinstance(fiscal_year_name, Integral):
        raise ValidationError("fiscal_year", fiscal_year_name, "fec.fiscal_year")
    else:
        fiscal_year_name = int(fiscal_year_name)  # numpy integers from a DataFrame too
        first, last = bounds.EARLIEST.year - 1, bounds.horizon().year
        if not first <= fiscal_year_name <= last:
            raise ValidationError("fiscal_year", fiscal_year_name, "indicators.year_range",
                                  low=first, high=last)
    return day, fiscal_year(month, fiscal_year_name)


def _bucket_case(late: str = "($as_of - due_date)") -> str:
    """The bucket index (0 = not due … 5 = over 120 days) of an invoice ``late`` days past due."""
    parts = []
    for i, (_name, _label, _lo, hi) in enumerate(BUCKETS[:-1]):
        parts.append(f"WHEN {late} <= {hi} THEN {i}")
    return f"CASE WHEN due_date IS NULL THEN 0 {' '.join(parts)} ELSE {len(BUCKETS) - 1} END"


# Money is summed as whole cents held in DOUBLEs: DuckDB sums DECIMAL (and BIGINT) through
# 128-bit states, several times slower in a GROUP BY over many clients (docs/performance.md),
# while whole numbers add exactly in a double up to 2**53 cents (90 trillion euros per client).
# Each amount is rounded to its cents once, each sum converted back to DECIMAL(18,2) exactly.
def _cents(expr: str) -> str:
    return f"round(CAST({expr} AS DOUBLE) * 100)"


# One row per invoice or credit note, the few values the aggregates need, computed once.
# ``o`` (open amount) is NULL for credit notes; ``settled_on`` too.
_CENTS = f"""
    client_id, kind, issue_date, due_date, settled_on, {_cents("excl")} AS ex,
    {_cents("total")} AS tc, {_cents("o")} AS o"""

_ROW_VALUES = f"""
    client_id, o,
    CASE WHEN issue_date >= $fy_start AND issue_date <= $fy_end
         THEN CASE WHEN kind = 'invoice' THEN ex ELSE -ex END END AS rev,
    CASE WHEN kind = 'credit_note' THEN tc END AS cn,
    CASE WHEN kind = 'invoice' THEN tc END AS inv,
    CASE WHEN kind = 'invoice' AND issue_date > $d365 THEN tc END AS i365,
    CASE WHEN o > 0 THEN {_bucket_case()} END AS b,
    CASE WHEN settled_on > $d365 AND settled_on <= $as_of THEN tc END AS sw,
    CASE WHEN settled_on > $d365 AND settled_on <= $as_of
         THEN tc * greatest(0, settled_on - due_date) END AS lw"""

_BUCKET_VALUES = ", ".join(
    ["client_id", "o", "rev", "cn", "inv", "i365", "sw", "lw"]
    + [f"CASE WHEN b = {i} THEN o END AS {name}" for i, (name, *_r) in enumerate(BUCKETS)]
)

_AGGREGATES = ",\n".join([
    "sum(rev) AS revenue", "sum(o) AS outstanding",
    *[f"sum({name}) AS {name}" for name, *_r in BUCKETS],
    "sum(i365) AS invoiced_365", "sum(lw) AS late_w", "sum(sw) AS settled_w",
])

# Only the documents that count for D: issued in the fiscal year or the 365 days up to D, still
# open, or settled in those 365 days — usually well under half of them.
_COUNTS = "(issue_date >= $lo OR settled_on > $d365 OR o > 0)"
# The same on the documents' own columns (fast path): filtering there, before any cents are
# computed, halves the filter's time (docs/performance.md). An amount
# with two decimals is > 0 exactly when its rounded cents are.
_COUNTS_RAW = ("(issue_date >= $lo OR settled_on > $d365"
               " OR (kind = 'invoice' AND coalesce(open_amount, total_incl_tax) > 0))")


def _aggregates_sql(fast: bool, scope: str = "TRUE") -> str:
    """CTEs ending in ``agg`` (one row per client: money and settlement aggregates) and
    ``credit`` (``client_id, unallocated_credit``).

    Fast: the balances and credit maintained at write time. Otherwise the allocation from
    scratch (:func:`clientops.allocation.alloc_ctes`) plus the credit notes.
    """
    if fast:
        rows = f"""
            SELECT client_id, kind, issue_date, due_date, total_excl_tax AS excl,
                   total_incl_tax AS total,
                   CASE WHEN kind = 'invoice' THEN coalesce(open_amount, total_incl_tax) END AS o,
                   settled_on
            FROM documents
            WHERE kind IN ('invoice', 'credit_note') AND issue_date <= $as_of AND {scope}
              AND {_COUNTS_RAW}"""
        counts = "TRUE"
        prefix = ""
        credit = f"credit AS (SELECT client_id, unallocated_credit FROM client_credit WHERE {scope})"
    else:
        rows = f"""
            SELECT client_id, 'invoice' AS kind, issue_date, due_date, excl, total,
                   open_amount AS o, settled_on
            FROM alloc
            UNION ALL
            SELECT client_id, kind, issue_date, NULL, total_excl_tax, total_incl_tax, NULL, NULL
            FROM documents
            WHERE kind = 'credit_note' AND issue_date <= $as_of AND {scope}"""
        counts = _COUNTS
        # invoices issued and settled by their named credits before $lo count nowhere
        prefix = alloc_ctes(scope, omit_settled_before="$lo") + ","
        credit = "credit AS (SELECT client_id, unallocated_credit FROM alloc_unallocated)"
    return f"""{prefix}
agg AS (
    SELECT client_id, {_AGGREGATES}
    FROM (SELECT {_BUCKET_VALUES}
          FROM (SELECT {_ROW_VALUES}
                FROM (SELECT {_CENTS} FROM ({rows}) WHERE {counts})))
    GROUP BY client_id
),
{credit}"""


def _money(expr: str, name: str) -> str:
    return f"CAST(coalesce({expr}, 0) AS DECIMAL(18,2)) AS {name}"


# Per-client sums that portfolio_sql returns, in whole cents, in this order after client_id.
_SUMS = ["revenue", "outstanding", *[b[0] for b in BUCKETS], "invoiced_365", "late_w",
         "settled_w", "unallocated_credit"]


def portfolio_sql(fast: bool, scope: str = "TRUE") -> str:
    """The portfolio's per-client sums of documents: ``client_id`` and the :data:`_SUMS` as
    BIGINT cents (0 where none), one row per client with any (unordered);
    :func:`portfolio_table` lines them up with the clients. ``scope`` limits the clients (a
    condition on ``client_id``); :func:`payments_sql` gives the payments received.

    Parameters: ``$as_of``, ``$d365`` (D − 365 days), ``$lo`` (the earlier of the fiscal
    year's start and D − 365 days), ``$fy_start`` and ``$fy_end``. Sums are taken over whole
    cents in DOUBLEs (exact, see :func:`_cents`).
    """
    money = [f"a.{name}" for name in _SUMS[:-1]] + [_cents("cr.unallocated_credit")]
    return f"""
WITH {_aggregates_sql(fast, scope)}
SELECT coalesce(a.client_id, cr.client_id) AS client_id,
       {", ".join(f"CAST(coalesce({expr}, 0) AS BIGINT) AS {name}"
                  for expr, name in zip(money, _SUMS, strict=True))}
FROM agg a FULL JOIN credit cr ON cr.client_id = a.client_id"""


def payments_sql(scope: str = "TRUE") -> str:
    """Payments received in the fiscal year up to ``$as_of``, per client: ``client_id,
    payments_received`` (BIGINT cents). Parameters ``$as_of``, ``$fy_start``, ``$fy_end``."""
    return f"""
SELECT client_id, CAST(sum({_cents("amount")}) AS BIGINT) AS payments_received FROM payments
WHERE paid_on >= $fy_start AND paid_on <= $fy_end AND paid_on <= $as_of AND {scope}
GROUP BY client_id"""


def money_column(cents: np.ndarray, exact: bool) -> pa.Array:
    """Whole cents as money: exact ``decimal128(18, 2)``, or ``float64`` euros — the double
    nearest each amount (one correctly rounded division), so ``round(x, 2)`` gives the exact
    amount back (up to 2**53 cents)."""
    if exact:
        return money_array(cents)
    return pa.array(cents / 100, type=pa.float64())


def portfolio_table(clients: pa.Table, *sums: pa.Table, exact: bool = True) -> pa.Table:
    """The portfolio as the API's Arrow table: ``clients`` (``id, code, name, status``, in id
    order) with each client's sums (:func:`portfolio_sql`: ``client_id`` then whole cents, in
    one table or several) put in place by position (rather than joined and sorted in SQL:
    docs/performance.md); money exact, or float64 euros when ``exact`` is false
    (:func:`money_column`).

    Raises RuntimeError if a sums table names a client that is not in ``clients``.
    """
    ids = clients.column("id").to_numpy()
    n = len(ids)
    cents: dict[str, np.ndarray] = {}
    # ids are usually 1..n with no gap: a client's position is then its id minus the first
    dense = n > 0 and int(ids[-1]) - int(ids[0]) == n - 1
    for table in sums:
        owners = table.column("client_id").to_numpy()
        where = owners - ids[0] if dense else np.searchsorted(ids, owners)
        if len(where) and (where.min() < 0 or where.max() >= n or (ids[where] != owners).any()):
            raise RuntimeError("portfolio sums for a client that is not in the book")
        # every client, in order (the kept sums): the values are the columns as they are
        in_place = len(where) == n and bool((where == np.arange(n)).all())
        for name in table.column_names[1:]:
            values = table.column(name).fill_null(0).to_numpy().astype(np.int64, copy=False)
            if in_place:
                cents[name] = values
            else:
                cents[name] = np.zeros(n, dtype=np.int64)
                cents[name][where] = values
    cents["overdue"] = cents["outstanding"] - cents["not_due"]
    with np.errstate(divide="ignore", invalid="ignore"):
        invoiced, settled = cents["invoiced_365"], cents["settled_w"]
        dso = np.where(invoiced > 0, cents["outstanding"] / invoiced * 365, np.nan)
        late = np.where(settled > 0, cents["late_w"] / settled, np.nan)
    money = ["revenue", "payments_received", "outstanding", "overdue", *[b[0] for b in BUCKETS]]
    columns: dict[str, Any] = {
        "code": clients.column("code"), "name": clients.column("name"),
        "status": clients.column("status"),
        **{name: money_column(cents[name], exact) for name in money},
        "dso": pa.array(dso, from_pandas=True),
        "avg_days_late": pa.array(late, from_pandas=True),
        "unallocated_credit": money_column(cents["unallocated_credit"], exact),
    }
    return pa.table(columns)


def clients_in_id_order(conn: Any) -> pa.Table:
    """``id, code, name, status`` of every client, in id order."""
    table = conn.execute("SELECT id, code, name, status FROM clients").to_arrow_table()
    ids = table.column("id")
    if len(ids) > 1 and not pc.all(pc.greater_equal(ids[1:], ids[:-1])).as_py():
        # A scan returns the rows in storage order, which is id order unless rows were
        # re-inserted; sort then (four columns, not the whole portfolio).
        table = table.take(pc.sort_indices(ids))
    return table


def sums_params(day: date, fy: FiscalYear) -> dict[str, date]:
    """The parameters of :func:`portfolio_sql` for as-of date ``day`` and fiscal year ``fy``."""
    d365 = day - timedelta(days=365)
    return {"as_of": day, "fy_start": fy.start, "fy_end": fy.end, "d365": d365,
            "lo": min(fy.start, d365)}


_STATE = "SELECT as_of, fy_start, fy_end FROM portfolio_sums_state"
# The kept sums: documents (portfolio_sql) and payments received (payments_sql), per client.
_KEPT = ("portfolio_sums", "portfolio_payments")
Sums = tuple[pa.Table, pa.Table]


def _payment_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in ("d365", "lo")}


def compute_portfolio_sums(conn: Any, params: dict[str, date]) -> Sums:
    """Every client's sums as of ``params`` (:func:`sums_params`), from the maintained
    balances when nothing is dated later, else from scratch."""
    fast = maintained_is_current(conn, params["as_of"])
    return (conn.execute(portfolio_sql(fast), params).to_arrow_table(),
            conn.execute(payments_sql(), _payment_params(params)).to_arrow_table())


def read_portfolio_sums(conn: Any, params: dict[str, date]) -> Sums | None:
    """The kept sums when they are for ``params``' date and fiscal year, else None."""
    kept = conn.execute(_STATE).fetchall()
    if kept != [(params["as_of"], params["fy_start"], params["fy_end"])]:
        return None
    docs, paid = (conn.execute(f"SELECT * FROM {table}").to_arrow_table() for table in _KEPT)
    return docs, paid


def write_portfolio_sums(conn: Any, params: dict[str, date]) -> Sums:
    """Compute every client's sums as of ``params`` and keep them (in the caller's write
    transaction); returns them."""
    sums = compute_portfolio_sums(conn, params)
    conn.execute("DELETE FROM portfolio_sums_state")
    for table, rows in zip(_KEPT, sums, strict=True):
        conn.execute(f"DELETE FROM {table}")
        conn.register("_clientops_sums", rows)
        try:
            conn.execute(f"INSERT INTO {table} SELECT * FROM _clientops_sums")
        finally:
            conn.unregister("_clientops_sums")
    conn.execute("INSERT INTO portfolio_sums_state VALUES ($as_of, $fy_start, $fy_end)",
                 {k: params[k] for k in ("as_of", "fy_start", "fy_end")})
    derived.rebuilt(conn, PortfolioSums.name)
    return sums


def refresh_portfolio_sums(conn: Any, scope: str, scoped: dict[str, Any]) -> None:
    """Bring the kept sums of the clients in ``scope`` up to date, in the write transaction
    that changed their documents or payments (after their open balances).

    The kept sums are for one date D: when these clients have something dated after D, their
    maintained balances are not the allocation as of D, so the kept sums are dropped instead
    (the next portfolio of the day computes and keeps them again).
    """
    kept = conn.execute(_STATE).fetchall()
    if not kept:
        return
    day, fy_start, fy_end = kept[0]
    latest = latest_activity(conn, scope, scoped)
    if latest is not None and latest > day:
        # Only the state row: the stale sums are never read without it, and the next keeping
        # replaces them (deleting every row here would collide with other users' writes on a
        # PostgreSQL book).
        conn.execute("DELETE FROM portfolio_sums_state")
        return
    params = {**sums_params(day, FiscalYear(0, fy_start, fy_end)), **scoped}
    for table, sql in zip(_KEPT, (portfolio_sql(True, scope), payments_sql(scope)),
                          strict=True):
        conn.execute(f"DELETE FROM {table} WHERE {scope}", scoped)
        conn.execute(f"INSERT INTO {table} {sql}",
                     params if table == "portfolio_sums" else _payment_params(params))


def _kept_params(conn: Any) -> dict[str, date] | None:
    """The parameters the kept sums are for (None: none kept)."""
    kept = conn.execute(_STATE).fetchall()
    if not kept:
        return None
    day, fy_start, fy_end = kept[0]
    return sums_params(day, FiscalYear(0, fy_start, fy_end))


class PortfolioSums:
    """The portfolio's kept per-client sums (``portfolio_sums``, ``portfolio_payments`` and
    their state row) as a :class:`clientops.derived.Derived` structure: refreshed before
    commit for the clients whose documents or payments changed."""

    name = "portfolio_sums"
    order = 40
    built_by: str | None = None  # kept by the first portfolio of a day

    def refresh(self, conn: Any, changes: derived.Changes) -> None:
        if changes.money_everything:
            refresh_portfolio_sums(conn, "TRUE", {})
        elif changes.money_ids:
            refresh_portfolio_sums(conn, *client_scope(sorted(changes.money_ids)))

    def rebuild(self, conn: Any) -> int:
        """The sums for the date they are kept for, from scratch (none kept: nothing)."""
        params = _kept_params(conn)
        if params is None:
            return 0
        return len(write_portfolio_sums(conn, params)[0])

    def check(self, conn: Any) -> list[str]:
        params = _kept_params(conn)
        if params is None:
            return []
        problems = []
        for table, rows in zip(_KEPT, compute_portfolio_sums(conn, params), strict=True):
            # a client whose sums are all zero counts the same with or without a row
            nonzero = " OR ".join(f"{c} <> 0" for c in rows.column_names if c != "client_id")
            conn.register("_clientops_fresh", rows)
            try:
                wrong = conn.execute(f"""
                    WITH kept AS (SELECT * FROM {table} WHERE {nonzero}),
                    fresh AS (SELECT * FROM _clientops_fresh WHERE {nonzero})
                    SELECT DISTINCT client_id FROM (
                        (SELECT * FROM kept EXCEPT ALL SELECT * FROM fresh)
                        UNION ALL
                        (SELECT * FROM fresh EXCEPT ALL SELECT * FROM kept))
                    ORDER BY 1 LIMIT 10""").fetchall()
            finally:
                conn.unregister("_clientops_fresh")
            if wrong:
                problems.append(f"{table} out of date for clients {[r[0] for r in wrong]}")
        return problems


derived.register(PortfolioSums())


class Indicators:
    """``book.indicators``: portfolio views for analysts."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def portfolio(self, fiscal_year: int | None = None, as_of: Any = None, *,
                  exact: bool = False) -> pd.DataFrame:
        """One row per client: revenue, payments, outstanding, overdue, aging, DSO, lateness.

        Money columns are ``float64`` euros, for the pandas an analyst uses (``describe()``,
        ``nlargest()``, ratios, ``plot.hist()``): each is the double nearest the exact sum,
        which ``round(2)`` gives back to the cent. ``exact=True`` gives them as exact
        ``decimal128(18, 2)`` amounts (cells read as :class:`~decimal.Decimal`), for
        accounting — :meth:`export` writes those. ``dso`` and ``avg_days_late`` are days
        (float, empty when undefined). ``unallocated_credit`` is shown apart, never netted.
        Columns: :data:`PORTFOLIO_COLUMNS` (README, "Indicator columns").

        As of today the per-client sums come from ``portfolio_sums`` and
        ``portfolio_payments``, kept current at write time (:func:`refresh_portfolio_sums`);
        the first portfolio of a new day computes them and, in a book open for writing, keeps
        them for the next.
        """
        exact = _flag("exact", exact)
        day, fy = resolve_period(self._book, fiscal_year, as_of)
        params = sums_params(day, fy)
        store = self._book.store
        with store.connection() as conn:
            sums = read_portfolio_sums(conn, params)
            if sums is not None:
                clients = clients_in_id_order(conn)
        # Kept: today's sums for the fiscal year shown by default (another one asked for now
        # and then is computed, so that it does not replace them).
        keep = day == date.today() and not store.read_only and (
            fiscal_year is None or resolve_period(self._book, None, day)[1] == fy)
        if sums is None and keep:
            try:
                with store.transaction() as conn:
                    sums = write_portfolio_sums(conn, params)
                    clients = clients_in_id_order(conn)
            except (ConflictError, DatabaseBusy):
                sums = None  # another user is writing (or keeping them): compute, keep nothing
        if sums is None:
            with store.connection() as conn:
                sums = compute_portfolio_sums(conn, params)
                clients = clients_in_id_order(conn)
        frame = arrow_to_df(portfolio_table(clients, *sums, exact=exact))
        # Plain JSON values: pandas writes attrs into Parquet exports.
        frame.attrs.update({"as_of": day.isoformat(), "fiscal_year": fy.year,
                            "fy_start": fy.start.isoformat(), "fy_end": fy.end.isoformat()})
        return frame

    def export(
        self,
        path: exports.Destination,
        *,
        format: str | None = None,
        lang: str = "fr",
        fiscal_year: int | None = None,
        as_of: Any = None,
        tags: str | Sequence[str] | None = None,
        owner: str | None = None,
        codes: Iterable[str] | None = None,
        on_progress: exports.Progress | None = None,
    ) -> Path:
        """Write :meth:`portfolio` to a CSV or XLSX; returns the path written.

        Only the clients with every tag in ``tags`` and the account manager ``owner`` (as
        ``clients.list`` filters them, archived clients included), and only ``codes`` if
        given. ``format`` is ``csv`` or ``xlsx`` (default: the path's suffix), ``lang`` ``fr``
        or ``en``; see :mod:`clientops.exports` for what the file looks like.
        """
        exports.check_destination(path, format, lang)
        frame = self.portfolio(fiscal_year=fiscal_year, as_of=as_of, exact=True)
        if tags or owner is not None:
            chosen = self._book.clients.list(status="all", tags=tags, owner=owner)
            frame = frame[frame["code"].isin(chosen["code"])]
        sheet = "Portefeuille" if lang == "fr" else "Portfolio"
        return exports.write(exports.select_codes(frame, codes), path, format=format, lang=lang,
                             sheet=sheet, on_progress=on_progress)

    def aging(self, as_of: Any = None, *, exact: bool = False) -> pd.DataFrame:
        """Aged receivables of the whole portfolio at ``as_of``: one row per bucket.

        Columns: bucket, label, amount (float64 euros; exact ``decimal128`` with
        ``exact=True``, as in :meth:`portfolio`), invoices (how many have something open).
        """
        exact = _flag("exact", exact)
        day = bounds.as_of(as_of)
        with self._book.store.connection() as conn:
            if maintained_is_current(conn, day):
                source = """alloc AS (SELECT due_date, open_amount FROM documents
                            WHERE kind = 'invoice' AND open_amount > 0
                              AND issue_date <= $as_of)"""
            else:
                # invoices settled exactly by their named credits before D owe nothing on D
                source = alloc_ctes(omit_settled_before="$as_of")
            sums = conn.execute(
                f"""WITH {source}
                    SELECT {_bucket_case()} AS b, sum(open_amount), count(*)
                    FROM alloc WHERE open_amount > 0 GROUP BY b""",
                {"as_of": day},
            ).fetchall()
        found = {int(b): (amount, int(n)) for b, amount, n in sums}
        table = _aging_table(found, exact)
        table.attrs["as_of"] = day.isoformat()
        return table

    def monthly(self, code: str | None = None, months: int = 24, as_of: Any = None, *,
                exact: bool = False) -> pd.DataFrame:
        """Per month (last ``months`` months up to ``as_of``): invoiced, collected, credit notes.

        Columns: month (first day), invoiced_excl_tax, invoiced_incl_tax, collected,
        credit_notes_excl_tax, credit_notes_incl_tax, quotes_accepted, quotes_refused,
        quote_conversion_rate (accepted ÷ (accepted + refused) quotes issued that month).
        Money is float64 euros, or exact ``decimal128`` with ``exact=True`` (see
        :meth:`portfolio`).
        """
        exact = _flag("exact", exact)
        day = bounds.as_of(as_of)
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
            raise ValidationError("months", months, "indicators.months", low=1, high=MAX_MONTHS)
        last = day.replace(day=1)
        first = _add_months(last, -(months - 1))
        params: dict[str, Any] = {"first": first, "last": last, "as_of": day}
        scope = "TRUE"
        with self._book.store.connection() as conn:
            if code is not None:
                params["client"] = client_row(conn, code)[0]
                scope = "client_id = $client"
            frame = fetch_named(conn, _monthly_sql(scope), params)
        return frame if exact else as_floats(frame)


def _monthly_sql(scope: str) -> str:
    money = [
        _money("d.inv_excl", "invoiced_excl_tax"), _money("d.inv_incl", "invoiced_incl_tax"),
        _money("p.collected", "collected"),
        _money("d.cn_excl", "credit_notes_excl_tax"), _money("d.cn_incl", "credit_notes_incl_tax"),
    ]
    return f"""
WITH months AS (
    SELECT CAST(unnest(generate_series(CAST($first AS TIMESTAMP), CAST($last AS TIMESTAMP),
                                       INTERVAL 1 MONTH)) AS DATE) AS month
),
d AS (
    SELECT CAST(date_trunc('month', issue_date) AS DATE) AS month,
           sum(total_excl_tax) FILTER (WHERE kind = 'invoice') AS inv_excl,
           sum(total_incl_tax) FILTER (WHERE kind = 'invoice') AS inv_incl,
           sum(total_excl_tax) FILTER (WHERE kind = 'credit_note') AS cn_excl,
           sum(total_incl_tax) FILTER (WHERE kind = 'credit_note') AS cn_incl,
           count(*) FILTER (WHERE kind = 'quote' AND status = 'accepted') AS accepted,
           count(*) FILTER (WHERE kind = 'quote' AND status = 'refused') AS refused
    FROM documents WHERE issue_date >= $first AND issue_date <= $as_of AND {scope}
    GROUP BY 1
),
p AS (
    SELECT CAST(date_trunc('month', paid_on) AS DATE) AS month, sum(amount) AS collected
    FROM payments WHERE paid_on >= $first AND paid_on <= $as_of AND {scope}
    GROUP BY 1
)
SELECT m.month, {', '.join(money)},
       CAST(coalesce(d.accepted, 0) AS INTEGER) AS quotes_accepted,
       CAST(coalesce(d.refused, 0) AS INTEGER) AS quotes_refused,
       CASE WHEN d.accepted + d.refused > 0
            THEN CAST(d.accepted AS DOUBLE) / (d.accepted + d.refused) END
           AS quote_conversion_rate
FROM months m LEFT JOIN d USING (month) LEFT JOIN p USING (month)
ORDER BY m.month"""


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValidationError(name, value, "value.boolean")
    return bool(value)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def as_floats(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its exact money columns (``decimal128``) as float64 euros, each the
    double nearest the exact amount."""
    money = [c for c, dtype in frame.dtypes.items()
             if isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)]
    if not money:
        return frame
    floats = {str(c): pc.cast(pa.array(frame[c].array), pa.float64()).to_numpy(zero_copy_only=False)
              for c in money}
    return frame.assign(**floats)


def _aging_table(found: dict[int, tuple[Any, int]], exact: bool = True) -> pd.DataFrame:
    """The aging table with every bucket present, amounts exact (or float64 euros)."""
    amounts = [found.get(i, (Decimal("0.00"), 0))[0] for i in range(len(BUCKETS))]
    table = pa.table({
        "bucket": [b[0] for b in BUCKETS],
        "label": [b[1] for b in BUCKETS],
        "amount": pa.array([Decimal(a).quantize(Decimal("0.01")) for a in amounts],
                           type=pa.decimal128(18, 2)),
        "invoices": [found.get(i, (None, 0))[1] for i in range(len(BUCKETS))],
    })
    frame = arrow_to_df(table)
    return frame if exact else as_floats(frame)


