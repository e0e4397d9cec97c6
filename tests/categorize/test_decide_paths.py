"""Small posts are categorised one triple at a time, large ones set-wise: the same decisions."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from billbot.categorize.engine import Categoriser
from billbot.categorize.rules import Rule
from billbot.categorize.service import decide_each, decide_frame

DATA = Path(__file__).parent / "data"
KINDS = ["purchase", "purchase", "purchase", "refund", "fee", "interest", "cash_advance", ""]


def _triples() -> list[tuple[str, str | None, str]]:
    rng = random.Random(18245)
    triples: list[tuple[str, str | None, str]] = []
    for name in ("labelled_sample.csv", "holdout_sample.csv"):
        with (DATA / name).open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                mcc = row["mcc"] or None
                triples.append((row["description"], mcc, "purchase"))
                # The same text with another kind, without its MCC, or with a weak one.
                triples.append(
                    (row["description"], rng.choice([None, "5999", mcc]), rng.choice(KINDS))
                )
    triples += [("", None, "purchase"), ("   ", "0000", "fee"), ("LATE FEE", None, "fee")]
    return triples


def test_one_by_one_decides_as_the_frame_does() -> None:
    operator = [
        Rule("7", "operator", "contains", "blue bottle", "restaurants", "Blue Bottle"),
        Rule("8", "operator", "exact", "netflix com", "music_streaming", "Netflix"),
    ]
    categoriser = Categoriser(operator_rules=operator)
    own = [
        Rule("21", "user", "exact", "starbucks", "groceries", "Starbucks"),
        Rule("22", "user", "contains", "shell", "parking", "Shell"),
    ]
    triples = list(dict.fromkeys(_triples()))  # distinct, as ingest passes them
    for rules in ([], own):
        each = decide_each(categoriser, triples, rules)
        frame = decide_frame(categoriser, 1, triples, rules)
        assert each == frame
    decided_by = {d["category_source"] for d in decide_each(categoriser, triples, own)}
    assert {"user_rule", "operator_rule", "mcc", "pattern", "kind"} <= decided_by
