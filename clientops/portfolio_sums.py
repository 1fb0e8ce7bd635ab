"""The portfolio's per-client sums kept in the book for one date: a derived structure.

``portfolio_sums`` (:func:`clientops.portfolio.portfolio_sql`), ``portfolio_payments``
(:func:`clientops.portfolio.payments_sql`) and their state row (the as-of date and fiscal year
they are for). Each write updates its clients' sums in the same transaction
(:func:`refresh_portfolio_sums`), so the portfolio as of that date — today, once the day's
first portfolio has kept them — only reads them (:meth:`clientops.indicators.Indicators.portfolio`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from . import derived
from .allocation import client_scope, latest_activity, maintained_is_current
from .imports import registered
from .periods import FiscalYear
from .portfolio import SUMS, payments_sql, portfolio_sql, sql_cents, sums_change_sql, sums_params

_STATE = "SELECT as_of, fy_start, fy_end FROM portfolio_sums_state"
# The kept sums: documents (portfolio_sql) and payments received (payments_sql), per client.
_KEPT = ("portfolio_sums", "portfolio_payments")
Sums = tuple[pa.Table, pa.Table]
# Above this many clients a refresh reads them from a registered table (``_SCOPE``).
SCOPE_LIST_LIMIT = 1_000
_SCOPE = "_clientops_sums_scope"


def _payment_params(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of :func:`clientops.portfolio.payments_sql` among ``params``."""
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
    params = _still_kept(conn, scope, scoped)
    if params is not None:
        _recompute(conn, scope, scoped, params)


def _still_kept(conn: Any, scope: str, scoped: dict[str, Any]) -> dict[str, Any] | None:
    """The parameters of the kept sums, unless none are kept or the clients in ``scope`` have
    something dated after their date (then they are dropped)."""
    params = _kept_params(conn)
    if params is None:
        return None
    latest = latest_activity(conn, scope, scoped)
    if latest is not None and latest > params["as_of"]:
        # Only the state row: the stale sums are never read without it, and the next keeping
        # replaces them (deleting every row here would collide with other users' writes on a
        # PostgreSQL book).
        conn.execute("DELETE FROM portfolio_sums_state")
        return None
    return params


def _recompute(conn: Any, scope: str, scoped: dict[str, Any], params: dict[str, Any]) -> None:
    """The kept sums of the clients in ``scope`` again from their maintained balances."""
    params = {**params, **scoped}
    for table, sql in zip(_KEPT, (portfolio_sql(True, scope), payments_sql(scope)),
                          strict=True):
        conn.execute(f"DELETE FROM {table} WHERE {scope}", scoped)
        conn.execute(f"INSERT INTO {table} {sql}",
                     params if table == "portfolio_sums" else _payment_params(params))


# The described clients' kept sums, adjusted by what their new payments changed (registered:
# _ADJUST, the clients; _clientops_sums_paid, the payments; _clientops_sums_balances, the
# invoices before and after); the credit is read again (client_credit, a small table).
_ADJUST = "_clientops_sums_adjust"
_ROWS = ("SELECT client_id, issue_date, due_date, excl, total, open_{0} AS o,"
         " settled_{0} AS settled_on FROM _clientops_sums_balances")


def _adjusted_sums_sql() -> str:
    change = sums_change_sql(_ROWS.format("before"), _ROWS.format("after"))
    money = [f"coalesce(k.{name}, 0) + coalesce(d.{name}, 0)" for name in SUMS[:-1]]
    money.append(sql_cents("coalesce(cc.unallocated_credit, 0)"))
    return f"""
SELECT a.client_id, {", ".join(f"CAST({expr} AS BIGINT) AS {name}"
                               for expr, name in zip(money, SUMS, strict=True))}
FROM {_ADJUST} a
LEFT JOIN portfolio_sums k ON k.client_id = a.client_id
LEFT JOIN ({change}) d ON d.client_id = a.client_id
LEFT JOIN client_credit cc ON cc.client_id = a.client_id"""


_ADJUSTED_PAYMENTS = f"""
SELECT a.client_id, CAST(coalesce(k.payments_received, 0) + coalesce(n.payments_received, 0)
                         AS BIGINT) AS payments_received
FROM {_ADJUST} a
LEFT JOIN portfolio_payments k ON k.client_id = a.client_id
JOIN ({payments_sql(table="_clientops_sums_paid")}) n ON n.client_id = a.client_id"""


def _adjust(conn: Any, params: dict[str, Any], changes: derived.Changes) -> None:
    """The kept sums of the described clients adjusted by the difference their new payments
    made (:func:`clientops.derived.note_money`), instead of computed again from their rows."""
    clients = pa.table({"client_id": pa.array(sorted(changes.described), pa.int64())})
    paid = pa.concat_tables([p for p, _ in changes.money_notes])
    balances = pa.concat_tables([b for _, b in changes.money_notes])
    described = pc.is_in(balances.column("client_id"), value_set=clients.column("client_id"))
    with registered(conn, _ADJUST, clients), \
            registered(conn, "_clientops_sums_paid", paid.filter(pc.is_in(
                paid.column("client_id"), value_set=clients.column("client_id")))), \
            registered(conn, "_clientops_sums_balances", balances.filter(described)):
        sql = _adjusted_sums_sql()
        sums = conn.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}
                            ).to_arrow_table()
        received = conn.execute(_ADJUSTED_PAYMENTS, _payment_params(params)).to_arrow_table()
    for table, rows in zip(_KEPT, (sums, received), strict=True):
        with registered(conn, "_clientops_sums_fresh", rows):
            conn.execute(f"DELETE FROM {table} WHERE client_id IN"
                         " (SELECT client_id FROM _clientops_sums_fresh)")
            conn.execute(f"INSERT INTO {table} ({', '.join(rows.column_names)})"
                         " SELECT * FROM _clientops_sums_fresh")


@contextmanager
def _scope(conn: Any, ids: set[int]) -> Iterator[tuple[str, dict[str, Any]]]:
    """A condition on ``client_id`` for ``ids`` and its parameters. Many clients (a bank
    statement's) are joined from a table rather than unnested from a list parameter in each
    statement: a third less CPU for 66,000 clients of the 1M demo (docs/performance.md)."""
    if len(ids) <= SCOPE_LIST_LIMIT:
        yield client_scope(sorted(ids))
        return
    with registered(conn, _SCOPE, pa.table({"client_id": pa.array(sorted(ids), pa.int64())})):
        yield f"client_id IN (SELECT client_id FROM {_SCOPE})", {}


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
    reads: tuple[str, ...] = ("portfolio_sums", "portfolio_payments", "portfolio_sums_state",
                              "documents", "payments", "clients", "client_credit", "settings")

    def refresh(self, conn: Any, changes: derived.Changes) -> None:
        if changes.money_everything:
            refresh_portfolio_sums(conn, "TRUE", {})
            return
        if not changes.money_ids:
            return
        with _scope(conn, changes.money_ids) as (scope, scoped):
            params = _still_kept(conn, scope, scoped)
        if params is None:
            return
        rest = changes.money_ids - changes.described
        if rest:
            with _scope(conn, rest) as (scope, scoped):
                _recompute(conn, scope, scoped, params)
        if changes.described:
            _adjust(conn, params, changes)

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


__all__ = ["PortfolioSums", "Sums", "compute_portfolio_sums", "read_portfolio_sums",
           "refresh_portfolio_sums", "write_portfolio_sums"]
