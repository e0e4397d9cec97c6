"""`categorise_frame` agrees with `categorise` row by row and works on distinct values only."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billbot.categorize import Categoriser, Rule
from billbot.categorize.batch import OUTPUT_COLUMNS

SAMPLE = Path(__file__).parent / "data" / "labelled_sample.csv"

with SAMPLE.open(encoding="utf-8") as _handle:
    _ROWS = list(csv.DictReader(_handle))
DESCRIPTIONS = [row["description"] for row in _ROWS] + ["LATE FEE", "年费", "", "ZQXW 0042"]
MCCS: list[object] = [
    None,
    np.nan,
    "5814",
    5812,
    "5999",
    "7399",
    "0742",
    "4121",
    "5411",
    "bad",
    4899.0,
]
KINDS: list[object] = [
    "purchase",
    "refund",
    "fee",
    "interest",
    "repayment",
    "cash_advance",
    None,
    "adjustment",
]
USER_RULES = {
    1: [
        Rule("u1-a", "user", "exact", "Starbucks", "restaurants", "Starbucks"),
        Rule("u1-b", "user", "contains", "coffee", "groceries", "coffee"),
    ],
    2: [Rule("u2-a", "user", "contains", "瑞幸", "bakery_desserts", "瑞幸")],
    3: [],
}
OPERATOR_RULES = [Rule("op-1", "operator", "contains", "uber", "salary", "Uber payouts")]


@pytest.fixture(scope="module")
def categoriser() -> Categoriser:
    return Categoriser(operator_rules=OPERATOR_RULES)


def _expected(categoriser: Categoriser, frame: pd.DataFrame) -> list[tuple[object, ...]]:
    rows = []
    for description, mcc, kind, user in zip(
        frame["description"], frame["mcc"], frame["kind"], frame["user_id"], strict=True
    ):
        result = categoriser.categorise(
            description if isinstance(description, str) else "",
            mcc=mcc,
            kind=kind,
            user_rules=USER_RULES.get(user, ()),
        )
        rows.append(
            (result.category, result.sub_category, result.source, result.rule, result.reason)
        )
    return rows


row_strategy = st.tuples(
    st.sampled_from(DESCRIPTIONS),
    st.sampled_from(MCCS),
    st.sampled_from(KINDS),
    st.sampled_from([1, 2, 3, 4]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(row_strategy, min_size=1, max_size=40))
def test_frame_matches_row_by_row(categoriser: Categoriser, rows: list[tuple[object, ...]]) -> None:
    frame = pd.DataFrame(rows, columns=["description", "mcc", "kind", "user_id"])
    out = categoriser.categorise_frame(frame, user_rules=USER_RULES)
    got = list(
        zip(
            out["category"],
            out["sub_category"],
            out["category_source"],
            out["category_rule"],
            out["reason"],
            strict=True,
        )
    )
    assert got == _expected(categoriser, frame)


def test_user_rules_apply_only_to_their_own_user(categoriser: Categoriser) -> None:
    frame = pd.DataFrame(
        {
            "description": [
                "STARBUCKS STORE 08123",
                "STARBUCKS STORE 08123",
                "瑞幸咖啡",
                "LUCKIN COFFEE",
            ],
            "mcc": ["5814", "5814", None, None],
            "kind": ["purchase", "purchase", "refund", "refund"],
            "user_id": [1, 2, 2, 1],
        },
        index=pd.Index(["a", "b", "c", "d"], name="transaction"),
    )
    out = categoriser.categorise_frame(frame, user_rules=USER_RULES)
    assert out["sub_category"].tolist() == ["restaurants", "coffee", "bakery_desserts", "groceries"]
    assert out["category_source"].tolist() == ["user_rule", "pattern", "user_rule", "user_rule"]
    assert out["category_rule"].tolist() == ["u1-a", "starbucks", "u2-a", "u1-b"]
    assert out.index.equals(frame.index)
    assert list(out.columns) == [*frame.columns, *OUTPUT_COLUMNS]
    assert "sub_category" not in frame.columns  # the input frame is left alone
    assert out["merchant_name"].tolist() == ["Starbucks", "Starbucks", "瑞幸咖啡", "Luckin Coffee"]


def test_optional_columns_and_missing_values(categoriser: Categoriser) -> None:
    frame = pd.DataFrame({"description": ["STARBUCKS", None, np.nan, "ZQXW"]})
    out = categoriser.categorise_frame(frame)
    assert out["sub_category"].tolist() == [
        "coffee",
        "unrecognised",
        "unrecognised",
        "unrecognised",
    ]
    assert out["category_rule"].tolist() == ["starbucks", None, None, None]
    assert out["merchant_name"].tolist() == ["Starbucks", "", "", "ZQXW"]


def test_empty_frame(categoriser: Categoriser) -> None:
    out = categoriser.categorise_frame(pd.DataFrame({"description": pd.Series([], dtype=object)}))
    assert out.empty and list(out.columns) == ["description", *OUTPUT_COLUMNS]


def test_unhappy_inputs(categoriser: Categoriser) -> None:
    with pytest.raises(ValueError, match="description"):
        categoriser.categorise_frame(pd.DataFrame({"merchant": ["x"]}))
    with pytest.raises(ValueError, match="user_id"):
        categoriser.categorise_frame(pd.DataFrame({"description": ["x"]}), user_rules=USER_RULES)
    # Users without rules need no user_id column.
    out = categoriser.categorise_frame(pd.DataFrame({"description": ["x"]}), user_rules={7: []})
    assert out["category_source"].tolist() == ["uncategorised"]


def test_decides_once_per_distinct_combination(
    categoriser: Categoriser, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = Categoriser.without_user_rules

    def counting(self: Categoriser, key: str, mcc: object) -> object:
        calls.append(key)
        return original(self, key, mcc)  # type: ignore[arg-type]

    monkeypatch.setattr(Categoriser, "without_user_rules", counting)
    rng = np.random.default_rng(7)
    descriptions = np.array(
        [
            "STARBUCKS STORE 0812 SEATTLE WA",
            "STARBUCKS 800-782-7282 WA",
            "SQ *BLUE BOTTLE COFFEE #1",
            "TESCO STORES 3297",
            "UBER *TRIP",
        ],
        dtype=object,
    )
    frame = pd.DataFrame(
        {
            "description": descriptions[rng.integers(0, 5, 20_000)],
            "mcc": np.array(["5814", None], dtype=object)[rng.integers(0, 2, 20_000)],
            "kind": "purchase",
            "user_id": rng.integers(1, 5, 20_000),
        }
    )
    categoriser.categorise_frame(frame, user_rules=USER_RULES)
    # Four merchant keys (both Starbucks descriptors share one) times two MCC values.
    assert len(calls) == len(set(calls)) * 2 == 8


def test_recategorising_overwrites_earlier_columns(categoriser: Categoriser) -> None:
    frame = pd.DataFrame(
        {"description": ["STARBUCKS"], "sub_category": ["groceries"], "reason": ["stale"]}
    )
    out = categoriser.categorise_frame(frame)
    assert out["sub_category"].tolist() == ["coffee"]
    assert out["reason"].tolist() == ["merchant name matches 'starbucks'"]
    assert frame["sub_category"].tolist() == ["groceries"]
