"""The words a client is found by: a search matches words in any order, without accents.

A client's *words* are the words of its name, city, code, email, SIREN, SIRET and VAT number,
in lower case and without accents, split at anything that is neither a letter nor a digit
("Pharmacie Vidal", "Orléans", "contact@vidal.fr" give ``pharmacie``, ``vidal``, ``orleans``,
``contact``, ``fr``). A search is split the same way, and finds the clients that have, for each
of its words, a word that *starts with* it: "pharma vidal" finds "Pharmacie Vidal", so does
"vidal pharma" or "VIDAL orléans". Its words written together are also tried, so that an
identifier typed in groups ("732 829 320", "FR44 732829320") finds the client.

The words are kept at write time in table ``client_words`` (one row per client and word,
written in word order), a :mod:`clientops.derived` structure: a search reads the rows of a
word's prefix (a range on sorted rows, which DuckDB's zone maps narrow to a few blocks) instead
of every client's text (figures: docs/performance.md). A book that does not keep it (a server
book in team mode) finds the same clients by splitting each client's text on the fly.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from . import derived, fields

NAME = "client_words"
# A change to more clients than this (or a fifth of them) rebuilds the words whole.
REFRESH_LIMIT = 200_000
# After the last character any word can hold: a prefix's words are in [prefix, prefix + TOP).
TOP = "\U0010ffff"


def columns() -> tuple[str, ...]:
    """The client columns a search looks in: the registry's fields with a ``search`` kind."""
    return tuple(f.name for f in fields.all_fields() if f.search)


def split_sql(text: str, distinct: bool = True) -> str:
    """The SQL list of the words (``distinct``: each once) of the SQL text expression
    ``text``."""
    words = (f"list_filter(regexp_split_to_array(strip_accents(lower({text})), "
             r"'[^\pL\pN]+'), w -> w <> '')")
    return f"list_distinct({words})" if distinct else words


def _client_text(alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return "concat_ws(' ', " + ", ".join(prefix + c for c in columns()) + ")"


def rows_sql(scope: str = "TRUE") -> str:
    """``word, client_id`` of the clients in ``scope`` (a condition on ``clients``), in word
    order."""
    return (f"SELECT unnest({split_sql(_client_text())}) AS word, id AS client_id"
            f" FROM clients WHERE {scope} ORDER BY word, client_id")


def words_of(conn: duckdb.DuckDBPyConnection, search: str) -> list[str]:
    """The words of a search, split as the clients' words are, each once, in their order."""
    row = conn.execute(f"SELECT {split_sql('?', distinct=False)}", [search]).fetchone()
    return list(dict.fromkeys(row[0])) if row and row[0] else []


def _alternatives(words: list[str]) -> list[list[str]]:
    """Each word found, or (several words) the words written together."""
    return [words] + ([["".join(words)]] if len(words) > 1 else [])


def matching_ids(conn: duckdb.DuckDBPyConnection, words: list[str]) -> list[int]:
    """The ids of the clients the kept words find for ``words``."""
    if not words:
        return []
    sets, params = [], []
    for group in _alternatives(words):
        parts = []
        for word in group:
            parts.append("SELECT client_id FROM client_words WHERE word >= ? AND word < ?")
            params += [word, word + TOP]
        sets.append("(" + " INTERSECT ".join(parts) + ")")
    return [int(r[0]) for r in conn.execute(" UNION ".join(sets), params).fetchall()]


def match(conn: duckdb.DuckDBPyConnection, words: list[str], kept: bool
          ) -> tuple[str, list[Any]]:
    """The condition on ``clients`` that finds ``words``, and its parameters.

    ``kept``: the ids the kept words find (``client_words``; DuckDB filters the clients by a
    list of ids far faster than it joins them); otherwise each client's text split on the fly.
    """
    if not words:
        return "FALSE", []
    if kept:
        return "id IN (SELECT unnest(?))", [matching_ids(conn, words)]
    text = f"(' ' || array_to_string({split_sql(_client_text())}, ' '))"
    conditions, params = [], []
    for group in _alternatives(words):
        conditions.append("(" + " AND ".join(f"contains({text}, ?)" for _ in group) + ")")
        params += [" " + word for word in group]
    return "(" + " OR ".join(conditions) + ")", params


# -- the derived-data protocol (clientops.derived) -----------------------------------------------
def _newest(conn: duckdb.DuckDBPyConnection) -> int:
    """The newest client whose words are kept (-1: none)."""
    row = conn.execute("SELECT max(client_id) FROM client_words_newest").fetchone()
    return int(row[0]) if row and row[0] is not None else -1


def _note_newest(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("DELETE FROM client_words_newest")
    conn.execute("INSERT INTO client_words_newest SELECT coalesce(max(id), -1) FROM clients")


def _ids(conn: duckdb.DuckDBPyConnection, changes: derived.Changes) -> tuple[set[int], bool]:
    """The clients whose words may have changed, and whether some of them are gone."""
    ids = set(changes.ids - changes.money_ids)  # payments and documents change no word
    codes = set(changes.codes)
    for lo, hi in changes.audit:
        codes.update(r[0] for r in conn.execute(
            "SELECT DISTINCT client_code FROM audit_log WHERE id BETWEEN ? AND ?"
            " AND entity = 'client' AND client_code IS NOT NULL"
            " AND (field IS NULL OR list_contains(?, field))",  # payment terms change no word
            [lo, hi, list(columns())]).fetchall())
    # Clients inserted by SQL without a note (an import, a script): newer than any word kept.
    ids.update(r[0] for r in conn.execute("SELECT id FROM clients WHERE id > ?",
                                          [_newest(conn)]).fetchall())
    gone = False
    if codes:
        found = conn.execute("SELECT code, id FROM clients WHERE code IN (SELECT unnest(?))",
                             [sorted(codes)]).fetchall()
        ids.update(int(r[1]) for r in found)
        gone = len(found) < len(codes)
    return ids, gone


# A few client-field updates (a single edit) change only the words their old and new values
# differ by: point statements on the sorted words instead of a scan of every client's words.


def _both_words(conn: duckdb.DuckDBPyConnection, now: list[Any], then: list[Any]
                ) -> tuple[set[str], set[str]]:
    """The words of a client's searched values now and before a change (text or None each).

    Plain ASCII is split here, as :func:`split_sql` splits it (lower case, split at anything
    that is not ``a-z`` or ``0-9``: for ASCII text these are its letters and digits, and no
    accent is there to strip), and so is text whose other characters are French accented
    letters and punctuation (:data:`_FRENCH`, what ``strip_accents(lower(…))`` and the split
    make of them); any other text is split by :func:`split_sql` itself, both values in one
    statement (its Unicode classes cost DuckDB ~3 ms to compile per statement).
    """
    texts = [" ".join(str(v) for v in values if v is not None) for values in (now, then)]
    plain = [text.lower().translate(_FRENCH) for text in texts]
    if all(text.isascii() for text in plain):
        return (set(_ASCII_SPLIT.split(plain[0])) - {""},
                set(_ASCII_SPLIT.split(plain[1])) - {""})
    row = conn.execute(f"SELECT list_transform([?, ?], t -> {split_sql('t')})", texts).fetchone()
    assert row is not None  # a SELECT without FROM has one row
    return set(row[0][0] or []), set(row[0][1] or [])


# What separates words in plain ASCII text once in lower case (split_sql's rule for ASCII).
_ASCII_SPLIT = re.compile("[^a-z0-9]+")
# The accented letters of French text in lower case, as strip_accents leaves them, and its
# punctuation beyond ASCII (not letters nor digits: separators for split_sql); any other
# character sends the text to split_sql (tests/test_searchwords.py holds the two to agree).
_FRENCH = str.maketrans({
    **dict(zip("àâäáãåçèéêëìíîïñòóôöõùúûüýÿ", "aaaaaaceeeeiiiinooooouuuuyy", strict=True)),
    **dict.fromkeys("’‘“”«»–—…\u00a0\u202f", " ")})

# Whether clients were inserted (by SQL, without a note) after the newest one with kept words,
# other than those of a list (parameter: the clients the audit rows say were created).
_UNNOTED_BUT = ("(SELECT count(*) > 0 FROM clients WHERE id >"
                " (SELECT coalesce(max(client_id), -1) FROM client_words_newest)"
                " AND NOT list_contains(?::BIGINT[], id))")


def _refresh_points(conn: duckdb.DuckDBPyConnection, changes: derived.Changes) -> bool:
    """Delete the words a few updates removed and add those they brought, from the audit rows'
    old values, and add the words of a few clients created; False (nothing done) when the
    transaction did anything else."""
    if changes.ids - changes.money_ids or changes.codes:
        return False
    rows = derived.audit_rows(conn, changes, derived.POINT_AUDIT)
    if rows is None:
        return False
    searched = set(columns())
    before: dict[int, dict[str, str | None]] = {}
    created: set[int] = set()  # no word before
    for _code, entity, entity_id, action, name, old in rows:
        if entity != "client":
            continue  # contacts, mandates, documents… change no word
        if action == "create" and entity_id is not None:
            created.add(int(entity_id))
            before.setdefault(int(entity_id), {})
            continue
        if action != "update" or name is None or entity_id is None:
            return False
        if name in searched:
            if fields.field(name).sensitive:
                return False  # its audit value is masked
            before.setdefault(int(entity_id), {}).setdefault(name, old)  # the first: oldest
    names = columns()
    found = []
    for client_id, old in before.items():
        row = conn.execute(f"SELECT {', '.join(names)}, {_UNNOTED_BUT} FROM clients WHERE id = ?",
                           [sorted(created), client_id]).fetchone()
        if row is None:
            return False  # deleted since: the general refresh drops its words
        if row[-1]:
            return False  # clients inserted by SQL without a note: the general refresh adds them
        now_values = list(row[:-1])
        then_values = ([None] * len(names) if client_id in created else
                       [old.get(name, value) for name, value in zip(names, now_values, strict=True)])
        found.append((client_id, *_both_words(conn, now_values, then_values)))
    for client_id, now, then in found:
        for word in sorted(then - now):
            conn.execute("DELETE FROM client_words WHERE word = ? AND client_id = ?",
                         [word, client_id])
        if now - then:
            conn.execute("INSERT INTO client_words SELECT unnest(?::VARCHAR[]), ?",
                         [sorted(now - then), client_id])
    if created:
        _note_newest(conn)  # the clients created are noted, and none newer is unnoted
    return True


class ClientWords:
    """The kept words of every client as a :class:`clientops.derived.Derived` structure."""

    name = NAME
    order = 50
    built_by: str | None = "0014_client_words"
    reads: tuple[str, ...] = ("client_words", "client_words_newest", "clients")

    def refresh(self, conn: duckdb.DuckDBPyConnection, changes: derived.Changes) -> None:
        """Write again the words of the clients noted (all of them after a large change)."""
        if changes.everything:
            self.rebuild(conn)
            return
        if _refresh_points(conn, changes):
            return
        ids, gone = _ids(conn, changes)
        if not ids and not gone:
            return
        total = conn.execute("SELECT count(*) FROM clients").fetchone()
        if len(ids) > min(REFRESH_LIMIT, max(1000, (total[0] if total else 0) // 5)):
            self.rebuild(conn)
            return
        wanted = sorted(ids)
        if wanted:
            conn.execute("DELETE FROM client_words WHERE client_id IN (SELECT unnest(?))",
                         [wanted])
            conn.execute(f"INSERT INTO client_words {rows_sql('id IN (SELECT unnest(?))')}",
                         [wanted])
        if gone:  # a client deleted or merged away: its words go with it
            conn.execute("DELETE FROM client_words WHERE client_id NOT IN"
                         " (SELECT id FROM clients)")
        if wanted and wanted[-1] > _newest(conn):
            _note_newest(conn)

    def rebuild(self, conn: duckdb.DuckDBPyConnection) -> int:
        conn.execute("DELETE FROM client_words")
        conn.execute(f"INSERT INTO client_words {rows_sql()}")
        _note_newest(conn)
        row = conn.execute("SELECT count(*) FROM client_words").fetchone()
        return int(row[0]) if row else 0

    def check(self, conn: duckdb.DuckDBPyConnection) -> list[str]:
        if not derived.table_exists(conn, NAME):
            return []  # a book being migrated
        # Clients newer than any word kept were inserted by SQL without a note: the next
        # write adds their words (like the card rows, they are not counted as out of date).
        wrong = conn.execute(f"""
            WITH fresh AS MATERIALIZED (SELECT word, client_id FROM ({rows_sql()}))
            SELECT DISTINCT client_id FROM (
                (SELECT word, client_id FROM client_words EXCEPT ALL
                 SELECT word, client_id FROM fresh)
                UNION ALL
                (SELECT word, client_id FROM fresh EXCEPT ALL
                 SELECT word, client_id FROM client_words))
            WHERE client_id <= ?
            ORDER BY 1 LIMIT 10""", [_newest(conn)]).fetchall()
        if not wrong:
            return []
        return [f"out of date for clients {[r[0] for r in wrong]}"]


STRUCTURE = derived.register(ClientWords())

__all__ = ["columns", "ClientWords", "NAME", "match", "matching_ids", "rows_sql", "split_sql",
           "words_of"]
