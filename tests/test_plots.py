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


def texts(fig: Figure) -> dict[str, object]:
    """What a reader sees on a chart: its title, legend and category ticks."""
    ax = fig.axes[0]
    legend = ax.get_legend()
    return {"title": ax.get_title(),
            "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
            "x": [t.get_text() for t in ax.get_xticklabels()]}


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


def test_texts_default_to_english(charted: clientops.Book) -> None:
    monthly = texts(plots.monthly_chart(charted.indicators.monthly(months=6, as_of=handmade.AS_OF)))
    assert (monthly["title"], monthly["legend"]) == (
        "Invoiced vs collected per month", ["invoiced (incl. tax)", "collected"])
    aging = texts(plots.aging_chart(charted.indicators.aging(as_of=handmade.AS_OF)))
    assert aging["x"] == ["not due", "1–30 days", "31–60 days", "61–90 days", "91–120 days",
                          "over 120 days"]  # indicators.BUCKETS
    top = texts(plots.top_outstanding_chart(charted.indicators.portfolio(as_of=handmade.AS_OF)))
    assert (top["title"], top["legend"]) == ("Top 10 outstanding", ["outstanding", "of which overdue"])


def test_texts_are_the_callers(charted: clientops.Book) -> None:
    # the UI passes its translated words: the domain knows no language
    monthly = texts(plots.monthly_chart(
        charted.indicators.monthly(months=6, as_of=handmade.AS_OF), "Facturé et encaissé",
        invoiced_label="Facturé TTC", collected_label="Encaissé"))
    assert (monthly["title"], monthly["legend"]) == ("Facturé et encaissé", ["Facturé TTC", "Encaissé"])
    aging = texts(plots.aging_chart(
        charted.indicators.aging(as_of=handmade.AS_OF), "Balance âgée",
        bucket_labels={"not_due": "Non échu", "days_over_120": "Plus de 120 jours"}))
    assert aging["title"] == "Balance âgée"
    # a bucket without a label keeps its code
    assert aging["x"] == ["Non échu", "days_1_30", "days_31_60", "days_61_90", "days_91_120",
                          "Plus de 120 jours"]
    top = texts(plots.top_outstanding_chart(
        charted.indicators.portfolio(as_of=handmade.AS_OF), n=2, title="Plus gros encours",
        outstanding_label="Encours", overdue_label="dont échu"))
    assert (top["title"], top["legend"]) == ("Plus gros encours", ["Encours", "dont échu"])


def test_a_long_name_is_shown_whole_on_several_lines(charted: clientops.Book) -> None:
    long_name = "Établissements Hoffmann et Fils — Matériaux de Mulhouse"
    biggest = charted.indicators.portfolio(as_of=handmade.AS_OF).nlargest(1, "outstanding")
    code = biggest["code"].iloc[0]
    charted.clients.update(code, name=long_name)
    fig = plots.top_outstanding_chart(charted.indicators.portfolio(as_of=handmade.AS_OF), n=2)
    label = [t.get_text() for t in fig.axes[0].get_yticklabels()][-1]
    assert "\n" in label and label.replace("\n", " ") == f"{code} {long_name}"
