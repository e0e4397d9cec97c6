"""Accuracy on hand-labelled transaction descriptions, overall and by deciding source.

`labelled_sample.csv` was assembled and labelled by what a person would call each purchase,
alongside the curated patterns. `holdout_sample.csv` was written after the engine was built and
only measured, so it shows how the engine does on merchants it was not shaped around.
Run with `-s` to see the summaries.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from billbot.categorize import Categoriser

DATA = Path(__file__).parent / "data"


def _accuracy(name: str) -> tuple[float, int, str]:
    with (DATA / name).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    categoriser = Categoriser()
    decided: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    misses = []
    for row in rows:
        assert row["expected_sub_category"] in categoriser.taxonomy.sub_category_slugs, row
        result = categoriser.categorise(row["description"], mcc=row["mcc"] or None)
        decided[result.source] += 1
        if result.sub_category == row["expected_sub_category"]:
            correct[result.source] += 1
        else:
            misses.append(
                f"  {row['description']!r} mcc={row['mcc'] or '-'}: expected "
                f"{row['expected_sub_category']}, got {result.sub_category} ({result.reason})"
            )
    total = sum(correct.values()) / len(rows)
    lines = [f"{name}: {sum(correct.values())}/{len(rows)} = {total:.1%}"]
    lines += [
        f"  by {source:<13} {correct[source]:>4}/{count:<4} = {correct[source] / count:.1%}"
        for source, count in decided.most_common()
    ]
    return total, len(rows), "\n".join([*lines, "  misses:", *misses])


@pytest.mark.parametrize(
    ("name", "minimum_rows", "threshold"),
    [
        ("labelled_sample.csv", 300, 0.90),
        ("holdout_sample.csv", 100, 0.85),
    ],
)
def test_accuracy_on_labelled_descriptions(name: str, minimum_rows: int, threshold: float) -> None:
    accuracy, rows, summary = _accuracy(name)
    print("\n" + summary)  # noqa: T201 - the summary is the point of running with -s
    assert rows >= minimum_rows
    assert accuracy >= threshold, summary
