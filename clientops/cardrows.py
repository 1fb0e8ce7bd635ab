"""Each client's card data kept at write time: one row per client, read in one point query.

DuckDB reads a row column by column: the client row alone (39 columns) costs ~1.9 ms and the six
sections ~2.4 ms at 1M clients, more when the blocks are cold. ``card_rows`` keeps, per client,
the client row and the raw rows of the six sections as one JSON text, so a card is one index
lookup and one text read (bench/bench_indicators.py; two texts, one per part, cost 0.2 ms more
when cold). The text is kept compressed (:mod:`clientops.cardcodec`: zstd with a dictionary
trained on the book's own cards, ~6× smaller); it is built in SQL, compressed in Python and
written back in one statement.

Kept current inside the write transaction, like the open balances: every write that changes a
card's data either writes an audit row naming the client (:func:`clientops.audit.record` and the
set-based audit inserts reserve their ids through ``Store.reserve``, which notes them) or
recomputes the client's open balances (:func:`clientops.allocation.recompute_open_balances`,
which notes the client). This is a :mod:`clientops.derived` structure (:class:`CardRows`):
just before COMMIT the store refreshes it, which rebuilds the noted clients' rows from the
tables. A change to more than :data:`REFRESH_LIMIT` clients at once
(a large import, a reminders run), or a bulk correction of client fields to more than
:data:`POINT_LIMIT` (:func:`prefer_drop`), marks their rows ``dropped`` instead, so it stays as
fast as before; their cards are then read from the tables (correct, a few ms slower) until
:func:`fill_missing` (``clientops optimize``) writes them again. A write that only updated
client fields (a single edit, a correction of any size) writes no row at all: every update
of a client raises its ``version``, which the kept identity holds, and a card whose kept
version is behind the client's reads the client row from the table and its sections from the
kept row (:func:`read`). ``clientops check`` compares each kept row, decompressed, with one
built from the tables (:func:`differences`): the sections always, the identity unless it was
kept at an older version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from . import cardcodec, derived, fields
from .imports import registered

# The card's identity: the client fields of the registry (clientops.fields.columns), in its
# order — a field added there (with its migration) is kept here too. A row kept before a field
# was added has fewer values: it is read from the tables instead (and `clientops optimize`
# writes it again).
_TIMESTAMPS = {"created_at", "updated_at", "archived_at"}

# Per-client changes refreshed one by one (index lookups) up to this many clients, set-based
# (hash joins over the tables) up to REFRESH_LIMIT, dropped beyond.
POINT_LIMIT = 32
REFRESH_LIMIT = 20_000
FILL_CHUNK = 50_000  # clients per statement when filling (memory: ~120 MB of JSON each)
FEW_ROWS = 8  # up to this many kept rows, the check builds each one apart (build_one)

# The six sections' raw rows, in the layout card.build_card reads (see card._SECTIONS):
# one JSON array per row, starting with the section number; money as text (exact decimals).
_PARTS = """
    SELECT client_id, 0 AS part, id, json_array(0, id, issue_date, due_date,
           total_excl_tax::VARCHAR, tax::VARCHAR, total_incl_tax::VARCHAR, kind, number, status,
           cancels_id, in_dispute) AS j FROM documents WHERE {scope}
    UNION ALL SELECT client_id, 1, id, json_array(1, id, paid_on, amount::VARCHAR, method,
           reference, invoice_id) FROM payments WHERE {scope}
    UNION ALL SELECT client_id, 2, id, json_array(2, id, sent_on, amount_due::VARCHAR, channel,
           recipient, outcome, document_id, level) FROM reminders WHERE {scope}
    UNION ALL SELECT client_id, 3, id, json_array(3, id, first_name, last_name, role, email, phone,
           favorite) FROM contacts WHERE {scope}
    UNION ALL SELECT client_id, 4, id, json_array(4, id, signed_on, last_collected_on, rum,
           scheme, iban, status, sequence) FROM sepa_mandates WHERE {scope}
    UNION ALL SELECT client_id, 5, id, json_array(5, id, due_on, title, assignee, done,
           done_at::VARCHAR) FROM tasks WHERE {scope}
"""


def _identity(alias: str) -> str:
    """The JSON array of a client's columns, for the clients table under ``alias``."""
    return "json_array(" + ", ".join(
        f"{alias}.{name}::VARCHAR" if name in _TIMESTAMPS else f"{alias}.{name}"
        for name in fields.columns()) + ")::VARCHAR"


def build_sql(scope: str) -> str:
    """``client_id, code, body`` for the clients in ``scope`` (a condition on ``client_id``;
    for the clients table it reads ``id``): ``body`` is the JSON text, before compression."""
    return f"""
        WITH s AS MATERIALIZED ({_PARTS.format(scope=scope)}),
        g AS (SELECT client_id,
                     '[' || array_to_string(list_sort(list(j::VARCHAR)), ',') || ']' AS sections
              FROM s GROUP BY client_id)
        SELECT c.id AS client_id, c.code,
               '[' || {_identity('c')} || ',' || coalesce(g.sections, '[]') || ']' AS body
        FROM (SELECT * FROM clients WHERE {scope.replace('client_id', 'id')}) c
        LEFT JOIN g ON g.client_id = c.id
    """


def build_one(conn: duckdb.DuckDBPyConnection, client_id: int) -> tuple[int, str, str] | None:
    """``client_id, code, body`` of one client, as :func:`build_sql` builds them (None: no such
    client). Two plain queries and the sort in Python: planning :func:`build_sql`'s joins and
    grouping cost twice as much as running both (docs/performance.md)."""
    client = conn.execute(f"SELECT id, code, {_identity('c')} FROM clients c WHERE id = $id",
                          {"id": client_id}).fetchone()
    if client is None:
        return None
    rows = conn.execute(f"SELECT j::VARCHAR FROM ({_PARTS.format(scope='client_id = $id')})",
                        {"id": client_id}).fetchall()
    # sorted as DuckDB's list_sort sorts texts: by UTF-8 bytes, which is code point order
    sections = ",".join(sorted(r[0] for r in rows))
    return client[0], client[1], f"[{client[2]},[{sections}]]"


# -- the derived-data protocol (clientops.derived) -----------------------------------------------
def touch(conn: duckdb.DuckDBPyConnection, ids: Iterable[int] | None = (),
          codes: Iterable[str | None] = ()) -> None:
    """Note clients whose card rows this transaction must rebuild (``ids=None``: all)."""
    derived.touch(conn, ids, codes)


def prefer_drop(conn: duckdb.DuckDBPyConnection) -> None:
    """Drop rather than rebuild beyond POINT_LIMIT clients: for bulk corrections of client
    fields, whose whole cost is a few hundred ms (a set-based rebuild costs ~1 s at 1M clients
    whatever the number, the full scans of the sections' tables)."""
    derived.prefer_drop(conn)


class CardRows:
    """The kept card rows as a :class:`clientops.derived.Derived` structure."""

    name = "card_rows"
    order = 30
    built_by: str | None = "0015_card_rows_compressed"
    reads: tuple[str, ...] = ("card_rows", "card_dictionaries", "clients", "documents",
                              "payments", "reminders", "contacts", "sepa_mandates", "tasks",
                              "settings")

    def refresh(self, conn: duckdb.DuckDBPyConnection, changes: derived.Changes) -> None:
        """Rebuild (or drop, beyond the limits) the card rows of the clients noted."""
        if changes.everything:
            rebuild_all(conn)
            return
        limit = min(POINT_LIMIT, REFRESH_LIMIT) if changes.prefer_drop else REFRESH_LIMIT
        ids = set(changes.ids)
        codes = set(changes.codes)
        if changes.audit:
            # one writer per file: every audit id between the first and the last this
            # transaction reserved is its own
            span = {"lo": min(r[0] for r in changes.audit),
                    "hi": max(r[1] for r in changes.audit)}
            few = derived.audit_rows(conn, changes, derived.POINT_AUDIT)
            if not ids and not codes and _identities_only(conn, few, span):
                return
            if few is not None:  # a few edits: the rows are read already
                named = list(dict.fromkeys(r[0] for r in few if r[0] is not None))
            else:  # one query: the codes named, up to one past the limit (enough to decide)
                named = [r[0] for r in conn.execute(
                    "SELECT DISTINCT client_code FROM audit_log WHERE id BETWEEN $lo AND $hi"
                    " AND client_code IS NOT NULL LIMIT $cap",
                    {**span, "cap": limit + 1}).fetchall()]
            if len(named) + len(ids) + len(codes) > limit:
                _drop_many(conn, ids, codes, span)
                return
            codes.update(named)
        ids.update(_clients_of(conn, codes))
        refresh(conn, ids, limit)

    def rebuild(self, conn: duckdb.DuckDBPyConnection) -> int:
        return rebuild_all(conn)

    def check(self, conn: duckdb.DuckDBPyConnection) -> list[str]:
        return differences(conn)


STRUCTURE = derived.register(CardRows())


def _identities_only(conn: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]] | None,
                     span: dict[str, int]) -> bool:
    """Whether the transaction only updated fields of clients, their codes excepted (a single
    edit, a correction of any size): their kept rows are then left as they are. ``rows``:
    its audit rows when they are few, else None (read here, ``span`` their ids). Every update
    of a client raises its ``version``, which the kept identity holds: a card whose kept
    version is not the client's reads the client row from the table (:func:`read`), and
    the kept sections still spare it the six sections' tables."""
    if rows is not None:
        return any(r[0] is not None for r in rows) and all(
            code is None or (entity == "client" and action == "update" and name != "code")
            for code, entity, _entity_id, action, name, _old in rows)
    found = conn.execute(
        "SELECT count(*) FILTER (WHERE NOT (entity = 'client' AND action = 'update'"
        " AND field IS DISTINCT FROM 'code')), count(*) FROM audit_log"
        " WHERE id BETWEEN $lo AND $hi AND client_code IS NOT NULL", span).fetchone()
    return bool(found and found[0] == 0 and found[1] > 0)


def _drop_many(conn: duckdb.DuckDBPyConnection, ids: set[int], codes: set[str],
               span: dict[str, int]) -> None:
    """Mark dropped, in one statement, the rows of a change to more than REFRESH_LIMIT
    clients: those noted, and those named by the transaction's audit rows (under the code they
    are kept with, or the client's code now)."""
    conn.execute("""
        UPDATE card_rows SET dropped = true WHERE NOT dropped AND (
            client_id IN (SELECT unnest($ids::BIGINT[]))
            OR code IN (SELECT unnest($codes::VARCHAR[]))
            OR code IN (SELECT client_code FROM audit_log WHERE id BETWEEN $lo AND $hi)
            OR client_id IN (SELECT id FROM clients WHERE code IN
                (SELECT client_code FROM audit_log WHERE id BETWEEN $lo AND $hi)))""",
                 {"ids": sorted(ids), "codes": sorted(codes), **span})


def _clients_of(conn: duckdb.DuckDBPyConnection, codes: set[str]) -> list[int]:
    """The clients with those codes now, and the rows kept under them (a client deleted or
    merged away keeps no row)."""
    if len(codes) <= POINT_LIMIT:  # index lookups
        found = []
        for code in codes:
            found += [r[0] for r in conn.execute(
                "SELECT id FROM clients WHERE code = $code UNION"
                " SELECT client_id FROM card_rows WHERE code = $code", {"code": code}).fetchall()]
        return found
    hits = conn.execute(
        "SELECT id FROM clients WHERE code IN (SELECT unnest($codes)) UNION"
        " SELECT client_id FROM card_rows WHERE code IN (SELECT unnest($codes))",
        {"codes": sorted(codes)}).fetchnumpy()["id"]
    return [int(i) for i in hits]


def refresh(conn: duckdb.DuckDBPyConnection, client_ids: Iterable[int],
            limit: int | None = None) -> None:
    """Rebuild the card rows of ``client_ids`` from the tables (drop them past ``limit``,
    default REFRESH_LIMIT)."""
    ids = sorted({int(i) for i in client_ids})
    if not ids:
        return
    if len(ids) > (REFRESH_LIMIT if limit is None else limit):
        # marked, not deleted nor emptied: DuckDB's COMMIT of 100,000 deleted rows took 1.7 s
        # at 1M clients, and setting the texts to NULL as long (their old values are kept
        # for the rollback), against milliseconds for a boolean (bench/bench_bulk.py)
        conn.execute("UPDATE card_rows SET dropped = true"
                     " WHERE client_id IN (SELECT unnest($ids))", {"ids": ids})
        return
    dict_id = cardcodec.newest(conn)
    if len(ids) <= POINT_LIMIT:
        # a plain equality: DuckDB reads each table through its client_id index
        for client_id in ids:
            row = build_one(conn, client_id)
            conn.execute("DELETE FROM card_rows WHERE client_id = $id", {"id": client_id})
            if row is not None:  # None: deleted, or merged away
                conn.execute("INSERT INTO card_rows VALUES ($id, $code, $body, $dict, false)",
                             {"id": row[0], "code": row[1], "dict": dict_id,
                              "body": cardcodec.encode(conn, dict_id, [row[2]])[0]})
        return
    scope = "client_id IN (SELECT unnest($ids))"
    conn.execute(f"DELETE FROM card_rows WHERE {scope}", {"ids": ids})
    _insert(conn, build_sql(scope), {"ids": ids}, dict_id)


def _insert(conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any],
            dict_id: int) -> None:
    """Insert the rows that ``sql`` (:func:`build_sql`) builds, their bodies compressed with
    dictionary ``dict_id``: the texts come to Python and go back in one statement."""
    built = conn.execute(sql, params).to_arrow_table()
    if not built.num_rows:
        return
    bodies = cardcodec.encode(conn, dict_id, built.column("body").to_pylist())
    packed = pa.table({"client_id": built.column("client_id"), "code": built.column("code"),
                       "body": pa.array(bodies, pa.binary())})
    with registered(conn, "_card_rows_packed", packed):
        conn.execute("INSERT INTO card_rows SELECT client_id, code, body, $dict, false"
                     " FROM _card_rows_packed", {"dict": dict_id})


def rebuild_all(conn: duckdb.DuckDBPyConnection) -> int:
    """Every client's card row, rebuilt (the demo, a migration, ``clientops optimize
    --all``) with a dictionary trained anew on a sample of them; returns how many."""
    conn.execute("DELETE FROM card_rows")
    sample = [r[0] for r in conn.execute(
        f"SELECT id FROM clients USING SAMPLE reservoir({cardcodec.SAMPLES} ROWS)"
        " REPEATABLE (17)").fetchall()]
    if len(sample) >= cardcodec.MIN_SAMPLES:
        built = conn.execute(build_sql("client_id IN (SELECT unnest($ids))"),
                             {"ids": sample}).to_arrow_table()
        cardcodec.train(conn, built.column("body").to_pylist())
    return fill_missing(conn)


def fill_missing(conn: duckdb.DuckDBPyConnection) -> int:
    """Write the card rows that are missing (dropped by a large change); returns how many.

    In chunks of :data:`FILL_CHUNK` client ids, so memory stays bounded at any size.
    """
    bounds = conn.execute("SELECT min(id), max(id) FROM clients").fetchone()
    if not bounds or bounds[0] is None:
        return 0
    written = 0
    sql = build_sql("client_id BETWEEN $lo AND $hi")
    dict_id = cardcodec.newest(conn)
    for lo in range(int(bounds[0]), int(bounds[1]) + 1, FILL_CHUNK):
        hi = lo + FILL_CHUNK - 1
        missing = conn.execute(
            "SELECT count(*) FROM clients WHERE id BETWEEN $lo AND $hi AND id NOT IN"
            " (SELECT client_id FROM card_rows WHERE client_id BETWEEN $lo AND $hi"
            "  AND NOT dropped)",
            {"lo": lo, "hi": hi}).fetchone()
        dropped = conn.execute(
            "SELECT count(*) FROM card_rows WHERE client_id BETWEEN $lo AND $hi"
            " AND dropped", {"lo": lo, "hi": hi}).fetchone()
        if not (missing and missing[0]) and not (dropped and dropped[0]):
            continue
        conn.execute("DELETE FROM card_rows WHERE client_id BETWEEN $lo AND $hi",
                     {"lo": lo, "hi": hi})
        _insert(conn, sql, {"lo": lo, "hi": hi}, dict_id)
        written += int(missing[0]) if missing else 0
    return written


def differences(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The kept rows (not dropped) that differ from the tables: one line, up to 10 clients."""
    columns = {(r[0], r[1]) for r in conn.execute(
        "SELECT table_name, column_name FROM duckdb_columns()"
        " WHERE table_name IN ('clients', 'card_rows')"
        " AND database_name = current_database()").fetchall()}
    if ("card_rows", "dictionary") not in columns:
        return []  # a book being migrated (no card rows yet, or rows not yet compressed)
    if not columns >= {("clients", name) for name in fields.columns()}:
        return []  # a book being migrated: the card rows are filled at the end
    bounds = conn.execute("SELECT min(client_id), max(client_id), count(*) FROM card_rows"
                          ).fetchone()
    if not bounds or bounds[0] is None:
        return []
    wrong: list[int] = []
    if bounds[2] <= FEW_ROWS:  # a small book: a few point reads cost less than planning one
        for client_id, code, body, dict_id, dropped in conn.execute(
                "SELECT client_id, code, body, dictionary, dropped FROM card_rows").fetchall():
            one = build_one(conn, client_id)
            if not dropped and (one is None or one[1] != code or not _agrees(
                    cardcodec.decode(conn, dict_id, body), one[2])):
                wrong.append(client_id)
        return [f"out of date for clients {sorted(wrong)[:10]}"] if wrong else []
    sql = build_sql("client_id BETWEEN $lo AND $hi")
    for lo in range(int(bounds[0]), int(bounds[1]) + 1, FILL_CHUNK):
        span = {"lo": lo, "hi": lo + FILL_CHUNK - 1}
        fresh = {r[0]: (r[1], r[2]) for r in conn.execute(sql, span).fetchall()}
        for client_id, code, body, dict_id in conn.execute(
                "SELECT client_id, code, body, dictionary FROM card_rows"
                " WHERE client_id BETWEEN $lo AND $hi AND NOT dropped ORDER BY client_id",
                span).fetchall():
            built = fresh.get(client_id)
            if built is None or built[0] != code or not _agrees(
                    cardcodec.decode(conn, dict_id, body), built[1]):
                wrong.append(client_id)
        if len(wrong) >= 10:
            break
    if not wrong:
        return []
    return [f"out of date for clients {wrong[:10]}"]


def _agrees(kept: str, fresh: str) -> bool:
    """Whether a kept body agrees with one built from the tables: the same text, or the same
    sections under an identity kept at another version of the client (:func:`read` reads
    the client row from the table then)."""
    if kept == fresh:
        return True
    decoder = json.JSONDecoder()
    kept_identity, kept_end = decoder.raw_decode(kept, 1)  # "[identity,[sections]]"
    fresh_identity, fresh_end = decoder.raw_decode(fresh, 1)
    version = fields.columns().index("version")
    return (kept_identity[version] != fresh_identity[version]
            and kept[kept_end:] == fresh[fresh_end:])


def check(conn: duckdb.DuckDBPyConnection) -> None:
    """Raise AssertionError when a kept row differs from the tables (tests, debugging)."""
    problems = differences(conn)
    if problems:
        raise AssertionError(
            f"card_rows {problems[0]}: a write path changed their card data without noting "
            "them (clientops.derived.touch)")


# -- reading ---------------------------------------------------------------------------------------
# Only the equality on code: with "AND NOT dropped" as well DuckDB scanned the table instead of
# using the index (3 ms instead of 0.3 ms at 1M clients); the dropped flag is read and tested here.
_READ = """
    SELECT body, dictionary, dropped,
           (SELECT value FROM settings WHERE key = 'fiscal_year_start_month') AS _fy_month,
           (SELECT version FROM clients WHERE code = $code) AS _version
    FROM card_rows WHERE code = $code"""


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _row(r: list[Any]) -> tuple[Any, ...]:
    """One kept section row in card._SECTIONS' layout:
    part, id, d1, d2, m1, m2, m3, s1, s2, s3, s4, s5, i1, i2, b1, ts."""
    part = r[0]
    if part == 0:
        return (0, r[1], _day(r[2]), _day(r[3]), _money(r[4]), _money(r[5]), _money(r[6]),
                r[7], r[8], r[9], None, None, r[10], None, r[11], None)
    if part == 1:
        return (1, r[1], _day(r[2]), None, _money(r[3]), None, None, r[4], r[5], None, None,
                None, r[6], None, None, None)
    if part == 2:
        return (2, r[1], _day(r[2]), None, _money(r[3]), None, None, r[4], r[5], r[6], None,
                None, r[7], r[8], None, None)
    if part == 3:
        return (3, r[1], None, None, None, None, None, r[2], r[3], r[4], r[5], r[6], None, None,
                r[7], None)
    if part == 4:
        return (4, r[1], _day(r[2]), _day(r[3]), None, None, None, r[4], r[5], r[6], r[7], r[8],
                None, None, None, None)
    return (5, r[1], _day(r[2]), None, None, None, None, r[3], r[4], None, None, None, None,
            None, r[5], None if r[6] is None else datetime.fromisoformat(r[6]))


def read(conn: duckdb.DuckDBPyConnection, code: str
         ) -> tuple[dict[str, Any] | None, list[tuple[Any, ...]]] | None:
    """The client row (with ``_fy_month``) and the six sections' rows, or None when the
    client has no kept row (unknown code, or dropped by a large change). The client row is
    None when the client was updated since its row was kept (its kept ``version`` is not
    the table's): the caller reads it from the table."""
    row = next((r for r in conn.execute(_READ, {"code": code}).fetchall() if not r[2]), None)
    if row is None:
        return None
    values, sections = json.loads(cardcodec.decode(conn, row[1], row[0]))
    rows = [_row(r) for r in sections]
    names = fields.columns()
    if len(values) != len(names):  # kept before a field was added: read from the tables
        return None
    client = dict(zip(names, values, strict=True))
    if client["version"] != row[4]:
        return None, rows
    for name in names:
        declared = fields.field(name)
        if client[name] is None:
            continue
        if name in _TIMESTAMPS:
            client[name] = datetime.fromisoformat(client[name])
        elif declared.sql == "DATE":
            client[name] = _day(client[name])
    client["_fy_month"] = row[3]
    return client, rows
