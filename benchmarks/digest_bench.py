"""Time digest email rendering (emails per second) against plain `str.format` of the same numbers.

The reports come from `insights` on the same fixed-seed synthetic data as `weekly_bench.py`
(weekly reports with limits, dues and insights). Each is rendered as a digest in English and in
Chinese: display values formatted with babel, the subject, plain-text and HTML templates, and the
HTML's CSS inlined. The baseline formats the same report's numbers (totals, chart rows, top
merchants, insights) into one string with `str.format`, timed in the same rounds, so the ratio
says what the templates, locale formatting and inlining cost on top.

    .venv/bin/python benchmarks/digest_bench.py
    .venv/bin/python benchmarks/digest_bench.py --reports 500 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from weekly_bench import HISTORY_DAYS, WEEK_OF, core_frames, transactions

from billbot.digests.content import DigestLinks, digest_content
from billbot.digests.render import render_digest
from insights.weekly import weekly_report_for_user, weekly_reports

LINKS = DigestLinks(
    unsubscribe="https://billbot.example/v1/digest/unsubscribe?token=v1.1.signature",
    manage="https://billbot.example/v1/digest/manage?token=v1.1.signature",
    app="https://billbot.example/",
)
BASELINE = "{start} - {end}\nSpent {total} {currency} ({count})\n{rows}\n{merchants}\n{insights}\n"


def reports(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` users' weekly reports from the fixed-seed synthetic frames."""
    tx = transactions(count, count * 50, seed)
    core = core_frames(count, seed)
    frames = weekly_reports(
        tx,
        core["users"],
        week_of=WEEK_OF,
        history_days=HISTORY_DAYS,
        limits=core["limits"],
        upcoming=core["upcoming"],
        accounts=core["accounts"],
    )
    return [weekly_report_for_user(frames, user_id) for user_id in range(1, count + 1)]


def render_all(batch: list[dict[str, Any]], locale: str) -> int:
    """Render every report as a digest; returns the bytes produced."""
    size = 0
    for report in batch:
        digest = render_digest(digest_content(report, locale=locale, name="Mei", links=LINKS))
        size += len(digest.html) + len(digest.text) + len(digest.subject)
    return size


def baseline_all(batch: list[dict[str, Any]], locale: str) -> int:
    """The same numbers into one string each with `str.format`."""
    size = 0
    for report in batch:
        for block in report["currencies"]:
            rows = "\n".join(
                "{sub_category}: {amount_minor}".format(**s) for s in block["sub_categories"][:6]
            )
            merchants = "\n".join(
                "{merchant}: {amount_minor} ({count})".format(**m) for m in block["top_merchants"]
            )
            insights = "\n".join(item["text"][locale] for item in report["insights"])
            size += len(
                BASELINE.format(
                    start=report["week"]["start"],
                    end=report["week"]["end"],
                    total=block["total_spent_minor"],
                    currency=block["currency"],
                    count=block["transaction_count"],
                    rows=rows,
                    merchants=merchants,
                    insights=insights,
                )
            )
    return size


def timed(call: Callable[[], int], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of timings")
    parser.add_argument("--seed", type=int, default=20261005)
    args = parser.parse_args()

    batch = reports(args.reports, args.seed)
    render_all(batch[:20], "en")  # templates compiled and caches warm, as in a running service
    results: dict[str, Any] = {"reports": len(batch), "repeat": args.repeat}
    for locale in ("en", "zh-CN"):
        digest = timed(partial(render_all, batch, locale), args.repeat)
        raw = timed(partial(baseline_all, batch, locale), args.repeat)
        results[locale] = {
            "seconds": round(digest, 3),
            "emails_per_second": round(len(batch) / digest, 1),
            "baseline_seconds": round(raw, 4),
            "baseline_per_second": round(len(batch) / raw, 1),
            "ratio": round(digest / raw, 1),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
