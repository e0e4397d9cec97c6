"""Roll-ups over a table sorted by its keys, where each group of a coarser level is a run of rows.

Sorting once by (user, currency, category, sub-category, merchant) makes every coarser level
contiguous, so its sums are exact int64 `np.add.reduceat` over the finer level: no further
group-by, no floats.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

_INT64_LIMIT = 2**63


def sort_order(codes: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """Return the order that sorts rows by `codes` (first array first), each code in [0, size)."""
    if math.prod(max(size, 1) for size in sizes) < _INT64_LIMIT:
        # One mixed-radix int64 key sorts far faster than a multi-key lexsort.
        composite = np.zeros(len(codes[0]), dtype=np.int64)
        for key, size in zip(codes, sizes, strict=True):
            composite = composite * size + key
        return np.argsort(composite)
    return np.lexsort(tuple(reversed(codes)))


def run_starts(keys: Sequence[np.ndarray]) -> np.ndarray:
    """Return the positions where any of the sorted key arrays changes value."""
    length = len(keys[0]) if keys else 0
    starts = np.zeros(length, dtype=bool)
    starts[:1] = True
    for key in keys:
        starts[1:] |= key[1:] != key[:-1]
    return np.flatnonzero(starts)


def run_ids(starts: np.ndarray, length: int) -> np.ndarray:
    """Return, for each of `length` rows, the number of the run it belongs to."""
    marks = np.zeros(length, dtype=np.int64)
    marks[starts[1:]] = 1
    return np.cumsum(marks)


def run_sums(columns: Mapping[str, np.ndarray], starts: np.ndarray) -> dict[str, np.ndarray]:
    """Return the exact integer sum of each column over each run."""
    return {name: np.add.reduceat(values, starts) for name, values in columns.items()}
