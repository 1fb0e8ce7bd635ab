"""Portfolio indicators (SPEC.md §7): per client, per month, aged receivables (``book.indicators``).

Only what exists on the as-of date D counts (documents issued ≤ D, payments dated ≤ D), so a
report "as of last 31 December" is the same whenever it runs. Quotes never count as money.

The pieces, one module each: the periods counted over (fiscal years, aging buckets:
:mod:`clientops.periods`), the portfolio's per-client sums in SQL and the table built from
them (:mod:`clientops.portfolio`), and those sums kept in the book for one date, refreshed at
write time (:mod:`clientops.portfolio_sums`). Their public names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import bounds, exports
from .allocation import alloc_ctes, fetch_named, maintained_is_current
from .documents import client_row
from .errors import ConflictError, DatabaseBusy, ValidationError
from .frames import arrow_to_df
from .periods import BUCKETS, FiscalYear, bucket_case, fiscal_year, fiscal_year_of, resolve_period
from .portfolio import (
    PORTFOLIO_COLUMNS,
    SUMS,
    clients_in_id_order,
    money_column,
    payments_sql,
    portfolio_sql,
    portfolio_table,
    sums_params,
)
from .portfolio_sums import (
    PortfolioSums,
    compute_portfolio_sums,
    read_portfolio_sums,
    refresh_portfolio_sums,
    write_portfolio_sums,
)

if TYPE_CHECKING:
    from .book import Book

MAX_MONTHS = 600  # monthly(): fifty years, more than the book's dates span


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
                    SELECT {bucket_case()} AS b, sum(open_amount), count(*)
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


def _money(expr: str, name: str) -> str:
    return f"CAST(coalesce({expr}, 0) AS DECIMAL(18,2)) AS {name}"


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




__all__ = [
    # this module
    "MAX_MONTHS", "Indicators", "as_floats",
    # clientops.periods
    "BUCKETS", "FiscalYear", "fiscal_year", "fiscal_year_of", "resolve_period",
    # clientops.portfolio
    "PORTFOLIO_COLUMNS", "SUMS", "clients_in_id_order", "money_column", "payments_sql",
    "portfolio_sql", "portfolio_table", "sums_params",
    # clientops.portfolio_sums
    "PortfolioSums", "compute_portfolio_sums", "read_portfolio_sums", "refresh_portfolio_sums",
    "write_portfolio_sums",
]
