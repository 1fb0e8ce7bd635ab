"""Plots return matplotlib Figures built from the indicator frames."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import handmade  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import clientops  # noqa: E402
from clientops import plots  # noqa: E402


@pytest.fixture
def charted(book: clientops.Book) -> clientops.Book:
    handmade.build(book)
    return book


def test_monthly_chart(charted: clientops.Book) -> None:
    fig = plots.monthly_chart(charted.indicators.monthly(months=6, as_of=handmade.AS_OF))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    # two bars per month: invoiced then collected
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 12
    assert heights[1:6] == [2400.0, 2160.0, 1200.0, 0.0, 600.0]
    assert heights[6 + 3] == 3000.0


def test_aging_chart(charted: clientops.Book) -> None:
    fig = plots.aging_chart(charted.indicators.aging(as_of=handmade.AS_OF))
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == [480.0, 0.0, 400.0, 600.0, 960.0, 0.0]


def test_top_outstanding_chart(charted: clientops.Book, tmp_path) -> None:
    fig = plots.top_outstanding_chart(charted.indicators.portfolio(as_of=handmade.AS_OF), n=2)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    # the two biggest, biggest on top (last tick)
    assert [lab.split(" ", 1)[1] for lab in labels] == ["Alpha SARL", "Charlie SAS"]
    fig.savefig(tmp_path / "top.png")
    assert (tmp_path / "top.png").stat().st_size > 1000
