"""Ratios as integer basis points, computed from integer minor units without floats."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

BPS_PER_UNIT = 10_000

# 2 * |numerator| * 10_000 must stay inside int64: about 4.6e14 minor units.
_MAX_NUMERATOR = np.iinfo(np.int64).max // (2 * BPS_PER_UNIT)


def ratio_bps(numerator: npt.ArrayLike, denominator: npt.ArrayLike) -> pd.arrays.IntegerArray:
    """Return numerator / denominator in basis points, half away from zero; NA unless den > 0."""
    num = np.asarray(numerator, dtype=np.int64)
    den = np.asarray(denominator, dtype=np.int64)
    if num.size and int(np.abs(num).max()) > _MAX_NUMERATOR:
        raise OverflowError("amount too large to express in basis points without overflow")
    defined = den > 0
    safe_den = np.where(defined, den, 1)
    magnitude = (2 * np.abs(num) * BPS_PER_UNIT + safe_den) // (2 * safe_den)
    values = np.where(defined, np.sign(num) * magnitude, 0).astype(np.int64)
    return pd.arrays.IntegerArray(values, ~defined)
