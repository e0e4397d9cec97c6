"""Latency summaries shared by the benchmark scripts (imported by name: scripts run from here)."""

from __future__ import annotations


def percentile(samples: list[float], share: float) -> float:
    """The sample at `share` (0.99 for p99) of the sorted samples, the largest one at most."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]
