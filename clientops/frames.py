"""DataFrames out of DuckDB that keep money exact.

DuckDB's ``.df()`` turns DECIMAL into float64. Going through Arrow keeps DECIMAL(18,2) as
``decimal128(18, 2)[pyarrow]`` columns: exact, vectorised, and each cell reads back as a
:class:`decimal.Decimal`. Every DataFrame the API returns is built here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _types(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
    if pa.types.is_decimal(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None


def arrow_to_df(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a DataFrame, decimals kept exact."""
    return table.to_pandas(types_mapper=_types)


def fetch_df(
    conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None
) -> pd.DataFrame:
    """Run ``sql`` and return its result as a DataFrame with exact money columns."""
    result = conn.execute(sql, list(params) if params is not None else [])
    return arrow_to_df(result.to_arrow_table())


MONEY = pa.decimal128(18, 2)


def cents_to_money(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """Whole cents (an integer column) as exact ``decimal128(18, 2)`` amounts.

    A decimal128 value *is* its unscaled 128-bit integer, so 12345 cents becomes 123.45 by
    widening each int64 to int128 (sign-extended) — no per-cell work and no rounding, several
    times faster than DuckDB's DOUBLE/BIGINT → DECIMAL cast over a million rows.
    """
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    out = []
    for chunk in chunks:
        cents = chunk if chunk.type == pa.int64() else chunk.cast(pa.int64())
        values = cents.fill_null(0).to_numpy(zero_copy_only=False) if cents.null_count \
            else cents.to_numpy()
        wide = np.empty((len(values), 2), dtype="<i8")
        np.copyto(wide[:, 0], values)
        np.right_shift(values, 63, out=wide[:, 1])
        validity = pc.is_valid(cents).buffers()[1] if cents.null_count else None
        out.append(money_array(wide, validity, cents.null_count))
    return pa.chunked_array(out, type=MONEY)


def money_array(wide: np.ndarray, validity: pa.Buffer | None = None,
                null_count: int = 0) -> pa.Array:
    """Exact ``decimal128(18, 2)`` amounts from an (n, 2) little-endian int64 array: whole
    cents in column 0, their sign (0 or -1) in column 1 — the decimal's 128-bit value."""
    return pa.Array.from_buffers(MONEY, len(wide), [validity, pa.py_buffer(wide)],
                                 null_count=null_count)
