"""New payments allocated against the kept open amounts: the fast path of the allocation.

:func:`clientops.allocation.recompute_open_balances` runs the whole allocation (SPEC.md §7)
of every client it is given. A write that only *adds payments* after everything its clients
already had — a bank statement's payments, dated after the client's last payment and credit
note — can do with much less: the payments already allocated stay where they are, and the
new money only reduces what is still open. :func:`allocate_new_payments` does that for the
clients where it gives exactly the recompute's result, and allocates the others again.

Why it is exact. Let ``r_i`` be what invoice ``i`` owes after step 1 (its named credits),
``R_i`` the running sum of ``r`` in pool order and ``P`` the pool, so that the kept open
amount is ``o_i = min(r_i, max(0, R_i - P))``. When no ``r_i`` is negative, the invoices still
open come last in pool order (among those owing anything) and ``max(0, R_i - P)`` is
``O_i``, the running sum of the kept open amounts. New credits that come after every credit
of the client in the allocation's order (date, payments before credit notes, id) change
nothing of step 1 for the credits before them; a new payment naming invoice ``j`` (still
open) takes ``δ_j = min(its amount, r_j)`` off ``r_j``, its rest and the unnamed payments add
``π`` to the pool. With ``D_i`` the running sum of ``δ``::

    o'_i = max(0, min(o_i - δ_i, O_i - D_i - π))

An invoice that closes is settled (the rule's date) by the new payment naming it whose
running sum reaches ``r_i`` when the named payments cover it, else by the pool credit whose
running sum first reaches ``R'_i = P + O_i - D_i``: when ``O_i - D_i`` is positive, the first
new pool credit whose running sum reaches it; when it is zero (a payment naming the invoice
the old pool had partly paid, for what it still showed open), the last old credit that went
to the pool — the latest of the payments and credit notes naming none of the client's
invoices and of the last credits naming an invoice for more than it owed, all kept
(``pool_only``, ``named_last``). The unallocated credit grows by the new money less what it
closed: ``U' = U + Σ new - Σ (o_i - o'_i)``.

A client is allocated again from its rows instead when one of those conditions does not
hold: a new payment dated before (or with) one of its credits, an invoice or credit note
with a negative total, an invoice without a kept open amount, a payment naming one of its
invoices that the pool already settled, or an invoice that the new money closes only by
shifting the old pool (``O_i - D_i < 0``: which old credit reached it needs the whole
pool). ``tests/test_newpayments.py`` compares the result with the full recompute on random
books.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from . import derived
from .allocation import Credit, Invoice, allocate, recompute_open_balances
from .imports import registered

NEW = "_clientops_new_payments"
MONEY = pa.decimal128(18, 2)
# The invoices whose open amount or settlement date changed, before and after
# (clientops.derived.note_money).
BALANCES = pa.schema([
    ("id", pa.int64()), ("client_id", pa.int64()), ("issue_date", pa.date32()),
    ("due_date", pa.date32()), ("excl", MONEY), ("total", MONEY), ("open_before", MONEY),
    ("settled_before", pa.date32()), ("open_after", MONEY), ("settled_after", pa.date32())])
# Clients whose new payments do not come after their other credits are allocated again in
# Python over their rows up to this many (a few rows each), set-based beyond.
REALLOCATE_LIMIT = 5_000

# The new payments (``NEW``: id, client_id, paid_on, amount, invoice_id) against their
# clients' kept rows: per client whether the fast path holds; per open invoice its new open
# amount and settlement date.
_FACTS = f"""
WITH n AS (
    SELECT id, client_id, paid_on AS d, CAST(amount AS DECIMAL(18,2)) AS c,
           invoice_id AS target FROM {NEW}
),
cl AS (
    SELECT client_id, sum(c) AS new_total, min(d) AS d0, min(id) AS id0
    FROM n GROUP BY client_id
),
docs AS MATERIALIZED (
    -- what the rules read of the clients' documents: credit notes (their dates), negative
    -- totals, invoices still open or without a kept open amount, the invoices named
    SELECT d.id, d.client_id, d.kind, d.issue_date, d.due_date, d.total_excl_tax AS excl,
           d.total_incl_tax AS t, d.open_amount AS o, d.settled_on, d.pool_rank,
           d.named_count, d.named_total, d.named_first, d.named_last, d.pool_only
    FROM documents d JOIN cl ON cl.client_id = d.client_id
    -- (a CASE, not an OR: DuckDB would take the kinds out of the OR and test them on every
    -- document before the join with the clients)
    WHERE CASE d.kind WHEN 'credit_note' THEN TRUE
                      WHEN 'invoice' THEN (d.total_incl_tax < 0 OR d.open_amount > 0
                                           OR d.open_amount IS NULL
                                           OR d.named_total > d.total_incl_tax
                                           OR d.id IN (SELECT target FROM n))
                      ELSE FALSE END
),
old AS (
    SELECT p.client_id, max(p.paid_on) AS pd, max(p.id) AS pid,
           max(p.paid_on) FILTER (WHERE p.pool_only) AS pool_pd
    FROM payments p JOIN cl ON cl.client_id = p.client_id
    WHERE p.id NOT IN (SELECT id FROM n)
    GROUP BY p.client_id
),
last_pool AS (
    -- the date of the last old credit that went to the pool (in part or whole): a payment
    -- or credit note naming none of the client's invoices, or the last credit naming an
    -- invoice for more than it owes (the running sum passes its total there)
    SELECT client_id, max(d) AS d FROM (
        SELECT client_id, pool_pd AS d FROM old
        UNION ALL
        SELECT client_id, issue_date FROM docs
        WHERE kind = 'credit_note' AND pool_only AND t > 0
        UNION ALL
        SELECT client_id, named_last FROM docs WHERE kind = 'invoice' AND named_total > t
    ) GROUP BY client_id
),
doc_facts AS (
    SELECT client_id, max(issue_date) FILTER (WHERE kind = 'credit_note') AS cn,
           bool_or(t < 0 OR (kind = 'invoice' AND o IS NULL)) AS bad
    FROM docs GROUP BY client_id
),
named AS (
    -- new payments naming an invoice of their client: the invoice still open (r: what it
    -- owes after its older named credits), or not (closed: bad unless r is zero)
    SELECT n.id, n.client_id, n.d, n.c, n.target, x.o,
           CASE WHEN x.t > 0 THEN x.t - least(coalesce(x.named_total, 0), x.t) ELSE x.t END
               AS r
    FROM n JOIN docs x ON x.id = n.target AND x.client_id = n.client_id
                      AND x.kind = 'invoice'
),
inv AS (
    SELECT d.id, d.client_id, d.pool_rank, d.o,
           d.t - least(coalesce(d.named_total, 0), d.t) AS r, coalesce(a.a, 0) AS a
    FROM docs d LEFT JOIN (SELECT target, sum(c) AS a FROM named GROUP BY target) a
        ON a.target = d.id
    WHERE d.kind = 'invoice' AND d.o > 0
),
step AS (
    SELECT *, least(a, r) AS delta,
           sum(o) OVER w AS big_o, sum(least(a, r)) OVER w AS big_d
    FROM inv
    WINDOW w AS (PARTITION BY client_id ORDER BY pool_rank ROWS UNBOUNDED PRECEDING)
),
pool_in AS (
    SELECT cl.client_id, cl.new_total, cl.new_total - coalesce(s.delta, 0) AS pi
    FROM cl LEFT JOIN (SELECT client_id, sum(delta) AS delta FROM step GROUP BY client_id) s
        ON s.client_id = cl.client_id
),
res AS (
    SELECT s.id, s.client_id, s.o, s.r, s.delta, s.big_o - s.big_d AS need,
           greatest(0, least(s.o - s.delta, s.big_o - s.big_d - p.pi)) AS o2
    FROM step s JOIN pool_in p ON p.client_id = s.client_id
),
named_run AS (
    SELECT id, client_id, d, c, target, r,
           sum(c) OVER (PARTITION BY target ORDER BY d, id ROWS UNBOUNDED PRECEDING) AS s
    FROM named WHERE o > 0
),
settled1 AS (
    SELECT target AS id, min(d) FILTER (WHERE s >= r) AS d1 FROM named_run GROUP BY target
),
pool AS (
    SELECT client_id, d, id, c - (least(s, r) - least(s - c, r)) AS amount FROM named_run
    UNION ALL
    SELECT client_id, d, id, c FROM n WHERE id NOT IN (SELECT id FROM named_run)
),
pool_cum AS (
    SELECT client_id, d, sum(amount) OVER (PARTITION BY client_id ORDER BY d, id
                                           ROWS UNBOUNDED PRECEDING) AS q
    FROM pool WHERE amount > 0
),
by_pool AS (
    SELECT r.id, pc.d
    FROM (SELECT id, client_id, need FROM res WHERE o2 = 0 AND r - delta > 0 AND need > 0) r
    ASOF JOIN pool_cum pc ON r.client_id = pc.client_id AND r.need <= pc.q
    UNION ALL
    -- what the old pool held reaches it exactly: settled by the last old pool credit
    SELECT r.id, lp.d
    FROM res r JOIN last_pool lp ON lp.client_id = r.client_id
    WHERE r.o2 = 0 AND r.r - r.delta > 0 AND r.need = 0
),
slow AS (
    SELECT cl.client_id FROM cl
    LEFT JOIN old ON old.client_id = cl.client_id
    LEFT JOIN doc_facts f ON f.client_id = cl.client_id
    WHERE NOT (old.pd IS NULL OR cl.d0 > old.pd OR (cl.d0 = old.pd AND cl.id0 > old.pid))
       OR cl.d0 <= f.cn OR coalesce(f.bad, FALSE)
    UNION
    SELECT client_id FROM named WHERE NOT o > 0 AND r <> 0
    UNION
    SELECT client_id FROM res WHERE o2 = 0 AND r - delta > 0 AND need < 0
)
"""

# one row per document whose open amount changes (kind 0), per client (kind 1: its new
# unallocated credit, or ``slow``: recompute it), per invoice named by a new payment of its
# client (kind 2: its named-credit columns, the credits appended: only their count, total and
# dates change, and pool_rank not at all since no document changed). A kind 0 row also has
# what the document was (for the structures adjusted by the difference, derived.note_money).
_CHANGES = _FACTS + """
SELECT 0 AS kind, r.id, r.client_id, CAST(r.o2 AS DECIMAL(18,2)) AS amount,
       CASE WHEN r.o2 > 0 THEN NULL WHEN r.r - r.delta = 0 THEN s1.d1 ELSE bp.d END
           AS settled_on, FALSE AS slow, FALSE AS bad, NULL::INTEGER AS named_count,
       NULL::DATE AS named_first, NULL::DATE AS named_last, x.issue_date, x.due_date,
       x.excl, x.t AS total, x.o AS open_before, x.settled_on AS settled_before
FROM res r LEFT JOIN settled1 s1 ON s1.id = r.id LEFT JOIN by_pool bp ON bp.id = r.id
JOIN docs x ON x.id = r.id
WHERE r.o2 <> r.o AND r.client_id NOT IN (SELECT client_id FROM slow)
UNION ALL
SELECT 1, NULL, p.client_id,
       CAST(coalesce(k.unallocated_credit, 0) + p.new_total - coalesce(x.closed, 0)
            AS DECIMAL(18,2)),
       NULL, p.client_id IN (SELECT client_id FROM slow),
       p.client_id IN (SELECT client_id FROM doc_facts WHERE bad), NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL
FROM pool_in p
LEFT JOIN (SELECT client_id, sum(o - o2) AS closed FROM res GROUP BY client_id) x
    ON x.client_id = p.client_id
LEFT JOIN client_credit k ON k.client_id = p.client_id
UNION ALL
SELECT 2, x.id, x.client_id, CAST(coalesce(x.named_total, 0) + g.s AS DECIMAL(18,2)), NULL,
       FALSE, FALSE, CAST(coalesce(x.named_count, 0) + g.n AS INTEGER),
       least(coalesce(x.named_first, g.f), g.f), greatest(coalesce(x.named_last, g.l), g.l),
       NULL, NULL, NULL, NULL, NULL, NULL
FROM docs x
JOIN (SELECT target, client_id, count(*) AS n, sum(c) AS s, min(d) AS f, max(d) AS l
      FROM n WHERE target IS NOT NULL GROUP BY target, client_id) g
  ON x.id = g.target AND x.client_id = g.client_id AND x.kind = 'invoice'
"""


@dataclass(frozen=True)
class Allocated:
    """What :func:`allocate_new_payments` did.

    Attributes:
      changed: documents whose open amount or settlement date changed.
      recomputed: clients recomputed in full (the fast path's conditions did not hold).
    """

    changed: int
    recomputed: int


def allocate_new_payments(conn: duckdb.DuckDBPyConnection, new: pa.Table) -> Allocated:
    """Bring the allocation up to date after inserting the payments in ``new`` (columns
    ``id, client_id, paid_on, amount, invoice_id``; already in ``payments``), inside the
    write transaction.

    The same result as :func:`clientops.allocation.recompute_open_balances` of their
    clients, faster where the module's conditions hold. The other clients are allocated
    again over their rows (:func:`clientops.allocation.allocate`), or recomputed when they
    have a negative total or are many. Everything is worked out first and ``documents`` is
    updated once: in DuckDB each further UPDATE of a table already updated in the
    transaction costs several times the first (1.5 s instead of 0.3 s of CPU for 80,000
    documents, bench/bench_bank.py).
    """
    if new.num_rows == 0:
        return Allocated(0, 0)
    with registered(conn, NEW, new):
        changes = conn.execute(_CHANGES).to_arrow_table()
        kind = changes.column("kind")
        named = changes.filter(pc.equal(kind, 2)).select(
            ["id", "client_id", "amount", "named_count", "named_first", "named_last"]
        ).rename_columns(["id", "client_id", "named_total", "named_count", "named_first",
                          "named_last"])
        with registered(conn, "_clientops_new_named", named):
            # each new payment's pool_only: it names no invoice of its client
            conn.execute(f"UPDATE payments SET pool_only = x.pool_only FROM ("
                         f"SELECT n.id, g.id IS NULL AS pool_only FROM {NEW} n"
                         " LEFT JOIN _clientops_new_named g ON g.id = n.invoice_id"
                         " AND g.client_id = n.client_id) x WHERE payments.id = x.id")
    per_client = changes.filter(pc.equal(kind, 1))
    slow = per_client.filter(per_client.column("slow")).column("client_id").to_pylist()
    bad = set(per_client.filter(per_client.column("bad")).column("client_id").to_pylist())
    rules = [c for c in slow if c not in bad]
    if len(rules) > REALLOCATE_LIMIT:
        bad.update(rules)
        rules = []
    reopened, credit = _reallocate(conn, rules)
    fast = per_client.filter(pc.invert(per_client.column("slow"))).select(
        ["client_id", "amount"])
    moved = changes.filter(pc.equal(kind, 0))
    balances = pa.concat_tables([pa.table(
        [moved.column(c) for c in ("id", "client_id", "issue_date", "due_date", "excl", "total",
                                   "open_before", "settled_before", "amount", "settled_on")],
        schema=BALANCES), reopened])
    opened = balances.select(["id", "open_after", "settled_after"]).rename_columns(
        ["id", "amount", "settled_on"])
    described = fast.column("client_id").to_pylist() + rules
    keys = pa.table({"client_id": pa.array(described, pa.int64())})
    # the clients allocated here, with how their money changed; those recomputed in full
    # below are noted by the recompute (not described)
    derived.note_money(conn, described, new.select(["client_id", "paid_on", "amount"]),
                       balances)
    with registered(conn, "_clientops_new_open", opened), \
            registered(conn, "_clientops_new_named", named), \
            registered(conn, "_clientops_new_keys", keys), \
            registered(conn, "_clientops_new_credit", pa.concat_tables([fast, credit])):
        conn.execute(_UPDATE)
        conn.execute("DELETE FROM client_credit WHERE client_id IN"
                     " (SELECT client_id FROM _clientops_new_keys)")
        conn.execute("INSERT INTO client_credit SELECT client_id, amount"
                     " FROM _clientops_new_credit WHERE amount > 0")
    changed = opened.num_rows
    if bad:
        changed += recompute_open_balances(conn, sorted(bad))
    return Allocated(changed, len(slow))


# one UPDATE of documents for the open amounts and the named credits together
_UPDATE = """
UPDATE documents SET
    open_amount = CASE WHEN x.has_open THEN x.amount ELSE documents.open_amount END,
    settled_on = CASE WHEN x.has_open THEN x.settled_on ELSE documents.settled_on END,
    named_count = CASE WHEN x.has_named THEN x.named_count ELSE documents.named_count END,
    named_total = CASE WHEN x.has_named THEN x.named_total ELSE documents.named_total END,
    named_first = CASE WHEN x.has_named THEN x.named_first ELSE documents.named_first END,
    named_last = CASE WHEN x.has_named THEN x.named_last ELSE documents.named_last END
FROM (
    SELECT coalesce(o.id, n.id) AS id, o.id IS NOT NULL AS has_open, o.amount, o.settled_on,
           n.id IS NOT NULL AS has_named, n.named_count, n.named_total, n.named_first,
           n.named_last
    FROM _clientops_new_open o FULL JOIN _clientops_new_named n ON n.id = o.id
) x
WHERE documents.id = x.id
"""


def _reallocate(conn: duckdb.DuckDBPyConnection, clients: list[int]
                ) -> tuple[pa.Table, pa.Table]:
    """The allocation of a few clients redone by :func:`clientops.allocation.allocate` over
    their rows (no negative totals: there both rule sets agree, tests/test_allocation.py):
    ``(the invoices that change, as BALANCES; credit: client_id, amount)``.
    Two reads of the tables, where the set-based recompute reads them a dozen times."""
    # the documents through an IN list of the ids (integers), which DuckDB tests in the scan
    # and uses to skip row groups that hold none of them: faster there than a join with a
    # registered table (docs/performance.md)
    listed = ", ".join(str(int(c)) for c in clients)
    documents = conn.execute(
        "SELECT client_id, kind, id, number, issue_date, due_date, total_incl_tax, cancels_id,"
        " open_amount, settled_on, total_excl_tax FROM documents"
        f" WHERE client_id IN ({listed}) AND kind IN ('invoice', 'credit_note')"
    ).fetchall() if clients else []
    keys = pa.table({"client_id": pa.array(clients, pa.int64())})
    with registered(conn, "_clientops_realloc", keys):  # (here the join is the faster)
        paid = conn.execute(
            "SELECT p.client_id, p.id, p.paid_on, p.amount, p.invoice_id FROM payments p"
            " JOIN _clientops_realloc k ON k.client_id = p.client_id").fetchall(
        ) if clients else []
    invoices: dict[int, list[Invoice]] = {c: [] for c in clients}
    credits: dict[int, list[Credit]] = {c: [] for c in clients}
    kept: dict[int, tuple[Any, ...]] = {}
    for (client, kind, doc, number, issued, due, total, cancels, open_amount, settled,
         excl) in documents:
        if kind == "invoice":
            invoices[client].append(Invoice(doc, number, issued, due, total))
            kept[doc] = (open_amount, settled, client, issued, due, excl, total)
        else:
            credits[client].append(Credit(doc, 1, issued, total, cancels))
    for client, pay, day, amount, target in paid:
        credits[client].append(Credit(pay, 0, day, amount, target))
    changed, left = [], []
    for client in clients:
        done = allocate(invoices[client], credits[client])
        for doc, amount in done.open_amount.items():
            before = kept[doc]
            if before[:2] != (amount, done.settled_on[doc]):
                changed.append((doc, *before[2:], *before[:2], amount, done.settled_on[doc]))
        if done.unallocated > 0:
            left.append((client, done.unallocated))
    return (pa.table([pa.array([r[k] for r in changed], BALANCES.field(k).type)
                      for k in range(len(BALANCES))], schema=BALANCES),
            pa.table({"client_id": pa.array([c for c, _ in left], pa.int64()),
                      "amount": pa.array([a for _, a in left], MONEY)}))
