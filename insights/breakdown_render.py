"""One user's breakdown as a JSON-ready nested dict, read from the batch frames."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from insights.breakdown import BreakdownFrames

_TOTAL_FIELDS = (
    "total_spent_minor",
    "purchases_minor",
    "refunds_minor",
    "transaction_count",
    "previous_total_spent_minor",
    "change_minor",
    "change_bps",
)
_GROUP_FIELDS = ("amount_minor", "count", "share_bps", "previous_amount_minor", "change_minor")
_MERCHANT_FIELDS = ("amount_minor", "count", "share_bps")
_APART_FIELDS = ("amount_minor", "count")


def render_user(frames: BreakdownFrames, user_id: int) -> dict[str, Any]:
    """Render one user's breakdown from the batch frames as a JSON-ready nested dict."""
    merchants: defaultdict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in frames.user_rows("merchants", user_id):
        name = (
            {"merchant": None, "others": True} if row["others"] else {"merchant": row["merchant"]}
        )
        merchants[row["currency"], row["category"], row["sub_category"]].append(
            name | _pick(row, _MERCHANT_FIELDS)
        )
    sub_categories: defaultdict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in frames.user_rows("sub_categories", user_id):
        key = (row["currency"], row["category"], row["sub_category"])
        sub_categories[key[:2]].append(
            {"sub_category": row["sub_category"]}
            | _pick(row, _GROUP_FIELDS)
            | {"merchants": merchants.get(key, [])}
        )
    categories: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in frames.user_rows("categories", user_id):
        categories[row["currency"]].append(
            {"category": row["category"]}
            | _pick(row, _GROUP_FIELDS)
            | {"sub_categories": sub_categories.get((row["currency"], row["category"]), [])}
        )
    pending = {row["currency"]: row for row in frames.user_rows("pending", user_id)}
    installments = {row["currency"]: row for row in frames.user_rows("installments", user_id)}
    nothing = {"amount_minor": 0, "count": 0}
    return {
        "period": {"start": frames.start.isoformat(), "end": frames.end.isoformat()},
        "previous_period": {
            "start": frames.prev_start.isoformat(),
            "end": frames.prev_end.isoformat(),
        },
        "currencies": [
            {"currency": row["currency"]}
            | _pick(row, _TOTAL_FIELDS)
            | {
                "categories": categories.get(row["currency"], []),
                "pending": _pick(pending.get(row["currency"], nothing), _APART_FIELDS),
                "installments": _pick(installments.get(row["currency"], nothing), _APART_FIELDS),
            }
            for row in frames.user_rows("totals", user_id)
        ],
    }


def _pick(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: row[field] for field in fields}
