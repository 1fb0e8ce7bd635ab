"""Allocation (lettrage): the SQL and the Python rules agree, and hand-worked cases hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal as D

import duckdb
import named_credits
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_rows import BASE, insert_documents, insert_payments

from clientops import cardrows
from clientops.allocation import (
    END_OF_TIME,
    Credit,
    Invoice,
    alloc_ctes,
    allocate,
    open_amounts,
    recompute_open_balances,
    refresh_named_credits,
)
from clientops.schema import MIGRATIONS


@pytest.fixture(scope="module")
def conn() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    for _name, sql in MIGRATIONS:
        c.execute(sql)
    yield c
    c.close()


def load(conn: duckdb.DuckDBPyConnection, invoices: list[tuple], payments: list[tuple],
         notes: list[tuple]) -> None:
    """invoices: (id, client, issue offset, due offset, total); payments: (id, client, offset,
    amount, target); notes: (id, client, offset, total, target)."""
    conn.execute("DELETE FROM documents")
    conn.execute("DELETE FROM payments")
    insert_documents(conn, invoices, notes)
    insert_payments(conn, payments)
    # what every write does after adding documents or payments: the SQL allocation reads it
    refresh_named_credits(conn)
    cardrows.touch(conn, None)


def python_allocation(invoices, payments, notes, client: int, as_of: date):
    invs = [Invoice(i, f"F{i:03d}", BASE + timedelta(s), BASE + timedelta(s + d), t)
            for i, cl, s, d, t in invoices if cl == client and BASE + timedelta(s) <= as_of]
    credits = [Credit(i, 0, BASE + timedelta(on), a, tg)
               for i, cl, on, a, tg in payments if cl == client and BASE + timedelta(on) <= as_of]
    credits += [Credit(i, 1, BASE + timedelta(on), a, tg)
                for i, cl, on, a, tg in notes if cl == client and BASE + timedelta(on) <= as_of]
    return allocate(invs, credits)


amounts = st.integers(min_value=0, max_value=500).map(lambda n: D(n * 5) / 2)


@st.composite
def portfolios(draw):
    n_inv = draw(st.integers(0, 6))
    invoices = []
    for k in range(n_inv):
        invoices.append((k + 1, draw(st.sampled_from([1, 2])), draw(st.integers(0, 40)),
                         draw(st.sampled_from([0, 10, 30])), draw(amounts)))
    inv_ids = [i[0] for i in invoices]
    target = st.one_of(st.none(), st.sampled_from(inv_ids)) if inv_ids else st.none()
    payments = [(k + 1, draw(st.sampled_from([1, 2])), draw(st.integers(0, 60)),
                 draw(amounts.filter(lambda a: a > 0)), draw(target))
                for k in range(draw(st.integers(0, 6)))]
    notes = [(100 + k, draw(st.sampled_from([1, 2])), draw(st.integers(0, 60)), draw(amounts),
              draw(target)) for k in range(draw(st.integers(0, 3)))]
    return invoices, payments, notes


GROUPS = 3  # independent portfolios in one example, on clients of their own


@st.composite
def portfolio_groups(draw):
    """GROUPS portfolios drawn as by :func:`portfolios`, side by side in the same tables: group
    g's clients are 2g+1 and 2g+2 and its rows' ids are offset by 1000·g. The allocation is per
    client, so one SQL run checks GROUPS portfolios (the SQL's fixed cost per query, not the
    rows, is what each example spends its time on) and also that clients do not leak into each
    other."""
    invoices: list[tuple] = []
    payments: list[tuple] = []
    notes: list[tuple] = []
    for g in range(GROUPS):
        inv, pay, cn = draw(portfolios())
        shift, ids = 2 * g, 1000 * g
        invoices += [(i + ids, cl + shift, s, d, t) for i, cl, s, d, t in inv]
        payments += [(i + ids, cl + shift, on, a, tg if tg is None else tg + ids)
                     for i, cl, on, a, tg in pay]
        notes += [(i + ids, cl + shift, on, a, tg if tg is None else tg + ids)
                  for i, cl, on, a, tg in cn]
    return invoices, payments, notes


CLIENTS = range(1, 2 * GROUPS + 1)


# 50 examples of GROUPS portfolios each: as many portfolios as 150 examples of one
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=portfolio_groups(), offset=st.integers(-1, 70))
def test_sql_matches_python_rules(conn: duckdb.DuckDBPyConnection, data, offset: int) -> None:
    invoices, payments, notes = data
    load(conn, invoices, payments, notes)
    named_credits.assert_current(conn)
    as_of = BASE + timedelta(offset)
    rows = open_amounts(conn, as_of).fetchall()
    got = {r[0]: (r[7], r[8]) for r in rows}
    expected = {}
    for client in CLIENTS:
        alloc = python_allocation(invoices, payments, notes, client, as_of)
        for inv_id, amount in alloc.open_amount.items():
            expected[inv_id] = (amount, alloc.settled_on[inv_id])
    assert got == expected
    unallocated = dict(conn.execute(
        f"WITH {alloc_ctes()} SELECT client_id, unallocated_credit FROM alloc_unallocated"
        " WHERE unallocated_credit > 0", {"as_of": as_of}).fetchall())
    assert unallocated == {
        client: left for client in CLIENTS
        if (left := python_allocation(invoices, payments, notes, client, as_of).unallocated) > 0}
    # the balances maintained at write time are the allocation of everything
    recompute_open_balances(conn)
    maintained = dict(conn.execute(
        "SELECT id, open_amount FROM documents WHERE kind = 'invoice'").fetchall())
    assert maintained == {r[0]: r[7] for r in open_amounts(conn, END_OF_TIME).fetchall()}
    # and so is each client's unallocated credit (only clients with some are listed)
    credit = dict(conn.execute("SELECT client_id, unallocated_credit FROM client_credit")
                  .fetchall())
    expected_credit = {}
    for client in CLIENTS:
        left = python_allocation(invoices, payments, notes, client, END_OF_TIME).unallocated
        if left > 0:
            expected_credit[client] = left
    assert credit == expected_credit


def test_named_credit_then_pool_in_due_date_order() -> None:
    invoices = [
        Invoice(1, "F1", date(2026, 1, 1), date(2026, 1, 31), D("100.00")),
        Invoice(2, "F2", date(2026, 1, 2), date(2026, 1, 15), D("50.00")),   # due first
        Invoice(3, "F3", date(2026, 1, 3), date(2026, 2, 28), D("80.00")),
    ]
    credits = [
        # names F1 for more than it owes: 100 applied, 30 left to the pool
        Credit(1, 0, date(2026, 2, 1), D("130.00"), 1),
        # an unnamed payment: pool of 30 + 40 = 70 goes to F2 (due first), then 20 to F3
        Credit(2, 0, date(2026, 2, 10), D("40.00"), None),
    ]
    result = allocate(invoices, credits)
    assert result.open_amount == {1: D("0.00"), 2: D("0.00"), 3: D("60.00")}
    # F1 settled by its named payment; F2 by the pool credit whose running sum reached 50
    assert result.settled_on == {1: date(2026, 2, 1), 2: date(2026, 2, 10), 3: None}
    assert result.unallocated == D("0.00")


def test_leftover_pool_is_unallocated_credit() -> None:
    invoices = [Invoice(1, "F1", date(2026, 1, 1), date(2026, 1, 31), D("100.00"))]
    credits = [Credit(1, 0, date(2026, 1, 5), D("60.00"), None),
               Credit(2, 1, date(2026, 1, 6), D("70.00"), 1)]   # credit note cancels 70 first
    result = allocate(invoices, credits)
    # step 1: the credit note takes 70 off; step 2: the pool of 60 pays the remaining 30
    assert result.open_amount == {1: D("0.00")}
    assert result.settled_on == {1: date(2026, 1, 5)}
    assert result.unallocated == D("30.00")


def test_recompute_only_touches_given_clients(conn: duckdb.DuckDBPyConnection) -> None:
    load(conn, [(1, 1, 0, 30, D("100.00")), (2, 2, 0, 30, D("100.00"))],
         [(1, 1, 5, D("40.00"), None), (2, 2, 5, D("40.00"), None)], [])
    conn.execute("UPDATE documents SET open_amount = NULL")
    assert recompute_open_balances(conn, [2]) == 1
    assert conn.execute("SELECT id, open_amount FROM documents ORDER BY id").fetchall() == [
        (1, None), (2, D("60.00"))]
    assert recompute_open_balances(conn, [1, 2]) == 1
    assert recompute_open_balances(conn) == 0   # nothing left to change
