"""Matching rules: which client and invoices each bank credit pays, how sure, and why.

:func:`propose` reads the book set-based (a few joins, whatever the number of lines) and then
decides line by line over small per-line facts. The rules, strongest first:

1. **An invoice number in the references** (remittance text, end-to-end id): the client is
   the invoice's; confidence 0.99 when the amount is what the named invoices still owe, 0.90
   otherwise (a partial payment, or more than owed: the rest goes to the client's account).
2. **A mandate reference (RUM)** in the references, or the **counterparty IBAN** equal to a
   client's IBAN, to the IBAN of one of its mandates, or to an IBAN a person tied to the client
   (``remember_iban``): the client is known; then the invoices come from the amount —
   exactly one open invoice (0.95), the client's whole open balance (0.90), several of its
   open invoices summing to it (0.85); none of those: to the client's account (0.60).
3. **The amount alone**, equal to the open amount of exactly one invoice in the whole book:
   0.50 (a hint for a person to confirm).

Left out, with the reason: debits (money paid out), returns (handled as SEPA returns),
amounts in another currency, a line whose clues point to several clients, a direct debit
already recorded by a SEPA confirmation or still in a pending batch, and a line with no clue.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from .errors import Coded

ZERO = Decimal("0.00")
# Open invoices of one client tried in combinations for rule 2 (2**12 sums at most).
SUBSET_LIMIT = 12
_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9/_.:+?()',-]*[A-Za-z0-9)])?")
_DIGIT = re.compile("[0-9]")  # the words _TOKEN finds are ASCII

# What one line pays: (invoice id, invoice number, amount); no invoice: the client's account.
Part = tuple[int | None, str | None, Decimal]

REFUSED = "refused"
PAYMENT = "payment"
RETURN = "return"


@dataclass
class Proposal:
    """What one line pays, or why it is left out.

    Attributes:
      parts: ``(invoice id or None, invoice number or None, amount)``; ``None`` is the
        client's account (the allocation pool).
    """

    line_id: int
    kind: str
    reason: Coded
    confidence: float = 0.0
    client_id: int | None = None
    parts: list[Part] = field(default_factory=list)


def tokens(*texts: Any) -> set[str]:
    """The words of references that could be an invoice number or a RUM (with a digit), upper."""
    found: set[str] = set()
    for text in texts:
        if not isinstance(text, str) or not text:
            continue
        found.add(text.strip().upper())
        for word in _TOKEN.findall(text):
            # "F-1/F-2": two invoices, or one RUM
            for part in (word, *word.split("/")) if "/" in word else (word,):
                if _DIGIT.search(part):
                    upper = part.upper()
                    found.add(upper)
                    found.add(upper.rstrip(".,:"))
    return {t for t in found if 3 <= len(t) <= 35}


def _table(conn: duckdb.DuckDBPyConnection, name: str, data: dict[str, pa.Array]) -> None:
    conn.register(name, pa.table(data))


def _rows(result: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of a query as dicts (no DataFrame in between: the rules read them one by one)."""
    names = [d[0] for d in result.description or []]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _facts(conn: duckdb.DuckDBPyConnection, lines: pd.DataFrame
           ) -> dict[str, list[dict[str, Any]]]:
    """Everything the rules read from the book about these lines, in a few joins."""
    ids, words = [], []
    for line_id, remittance, e2e, mandate in zip(
            lines["id"], lines["remittance"], lines["end_to_end_id"], lines["mandate_id"],
            strict=True):
        for word in tokens(remittance, e2e, mandate):
            ids.append(int(line_id))
            words.append(word)
    _table(conn, "_bm_tokens", {"line_id": pa.array(ids, pa.int64()),
                                "token": pa.array(words, pa.string())})
    _table(conn, "_bm_lines", {
        "line_id": pa.array(lines["id"].astype("int64").tolist(), pa.int64()),
        "amount": pa.array(list(lines["amount"]), pa.decimal128(18, 2)),
        "iban": pa.array([v if isinstance(v, str) and v else None
                          for v in lines["counterparty_iban"]], pa.string()),
        "e2e": pa.array([v if isinstance(v, str) and v else None
                         for v in lines["end_to_end_id"]], pa.string()),
    })
    try:
        facts = {
            "refs": _rows(conn.execute(
                "SELECT DISTINCT t.line_id, d.id, d.client_id, d.number, d.open_amount,"
                " d.due_date, d.sepa_batch_id, b.status AS batch_status"
                " FROM _bm_tokens t JOIN documents d ON upper(d.number) = t.token"
                " LEFT JOIN sepa_batches b ON b.id = d.sepa_batch_id"
                " WHERE d.kind = 'invoice'")),
            "rums": _rows(conn.execute(
                "SELECT DISTINCT t.line_id, m.client_id, m.rum FROM _bm_tokens t"
                " JOIN sepa_mandates m ON upper(m.rum) = t.token")),
            "ibans": _rows(conn.execute(
                "SELECT DISTINCT line_id, client_id, min(how) AS how FROM ("
                " SELECT l.line_id, c.id AS client_id, 1 AS how FROM _bm_lines l"
                "  JOIN clients c ON c.iban = l.iban"
                " UNION ALL SELECT l.line_id, m.client_id, 2 FROM _bm_lines l"
                "  JOIN sepa_mandates m ON m.iban = l.iban"
                " UNION ALL SELECT l.line_id, k.client_id, 3 FROM _bm_lines l"
                "  JOIN bank_ibans k ON k.iban = l.iban) GROUP BY line_id, client_id")),
            "collected": _rows(conn.execute(
                "SELECT l.line_id, t.batch_id FROM _bm_lines l JOIN sepa_transactions t"
                " ON t.end_to_end_id = l.e2e WHERE t.status = 'collected'")),
        }
        # the open invoices of the clients found by a RUM or an IBAN (rule 2 reads them; a
        # line naming its invoice does not)
        clients = sorted({int(r["client_id"]) for name in ("rums", "ibans")
                          for r in facts[name]})
        _table(conn, "_bm_clients", {"client_id": pa.array(clients, pa.int64())})
        facts["open"] = _rows(conn.execute(
            "SELECT d.client_id, d.id, d.number, d.open_amount FROM documents d"
            " JOIN _bm_clients k ON k.client_id = d.client_id"
            " LEFT JOIN sepa_batches b ON b.id = d.sepa_batch_id"
            " WHERE d.kind = 'invoice' AND d.open_amount > 0"
            " AND coalesce(b.status, '') <> 'pending'"
            " ORDER BY d.client_id, d.pool_rank, d.due_date, d.issue_date, d.number"))
        # rule 3, the amount alone, only for the lines without a stronger clue
        clued = {int(r["line_id"]) for name in ("refs", "ibans", "collected")
                 for r in facts[name]}
        rest = [(i, a) for i, a in zip(lines["id"].astype("int64").tolist(), lines["amount"],
                                       strict=True) if i not in clued]
        _table(conn, "_bm_rest", {"line_id": pa.array([i for i, _ in rest], pa.int64()),
                                  "amount": pa.array([a for _, a in rest], pa.decimal128(18, 2))})
        facts["unique"] = _rows(conn.execute(
            "SELECT l.line_id, u.id, u.client_id, u.number, u.open_amount FROM _bm_rest l"
            " JOIN (SELECT open_amount, min(id) AS id, min(client_id) AS client_id,"
            "       min(number) AS number FROM documents d"
            "       WHERE kind = 'invoice' AND open_amount > 0 AND open_amount IN"
            "         (SELECT amount FROM _bm_rest) AND (sepa_batch_id IS NULL OR NOT EXISTS"
            "         (SELECT 1 FROM sepa_batches b WHERE b.id = d.sepa_batch_id"
            "          AND b.status = 'pending'))"
            "       GROUP BY open_amount HAVING count(*) = 1) u ON u.open_amount = l.amount"))
    finally:
        for name in ("_bm_tokens", "_bm_lines", "_bm_clients", "_bm_rest"):
            try:
                conn.unregister(name)
            except duckdb.Error:
                pass
    return facts


def _group(rows: list[dict[str, Any]], key: str = "line_id") -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(int(row[key]), []).append(row)
    return out


def _money(value: Any) -> Decimal:
    if isinstance(value, Decimal):  # the book's DECIMAL(18,2) read as is
        return value.quantize(ZERO)
    return Decimal(str(value)).quantize(ZERO)


def propose(conn: duckdb.DuckDBPyConnection, lines: pd.DataFrame,
            codes: dict[int, str] | None = None) -> list[Proposal]:
    """One :class:`Proposal` per line (``id, amount, direction, currency, remittance,
    end_to_end_id, mandate_id, counterparty_iban, return_reason`` columns)."""
    if lines.empty:
        return []
    credits = lines[(lines["direction"] == "credit") & lines["return_reason"].isna()]
    facts = _facts(conn, credits) if len(credits) else {}
    refs = _group(facts["refs"]) if facts else {}
    rums = _group(facts["rums"]) if facts else {}
    ibans = _group(facts["ibans"]) if facts else {}
    collected = _group(facts["collected"]) if facts else {}
    unique = _group(facts["unique"]) if facts else {}
    open_by_client = _group(facts["open"], "client_id") if facts else {}
    out = []
    none: list[dict[str, Any]] = []  # read only
    currencies = lines["currency"].tolist() if "currency" in lines else [None] * len(lines)
    for line_id, returned, direction, currency, amount in zip(
            lines["id"].tolist(), lines["return_reason"].tolist(), lines["direction"].tolist(),
            currencies, lines["amount"].tolist(), strict=True):
        line_id = int(line_id)
        if isinstance(returned, str) and returned:
            out.append(Proposal(line_id, RETURN, Coded("bank.returned", code=returned)))
            continue
        if direction != "credit":
            out.append(Proposal(line_id, REFUSED, Coded("bank.debit")))
            continue
        if isinstance(currency, str) and currency and currency.upper() != "EUR":
            out.append(Proposal(line_id, REFUSED, Coded("bank.currency", currency=currency)))
            continue
        out.append(_decide(line_id, _money(amount), refs.get(line_id, none),
                           rums.get(line_id, none), ibans.get(line_id, none),
                           collected.get(line_id, none), unique.get(line_id, none),
                           open_by_client))
    return out


def _decide(line_id: int, amount: Decimal, refs: list[dict[str, Any]],
            rums: list[dict[str, Any]], ibans: list[dict[str, Any]],
            collected: list[dict[str, Any]], unique: list[dict[str, Any]],
            open_by_client: dict[int, list[dict[str, Any]]]) -> Proposal:
    if collected:
        return Proposal(line_id, REFUSED, Coded("bank.sepa_recorded",
                                                id=int(collected[0]["batch_id"])))
    if refs:
        clients = {int(r["client_id"]) for r in refs}
        if len(clients) > 1:
            return Proposal(line_id, REFUSED, Coded("bank.several_clients"))
        pending = [r for r in refs if r["batch_status"] == "pending"]
        if pending:
            return Proposal(line_id, REFUSED, Coded(
                "bank.sepa_pending", number=pending[0]["number"],
                id=int(pending[0]["sepa_batch_id"])))
        payer = clients.pop()
        named = sorted(refs, key=lambda r: str(r["number"]))
        numbers = ", ".join(str(r["number"]) for r in named)
        owed = sum((_money(r["open_amount"] or 0) for r in named), ZERO)
        parts = allocate(amount, [(int(r["id"]), str(r["number"]),
                                   _money(r["open_amount"] or 0)) for r in named])
        if owed == amount:
            return Proposal(line_id, PAYMENT, Coded("bank.invoice_named", numbers=numbers),
                            0.99, payer, parts)
        return Proposal(line_id, PAYMENT, _and(Coded("bank.invoice_named", numbers=numbers),
                                               Coded("bank.amount_not_owed")), 0.90, payer, parts)
    client: int | None = None
    why = Coded("bank.no_clue")
    if rums:
        clients = {int(r["client_id"]) for r in rums}
        if len(clients) == 1:
            client, why = clients.pop(), Coded("bank.mandate_named", rum=rums[0]["rum"])
    if client is None and ibans:
        clients = {int(r["client_id"]) for r in ibans}
        if len(clients) > 1:
            return Proposal(line_id, REFUSED, Coded("bank.iban_several"))
        how = int(min(r["how"] for r in ibans))
        client = clients.pop()
        why = Coded(("bank.iban_client", "bank.iban_mandate", "bank.iban_tied")[how - 1])
    if client is not None:
        return _by_amount(line_id, amount, client, why, open_by_client.get(client, []))
    if unique:
        u = unique[0]
        return Proposal(line_id, PAYMENT, _and(Coded("bank.unique_amount", number=u["number"]),
                                               Coded("bank.no_clue")), 0.50,
                        int(u["client_id"]), [(int(u["id"]), str(u["number"]), amount)])
    return Proposal(line_id, REFUSED, Coded("bank.no_client"))


def _and(first: Coded, second: Coded) -> Coded:
    """Two reasons in one (``"…; …"``)."""
    return Coded("bank.and", first=first, second=second)


def _by_amount(line_id: int, amount: Decimal, client: int, why: Coded,
               invoices: list[dict[str, Any]]) -> Proposal:
    owed: list[Part] = [(int(r["id"]), str(r["number"]), _money(r["open_amount"]))
                        for r in invoices]
    exact = [o for o in owed if o[2] == amount]
    if exact:
        return Proposal(line_id, PAYMENT, _and(why, Coded("bank.amount_invoice",
                                                          number=exact[0][1])),
                        0.95, client, [exact[0]])
    if owed and sum((o[2] for o in owed), ZERO) == amount:
        return Proposal(line_id, PAYMENT, _and(why, Coded("bank.amount_balance")), 0.90,
                        client, owed)
    if 2 < len(owed) + 1 <= SUBSET_LIMIT + 1:
        for size in range(2, len(owed)):
            for combo in itertools.combinations(owed, size):
                if sum((o[2] for o in combo), ZERO) == amount:
                    numbers = " + ".join(str(o[1]) for o in combo)
                    return Proposal(line_id, PAYMENT, _and(why, Coded(
                        "bank.amount_sum", numbers=numbers)), 0.85, client, list(combo))
    return Proposal(line_id, PAYMENT, _and(why, Coded("bank.amount_account")), 0.60, client,
                    [(None, None, amount)])


def allocate(amount: Decimal, invoices: list[Part]) -> list[Part]:
    """``amount`` spread over the invoices up to what each owes, the rest to the account; an
    invoice that owes nothing more is named with nothing (the payment names the first)."""
    parts: list[Part] = []
    left = amount
    for invoice_id, number, owed in invoices:
        take = min(owed, left)
        if take > 0:
            parts.append((invoice_id, number, take))
            left -= take
    if left > 0:
        if parts:
            parts.append((None, None, left))
        else:  # every named invoice is settled: name the first, the rest goes to the pool
            parts.append((invoices[0][0], invoices[0][1], left))
    return parts
