"""The activity dashboard, headless."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import clientops
from clientops.ui import fmt
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
