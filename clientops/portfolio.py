"""The portfolio's per-client sums in SQL (SPEC.md §7), and the portfolio table built from them.

Only what exists on the as-of date D counts (documents issued ≤ D, payments dated ≤ D), so a
portfolio "as of last 31 December" is the same whenever it runs. Quotes never count as money.

Fast path (:func:`portfolio_sql` with ``fast=True``): when nothing in the book is dated after
D — the usual "as of today" — open amounts and settlement dates come from the balances
maintained at write time (:func:`clientops.allocation.recompute_open_balances`), and the sums
are one scan of ``documents`` and one of ``payments``. For a past date the allocation runs
from scratch, set-based (:func:`clientops.allocation.alloc_ctes`), with two helps kept at write
time: each invoice's named-credit totals (only invoices named after D are grouped again) and
its place in its client's pool order (no invoice numbers to sort). The sums kept in the book
for one date are :mod:`clientops.portfolio_sums`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .allocation import alloc_ctes
from .frames import money_array
from .periods import BUCKETS, FiscalYear, bucket_case

PORTFOLIO_COLUMNS = [
    "code", "name", "status", "revenue", "payments_received", "outstanding", "overdue",
    *[b[0] for b in BUCKETS], "dso", "avg_days_late", "unallocated_credit",
]


# Money is summed as whole cents held in DOUBLEs: DuckDB sums DECIMAL (and BIGINT) through
# 128-bit states, several times slower in a GROUP BY over many clients (docs/performance.md),
# while whole numbers add exactly in a double up to 2**53 cents (90 trillion euros per client).
# Each amount is rounded to its cents once, each sum converted back to DECIMAL(18,2) exactly.
def sql_cents(expr: str) -> str:
    """SQL: the amount ``expr`` as whole cents in a DOUBLE."""
    return f"round(CAST({expr} AS DOUBLE) * 100)"


# One row per invoice or credit note, the few values the aggregates need, computed once.
# ``o`` (open amount) is NULL for credit notes; ``settled_on`` too.
_CENTS = f"""
    client_id, kind, issue_date, due_date, settled_on, {sql_cents("excl")} AS ex,
    {sql_cents("total")} AS tc, {sql_cents("o")} AS o"""

_ROW_VALUES = f"""
    client_id, o,
    CASE WHEN issue_date >= $fy_start AND issue_date <= $fy_end
         THEN CASE WHEN kind = 'invoice' THEN ex ELSE -ex END END AS rev,
    CASE WHEN kind = 'credit_note' THEN tc END AS cn,
    CASE WHEN kind = 'invoice' THEN tc END AS inv,
    CASE WHEN kind = 'invoice' AND issue_date > $d365 THEN tc END AS i365,
    CASE WHEN o > 0 THEN {bucket_case()} END AS b,
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


# Per-client sums that portfolio_sql returns, in whole cents, in this order after client_id.
SUMS = ["revenue", "outstanding", *[b[0] for b in BUCKETS], "invoiced_365", "late_w",
        "settled_w", "unallocated_credit"]


def portfolio_sql(fast: bool, scope: str = "TRUE") -> str:
    """The portfolio's per-client sums of documents: ``client_id`` and the :data:`SUMS` as
    BIGINT cents (0 where none), one row per client with any (unordered);
    :func:`portfolio_table` lines them up with the clients. ``scope`` limits the clients (a
    condition on ``client_id``); :func:`payments_sql` gives the payments received.

    Parameters: ``$as_of``, ``$d365`` (D − 365 days), ``$lo`` (the earlier of the fiscal
    year's start and D − 365 days), ``$fy_start`` and ``$fy_end``. Sums are taken over whole
    cents in DOUBLEs (exact, see :func:`sql_cents`).
    """
    money = [f"a.{name}" for name in SUMS[:-1]] + [sql_cents("cr.unallocated_credit")]
    return f"""
WITH {_aggregates_sql(fast, scope)}
SELECT coalesce(a.client_id, cr.client_id) AS client_id,
       {", ".join(f"CAST(coalesce({expr}, 0) AS BIGINT) AS {name}"
                  for expr, name in zip(money, SUMS, strict=True))}
FROM agg a FULL JOIN credit cr ON cr.client_id = a.client_id"""


def payments_sql(scope: str = "TRUE", table: str = "payments") -> str:
    """Payments received in the fiscal year up to ``$as_of``, per client: ``client_id,
    payments_received`` (BIGINT cents). Parameters ``$as_of``, ``$fy_start``, ``$fy_end``.
    ``table``: where the payments are (``client_id, paid_on, amount``)."""
    return f"""
SELECT client_id, CAST(sum({sql_cents("amount")}) AS BIGINT) AS payments_received FROM {table}
WHERE paid_on >= $fy_start AND paid_on <= $fy_end AND paid_on <= $as_of AND {scope}
GROUP BY client_id"""


def sums_change_sql(before: str, after: str) -> str:
    """How the per-client sums of :func:`portfolio_sql` (the fast path, as of ``$as_of``) but
    ``unallocated_credit`` change when the invoices ``before`` become ``after`` (two queries
    of the same invoices, each ``client_id, issue_date, due_date, excl, total, o,
    settled_on``: their totals, open amounts and settlement dates then and now):
    ``client_id`` and each sum's change in whole cents (DOUBLE). The same parameters as
    :func:`portfolio_sql`; the invoices are issued by ``$as_of``."""
    def sums(rows: str) -> str:
        rows = f"SELECT *, 'invoice' AS kind FROM ({rows})"
        return f"""SELECT client_id, {_AGGREGATES}
    FROM (SELECT {_BUCKET_VALUES} FROM (SELECT {_ROW_VALUES} FROM (SELECT {_CENTS} FROM ({rows}))))
    GROUP BY client_id"""
    change = ", ".join(f"coalesce(a.{name}, 0) - coalesce(b.{name}, 0) AS {name}"
                       for name in SUMS[:-1])
    return f"""
SELECT coalesce(a.client_id, b.client_id) AS client_id, {change}
FROM ({sums(after)}) a FULL JOIN ({sums(before)}) b ON b.client_id = a.client_id"""


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



__all__ = ["PORTFOLIO_COLUMNS", "SUMS", "sql_cents", "clients_in_id_order", "money_column",
           "payments_sql", "portfolio_sql", "portfolio_table", "sums_change_sql", "sums_params"]
