"""Charts analysts expect, as matplotlib Figures built from the indicator frames.

Figures are made with :class:`matplotlib.figure.Figure` directly (no pyplot state), so they work
under any backend, in notebooks, in Voilà and in tests, and are freed with their last reference.

Every text drawn (title, legend, bucket names) is a parameter with an English default: the domain
knows no UI language, so the widgets pass their translated labels (see ``ui/dashboard.py``).
``locale`` (a Babel locale, ``en_GB`` by default, ``fr_FR`` in the French UI) writes the months
(``janv. 2026``) and the amounts on the axes (``160 000``) as a reader of that language expects.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .indicators import BUCKETS

INVOICED = "#1f4e79"
COLLECTED = "#2e8b57"
LATE = "#b00020"


def _floats(column: pd.Series) -> list[float]:
    return [0.0 if v is None or v is pd.NA else float(v) for v in column.tolist()]


def month_label(month: Any, locale: str = "en_GB") -> str:
    """A month as its reader writes it: ``janv. 2026`` (``fr_FR``), ``Jan 2026`` (``en_GB``)."""
    if isinstance(month, pd.Timestamp):
        month = month.date()
    if not isinstance(month, date):
        month = date.fromisoformat(str(month)[:10])
    return format_date(month, "MMM yyyy", locale=locale)


def amounts_axis(axis: Axis, locale: str = "en_GB") -> None:
    """Amounts on ``axis`` in whole units with the locale's grouping (``160 000``)."""
    axis.set_major_formatter(FuncFormatter(
        lambda value, _pos: format_decimal(round(value), format="#,##0", locale=locale)))


def monthly_chart(monthly: pd.DataFrame, title: str = "Invoiced vs collected per month", *,
                  invoiced_label: str = "invoiced (incl. tax)",
                  collected_label: str = "collected", locale: str = "en_GB") -> Figure:
    """Bars of invoiced (incl. tax) and collected per month, from ``indicators.monthly``."""
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    ax = fig.add_subplot()
    labels = [month_label(m, locale) for m in monthly["month"].tolist()]
    x = list(range(len(labels)))
    invoiced_col = "invoiced_incl_tax" if "invoiced_incl_tax" in monthly else "invoiced"
    ax.bar([i - 0.2 for i in x], _floats(monthly[invoiced_col]), width=0.4,
           label=invoiced_label, color=INVOICED)
    ax.bar([i + 0.2 for i in x], _floats(monthly["collected"]), width=0.4,
           label=collected_label, color=COLLECTED)
    ax.set_xticks(x, labels, rotation=90 if len(x) > 12 else 45, fontsize=8)
    ax.set_ylabel("€")
    amounts_axis(ax.yaxis, locale)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def aging_chart(aging: pd.DataFrame, title: str = "Aged receivables", *,
                bucket_labels: Mapping[str, str] | None = None,
                locale: str = "en_GB") -> Figure:
    """Bars per aging bucket, from ``indicators.aging`` (columns ``bucket``, ``amount``).

    ``bucket_labels`` names the buckets (``{"not_due": "Non échu", …}``); by default the
    English labels of :data:`clientops.indicators.BUCKETS`.
    """
    fig = Figure(figsize=(7, 3.5), layout="constrained")
    ax = fig.add_subplot()
    names = dict(bucket_labels) if bucket_labels is not None else {b[0]: b[1] for b in BUCKETS}
    buckets = aging["bucket"].tolist()
    colors = [COLLECTED if b == "not_due" else LATE for b in buckets]
    ax.bar([names.get(b, b) for b in buckets], _floats(aging["amount"]), color=colors)
    ax.set_ylabel("€")
    amounts_axis(ax.yaxis, locale)
    ax.set_title(title)
    ax.tick_params(axis="x", labelsize=8)
    return fig


LABEL_WIDTH = 30  # characters per line of a client's label in the top-outstanding chart


def top_outstanding_chart(portfolio: pd.DataFrame, n: int = 10, title: str | None = None, *,
                          outstanding_label: str = "outstanding",
                          overdue_label: str = "of which overdue",
                          locale: str = "en_GB") -> Figure:
    """Horizontal bars of the ``n`` clients owing the most, overdue part highlighted."""
    frame = portfolio.assign(
        _out=_floats(portfolio["outstanding"]), _late=_floats(portfolio["overdue"])
    )
    top = frame[frame["_out"] > 0].nlargest(n, "_out").iloc[::-1]
    # each client's whole name, on as many lines as it needs (a cut name is a wrong name)
    labels = [textwrap.fill(f"{c} {nm}", LABEL_WIDTH)
              for c, nm in zip(top["code"], top["name"], strict=True)]
    lines = sum(label.count("\n") + 1 for label in labels)
    fig = Figure(figsize=(8, max(2.5, 0.3 * lines + 0.1 * len(top) + 1)), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(labels, top["_out"], color=INVOICED, label=outstanding_label)
    ax.barh(labels, top["_late"], color=LATE, label=overdue_label)
    ax.set_xlabel("€")
    amounts_axis(ax.xaxis, locale)
    ax.set_title(title or f"Top {n} outstanding")
    if len(top):
        ax.legend(loc="lower right", fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    return fig


