"""Allocation ("lettrage"): which part of each invoice is still open, and when it was settled.

SPEC.md §7, to the letter. Credits are payments (their amount) and credit notes (their total
incl. tax), each dated (payment date, credit note issue date).

1. A credit that names an invoice (a payment's ``invoice``, a credit note's ``cancels``) goes to
   that invoice, up to what it still owes — the named credits of one invoice in date order.
2. Everything left of every credit goes into one pool per client, applied to the client's
   invoices oldest due date first (then issue date, then number). With ``r_i`` what invoice
   ``i`` still owes after step 1, ``R_i`` the running sum of ``r`` in that order and ``P`` the
   pool, the open amount is ``min(r_i, max(0, R_i - P))``. The pool's leftover is the
   client's unallocated credit.

The settlement date of an invoice is the date of the credit that brought its open amount to
zero: step 1 credits first (in date order), then pool credits in date order. A pool credit's
cumulative sum first reaching ``R_i`` settles invoice ``i`` — an ASOF join.

The same rules exist twice: as set-based SQL (:func:`alloc_ctes`, for the portfolio and for
keeping ``documents.open_amount`` / ``settled_on`` current at write time) and as a small
Python function over one client's rows (:func:`allocate`, for the client card, where the rows
are few). ``tests/test_allocation.py`` checks that both agree on random portfolios. The SQL
reads a few per-invoice and per-credit columns that every write keeps current
(:func:`refresh_named_credits`, called by :func:`recompute_open_balances`): each invoice's place
in its client's pool order and the count, total and first and last dates of the credits of its
client that name it; each credit's ``pool_only``.

Unallocated credit needs no pool bookkeeping afterwards: every credit is either applied to an
invoice or left over, so ``unallocated = Σ credits − Σ (invoice total − open amount)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

from . import derived
from .frames import arrow_to_df

# Far enough in the future that "as of" it every row counts: the maintained balances.
END_OF_TIME = date(9999, 12, 31)
ZERO = Decimal("0.00")


def alloc_ctes(scope: str = "TRUE", omit_settled_before: str | None = None) -> str:
    """SQL common table expressions ending in ``alloc`` (one row per invoice issued ≤ ``$as_of``).

    ``alloc`` has ``id, client_id, issue_date, due_date, excl, total, open_amount,
    settled_on`` (join ``documents`` for the number); ``alloc_unallocated`` has ``client_id,
    unallocated_credit`` (clients with a pool only). ``scope`` is a constant predicate on
    ``client_id`` chosen by the caller (never user text), e.g. ``"client_id = $client"``; the
    query takes the ``$as_of`` parameter. ``omit_settled_before`` (a parameter name such as
    ``"$lo"``) leaves out the invoices issued and settled by the credits naming them before
    that date — nothing as of ``$as_of`` depends on them but their own row, for callers that
    do not need it.

    It reads the columns that :func:`refresh_named_credits` maintains at write time (per
    invoice: its pool order, how many credits of its client name it, their total, first and
    last date; per credit: ``pool_only``).

    Arithmetic runs on whole cents held in DOUBLEs — exact below 2**53 cents — because
    DuckDB's DECIMAL sums and running sums go through 128-bit states, several times slower
    over millions of rows; open amounts are turned back into DECIMAL(18,2) at the end.
    """
    # Step 1 needs, per invoice, the count, sum and first date of the credits of its client
    # that name it. Most invoices are named by one credit (or none) no more than they owe: for
    # those, step 1 is plain arithmetic on those figures (applied = least(Σ named, total);
    # settled on the credit's date when it covers the total). The figures for all time are
    # kept on the invoice at write time (refresh_named_credits); as of a past date D they are
    # still right for every invoice whose last named credit is dated ≤ D, and only the others
    # are grouped again from their credits. Grouping the 3.5M named credits and joining them
    # with the invoices every time took ~0.8 s of the 1M-client portfolio as of a past date
    # (bench/bench_indicators.py). The few "special" invoices — several credits reaching the
    # total (which one settled it?), more named than owed (the rest goes to the pool, credit
    # by credit) — follow their credits one by one with a running sum. Credits naming
    # something that is not one of their client's invoices (``pool_only``), or an invoice
    # issued after D, go to the pool whole. Only the credits of "watched" invoices (named
    # after D, special for all time, or issued after D) are read one by one: a copy of every
    # credit held for the whole query spilled to disk under the 1.2 GB memory limit. The pool
    # order is the kept ``pool_rank``: sorting by invoice number meant reading every pool
    # invoice's number (together ~0.6 s less at 1M clients, bench/bench_indicators.py).
    omit = ""
    if omit_settled_before:
        p = omit_settled_before
        omit = (f"AND NOT coalesce(issue_date < {p} AND named_last < {p}"
                " AND named_total = total_incl_tax AND total_incl_tax > 0, FALSE)")
    return f"""
alloc_inv AS (
    SELECT id, client_id, issue_date, due_date, total_excl_tax AS excl,
           total_incl_tax AS total, round(CAST(total_incl_tax AS DOUBLE) * 100) AS t,
           pool_rank, named_count, named_total, named_first, named_last
    FROM documents
    WHERE kind = 'invoice' AND issue_date <= $as_of AND {scope} {omit}
),
alloc_credit AS NOT MATERIALIZED (
    SELECT client_id, id, 0 AS src, paid_on AS d, round(CAST(amount AS DOUBLE) * 100) AS c,
           invoice_id AS target, pool_only
    FROM payments WHERE paid_on <= $as_of AND {scope}
    UNION ALL
    SELECT client_id, id, 1 AS src, issue_date AS d,
           round(CAST(total_incl_tax AS DOUBLE) * 100) AS c, cancels_id AS target, pool_only
    FROM documents WHERE kind = 'credit_note' AND issue_date <= $as_of AND {scope}
),
alloc_watch AS (
    -- the invoices whose credits up to D are followed one by one: named after D (grouped
    -- again), special for all time (a superset of those special as of D), or issued after D
    -- (as of D their credits go to the pool)
    SELECT id, client_id, issue_date <= $as_of AS present FROM documents
    WHERE kind = 'invoice' AND named_first <= $as_of AND {scope}
      AND (issue_date > $as_of OR named_last > $as_of OR named_total > total_incl_tax
           OR (named_count > 1 AND named_total >= total_incl_tax))
),
alloc_watched AS MATERIALIZED (
    SELECT c.client_id, c.id, c.src, c.d, c.c, c.target, w.present
    FROM alloc_credit c JOIN alloc_watch w ON w.id = c.target AND w.client_id = c.client_id
),
alloc_regroup AS (
    SELECT target, count(*) AS n, sum(c) AS sc, min(d) AS d1
    FROM alloc_watched WHERE present GROUP BY target
),
alloc_joined AS MATERIALIZED (
    SELECT i.id, i.client_id, i.issue_date, i.due_date, i.excl, i.total, i.t, i.pool_rank,
           CASE WHEN i.named_last > $as_of THEN g.n ELSE i.named_count END AS n,
           CASE WHEN i.named_last > $as_of THEN g.sc
                ELSE round(CAST(i.named_total AS DOUBLE) * 100) END AS sc,
           CASE WHEN i.named_last > $as_of THEN g.d1 ELSE i.named_first END AS d1
    FROM alloc_inv i LEFT JOIN alloc_regroup g ON g.target = i.id
),
alloc_special AS (
    SELECT id, t FROM alloc_joined WHERE sc > t OR (n > 1 AND sc >= t)
),
alloc_run AS MATERIALIZED (
    -- the special invoices' credits, with the running sum s in date order
    SELECT c.client_id, c.id, c.src, c.d, c.c, c.target, s.t,
           sum(c.c) OVER (PARTITION BY c.target ORDER BY c.d, c.src, c.id
                          ROWS UNBOUNDED PRECEDING) AS s
    FROM alloc_watched c JOIN alloc_special s ON s.id = c.target
),
alloc_run_settled AS (
    SELECT target, min(d) FILTER (WHERE s >= t AND t > 0) AS settled_on
    FROM alloc_run GROUP BY target
),
alloc_pool AS (
    SELECT client_id, d, src, id, amount FROM (
        SELECT client_id, d, src, id, c AS amount FROM alloc_credit WHERE pool_only
        UNION ALL
        SELECT client_id, d, src, id, c FROM alloc_watched WHERE NOT present
        UNION ALL
        SELECT client_id, d, src, id, c - (least(s, t) - least(s - c, t)) FROM alloc_run
    ) WHERE amount > 0
),
alloc_pool_total AS (
    SELECT client_id, sum(amount) AS p FROM alloc_pool GROUP BY client_id
),
alloc_owed AS NOT MATERIALIZED (
    SELECT j.id, j.client_id, j.issue_date, j.due_date, j.excl, j.total, j.pool_rank,
           j.t - CASE WHEN j.sc IS NULL OR j.t <= 0 THEN 0 ELSE least(j.sc, j.t) END AS r,
           CASE WHEN j.sc >= j.t AND j.t > 0
                THEN CASE WHEN j.n = 1 THEN j.d1 ELSE rs.settled_on END END AS settled1,
           coalesce(p.p, 0) AS p
    FROM alloc_joined j
    LEFT JOIN alloc_run_settled rs ON rs.target = j.id
    LEFT JOIN alloc_pool_total p ON p.client_id = j.client_id
),
alloc_win AS MATERIALIZED (
    -- Only invoices still owing after step 1, of clients with a pool, need the running sum rr
    -- of what they owe in allocation order; every other invoice's open amount is simply r.
    SELECT *, least(r, greatest(0, rr - p)) AS open_c FROM (
        SELECT *, sum(r) OVER (PARTITION BY client_id ORDER BY pool_rank
                               ROWS UNBOUNDED PRECEDING) AS rr
        FROM alloc_owed WHERE p > 0 AND r > 0)
),
alloc_pool_cum AS (
    SELECT client_id, d,
           sum(amount) OVER (PARTITION BY client_id ORDER BY d, src, id
                             ROWS UNBOUNDED PRECEDING) AS q
    FROM alloc_pool
),
alloc_pool_settled AS (
    SELECT a.id, pc.d AS settled_on
    FROM (SELECT id, client_id, rr FROM alloc_win WHERE open_c = 0) a
    ASOF JOIN alloc_pool_cum pc ON a.client_id = pc.client_id AND a.rr <= pc.q
),
alloc AS (
    SELECT a.id, a.client_id, a.issue_date, a.due_date, a.excl, a.total,
           CAST(a.open_c / 100 AS DECIMAL(18,2)) AS open_amount,
           CASE WHEN a.open_c > 0 THEN NULL ELSE ps.settled_on END AS settled_on
    FROM alloc_win a LEFT JOIN alloc_pool_settled ps ON ps.id = a.id
    UNION ALL
    SELECT id, client_id, issue_date, due_date, excl, total,
           CAST(r / 100 AS DECIMAL(18,2)),
           CASE WHEN r > 0 THEN NULL ELSE coalesce(settled1, issue_date) END
    FROM alloc_owed WHERE NOT (p > 0 AND r > 0)
),
alloc_unallocated AS (
    -- the pool's leftover: P minus what the client's invoices still owed after step 1
    SELECT p.client_id,
           CAST(greatest(0, p.p - coalesce(o.owed, 0)) / 100 AS DECIMAL(18,2))
               AS unallocated_credit
    FROM alloc_pool_total p
    LEFT JOIN (SELECT client_id, sum(r) AS owed FROM alloc_win GROUP BY client_id) o
        ON o.client_id = p.client_id
)"""


def _named_select(scope: str) -> tuple[str, str]:
    """``(documents, payments)``: SELECTs of the named-credit columns as they should be, for
    the clients in ``scope`` (``id`` and the kept columns)."""
    credits = f"""
                SELECT client_id, paid_on AS d, amount AS c, invoice_id AS target
                FROM payments WHERE invoice_id IS NOT NULL AND {scope}
                UNION ALL
                SELECT client_id, issue_date, total_incl_tax, cancels_id FROM documents
                WHERE kind = 'credit_note' AND cancels_id IS NOT NULL AND {scope}"""
    invoices = f"SELECT id, client_id FROM documents WHERE kind = 'invoice' AND {scope}"
    # invoices: their place among their client's invoices in the pool's order, and the
    # credits of their client that name them (none: all NULL); credit notes: pool_only
    documents = f"""
            SELECT d.id,
                   CASE WHEN d.kind = 'invoice' THEN CAST(row_number() OVER (
                       PARTITION BY d.client_id, d.kind
                       ORDER BY d.due_date NULLS LAST, d.issue_date, d.number, d.id) AS INTEGER)
                   END AS k,
                   -- (join conditions are equalities only, for a hash join: the kind
                   -- decides here which columns a document gets)
                   CASE WHEN d.kind = 'invoice' THEN c.n END AS n,
                   CASE WHEN d.kind = 'invoice' THEN c.s END AS s,
                   CASE WHEN d.kind = 'invoice' THEN c.f END AS f,
                   CASE WHEN d.kind = 'invoice' THEN c.l END AS l,
                   CASE WHEN d.kind = 'credit_note' THEN i.id IS NULL END AS pool_only
            FROM (SELECT id, client_id, kind, due_date, issue_date, number, cancels_id
                  FROM documents WHERE kind IN ('invoice', 'credit_note') AND {scope}) d
            LEFT JOIN (
                SELECT target, client_id, count(*) AS n, sum(c) AS s, min(d) AS f,
                       max(d) AS l
                FROM ({credits}) GROUP BY target, client_id
            ) c ON c.target = d.id AND c.client_id = d.client_id
            LEFT JOIN ({invoices}) i ON i.id = d.cancels_id AND i.client_id = d.client_id"""
    payments = f"""
            SELECT p.id, i.id IS NULL AS pool_only
            FROM (SELECT id, client_id, invoice_id FROM payments WHERE {scope}) p
            LEFT JOIN ({invoices}) i ON i.id = p.invoice_id AND i.client_id = p.client_id"""
    return documents, payments


_NAMED_DIFFER = """(documents.pool_rank IS DISTINCT FROM g.k
               OR documents.named_count IS DISTINCT FROM g.n
               OR documents.named_total IS DISTINCT FROM g.s
               OR documents.named_first IS DISTINCT FROM g.f
               OR documents.named_last IS DISTINCT FROM g.l
               OR documents.pool_only IS DISTINCT FROM g.pool_only)"""


def named_credits_sql(scope: str = "TRUE") -> list[str]:
    """The statements of :func:`refresh_named_credits` for the clients in ``scope``: one per
    table (on a PostgreSQL book each is a round trip through the scanner)."""
    documents, payments = _named_select(scope)
    return [
        f"""UPDATE documents
        SET pool_rank = g.k, named_count = g.n, named_total = g.s, named_first = g.f,
            named_last = g.l, pool_only = g.pool_only
        FROM ({documents}
        ) g
        WHERE documents.id = g.id
          AND {_NAMED_DIFFER}""",
        f"""UPDATE payments SET pool_only = x.pool_only
        FROM ({payments}
        ) x
        WHERE payments.id = x.id AND payments.pool_only IS DISTINCT FROM x.pool_only""",
    ]


def refresh_named_credits(
    conn: duckdb.DuckDBPyConnection, scope: str = "TRUE", params: dict[str, Any] | None = None
) -> None:
    """Bring the named-credit columns that :func:`alloc_ctes` reads up to date for the clients
    in ``scope`` (a condition on ``client_id`` with its ``params``), in a write transaction.

    Per invoice: ``pool_rank``, its place among its client's invoices in the pool's order
    (due date, none last; issue date; number; id), and ``named_count``, ``named_total``,
    ``named_first``, ``named_last`` — the credits (payments naming it, credit notes cancelling
    it) *of the invoice's own client*, of any date. Per credit: ``pool_only`` — it names no invoice of its client, so it goes to
    the pool whole. A credit and the invoice it names are both in scope whenever their client
    is: a write that moves documents or payments between clients (merge, its undo) passes
    both clients.
    """
    for sql in named_credits_sql(scope):
        conn.execute(sql, params or {})


def fetch_named(
    conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]
) -> pd.DataFrame:
    """Like :func:`clientops.frames.fetch_df`, with named ``$parameters``."""
    return arrow_to_df(conn.execute(sql, params).to_arrow_table())


def latest_activity(
    conn: duckdb.DuckDBPyConnection, scope: str = "TRUE", params: dict[str, Any] | None = None
) -> date | None:
    """The latest document or payment date in the book, or of the clients in ``scope`` (a
    condition on ``client_id`` with its ``params``); None when there is none."""
    row = conn.execute(
        f"SELECT greatest((SELECT max(issue_date) FROM documents WHERE {scope}),"
        f" (SELECT max(paid_on) FROM payments WHERE {scope}))", params or {}
    ).fetchone()
    return row[0] if row else None


def maintained_is_current(conn: duckdb.DuckDBPyConnection, as_of: date) -> bool:
    """True when nothing in the book is dated after ``as_of``.

    The maintained balances are the allocation of *everything*; they equal the allocation as
    of ``as_of`` exactly when no document or payment is dated later.
    """
    latest = latest_activity(conn)
    return latest is None or latest <= as_of


def open_amounts(
    conn: duckdb.DuckDBPyConnection, as_of: date, client_id: int | None = None
) -> duckdb.DuckDBPyConnection:
    """Run the allocation as of ``as_of`` from scratch; the cursor yields ``alloc`` rows:
    ``id, client_id, number, issue_date, due_date, excl, total, open_amount, settled_on``."""
    columns = ("a.id, a.client_id, d.number, a.issue_date, a.due_date, a.excl, a.total,"
               " a.open_amount, a.settled_on FROM alloc a JOIN documents d ON d.id = a.id")
    if client_id is None:
        sql = f"WITH {alloc_ctes()} SELECT {columns} ORDER BY a.client_id, a.id"
        return conn.execute(sql, {"as_of": as_of})
    sql = f"WITH {alloc_ctes('client_id = $client')} SELECT {columns} ORDER BY a.id"
    return conn.execute(sql, {"as_of": as_of, "client": client_id})


def client_scope(ids: list[int] | None) -> tuple[str, dict[str, Any]]:
    """A condition on ``client_id`` for ``ids`` (None: every client) and its parameters."""
    if ids is None:
        return "TRUE", {}
    if len(ids) == 1:
        # A plain equality lets DuckDB use the client_id index (a point write stays fast).
        return "client_id = $client", {"client": ids[0]}
    return "client_id IN (SELECT unnest($clients))", {"clients": ids}


def recompute_open_balances(
    conn: duckdb.DuckDBPyConnection, client_ids: Iterable[int] | None = None
) -> int:
    """Bring ``documents.open_amount`` and ``settled_on`` up to date; returns rows changed.

    Call inside the write transaction that added documents or payments, with the clients it
    touched (``None``: the whole table, after a bulk load). Only rows whose values change are
    written. The named-credit columns and the clients' unallocated credit (table
    ``client_credit``) are refreshed now; the clients are noted as changed
    (:func:`clientops.derived.touch`, ``money``) so that the other derived data — the
    portfolio's kept sums, the card rows — is refreshed before the transaction commits.
    """
    ids = None if client_ids is None else sorted({int(i) for i in client_ids})
    if ids == []:
        return 0
    scope, scoped = client_scope(ids)
    derived.touch(conn, ids, money=True)
    refresh_named_credits(conn, scope, scoped)
    return _refresh_balances(conn, scope, scoped)


def _refresh_balances(conn: duckdb.DuckDBPyConnection, scope: str,
                      scoped: dict[str, Any]) -> int:
    """Open amounts, settlement dates and unallocated credit of the clients in ``scope``,
    from the named-credit columns (already current); returns documents changed."""
    sql = f"""
        UPDATE documents SET open_amount = a.open_amount, settled_on = a.settled_on
        FROM (WITH {alloc_ctes(scope)} SELECT id, open_amount, settled_on FROM alloc) a
        WHERE documents.id = a.id
          AND (documents.open_amount IS DISTINCT FROM a.open_amount
               OR documents.settled_on IS DISTINCT FROM a.settled_on)
    """
    row = conn.execute(sql, {"as_of": END_OF_TIME, **scoped}).fetchone()
    changed = int(row[0]) if row else 0
    # Unallocated credit = Σ credits − Σ (invoice total − open amount), kept per client.
    conn.execute(f"DELETE FROM client_credit WHERE {scope}", scoped)
    conn.execute(f"INSERT INTO client_credit {_credit_sql(scope)}", scoped)
    return changed


def _credit_sql(scope: str) -> str:
    return f"""
        SELECT client_id, CAST(sum(x) AS DECIMAL(18,2)) FROM (
            SELECT client_id, amount AS x FROM payments WHERE {scope}
            UNION ALL
            SELECT client_id, total_incl_tax FROM documents
            WHERE kind = 'credit_note' AND {scope}
            UNION ALL
            SELECT client_id, coalesce(open_amount, total_incl_tax) - total_incl_tax
            FROM documents WHERE kind = 'invoice' AND {scope}
        ) GROUP BY client_id HAVING sum(x) > 0"""


class NamedCredits:
    """Per invoice its pool rank and named-credit totals, per credit ``pool_only``
    (:func:`refresh_named_credits`), as a :class:`clientops.derived.Derived` structure.
    Refreshed by :func:`recompute_open_balances` inside the write, not at commit."""

    name = "named_credits"
    order = 10
    built_by: str | None = None  # filled by its migration's own SQL
    reads: tuple[str, ...] = ("documents", "payments")

    def refresh(self, conn: duckdb.DuckDBPyConnection, changes: derived.Changes) -> None:
        """Nothing left at commit: every write refreshed it with the balances."""

    def rebuild(self, conn: duckdb.DuckDBPyConnection) -> int:
        total = 0
        for sql in named_credits_sql():
            row = conn.execute(sql).fetchone()
            total += int(row[0]) if row else 0
        return total

    def check(self, conn: duckdb.DuckDBPyConnection) -> list[str]:
        documents, payments = _named_select("TRUE")
        wrong_docs = conn.execute(
            f"SELECT documents.id FROM documents JOIN ({documents}) g ON documents.id = g.id"
            f" WHERE {_NAMED_DIFFER} ORDER BY 1 LIMIT 10").fetchall()
        wrong_pays = conn.execute(
            f"SELECT payments.id FROM payments JOIN ({payments}) x ON payments.id = x.id"
            " WHERE payments.pool_only IS DISTINCT FROM x.pool_only ORDER BY 1 LIMIT 10"
        ).fetchall()
        problems = []
        if wrong_docs:
            problems.append(f"out of date for documents {[r[0] for r in wrong_docs]}")
        if wrong_pays:
            problems.append(f"out of date for payments {[r[0] for r in wrong_pays]}")
        return problems


class OpenBalances:
    """``documents.open_amount`` / ``settled_on`` and table ``client_credit``, as a
    :class:`clientops.derived.Derived` structure. Refreshed by
    :func:`recompute_open_balances` inside the write (later statements of the same write may
    read them), not at commit."""

    name = "open_balances"
    order = 20
    built_by: str | None = None  # filled by its migrations' own SQL
    reads: tuple[str, ...] = ("documents", "payments", "client_credit")

    def refresh(self, conn: duckdb.DuckDBPyConnection, changes: derived.Changes) -> None:
        """Nothing left at commit: every write recomputed its clients' balances."""

    def rebuild(self, conn: duckdb.DuckDBPyConnection) -> int:
        return _refresh_balances(conn, "TRUE", {})

    def check(self, conn: duckdb.DuckDBPyConnection) -> list[str]:
        # one statement (planning the allocation is most of a check's time on a small book):
        # the documents whose kept open amount differs, and the clients whose credit differs
        # from what the allocation leaves, not from the kept open amounts: each difference
        # is named once, where it is
        found = conn.execute(f"""
            WITH {alloc_ctes()}
            (SELECT 'document' AS what, d.id FROM documents d JOIN alloc a ON d.id = a.id
             WHERE d.open_amount IS DISTINCT FROM a.open_amount
                OR d.settled_on IS DISTINCT FROM a.settled_on
             ORDER BY 2 LIMIT 10)
            UNION ALL
            (SELECT 'client', coalesce(k.client_id, f.client_id) FROM client_credit k
             FULL JOIN (SELECT client_id, unallocated_credit FROM alloc_unallocated
                        WHERE unallocated_credit > 0) f USING (client_id)
             WHERE k.unallocated_credit IS DISTINCT FROM f.unallocated_credit
             ORDER BY 2 LIMIT 10)""", {"as_of": END_OF_TIME}).fetchall()
        wrong = sorted(r[1] for r in found if r[0] == "document")
        credit = sorted(r[1] for r in found if r[0] == "client")
        problems = []
        if wrong:
            problems.append(f"open amounts out of date for documents {wrong}")
        if credit:
            problems.append(f"client_credit out of date for clients {credit}")
        return problems


derived.register(NamedCredits())
derived.register(OpenBalances())


# -- the same rules over one client's few rows ---------------------------------------------
@dataclass(frozen=True)
class Invoice:
    """An invoice as the allocation sees it."""

    id: int
    number: str
    issue_date: date
    due_date: date | None
    total: Decimal


@dataclass(frozen=True)
class Credit:
    """A payment (``src`` 0) or credit note (``src`` 1); ``target`` the invoice id it names."""

    id: int
    src: int
    on: date
    amount: Decimal
    target: int | None


@dataclass(frozen=True)
class Allocation:
    """Result for one client: open amount and settlement date per invoice id, leftover credit."""

    open_amount: dict[int, Decimal]
    settled_on: dict[int, date | None]
    unallocated: Decimal


def allocate(invoices: Sequence[Invoice], credits: Sequence[Credit]) -> Allocation:
    """The allocation for one client's rows (already filtered to what exists as of the date)."""
    by_id = {inv.id: inv for inv in invoices}
    owed = {inv.id: inv.total for inv in invoices}
    settled1: dict[int, date] = {}
    pool: list[tuple[date, int, int, Decimal]] = []
    for cr in sorted(credits, key=lambda c: (c.on, c.src, c.id)):
        left = cr.amount
        if cr.target in by_id:
            applied = min(left, owed[cr.target])
            owed[cr.target] -= applied
            left -= applied
            inv = by_id[cr.target]
            if owed[cr.target] <= 0 and cr.target not in settled1 and inv.total > 0:
                settled1[cr.target] = cr.on
        if left > 0:
            pool.append((cr.on, cr.src, cr.id, left))
    p = sum((x[3] for x in pool), ZERO)
    order = sorted(
        invoices,
        key=lambda i: (i.due_date is None, i.due_date or date.min, i.issue_date, i.number, i.id),
    )
    open_amount: dict[int, Decimal] = {}
    settled_on: dict[int, date | None] = {}
    running = ZERO
    pool.sort()
    for inv in order:
        r = owed[inv.id]
        running += r
        open_amount[inv.id] = min(r, max(ZERO, running - p))
        if open_amount[inv.id] > 0:
            settled_on[inv.id] = None
        elif r > 0:
            q = ZERO
            for on, _src, _id, amount in pool:
                q += amount
                if q >= running:
                    settled_on[inv.id] = on
                    break
        else:
            settled_on[inv.id] = settled1.get(inv.id, inv.issue_date)
    total_owed = sum(owed.values(), ZERO)
    return Allocation(open_amount, settled_on, max(ZERO, p - total_owed))
