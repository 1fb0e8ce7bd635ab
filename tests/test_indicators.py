"""Portfolio indicators on the hand-made portfolio (tests/handmade.py), tables written by hand."""

from __future__ import annotations

import math
import shutil
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import handmade
import named_credits
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import clientops
from clientops.indicators import PORTFOLIO_COLUMNS, fiscal_year, fiscal_year_of

NAN = float("nan")
Z = D("0.00")

MONEY = ["revenue", "payments_received", "outstanding", "overdue", "not_due", "days_1_30",
         "days_31_60", "days_61_90", "days_91_120", "days_over_120", "unallocated_credit"]


def rows(frame: pd.DataFrame) -> list[tuple]:
    cols = ["name", "status", *MONEY, "dso", "avg_days_late"]
    out = []
    for rec in frame[cols].to_dict("records"):
        out.append(tuple(rec[c] for c in cols))
    return out


def assert_table(frame: pd.DataFrame, expected: list[tuple]) -> None:
    got = rows(frame)
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g[:-2] == e[:-2], (g, e)
        for x, y in zip(g[-2:], e[-2:], strict=True):
            if isinstance(y, float) and math.isnan(y):
                assert x is None or (isinstance(x, float) and math.isnan(x)), (g, e)
            else:
                assert x == pytest.approx(y), (g, e)


@pytest.fixture
def portfolio_book(book: clientops.Book) -> clientops.Book:
    handmade.build(book)
    return book


# name, status, revenue, payments_received, outstanding, overdue, not_due, 1-30, 31-60, 61-90,
# 91-120, >120, unallocated credit, dso, avg days late
AT_31_MARCH_FY2026 = [
    # partial payments naming the invoice; the credit note takes 120 off the invoice due today
    ("Alpha SARL", "active", D("1400.00"), D("800.00"), D("880.00"), D("400.00"), D("480.00"),
     Z, D("400.00"), Z, Z, Z, Z, 880 / 1800 * 365, NAN),
    # the unnamed payment settles the oldest due date first, 45 days late
    ("Bravo SA", "active", Z, D("3000.00"), D("600.00"), D("600.00"), Z, Z, Z, D("600.00"), Z,
     Z, Z, 600 / 3600 * 365, 45.0),
    # 95 days late
    ("Charlie SAS", "active", Z, Z, D("960.00"), D("960.00"), Z, Z, Z, Z, D("960.00"), Z, Z,
     365.0, NAN),
    # a payment with no invoice at all: unallocated credit, not negative outstanding
    ("Delta Dupont", "archived", Z, D("250.00"), Z, Z, Z, Z, Z, Z, Z, Z, D("250.00"), NAN, NAN),
]


def test_portfolio_as_of_31_march(portfolio_book: clientops.Book) -> None:
    frame = portfolio_book.indicators.portfolio(as_of=handmade.AS_OF, exact=True)
    assert list(frame.columns) == PORTFOLIO_COLUMNS
    assert frame.attrs["fiscal_year"] == 2026
    assert_table(frame, AT_31_MARCH_FY2026)
    for col in MONEY:
        assert str(frame[col].dtype).startswith("decimal128"), col


def test_portfolio_exports(portfolio_book: clientops.Book, tmp_path) -> None:
    frame = portfolio_book.indicators.portfolio(as_of=handmade.AS_OF, exact=True)
    frame.to_parquet(tmp_path / "p.parquet")
    frame.to_csv(tmp_path / "p.csv", index=False)
    back = pd.read_parquet(tmp_path / "p.parquet")
    assert back["outstanding"].tolist() == frame["outstanding"].tolist()
    assert "880.00" in (tmp_path / "p.csv").read_text()


def test_past_as_of_only_counts_what_existed(portfolio_book: clientops.Book) -> None:
    frame = portfolio_book.indicators.portfolio(as_of=date(2026, 1, 31))
    assert_table(frame, [
        # A's invoice is not yet due on 31 Jan; nothing else of A's existed yet
        ("Alpha SARL", "active", D("1000.00"), Z, D("1200.00"), Z, D("1200.00"), Z, Z, Z, Z, Z,
         Z, 365.0, NAN),
        # the 15 Jan payment already settled B's older invoice; the other is 31 days late
        ("Bravo SA", "active", Z, D("3000.00"), D("600.00"), D("600.00"), Z, Z, D("600.00"), Z,
         Z, Z, Z, 600 / 3600 * 365, 45.0),
        ("Charlie SAS", "active", Z, Z, D("960.00"), D("960.00"), Z, Z, D("960.00"), Z, Z, Z, Z,
         365.0, NAN),
        # D's payment of 1 Feb did not exist yet
        ("Delta Dupont", "archived", Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, NAN, NAN),
    ])


def test_invoices_settled_before_the_period_still_feed_the_pool(book: clientops.Book) -> None:
    """The past-date allocation leaves out invoices settled by their named credits before the
    period — but not one paid more than it owed: the excess still reaches the pool."""
    code = book.clients.create(kind="company", name="Echo SARL").code
    over = book.documents.add(code, kind="invoice", issue_date=date(2025, 1, 10),
                              total_excl_tax=D("100.00"), tax=D("0.00"))
    book.payments.add(code, paid_on=date(2025, 1, 20), amount=D("130.00"), invoice=over.number)
    twice = book.documents.add(code, kind="invoice", issue_date=date(2025, 2, 1),
                               total_excl_tax=D("80.00"), tax=D("0.00"))
    for day in (date(2025, 2, 5), date(2025, 2, 9)):   # two payments, exactly what it owed
        book.payments.add(code, paid_on=day, amount=D("40.00"), invoice=twice.number)
    book.documents.add(code, kind="invoice", issue_date=date(2025, 3, 1),
                       due_date=date(2025, 3, 31), total_excl_tax=D("50.00"), tax=D("0.00"))
    as_of = date(2026, 6, 30)   # both settled invoices are before the period (from 30 June 2025)
    # something dated later, so that the allocation as of 30 June runs from scratch
    other = book.clients.create(kind="company", name="Foxtrot SA").code
    book.documents.add(other, kind="invoice", issue_date=date(2026, 7, 15),
                       total_excl_tax=D("10.00"), tax=D("0.00"))
    row = book.indicators.portfolio(as_of=as_of).set_index("code").loc[code]
    # the 30.00 overpaid on the first invoice pays part of the third: 20.00 still open
    assert (row["outstanding"], row["overdue"], row["days_over_120"]) == (D("20.00"),) * 3
    assert row["outstanding"] == book.card(code, as_of=as_of).kpis.outstanding


def test_as_of_year_end_bucket_boundaries(portfolio_book: clientops.Book) -> None:
    frame = portfolio_book.indicators.portfolio(as_of=date(2025, 12, 31))
    assert frame.attrs["fiscal_year"] == 2025
    assert_table(frame, [
        ("Alpha SARL", "active", Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, NAN, NAN),
        # 30 days late is still 1-30; due on the as-of date is not due
        ("Bravo SA", "active", D("3000.00"), Z, D("3600.00"), D("2400.00"), D("1200.00"),
         D("2400.00"), Z, Z, Z, Z, Z, 365.0, NAN),
        ("Charlie SAS", "active", D("800.00"), Z, D("960.00"), D("960.00"), Z, D("960.00"), Z, Z,
         Z, Z, Z, 365.0, NAN),
        ("Delta Dupont", "archived", Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, NAN, NAN),
    ])


def test_fiscal_year_starting_in_july(portfolio_book: clientops.Book) -> None:
    portfolio_book.settings.update(fiscal_year_start_month=7)
    frame = portfolio_book.indicators.portfolio(as_of=handmade.AS_OF)
    # 31 March 2026 falls in FY 2025 = 1 July 2025 – 30 June 2026: every document counts
    assert frame.attrs["fiscal_year"] == 2025
    assert frame.attrs["fy_start"] == "2025-07-01"
    assert frame.attrs["fy_end"] == "2026-06-30"
    assert frame["revenue"].tolist() == [D("1400.00"), D("3000.00"), D("800.00"), Z]
    assert frame["payments_received"].tolist() == [D("800.00"), D("3000.00"), Z, D("250.00")]
    earlier = portfolio_book.indicators.portfolio(fiscal_year=2024, as_of=handmade.AS_OF)
    assert earlier["revenue"].tolist() == [Z, Z, Z, Z]
    # a year taken from a DataFrame is a numpy integer
    import numpy as np
    same = portfolio_book.indicators.portfolio(fiscal_year=np.int64(2024), as_of=handmade.AS_OF)
    pd.testing.assert_frame_equal(same, earlier)
    assert same.attrs["fiscal_year"] == 2024
    # outstanding does not depend on the fiscal year
    assert earlier["outstanding"].tolist() == frame["outstanding"].tolist()


@pytest.mark.parametrize(
    ("start_month", "year", "first", "last"),
    [
        (1, 2026, date(2026, 1, 1), date(2026, 12, 31)),   # calendar year
        (7, 2025, date(2025, 7, 1), date(2026, 6, 30)),    # named by the year it starts
        (4, 2024, date(2024, 4, 1), date(2025, 3, 31)),    # British-style April start
        (3, 2023, date(2023, 3, 1), date(2024, 2, 29)),    # ends on a leap day
    ],
)
def test_fiscal_year_bounds(start_month: int, year: int, first: date, last: date) -> None:
    fy = fiscal_year(start_month, year)
    assert (fy.start, fy.end) == (first, last)
    assert fiscal_year_of(first, start_month) == year
    assert fiscal_year_of(last, start_month) == year


def test_maintained_and_recomputed_paths_agree(portfolio_book: clientops.Book) -> None:
    fast = portfolio_book.indicators.portfolio(as_of=date(2026, 11, 27))
    # a payment dated later forces the from-scratch allocation for the same as-of date (today:
    # a payment cannot be dated in the future, and these tests run after 27/11/2026)
    portfolio_book.payments.add(handmade_code(portfolio_book, "Charlie SAS"),
                                paid_on=date.today(), amount=D("10.00"))
    slow = portfolio_book.indicators.portfolio(as_of=date(2026, 11, 27))
    pd.testing.assert_frame_equal(fast, slow)


def handmade_code(book: clientops.Book, name: str) -> str:
    frame = book.indicators.portfolio(as_of=handmade.AS_OF)
    return str(frame.loc[frame["name"] == name, "code"].iloc[0])


def test_aging_totals(portfolio_book: clientops.Book) -> None:
    aging = portfolio_book.indicators.aging(as_of=handmade.AS_OF)
    assert aging["bucket"].tolist() == ["not_due", "days_1_30", "days_31_60", "days_61_90",
                                        "days_91_120", "days_over_120"]
    assert aging["amount"].tolist() == [D("480.00"), Z, D("400.00"), D("600.00"), D("960.00"), Z]
    assert aging["invoices"].tolist() == [1, 0, 1, 1, 1, 0]
    past = portfolio_book.indicators.aging(as_of=date(2025, 12, 31))
    assert past["amount"].tolist() == [D("1200.00"), D("3360.00"), Z, Z, Z, Z]


def test_monthly(portfolio_book: clientops.Book) -> None:
    monthly = portfolio_book.indicators.monthly(months=5, as_of=handmade.AS_OF)
    assert [str(m) for m in monthly["month"]] == [
        "2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01"]
    assert monthly["invoiced_excl_tax"].tolist() == [
        D("2000.00"), D("1800.00"), D("1000.00"), Z, D("500.00")]
    assert monthly["invoiced_incl_tax"].tolist() == [
        D("2400.00"), D("2160.00"), D("1200.00"), Z, D("600.00")]
    assert monthly["collected"].tolist() == [Z, Z, D("3000.00"), D("750.00"), D("300.00")]
    assert monthly["credit_notes_incl_tax"].tolist() == [Z, Z, Z, Z, D("120.00")]
    one = portfolio_book.indicators.monthly(code=handmade_code(portfolio_book, "Alpha SARL"),
                                            months=2, as_of=handmade.AS_OF)
    assert one["collected"].tolist() == [D("500.00"), D("300.00")]


def test_quote_conversion_rate(book: clientops.Book) -> None:
    code = book.clients.create(kind="company", name="Quotes SA").code
    for status in ("accepted", "accepted", "refused", "issued"):
        book.documents.add(code, kind="quote", issue_date=date(2026, 3, 2),
                           total_excl_tax=D("100.00"), status=status)
    monthly = book.indicators.monthly(months=1, as_of=date(2026, 3, 31))
    # 2 accepted ÷ (2 accepted + 1 refused); pending quotes do not count; quotes are not money
    assert monthly["quote_conversion_rate"].tolist() == [pytest.approx(2 / 3)]
    assert monthly["invoiced_excl_tax"].tolist() == [Z]
    assert book.indicators.portfolio(as_of=date(2026, 3, 31))["revenue"].tolist() == [Z]


def test_empty_book(book: clientops.Book) -> None:
    assert list(book.indicators.portfolio().columns) == PORTFOLIO_COLUMNS
    assert book.indicators.aging()["amount"].tolist() == [Z] * 6


def test_portfolio_lines_up_clients_after_a_deletion(portfolio_book: clientops.Book) -> None:
    # a gap in the client ids (a deleted client) must not shift anyone's figures
    before = portfolio_book.indicators.portfolio(as_of=handmade.AS_OF)
    gone = portfolio_book.clients.create(kind="company", name="Zulu Éphémère SAS").code
    portfolio_book.clients.delete(gone)
    portfolio_book.clients.create(kind="company", name="Yankee SARL")
    after = portfolio_book.indicators.portfolio(as_of=handmade.AS_OF)
    assert gone not in after["code"].tolist()
    pd.testing.assert_frame_equal(after.iloc[:len(before)], before)
    assert after.iloc[-1]["name"] == "Yankee SARL"
    assert after.iloc[-1]["outstanding"] == Z


def test_portfolio_table_spreads_sums_by_client_id() -> None:
    import pyarrow as pa

    from clientops.portfolio import SUMS, portfolio_table

    clients = pa.table({"id": [2, 5, 9], "code": ["A", "B", "C"], "name": ["a", "b", "c"],
                        "status": ["active"] * 3})
    sums = pa.table({"client_id": [9, 2], **{name: [100, None] for name in SUMS},
                     "revenue": [-123, 40], "unallocated_credit": [None, 5]})
    payments = pa.table({"client_id": [5], "payments_received": [250]})
    frame = portfolio_table(clients, sums, payments).to_pandas()
    # negative cents keep their sign in the decimal's high word
    assert frame["revenue"].tolist() == [D("0.40"), Z, D("-1.23")]
    assert frame["outstanding"].tolist() == [Z, Z, D("1.00")]
    assert frame["overdue"].tolist() == [Z, Z, D("0.00")]
    assert frame["payments_received"].tolist() == [Z, D("2.50"), Z]
    assert frame["unallocated_credit"].tolist() == [D("0.05"), Z, Z]
    assert frame["dso"].tolist()[2] == pytest.approx(365.0)
    stray = pa.table({"client_id": [7], "payments_received": [1]})
    with pytest.raises(RuntimeError, match="not in the book"):
        portfolio_table(clients, sums, stray)


# -- the kept sums (portfolio_sums): current after every write, the same as from scratch ------
def from_scratch(book: clientops.Book, day: date, fiscal_year: int | None = None) -> pd.DataFrame:
    """The portfolio with the allocation and every sum computed from scratch — after checking
    that the named-credit columns it reads are what the credits say (so that a write which
    left them stale cannot pass unseen)."""
    from clientops.frames import arrow_to_df
    from clientops.indicators import (
        clients_in_id_order,
        payments_sql,
        portfolio_sql,
        portfolio_table,
        resolve_period,
        sums_params,
    )

    day, fy = resolve_period(book, fiscal_year, day)
    params = sums_params(day, fy)
    with book.store.connection() as conn:
        named_credits.assert_current(conn)
        sums = conn.execute(portfolio_sql(False), params).to_arrow_table()
        paid = conn.execute(payments_sql(), {k: params[k] for k in ("as_of", "fy_start", "fy_end")}
                            ).to_arrow_table()
        clients = clients_in_id_order(conn)
    return arrow_to_df(portfolio_table(clients, sums, paid, exact=False))  # portfolio()'s form


def kept_for(book: clientops.Book) -> list[tuple]:
    with book.store.connection() as conn:
        return conn.execute("SELECT * FROM portfolio_sums_state").fetchall()


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    got = got.copy()
    got.attrs = {}
    pd.testing.assert_frame_equal(got, expected)


def test_kept_sums_stay_current_through_every_kind_of_write(book: clientops.Book,
                                                           tmp_path) -> None:
    from clientops.demo import build_demo

    day = date(2026, 6, 15)
    build_demo(book, clients=40, seed=3, progress=False, today=day)
    assert kept_for(book) == [(day, date(2026, 1, 1), date(2026, 12, 31))]
    assert_same(book.indicators.portfolio(as_of=day), from_scratch(book, day))
    codes = book.clients.list()["code"].tolist()
    a, b, c = codes[0], codes[1], codes[2]

    invoice = book.documents.add(a, kind="invoice", issue_date=date(2026, 2, 1),
                                 due_date=date(2026, 3, 1), total_excl_tax=D("500.00"),
                                 tax=D("100.00"))
    book.documents.add(a, kind="credit_note", issue_date=date(2026, 4, 1),
                       total_excl_tax=D("50.00"), tax=D("10.00"), cancels=invoice.number)
    book.documents.add(b, kind="quote", issue_date=date(2026, 6, 1),
                       total_excl_tax=D("70.00"), tax=D("14.00"))
    book.payments.add(a, paid_on=date(2026, 5, 2), amount=D("200.00"), method="transfer",
                      invoice=invoice.number)
    book.payments.add(b, paid_on=date(2026, 6, 15), amount=D("12345.67"), method="cheque")
    pd.DataFrame({
        "client_code": [c, c], "kind": ["invoice", "credit_note"], "number": ["X-1", "X-2"],
        "issue_date": ["2025-07-01", "2026-06-01"], "due_date": ["2025-08-01", None],
        "total_excl_tax": ["1000.00", "30.00"], "tax": ["200.00", "6.00"],
    }).to_csv(tmp_path / "docs.csv", index=False)
    assert book.documents.import_file(tmp_path / "docs.csv").empty
    pd.DataFrame({
        "client_code": [c, a], "paid_on": ["2026-01-10", "2026-06-14"],
        "amount": ["300.00", "45.10"], "method": ["transfer", "card"],
        "reference": ["R-1", "R-2"], "invoice": ["X-1", None],
    }).to_csv(tmp_path / "pays.csv", index=False)
    assert book.payments.import_file(tmp_path / "pays.csv").empty
    assert kept_for(book) == [(day, date(2026, 1, 1), date(2026, 12, 31))]
    assert_same(book.indicators.portfolio(as_of=day), from_scratch(book, day))

    changeset = book.clients.merge(keep=a, drop=c)
    assert_same(book.indicators.portfolio(as_of=day), from_scratch(book, day))
    book.bulk.undo(changeset)
    assert kept_for(book) == [(day, date(2026, 1, 1), date(2026, 12, 31))]
    assert_same(book.indicators.portfolio(as_of=day), from_scratch(book, day))


def test_kept_sums_are_dropped_by_a_write_dated_after_them(book: clientops.Book) -> None:
    from clientops.demo import build_demo

    day = date(2026, 6, 15)
    build_demo(book, clients=20, seed=4, progress=False, today=day)
    code = book.clients.list()["code"].iloc[0]
    book.payments.add(code, paid_on=date(2026, 6, 16), amount=D("10.00"), method="cheque")
    assert kept_for(book) == []
    assert_same(book.indicators.portfolio(as_of=day), from_scratch(book, day))
    # another day's or another fiscal year's portfolio is computed, not kept
    assert_same(book.indicators.portfolio(as_of=date(2026, 6, 16)),
                from_scratch(book, date(2026, 6, 16)))
    assert_same(book.indicators.portfolio(as_of=day, fiscal_year=2025),
                from_scratch(book, day, 2025))
    assert kept_for(book) == []
    # keeping them again replaces the stale rows left behind
    from clientops.indicators import resolve_period, sums_params, write_portfolio_sums

    with book.store.transaction() as conn:
        write_portfolio_sums(conn, sums_params(*resolve_period(book, None, date(2026, 6, 16))))
    assert kept_for(book) == [(date(2026, 6, 16), date(2026, 1, 1), date(2026, 12, 31))]
    assert_same(book.indicators.portfolio(as_of=date(2026, 6, 16)),
                from_scratch(book, date(2026, 6, 16)))


def test_todays_portfolio_keeps_its_sums_for_the_next(portfolio_book: clientops.Book) -> None:
    today = date.today()
    first = portfolio_book.indicators.portfolio()
    fy = first.attrs
    assert kept_for(portfolio_book) == [(today, date.fromisoformat(fy["fy_start"]),
                                         date.fromisoformat(fy["fy_end"]))]
    assert_same(first, from_scratch(portfolio_book, today))
    pd.testing.assert_frame_equal(portfolio_book.indicators.portfolio(), first)
    # another fiscal year now and then is computed and does not replace them
    earlier = portfolio_book.indicators.portfolio(fiscal_year=first.attrs["fiscal_year"] - 1)
    assert_same(earlier, from_scratch(portfolio_book, today, first.attrs["fiscal_year"] - 1))
    assert kept_for(portfolio_book)[0][1] == date.fromisoformat(fy["fy_start"])
    # a new fiscal-year start month: the kept sums are for another fiscal year
    portfolio_book.settings.update(fiscal_year_start_month=7)
    moved = portfolio_book.indicators.portfolio()
    assert moved.attrs["fy_start"] != fy["fy_start"]
    assert_same(moved, from_scratch(portfolio_book, today))
    assert kept_for(portfolio_book)[0][1] == date.fromisoformat(moved.attrs["fy_start"])


def test_a_read_only_book_computes_without_keeping(db_path) -> None:
    with clientops.open(db_path, idle_window=0) as book:
        handmade.build(book)
    with clientops.open(db_path, read_only=True, idle_window=0) as book:
        frame = book.indicators.portfolio()
        assert kept_for(book) == []
        assert_same(frame, from_scratch(book, date.today()))


@st.composite
def operations(draw):
    """A few writes through the API: invoices, credit notes, payments (named or not), dated
    around D = 15 June 2026, now and then after it."""
    ops = []
    invoices = 0
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["invoice", "invoice", "credit_note", "payment", "payment"]))
        client = draw(st.integers(0, 2))
        offset = draw(st.one_of(st.integers(-420, 0), st.integers(-420, 3)))
        amount = D(draw(st.integers(1, 4000))) / 4
        named = draw(st.integers(0, invoices)) if invoices else 0
        ops.append((kind, client, offset, amount, named, draw(st.sampled_from([0, 15, 45]))))
        invoices += kind == "invoice"
    return ops


KEPT_SUMS_DAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def three_clients(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-client demo book as of KEPT_SUMS_DAY, built once: the demo is the same for a seed and
    a day, so each example below starts from a copy of this file (as if built afresh)."""
    from clientops.demo import build_demo

    path = tmp_path_factory.mktemp("kept-sums") / "three.duckdb"
    build_demo(path, clients=3, seed=5, progress=False, today=KEPT_SUMS_DAY)
    assert not Path(f"{path}.wal").exists()  # the whole book is in the one file copied
    return path


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations())
def test_kept_sums_equal_the_sums_from_scratch_after_any_writes(three_clients: Path,
                                                                  ops) -> None:
    """Whatever writes happen (some dated after D), the portfolio as of D — from the kept sums
    when they are still there — is the portfolio computed from scratch."""
    import tempfile

    day = KEPT_SUMS_DAY
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copyfile(three_clients, Path(tmp) / "b.duckdb")
        # the default idle window: the connection stays open between the writes (a cold
        # connection per write cost half of each example; test_db covers the hand-overs)
        with clientops.open(Path(tmp) / "b.duckdb") as book:
            _apply_and_compare(book, day, ops)


def _apply_and_compare(book: clientops.Book, day: date, ops) -> None:
    """Apply the drawn writes to the book, then compare the kept sums with a computation from
    scratch as of ``day``."""
    codes = book.clients.list(status="all")["code"].tolist()
    numbers: list[tuple[str, str]] = []   # (client code, invoice number) in order
    for kind, client, offset, amount, named, terms in ops:
        code, on = codes[client], day + timedelta(days=offset)
        if book.clients.get(code).status == "archived":
            book.clients.restore(code)
        target = numbers[named - 1] if named and numbers[named - 1][0] == code else None
        if kind == "invoice":
            doc = book.documents.add(code, kind="invoice", issue_date=on,
                                     due_date=on + timedelta(days=terms),
                                     total_excl_tax=amount, tax=D("0.00"))
            numbers.append((code, doc.number))
        elif kind == "credit_note":
            book.documents.add(code, kind="credit_note", issue_date=on,
                               total_excl_tax=amount, tax=D("0.00"),
                               cancels=target[1] if target else None)
        else:
            book.payments.add(code, paid_on=on, amount=amount, method="transfer",
                              invoice=target[1] if target else None)
    later = any(offset > 0 for _k, _c, offset, *_r in ops)
    assert (kept_for(book) == []) == later
    assert_same(book.indicators.portfolio(as_of=day), from_scratch(book, day))


# -- the pandas analysts use (issue 18) ----------------------------------------------------------
@pytest.fixture
def cents_book(portfolio_book: clientops.Book) -> clientops.Book:
    """The hand-made portfolio plus amounts with cents no double holds exactly (0.10, 0.29…)."""
    code = portfolio_book.clients.create(kind="company", name="Cents SARL").code
    for day, amount in ((2, "0.10"), (3, "0.29"), (4, "1234567.89")):
        portfolio_book.documents.add(code, kind="invoice", issue_date=date(2026, 3, day),
                                     total_excl_tax=D(amount), tax=D("0.00"))
    return portfolio_book


def test_money_is_float64_equal_to_the_exact_sums_to_the_cent(cents_book: clientops.Book) -> None:
    floats = cents_book.indicators.portfolio(as_of=handmade.AS_OF)
    exact = cents_book.indicators.portfolio(as_of=handmade.AS_OF, exact=True)
    for col in MONEY:
        assert floats[col].dtype == "float64", col
        assert str(exact[col].dtype).startswith("decimal128"), col
        assert [D(str(round(v, 2))).quantize(D("0.01")) for v in floats[col]] == \
            exact[col].tolist(), col
    assert exact.set_index("name").loc["Cents SARL", "outstanding"] == D("1234568.28")
    for frame in (cents_book.indicators.aging(as_of=handmade.AS_OF),
                  cents_book.indicators.monthly(months=3, as_of=handmade.AS_OF)):
        money = [c for c in frame.columns if c in ("amount", "collected") or "tax" in c]
        assert money and all(frame[c].dtype == "float64" for c in money)
    exact_aging = cents_book.indicators.aging(as_of=handmade.AS_OF, exact=True)
    assert sum(exact_aging["amount"]) == sum(exact["outstanding"])
    exact_monthly = cents_book.indicators.monthly(months=3, as_of=handmade.AS_OF, exact=True)
    assert exact_monthly["invoiced_incl_tax"].iloc[-1] >= D("1234568.28")


def test_describe(cents_book: clientops.Book) -> None:
    summary = cents_book.indicators.portfolio(as_of=handmade.AS_OF).describe()
    assert set(MONEY) <= set(summary.columns)            # money is numeric to pandas
    assert summary.loc["max", "outstanding"] == pytest.approx(1234568.28)
    assert summary.loc["count", "revenue"] == 5


def test_nlargest_and_sort_values(cents_book: clientops.Book) -> None:
    frame = cents_book.indicators.portfolio(as_of=handmade.AS_OF)
    top = frame.nlargest(2, "outstanding")
    assert top["name"].tolist() == ["Cents SARL", "Charlie SAS"]
    ordered = frame.sort_values("outstanding", ascending=False)["name"].tolist()
    assert ordered[:2] == ["Cents SARL", "Charlie SAS"]


def test_groupby_sum(cents_book: clientops.Book) -> None:
    frame = cents_book.indicators.portfolio(as_of=handmade.AS_OF)
    by_status = frame.groupby("status")[["outstanding", "payments_received"]].sum()
    exact = cents_book.indicators.portfolio(as_of=handmade.AS_OF, exact=True)
    expected = exact[exact["status"] == "active"]["outstanding"].sum()
    assert round(by_status.loc["active", "outstanding"], 2) == float(expected)
    assert by_status.loc["archived", "payments_received"] == 250.0


def test_division_of_one_column_by_another(cents_book: clientops.Book) -> None:
    frame = cents_book.indicators.portfolio(as_of=handmade.AS_OF).set_index("name")
    share = frame["overdue"] / frame["outstanding"]
    assert share.dtype == "float64"
    assert share["Alpha SARL"] == pytest.approx(400 / 880)
    assert math.isnan(share["Delta Dupont"])                  # 0 / 0


def test_plot_hist(cents_book: clientops.Book) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = cents_book.indicators.portfolio(as_of=handmade.AS_OF)
    ax = frame["outstanding"].plot.hist(bins=4)
    try:
        assert len(ax.patches) == 4
        assert sum(p.get_height() for p in ax.patches) == len(frame)
    finally:
        plt.close(ax.figure)


def test_exact_must_be_true_or_false(book: clientops.Book) -> None:
    for call in (book.indicators.portfolio, book.indicators.aging, book.indicators.monthly):
        with pytest.raises(clientops.ValidationError) as err:
            call(exact="no")
        assert err.value.field == "exact"
