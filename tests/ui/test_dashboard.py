"""The activity dashboard, headless."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

import clientops
from clientops.ui import dashboard, fmt, i18n
from clientops.ui.dashboard import Dashboard

from .conftest import TODAY


def test_kpis_are_the_portfolio_totals(demo_book: clientops.Book, tmp_path: Path) -> None:
    dash = Dashboard(demo_book, export_dir=tmp_path)
    portfolio = demo_book.indicators.portfolio()
    assert fmt.money(portfolio["outstanding"].sum()) in dash.kpis.value
    assert fmt.money(portfolio["overdue"].sum()) in dash.kpis.value
    aging = demo_book.indicators.aging()
    for amount in aging["amount"]:
        assert fmt.money(amount) in dash.aging.value or amount == 0
    top = portfolio.sort_values("outstanding", ascending=False).iloc[0]
    assert top["code"] in dash.top.value
    for image in (dash.aging_chart, dash.monthly_chart, dash.top_chart):
        assert image.value[:4] == b"\x89PNG"
    assert dash.banner.kind == ""


def test_filters_owner_tags_and_as_of(demo_book: clientops.Book, tmp_path: Path) -> None:
    dash = Dashboard(demo_book, charts=False, export_dir=tmp_path)
    owner = demo_book.clients.list(limit=1)["owner"].iloc[0]
    dash.owner.value = owner
    dash.apply_button.click()
    mine = set(demo_book.clients.list(status="all", owner=owner)["code"])
    assert set(dash.portfolio["code"]) <= mine and len(dash.portfolio) > 0
    dash.owner.value = ""
    dash.tags.value = "no-such-tag"
    dash.apply_button.click()
    assert dash.portfolio.empty and "0" in dash.kpis.value
    dash.tags.value = ""
    dash.as_of.value = TODAY.replace(year=TODAY.year - 1)
    dash.apply_button.click()
    past = demo_book.indicators.portfolio(as_of=dash.as_of.value)
    assert fmt.money(past["outstanding"].sum()) in dash.kpis.value


def test_export_portfolio(demo_book: clientops.Book, tmp_path: Path) -> None:
    dash = Dashboard(demo_book, charts=False, export_dir=tmp_path)
    dash.export_button.click()
    assert dash.last_export is not None
    assert len(pd.read_excel(dash.last_export)) == len(dash.portfolio)


def chart_texts(book: clientops.Book, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, list[str]]]:
    """Title, legend and bar names of the dashboard's three charts, as drawn for the PNGs."""
    figures: list[Figure] = []
    monkeypatch.setattr(dashboard, "figure_png", lambda fig: figures.append(fig) or b"")
    Dashboard(book, export_dir=tmp_path)

    def seen(fig: Figure) -> dict[str, list[str]]:
        ax = fig.axes[0]
        legend = ax.get_legend()
        return {"title": [ax.get_title()],
                "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
                "x": [t.get_text() for t in ax.get_xticklabels()]}

    aging, top, monthly = figures  # drawn in this order by Dashboard.refresh
    return {"aging": seen(aging), "top": seen(top), "monthly": seen(monthly)}


def test_charts_speak_french_by_default(demo_book: clientops.Book, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    charts = chart_texts(demo_book, tmp_path, monkeypatch)
    assert charts["aging"]["title"] == ["Balance âgée"]
    assert charts["aging"]["x"] == ["Non échu", "1–30 jours", "31–60 jours", "61–90 jours",
                                    "91–120 jours", "Plus de 120 jours"]
    assert charts["top"]["title"] == ["Plus gros encours"]
    assert charts["top"]["legend"] == ["Encours", "dont échu"]
    assert charts["monthly"]["title"] == ["Facturé et encaissé par mois"]
    assert charts["monthly"]["legend"] == ["Facturé TTC", "Encaissé"]


def test_charts_speak_english_on_request(demo_book: clientops.Book, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    i18n.set_language("en")
    charts = chart_texts(demo_book, tmp_path, monkeypatch)
    assert charts["aging"]["title"] == ["Aged receivables"]
    assert charts["aging"]["x"] == ["Not due", "1–30 days", "31–60 days", "61–90 days",
                                    "91–120 days", "Over 120 days"]
    assert charts["top"]["title"] == ["Top outstanding clients"]
    assert charts["top"]["legend"] == ["Outstanding", "of which overdue"]
    assert charts["monthly"]["title"] == ["Invoiced and collected per month"]
    assert charts["monthly"]["legend"] == ["Invoiced incl. tax", "Collected"]
