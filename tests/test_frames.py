"""frames: exact money columns out of DuckDB and out of whole cents."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from clientops.frames import MONEY, cents_to_money


@pytest.mark.parametrize(
    ("cents", "expected"),
    [
        ([12345], [Decimal("123.45")]),  # a plain amount
        ([-1, -99], [Decimal("-0.01"), Decimal("-0.99")]),  # negatives: the high word is -1
        ([0], [Decimal("0.00")]),  # zero keeps its two decimals
        ([None, 5], [None, Decimal("0.05")]),  # a null stays null
        ([2**53, -(2**53)], [Decimal("90071992547409.92"), Decimal("-90071992547409.92")]),  # big
    ],
)
def test_cents_to_money_is_exact(cents: list[int | None], expected: list[Decimal | None]) -> None:
    out = cents_to_money(pa.chunked_array([cents], type=pa.int64()))
    assert out.type == MONEY
    assert out.to_pylist() == expected


def test_cents_to_money_keeps_chunks_and_slices() -> None:
    column = pa.chunked_array([[1, 2, None], [300, -400]], type=pa.int64()).slice(1)
    assert cents_to_money(column).to_pylist() == [
        Decimal("0.02"), None, Decimal("3.00"), Decimal("-4.00")]
