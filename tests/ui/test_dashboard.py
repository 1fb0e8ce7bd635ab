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


def test_export_portfolio(
    demo_book: clientops.Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the button writes through book.indicators.export, with the filters of the view shown
    calls: list[dict[str, object]] = []
    real = demo_book.indicators.export

    def export(path: Path, **kwargs: object) -> Path:
        calls.append(kwargs)
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(demo_book.indicators, "export", export)
    dash = Dashboard(demo_book, charts=False, export_dir=tmp_path)
    owner = demo_book.clients.list(limit=1)["owner"].iloc[0]
    dash.owner.value = owner
    dash.apply_button.click()
    dash.owner.value = "someone else"  # typed but not applied: the export is what is shown
    dash.export_button.click()
    assert dash.last_export is not None and dash.banner.kind == "ok"
    assert calls == [{"format": "xlsx", "lang": "fr", "on_progress": calls[0]["on_progress"],
                      "fiscal_year": None, "as_of": None, "tags": None, "owner": owner}]
    exported = pd.read_excel(dash.last_export, dtype={"Code": str})
    assert list(exported.columns[:4]) == ["Code", "Nom", "Statut", "Chiffre d'affaires (HT)"]
    assert exported["Code"].tolist() == dash.portfolio["code"].tolist()


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


CHART_WORDS = {
    # language: (aging title, aging buckets, top title, top legend, monthly title, monthly legend)
    "fr": ("Balance âgée",
           ["Non échu", "1–30 jours", "31–60 jours", "61–90 jours", "91–120 jours",
            "Plus de 120 jours"],
           "Plus gros encours", ["Encours", "dont échu"],
           "Facturé et encaissé par mois", ["Facturé TTC", "Encaissé"]),
    "en": ("Aged receivables",
           ["Not due", "1–30 days", "31–60 days", "61–90 days", "91–120 days", "Over 120 days"],
           "Top outstanding clients", ["Outstanding", "of which overdue"],
           "Invoiced and collected per month", ["Invoiced incl. tax", "Collected"]),
}


@pytest.mark.parametrize("language", ["fr", "en"])  # French by default, English on request
def test_charts_speak_the_ui_language(demo_book: clientops.Book, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch, language: str) -> None:
    if language != "fr":
        i18n.set_language(language)
    charts = chart_texts(demo_book, tmp_path, monkeypatch)
    aging_title, buckets, top_title, top_legend, monthly_title, monthly_legend = \
        CHART_WORDS[language]
    assert charts["aging"]["title"] == [aging_title]
    assert charts["aging"]["x"] == buckets
    assert charts["top"]["title"] == [top_title]
    assert charts["top"]["legend"] == top_legend
    assert charts["monthly"]["title"] == [monthly_title]
    assert charts["monthly"]["legend"] == monthly_legend
