"""Charts analysts expect, as matplotlib Figures built from the indicator frames.

Figures are made with :class:`matplotlib.figure.Figure` directly (no pyplot state), so they work
under any backend, in notebooks, in Voilà and in tests, and are freed with their last reference.

Every text drawn (title, legend, bucket names) is a parameter with an English default: the domain
knows no UI language, so the widgets pass their translated labels (see ``ui/dashboard.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure

from .indicators import BUCKETS

INVOICED = "#1f4e79"
COLLECTED = "#2e8b57"
LATE = "#b00020"


def _floats(column: pd.Series) -> list[float]:
    return [0.0 if v is None or v is pd.NA else float(v) for v in column.tolist()]


def monthly_chart(monthly: pd.DataFrame, title: str = "Invoiced vs collected per month", *,
                  invoiced_label: str = "invoiced (incl. tax)",
                  collected_label: str = "collected") -> Figure:
    """Bars of invoiced (incl. tax) and collected per month, from ``indicators.monthly``."""
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    ax = fig.add_subplot()
    labels = [str(m)[:7] for m in monthly["month"].tolist()]
    x = list(range(len(labels)))
    invoiced_col = "invoiced_incl_tax" if "invoiced_incl_tax" in monthly else "invoiced"
    ax.bar([i - 0.2 for i in x], _floats(monthly[invoiced_col]), width=0.4,
           label=invoiced_label, color=INVOICED)
    ax.bar([i + 0.2 for i in x], _floats(monthly["collected"]), width=0.4,
           label=collected_label, color=COLLECTED)
    ax.set_xticks(x, labels, rotation=90 if len(x) > 12 else 45, fontsize=8)
    ax.set_ylabel("€")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def aging_chart(aging: pd.DataFrame, title: str = "Aged receivables", *,
                bucket_labels: Mapping[str, str] | None = None) -> Figure:
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
    ax.set_title(title)
    ax.tick_params(axis="x", labelsize=8)
    return fig


def top_outstanding_chart(portfolio: pd.DataFrame, n: int = 10, title: str | None = None, *,
                          outstanding_label: str = "outstanding",
                          overdue_label: str = "of which overdue") -> Figure:
    """Horizontal bars of the ``n`` clients owing the most, overdue part highlighted."""
    frame = portfolio.assign(
        _out=_floats(portfolio["outstanding"]), _late=_floats(portfolio["overdue"])
    )
    top = frame[frame["_out"] > 0].nlargest(n, "_out").iloc[::-1]
    fig = Figure(figsize=(8, max(2.5, 0.35 * len(top) + 1)), layout="constrained")
    ax = fig.add_subplot()
    labels = [f"{c} {str(nm)[:28]}" for c, nm in zip(top["code"], top["name"], strict=True)]
    ax.barh(labels, top["_out"], color=INVOICED, label=outstanding_label)
    ax.barh(labels, top["_late"], color=LATE, label=overdue_label)
    ax.set_xlabel("€")
    ax.set_title(title or f"Top {n} outstanding")
    if len(top):
        ax.legend(loc="lower right", fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    return fig


