"""The demo's loader: :func:`build_demo` fills an empty book, chunk by chunk, all or nothing.

DuckDB turns each chunk's numbers (:class:`clientops.demo.generator.Generator`) into text and
inserts the whole chunk with ``INSERT … SELECT``. Documents go through a Parquet staging area
so that their numbers (``F-2025-00042``) follow issue dates across the whole book.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from schwifty import IBAN
from stdnum import luhn
from stdnum.eu import at_02
from tqdm.auto import tqdm

from ..allocation import recompute_open_balances
from ..book import Book
from ..book import open as open_book
from ..errors import ClientOpsError
from ..indicators import resolve_period, sums_params, write_portfolio_sums
from ..schema import PAYMENTS_REFERENCE
from .generator import Generator, french_ibans

# DuckDB would otherwise use up to 80 % of the machine's memory on the numbering and the
# allocation of millions of documents (docs/performance.md); it spills beyond this, except in
# operators that cannot spill: a 1M-client build needs more than 2 GB of them.
BUILD_MEMORY_LIMIT = os.environ.get("CLIENTOPS_DEMO_MEMORY", "3GB")
CHUNK = 50_000  # clients per chunk: fixed, so a seed gives the same clients at any size


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`build_demo` wrote.

    Attributes:
      counts: rows per table.
      seconds: wall-clock time of the build.
      today: the reference date every demo date is anchored on.
    """

    counts: dict[str, int]
    seconds: float
    today: date



# -- SQL that turns a chunk's numbers into rows ------------------------------------------
def _day(col: str) -> str:
    return f"CASE WHEN {col} >= 0 THEN DATE '1970-01-01' + CAST({col} AS INTEGER) END"


def _stamp(col: str, minutes: str = "540") -> str:
    # Interpreted as UTC whatever the session's time zone: the same seed gives the same rows.
    return (f"timezone('UTC', (DATE '1970-01-01' + CAST({col} AS INTEGER))::TIMESTAMP"
            f" + to_minutes(CAST({minutes} AS BIGINT)))")


def _money(cents: str) -> str:
    return f"CAST(({cents}) * 0.01::DECIMAL(3,2) AS DECIMAL(18,2))"


def _phone(col: str) -> str:
    return f"CASE WHEN {col} >= 0 THEN '+33' || {col}::VARCHAR END"


# Zero-padded codes use printf, never lpad: lpad cuts longer text (C1000000 → C100000).
INSERTS: dict[str, str] = {
    "clients": f"""
        INSERT INTO clients (id, code, kind, name, first_name, last_name, siren, siret,
            vat_number, email, phone, website, address_line1, address_line2, postal_code, city,
            country, delivery_address_line1, delivery_postal_code, delivery_city,
            delivery_country, language, currency, accounting_account, payment_terms,
            payment_method, iban, bic, bank_name, tags, owner, comments, status, created_at,
            updated_at, archived_at, version, reminders_paused)
        SELECT id, 'C' || printf('%06d', id), kind, name, first_name, last_name,
            CASE WHEN siren >= 0 THEN printf('%09d', siren) END,
            CASE WHEN siret >= 0 THEN printf('%014d', siret) END,
            CASE WHEN vat_key >= 0 THEN 'FR' || printf('%02d', vat_key)
                                        || printf('%09d', siren) END,
            email, {_phone('phone')}, website, address_line1, address_line2, postal_code, city,
            'FR', delivery_address_line1, delivery_postal_code, delivery_city,
            CASE WHEN delivery_city IS NOT NULL THEN 'FR' END, language, 'EUR',
            $prefix || printf('%06d', id), payment_terms, payment_method, iban, bic,
            bank_name, tags, owner, comments, status, {_stamp('created_on')},
            {_stamp('updated_on', '600')},
            CASE WHEN archived_on >= 0 THEN {_stamp('archived_on', '660')} END, 1, FALSE
        FROM chunk ORDER BY id""",
    "contacts": f"""
        INSERT INTO contacts (id, client_id, first_name, last_name, role, email, phone,
            favorite, created_at, updated_at, version)
        SELECT id, client_id, first_name, last_name, role, email, {_phone('phone')}, favorite,
            {_stamp('created_on')}, {_stamp('created_on')}, 1
        FROM chunk ORDER BY id""",
    "sepa_mandates": f"""
        INSERT INTO sepa_mandates (id, client_id, rum, signed_on, scheme, iban, bic, status,
            sequence, last_collected_on, amended_on, revoked_on, created_at, updated_at, version)
        SELECT id, client_id, 'RUM-C' || printf('%06d', client_id) || '-'
                || printf('%06d', id),
            {_day('signed_on')}, scheme, iban, bic, status, sequence,
            {_day('last_collected_on')}, NULL, {_day('revoked_on')},
            {_stamp('signed_on')}, {_stamp('greatest(signed_on, revoked_on)')}, 1
        FROM chunk ORDER BY id""",
    "payments": f"""
        INSERT INTO payments (id, client_id, paid_on, amount, method, reference, invoice_id,
            created_at)
        SELECT id, client_id, {_day('paid_on')}, {_money('cents')}, method,
            CASE ref_kind
                WHEN 0 THEN 'VIR ' || printf('%07d', ref_num)
                WHEN 1 THEN 'PRLV SEPA C' || printf('%06d', client_id)
                WHEN 2 THEN 'CB ' || printf('%06d', (ref_num % 1000000))
                WHEN 3 THEN 'CHQ ' || printf('%07d', ref_num)
                ELSE NULL END,
            CASE WHEN invoice_id >= 0 THEN invoice_id END, {_stamp('paid_on', '720')}
        FROM chunk ORDER BY id""",
    "reminders": f"""
        INSERT INTO reminders (id, client_id, document_id, level, sent_on, channel, recipient,
            outcome, note, amount_due, message_id, actor, created_at)
        SELECT r.id, r.client_id, r.document_id, r.level, {_day('r.sent_on')}, r.channel,
            CASE WHEN r.channel = 'email' THEN coalesce(f.email, c.email) END,
            CASE WHEN r.channel = 'phone' THEN 'promised_payment' ELSE 'sent' END,
            CASE WHEN r.channel = 'phone' THEN 'Appel : paiement promis sous huitaine' END,
            {_money('r.cents')}, NULL, r.actor, {_stamp('r.sent_on', '480')}
        FROM chunk r
        JOIN clients c ON c.id = r.client_id
        LEFT JOIN (SELECT client_id, min(email) AS email FROM contacts
                   WHERE favorite AND email IS NOT NULL
                     AND client_id BETWEEN $lo AND $hi GROUP BY client_id) f
               ON f.client_id = r.client_id
        WHERE c.id BETWEEN $lo AND $hi
        ORDER BY r.id""",
    "tasks": f"""
        INSERT INTO tasks (id, client_id, title, due_on, assignee, done, done_at, created_at)
        SELECT id, client_id, title, {_day('due_on')}, assignee, done,
            CASE WHEN done THEN {_stamp('due_on', '900')} END, {_stamp('created_on')}
        FROM chunk ORDER BY id""",
}

DOCUMENTS_FROM_STAGING = f"""
    INSERT INTO documents (id, client_id, kind, number, issue_date, due_date, total_excl_tax,
        tax, total_incl_tax, status, cancels_id, in_dispute, created_at)
    SELECT id, client_id, kind,
        CASE kind WHEN 'invoice' THEN 'F' WHEN 'quote' THEN 'D' ELSE 'A' END || '-'
            || year(DATE '1970-01-01' + CAST(issue_date AS INTEGER)) || '-'
            || printf('%05d', row_number() OVER (
                   PARTITION BY kind, year(DATE '1970-01-01' + CAST(issue_date AS INTEGER))
                   ORDER BY issue_date, id)),
        {_day('issue_date')}, {_day('due_date')}, {_money('excl')}, {_money('tax')},
        {_money('excl + tax')}, status, CASE WHEN cancels_id >= 0 THEN cancels_id END,
        in_dispute, {_stamp('issue_date', 'minute')}
    FROM read_parquet($files) ORDER BY id
"""


def insert_chunk(conn: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame,
            params: dict[str, Any] | None = None) -> None:
    conn.register("chunk", frame)
    try:
        sql = INSERTS[table]
        conn.execute(sql, {k: v for k, v in (params or {}).items() if f"${k}" in sql})
    finally:
        conn.unregister("chunk")


def _company_settings(seed: int) -> dict[str, Any]:
    """The demo company's identity: a valid IBAN, its bank's BIC, a French creditor id and a
    SIREN."""
    rng = np.random.default_rng([seed, 999_999])
    account = int(rng.integers(10**9, 10**10))
    iban = str(french_ibans(np.array([30004]), np.array([int(rng.integers(1, 99_999))]),
                            np.array([account]))[0])
    national = f"{int(rng.integers(0, 10**6)):06d}"
    ics = "FR" + at_02.calc_check_digits(f"FR00ZZZ{national}") + "ZZZ" + national
    bic = IBAN(iban).bic
    body = f"{int(rng.integers(10**7, 10**8)):08d}"
    siren = body + luhn.calc_check_digit(body)  # names the FEC (clientops fec export)
    return {"company_name": "Atelier Clientops Démo SAS", "company_iban": iban,
            "company_bic": str(bic.compact) if bic else None, "sepa_creditor_id": ics,
            "company_siren": siren}


TABLES = ["clients", "contacts", "sepa_mandates", "documents", "payments", "reminders", "tasks"]


def build_demo(
    path_or_book: str | Path | Book,
    clients: int = 300,
    seed: int = 0,
    progress: bool = True,
    today: date | None = None,
) -> DemoSummary:
    """Fill an empty book with a demo portfolio of ``clients`` clients; all or nothing.

    ``today`` anchors every date (default: today's date); with the same ``seed`` and
    ``today`` the book is identical. Refuses a book that already has clients.
    """
    if clients < 1:
        raise ClientOpsError("demo.no_clients")
    started = time.perf_counter()
    if isinstance(path_or_book, Book):
        book, owned = path_or_book, False
    else:
        book, owned = open_book(path_or_book, actor="demo"), True
    try:
        summary = _build(book, clients, seed, progress, today or date.today())
    finally:
        if owned:
            book.close()
    return DemoSummary(summary, time.perf_counter() - started, today or date.today())


def _build(book: Book, n: int, seed: int, progress: bool, today: date) -> dict[str, int]:
    start_month = int(book.settings.fiscal_year_start_month)
    prefix = str(book.settings.accounting_prefix)
    fy_year = today.year if today.month >= start_month else today.year - 1
    window_start = date(fy_year - 2, start_month, 1)
    gen = Generator(seed, today, window_start, prefix)
    bar = tqdm(total=n, unit="clients", desc="demo", disable=not progress, leave=False)
    # Staging beside the book's file (same disk); a server book (team mode) stages in /tmp.
    staging_dir = book.path.parent if isinstance(book.path, Path) else None
    with book.store.connection() as conn, _memory_limit(conn, BUILD_MEMORY_LIMIT), \
            tempfile.TemporaryDirectory(prefix="clientops-demo-", dir=staging_dir) as tmp, \
            book.store.transaction() as conn:
        conn.execute("SET enable_progress_bar = false")  # ours is enough
        existing = conn.execute("SELECT count(*) FROM clients").fetchone()
        if existing and existing[0]:
            raise ClientOpsError("demo.not_empty", path=str(book.path), n=existing[0])
        # The reference index is built once at the end, cheaper than keeping it up to date row
        # by row (docs/performance.md). A file book only: the index of a server book is the
        # server's.
        rebuild_reference_index = isinstance(book.path, Path)
        if rebuild_reference_index:
            conn.execute("DROP INDEX IF EXISTS payments_reference_idx")
        files = []
        for index, first in enumerate(range(1, n + 1, CHUNK)):
            size = min(CHUNK, n - first + 1)
            tables = gen.chunk(index, first, size)
            for table in ("clients", "contacts", "sepa_mandates", "payments", "tasks"):
                insert_chunk(conn, table, tables[table], {"prefix": prefix})
            insert_chunk(conn, "reminders", tables["reminders"], {"lo": first, "hi": first + size - 1})
            staged = str(Path(tmp) / f"documents-{index:05d}.parquet")
            tables["documents"].to_parquet(staged, index=False)
            files.append(staged)
            bar.update(size)
        if rebuild_reference_index:
            conn.execute(PAYMENTS_REFERENCE)
        bar.set_description("demo: numbering documents")
        conn.execute(DOCUMENTS_FROM_STAGING, {"files": files})
        bar.set_description("demo: open balances")
        _open_balances(conn)
        _set_counters(conn, book, gen, n)
        book.settings.update(**_company_settings(seed))
        bar.set_description("demo: portfolio sums")
        _portfolio_sums(conn, book, today)
        counts = {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
                  for t in TABLES}
    bar.close()
    with book.store.connection() as conn:
        conn.execute("CHECKPOINT")
    return counts


@contextmanager
def _memory_limit(conn: duckdb.DuckDBPyConnection, limit: str | None) -> Iterator[None]:
    """Cap DuckDB's memory for the build (it spills to disk beyond), then restore the limit."""
    if not limit:
        yield
        return
    row = conn.execute("SELECT current_setting('memory_limit')").fetchone()
    conn.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        if row and row[0]:
            conn.execute(f"SET memory_limit = '{row[0]}'")


def _open_balances(conn: duckdb.DuckDBPyConnection) -> None:
    recompute_open_balances(conn, None)


def _portfolio_sums(conn: duckdb.DuckDBPyConnection, book: Book, today: date) -> None:
    """Keep the portfolio's sums as of the demo's today (the portfolio then only reads them)."""
    day, fy = resolve_period(book, None, today)
    write_portfolio_sums(conn, sums_params(day, fy))


def _set_counters(conn: duckdb.DuckDBPyConnection, book: Book, gen: Generator, n: int) -> None:
    values = {"client": n, "contact": gen.ids.contact - 1, "mandate": gen.ids.mandate - 1,
              "document": gen.ids.document - 1, "payment": gen.ids.payment - 1,
              "reminder": gen.ids.reminder - 1, "task": gen.ids.task - 1}
    for name, number in conn.execute(
        "SELECT 'number:' || kind || ':' || year(issue_date), count(*) FROM documents"
        " GROUP BY ALL"
    ).fetchall():
        values[str(name)] = int(number)
    conn.execute("DELETE FROM counters WHERE name IN (SELECT unnest($names))",
                 {"names": list(values)})
    conn.executemany("INSERT INTO counters VALUES (?, ?)", [[k, v] for k, v in values.items()])
