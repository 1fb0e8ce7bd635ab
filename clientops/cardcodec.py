"""The kept card rows' bodies, compressed: zstd with a dictionary trained on the book's own cards.

A card body (:mod:`clientops.cardrows`) is a JSON text of ~2.4 KB that repeats the same keys,
vocabularies and number shapes from one client to the next: alone each compresses poorly, but
with a dictionary of 32 KB trained on a sample of the book's bodies each shrinks ~6× and
decompresses in microseconds (figures: docs/performance.md, bench/bench_storage.py).

The dictionaries live in the book (table ``card_dictionaries``), each under an id derived from
its content, and every row names the one it was written with (``card_rows.dictionary``), so a
row written with an older dictionary still decodes after a new one is trained. Id ``0`` is "no
dictionary" (a book with too few clients to train one). A new dictionary is trained when every
row is rebuilt (:func:`train` from :func:`clientops.cardrows.rebuild_all`: the demo, a
migration, ``clientops optimize --all``); writes in between use the newest (:func:`newest`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable

import duckdb
import zstandard

DICTIONARY_SIZE = 32_768
LEVEL = 3
# Fewer sample bodies than this train no dictionary (zstd's trainer needs ~100× the
# dictionary's size in samples to be worth it; below, the rows are compressed without one).
MIN_SAMPLES = 500
SAMPLES = 2_000

NONE = 0  # the id of "no dictionary"

_local = threading.local()  # zstd contexts are not to be shared between threads


def dictionary_id(content: bytes) -> int:
    """The id of a dictionary: 63 bits of its BLAKE2 hash (never 0), the same in every book."""
    found = int.from_bytes(hashlib.blake2b(content, digest_size=8).digest(), "big") >> 1
    return found or 1


def _contexts() -> dict[int, tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]]:
    cache = getattr(_local, "contexts", None)
    if cache is None:
        cache = _local.contexts = {}
    return cache


def _load(conn: duckdb.DuckDBPyConnection, dict_id: int
          ) -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    """The compression contexts of dictionary ``dict_id`` (read from the book once a thread)."""
    cache = _contexts()
    found = cache.get(dict_id)
    if found is not None:
        return found
    data = None
    if dict_id != NONE:
        row = conn.execute("SELECT content FROM card_dictionaries WHERE id = ?",
                           [dict_id]).fetchone()
        if row is None:
            raise LookupError(f"card dictionary {dict_id} is not in this book")
        data = zstandard.ZstdCompressionDict(bytes(row[0]))
    options = {"level": LEVEL, "write_checksum": False, "write_dict_id": False,
               "write_content_size": True}
    found = (zstandard.ZstdCompressor(dict_data=data, **options),  # type: ignore[arg-type]
             zstandard.ZstdDecompressor(dict_data=data))  # type: ignore[arg-type]
    cache[dict_id] = found
    return found


# The query of the newest dictionary's id (no row when the book has none), for a statement
# that reads it along with other things.
NEWEST_SQL = "SELECT id FROM card_dictionaries ORDER BY created_at DESC, id LIMIT 1"


def newest(conn: duckdb.DuckDBPyConnection) -> int:
    """The id of the book's newest dictionary (:data:`NONE` when it has none)."""
    row = conn.execute(NEWEST_SQL).fetchone()
    return int(row[0]) if row else NONE


def train(conn: duckdb.DuckDBPyConnection, samples: list[str]) -> int:
    """Train a dictionary on ``samples`` (card bodies), keep it in the book, return its id
    (:data:`NONE`, and nothing kept, with fewer than :data:`MIN_SAMPLES`)."""
    if len(samples) < MIN_SAMPLES:
        return NONE
    try:
        trained = zstandard.train_dictionary(DICTIONARY_SIZE, [s.encode() for s in samples],
                                             level=LEVEL)
    except zstandard.ZstdError:
        return NONE  # samples too alike or too small to learn from: no dictionary
    content = trained.as_bytes()
    dict_id = dictionary_id(content)
    conn.execute("INSERT INTO card_dictionaries SELECT $id, now(), $content"
                 " WHERE NOT EXISTS (SELECT 1 FROM card_dictionaries WHERE id = $id)",
                 {"id": dict_id, "content": content})
    return dict_id


def encode(conn: duckdb.DuckDBPyConnection, dict_id: int, texts: Iterable[str]) -> list[bytes]:
    """``texts`` compressed with dictionary ``dict_id``."""
    compressor = _load(conn, dict_id)[0]
    return [compressor.compress(t.encode()) for t in texts]


def decode(conn: duckdb.DuckDBPyConnection, dict_id: int, body: bytes) -> str:
    """The text of one body written with dictionary ``dict_id``."""
    return _load(conn, dict_id)[1].decompress(body).decode()
