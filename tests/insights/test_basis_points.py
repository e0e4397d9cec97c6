"""Integer basis points: half away from zero, no floats, NA without a positive base."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from insights.basis_points import ratio_bps


def test_rounds_half_away_from_zero() -> None:
    result = ratio_bps([1, -1, 1, 2, 1, 0], [20_000, 20_000, 3, 3, 30_000, 5])
    assert result.tolist() == [1, -1, 3333, 6667, 0, 0]


def test_no_ratio_without_a_positive_base() -> None:
    assert ratio_bps([5, 5, 0], [0, -10, 0]).isna().tolist() == [True, True, True]


def test_refuses_amounts_that_would_overflow() -> None:
    with pytest.raises(OverflowError):
        ratio_bps([np.iinfo(np.int64).max // 10_000], [1])


@given(
    st.integers(min_value=-(10**14), max_value=10**14),
    st.integers(min_value=1, max_value=10**15),
)
def test_matches_decimal_half_up(numerator: int, denominator: int) -> None:
    expected = (Decimal(numerator) * 10_000 / Decimal(denominator)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    assert ratio_bps([numerator], [denominator])[0] == int(expected)
