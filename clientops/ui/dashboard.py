"""The analysts' activity dashboard: portfolio KPIs, aged receivables, monthly invoiced vs
collected, top outstanding clients, late payers — filtered by fiscal year, as-of date, tags
and account manager, exportable.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from .. import vocabulary
from . import fmt, labels
from .client_card import figure_png
from .client_list import download_link
from .controls import Banner, Progress, esc, guarded, html_table, style, tag
from .date_input import DateInput
from .i18n import _, babel_locale, get_language

if TYPE_CHECKING:
    from ..book import Book

BUCKETS = ["not_due", "days_1_30", "days_31_60", "days_61_90", "days_91_120", "days_over_120"]
TOP = 10


def bucket_labels() -> dict[str, str]:
    """The aging buckets' names in the UI's language (the table and the chart)."""
    return {b: vocabulary.field_label(b, get_language()) for b in BUCKETS}


def _sum(frame: pd.DataFrame, column: str) -> Any:
    if column not in frame.columns or frame.empty:
        return None
    return frame[column].dropna().sum()


class Dashboard(w.VBox):
    """Portfolio views over every client (or those with some tags / manager).

    Attributes:
      fiscal_year, as_of, tags, owner: the filters; ``apply`` recomputes.
      portfolio: the last ``book.indicators.portfolio`` frame, filtered.
    """

    def __init__(self, book: Book, charts: bool = True, export_dir: str | Path = "exports") -> None:
        self.book = book
        self.charts = charts
        self.export_dir = Path(export_dir)
        self.portfolio = pd.DataFrame()
        self.applied: dict[str, Any] = {}
        self.last_export: Path | None = None
        self.last_error: BaseException | None = None
        self.banner = Banner()
        self.progress = Progress()
        this_year = date.today().year
        self.fiscal_year = tag(w.Dropdown(
            options=[(_("Current"), 0)] + [(str(y), y) for y in range(this_year, this_year - 6, -1)],
            description=_("Fiscal year"), layout=w.Layout(width="230px")), "fiscal-year")
        self.as_of = tag(DateInput(description=_("As of"), value=None), "as-of")
        self.tags = tag(w.Text(description=_("Tags"), continuous_update=False,
                               layout=w.Layout(width="230px")), "dash-tags")
        self.owner = tag(w.Text(description=_("Manager"), continuous_update=False,
                                layout=w.Layout(width="230px")), "dash-owner")
        self.apply_button = tag(w.Button(description=_("Refresh"), icon="refresh",
                                         button_style="primary"), "dash-refresh")
        self.export_button = tag(w.Button(description=_("Export XLSX"), icon="download"),
                                 "dash-export")
        self.apply_button.on_click(lambda _b: self.refresh())
        self.export_button.on_click(lambda _b: self.export())
        self.kpis = tag(w.HTML(""), "dash-kpis")
        self.aging = tag(w.HTML(""), "dash-aging")
        self.top = tag(w.HTML(""), "dash-top")
        self.late = tag(w.HTML(""), "dash-late")
        self.monthly = tag(w.HTML(""), "dash-monthly")
        self.einvoicing = tag(w.HTML(""), "dash-einvoicing")
        self.aging_chart = tag(w.Image(format="png"), "dash-aging-chart")
        self.monthly_chart = tag(w.Image(format="png"), "dash-monthly-chart")
        self.top_chart = tag(w.Image(format="png"), "dash-top-chart")
        self.download = tag(w.HTML(""), "download")
        h = lambda text: w.HTML(f"<h3>{esc(text)}</h3>")  # noqa: E731
        super().__init__([
            style(), w.HTML("<h2>" + esc(_("Client activity")) + "</h2>"),
            w.HBox([self.fiscal_year, self.as_of, self.tags, self.owner]),
            w.HBox([self.apply_button, self.export_button]), self.progress, self.banner,
            self.download, self.kpis,
            w.HBox([w.VBox([h(_("Aged receivables")), self.aging, self.aging_chart]),
                    w.VBox([h(_("Invoiced and collected per month")), self.monthly_chart])]),
            w.HBox([w.VBox([h(_("Top outstanding clients")), self.top, self.top_chart]),
                    w.VBox([h(_("Late payers")), self.late])]),
            w.VBox([h(_("Per month")), self.monthly]),
            w.VBox([h(_("Share of revenue ready for e-invoicing (last 12 months)")),
                    self.einvoicing]),
        ])
        tag(self, "dashboard")
        self.refresh()

    # -- computing -------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        """The current filters as ``book.indicators.export`` keyword arguments."""
        tags = [t.strip() for t in self.tags.value.split(",") if t.strip()]
        return {"fiscal_year": self.fiscal_year.value or None, "as_of": self.as_of.value,
                "tags": tags or None, "owner": self.owner.value.strip() or None}

    def _codes(self, tags: list[str] | None, owner: str | None) -> set[str] | None:
        """Clients with the wanted tags / manager (``None``: no such filter)."""
        if not tags and owner is None:
            return None
        frame = self.book.clients.list(status="all", tags=tags, owner=owner)
        return {str(c) for c in frame["code"]}

    @guarded()
    def refresh(self) -> None:
        """Recompute every view for the current filters."""
        applied = self.filters()
        self.progress.start(4, _("Computing…"))
        frame = self.book.indicators.portfolio(fiscal_year=applied["fiscal_year"], exact=True,
                                               as_of=applied["as_of"])
        codes = self._codes(applied["tags"], applied["owner"])
        if codes is not None:
            frame = frame[frame["code"].isin(codes)]
        self.portfolio = frame
        self.applied = applied
        self.progress.step(1)
        self._draw_kpis(frame)
        self._draw_aging(frame)
        self.progress.step(2)
        self._draw_top(frame)
        self._draw_late(frame)
        self.progress.step(3)
        self._draw_monthly()
        self._draw_einvoicing(applied["as_of"])
        self.progress.finish()

    def _draw_kpis(self, frame: pd.DataFrame) -> None:
        def tile(label: str, value: str, late: bool = False) -> str:
            cls = ' class="co-late"' if late else ""
            return f'<div class="co-kpi"><b{cls}>{value}</b><span>{esc(label)}</span></div>'

        outstanding = _sum(frame, "outstanding")
        overdue = _sum(frame, "overdue")
        share = (float(overdue) / float(outstanding)) if outstanding else None
        owing = frame[frame["outstanding"].fillna(0) > 0] if "outstanding" in frame.columns else frame
        dso = owing["dso"].dropna() if "dso" in owing.columns else pd.Series(dtype=float)
        self.kpis.value = "".join([
            tile(_("Clients"), fmt.number(len(frame))),
            tile(_("Revenue (excl. tax)"), fmt.money(_sum(frame, "revenue"))),
            tile(_("Payments received"), fmt.money(_sum(frame, "payments_received"))),
            tile(_("Outstanding"), fmt.money(outstanding)),
            tile(_("Overdue"), fmt.money(overdue), bool(overdue)),
            tile(_("Overdue share"), fmt.percent(share)),
            tile(_("Median DSO of clients who owe (days)"), fmt.number(dso.astype(float).median() if len(dso) else None)),
        ])

    def _draw_aging(self, frame: pd.DataFrame) -> None:
        names = bucket_labels()
        totals = {b: _sum(frame, b) for b in BUCKETS}
        self.aging.value = html_table([[esc(names[b]), fmt.money(totals[b], empty="0")]
                                       for b in BUCKETS], [_("Bucket"), _("Amount")],
                                      numeric=(1,))
        if self.charts:
            from .. import plots

            aging = pd.DataFrame({"bucket": BUCKETS,
                                  "amount": [totals[b] or 0 for b in BUCKETS]})
            self.aging_chart.value = figure_png(plots.aging_chart(
                aging, title=_("Aged receivables"), bucket_labels=bucket_labels(),
                locale=babel_locale()))

    def _draw_top(self, frame: pd.DataFrame) -> None:
        if frame.empty:
            self.top.value = html_table([], [])
            return
        top = frame[frame["outstanding"].fillna(0) > 0].sort_values(
            "outstanding", ascending=False).head(TOP)
        self.top.value = html_table(
            [[esc(r["code"]), esc(r["name"]), fmt.money(r["outstanding"]), fmt.money(r["overdue"])]
             for r in top.to_dict("records")],
            [_("Code"), _("Name"), _("Outstanding"), _("Overdue")], numeric=(2, 3),
            empty=_("Nothing outstanding."))
        if self.charts:
            from .. import plots

            self.top_chart.value = figure_png(plots.top_outstanding_chart(
                frame, n=TOP, title=_("Top outstanding clients"),
                outstanding_label=_("Outstanding"), overdue_label=_("of which overdue"),
                locale=babel_locale()))

    def _draw_late(self, frame: pd.DataFrame) -> None:
        if frame.empty or "avg_days_late" not in frame.columns:
            self.late.value = html_table([], [])
            return
        late = frame[frame["avg_days_late"].astype(float).fillna(0) > 0].sort_values(
            "avg_days_late", ascending=False).head(TOP)
        self.late.value = html_table(
            [[esc(r["code"]), esc(r["name"]), fmt.number(r["avg_days_late"], 1),
              fmt.money(r["overdue"])] for r in late.to_dict("records")],
            [_("Code"), _("Name"), _("Average days late"), _("Overdue")], numeric=(2, 3),
            empty=_("Nobody pays late."))

    def _draw_einvoicing(self, as_of: Any) -> None:
        """Per flow, the revenue of the 12 months to the date and the share of it billed to
        clients ready for e-invoicing (``book.einvoicing.ready_revenue``)."""
        frame = self.book.einvoicing.ready_revenue(as_of)
        rows = [[esc(labels.value_label("einvoicing_flow", r["flow"])), fmt.money(r["revenue"]),
                 fmt.money(r["ready_revenue"]),
                 "—" if r["share"] is None else fmt.number(r["share"] * 100, 1) + " %"]
                for r in frame.to_dict("records")]
        self.einvoicing.value = html_table(
            rows, [_("Flow"), _("Revenue (12 months, excl. tax)"), _("Ready"), _("Share ready")],
            numeric=(1, 2, 3))

    def _draw_monthly(self) -> None:
        monthly = self.book.indicators.monthly(months=12, exact=True)
        rows = []
        for r in monthly.to_dict("records"):
            rows.append([esc(fmt.month(r.get("month"))), fmt.money(r.get("invoiced_excl_tax", r.get("invoiced"))),
                         fmt.money(r.get("invoiced_incl_tax", r.get("invoiced"))),
                         fmt.money(r.get("collected")),
                         fmt.money(r.get("credit_notes_incl_tax", r.get("credit_notes")))])
        self.monthly.value = html_table(
            rows, [_("Month"), _("Invoiced excl. tax"), _("Invoiced incl. tax"), _("Collected"),
                   _("Credit notes incl. tax")], numeric=(1, 2, 3, 4))
        if self.charts:
            from .. import plots

            self.monthly_chart.value = figure_png(plots.monthly_chart(
                monthly, title=_("Invoiced and collected per month"),
                invoiced_label=_("Invoiced incl. tax"), collected_label=_("Collected"),
                locale=babel_locale()))

    # -- export ----------------------------------------------------------------------------
    @guarded()
    def export(self) -> Path:
        """The portfolio shown as XLSX, with a download link in the web app.

        Written by ``book.indicators.export`` with the filters of the last refresh.
        """
        self.export_dir.mkdir(parents=True, exist_ok=True)
        try:
            path = self.book.indicators.export(
                self.export_dir / f"portfolio-{datetime.now():%Y%m%d-%H%M%S}.xlsx",
                format="xlsx", lang=get_language(),
                on_progress=self.progress.follow(_("Exporting…")), **self.applied)
        finally:
            self.progress.finish()
        self.last_export = path
        self.banner.ok(_("Portfolio exported to {path}.").format(path=path))
        self.download.value = download_link(path)
        return path


__all__ = ["Dashboard"]
