"""frames: exact money columns out of DuckDB and out of whole cents."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from clientops.frames import MONEY, money_array


@pytest.mark.parametrize(
    ("cents", "expected"),
    [
        ([12345], [Decimal("123.45")]),  # a plain amount
        ([-1, -99], [Decimal("-0.01"), Decimal("-0.99")]),  # negatives: the high word is -1
        ([0], [Decimal("0.00")]),  # zero keeps its two decimals
        ([2**53, -(2**53)], [Decimal("90071992547409.92"), Decimal("-90071992547409.92")]),  # big
        ([], []),
    ],
)
def test_money_array_is_exact(cents: list[int], expected: list[Decimal]) -> None:
    out = money_array(np.array(cents, dtype=np.int64))
    assert out.type == MONEY
    assert out.to_pylist() == expected
