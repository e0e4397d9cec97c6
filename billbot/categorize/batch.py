"""Set-wise categorisation of a frame: a bulk import or a whole history at once.

Work is proportional to distinct values, not rows:

- each distinct raw description is normalised once, and each distinct name keyed once;
- the kind decides per distinct (kind, merchant key) for repayments, fees, interest, cash advances;
- operator rules, MCC and patterns decide per distinct (merchant key, MCC) for everything else;
- borrower rules are matched per distinct (user, merchant key), only for users who have rules;
- every decision lands in a pool of results, and rows pick theirs with NumPy indexing.

A user's rules depend only on the merchant key, so deciding in these three groups gives the same
answer as deciding every (merchant key, MCC, kind, user) combination, with far fewer calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from billbot.categorize.engine import DECIDED_BY_KIND, normalise_kind
from billbot.categorize.mcc import MccEntry
from billbot.categorize.normalise import merchant_key, normalise_uncached
from billbot.categorize.result import Categorisation, by_rule
from billbot.categorize.rules import Rule

if TYPE_CHECKING:
    from billbot.categorize.engine import Categoriser

OUTPUT_COLUMNS = (
    "merchant_name",
    "category",
    "sub_category",
    "category_source",
    "category_rule",
    "reason",
    "category_detail",
)
_RESULT_FIELDS = {
    "category": "category",
    "sub_category": "sub_category",
    "category_source": "source",
    "category_rule": "rule",
    "reason": "reason",
    "category_detail": "detail",
}


def categorise_frame(
    categoriser: Categoriser,
    frame: pd.DataFrame,
    *,
    user_rules: Mapping[int, Sequence[Rule]] | None = None,
) -> pd.DataFrame:
    """The frame, same index, plus `OUTPUT_COLUMNS`; `category_rule` is None where none decided."""
    if "description" not in frame.columns:
        raise ValueError("categorise_frame needs a 'description' column")
    batch = _Batch(categoriser, frame)
    batch.decide_by_kind()
    batch.decide_without_user_rules()
    if user_rules:
        batch.apply_user_rules(user_rules)
    return batch.output()


def _pairs(first: np.ndarray, second: np.ndarray, second_size: int) -> tuple[np.ndarray, list]:
    """Codes of the distinct (first, second) pairs per row, and the pairs themselves."""
    codes, combined = pd.factorize(first.astype(np.int64) * second_size + second)
    return codes, [divmod(int(value), second_size) for value in combined]


class _Batch:
    """One frame on its way through: distinct values, per-row codes, the decisions so far."""

    def __init__(self, categoriser: Categoriser, frame: pd.DataFrame) -> None:
        self.categoriser = categoriser
        self.frame = frame
        rows = len(frame)
        descriptions = frame["description"].to_numpy(dtype=object, na_value="")
        self.description_codes, distinct = pd.factorize(descriptions)
        self.names = np.array([normalise_uncached(str(text)) for text in distinct], dtype=object)
        key_of_name: dict[str, str] = {}
        for name in self.names:
            if name not in key_of_name:
                key_of_name[name] = merchant_key(name)
        key_codes, self.keys = pd.factorize(
            np.array([key_of_name[n] for n in self.names], dtype=object)
        )
        self.key_codes = key_codes[self.description_codes]
        self.mcc_codes, self.mcc_entries = self._mcc_codes(rows)
        self.kind_codes, self.kinds = self._kind_codes(rows)
        decided_kinds = [index for index, kind in enumerate(self.kinds) if kind in DECIDED_BY_KIND]
        self.by_kind_rows = np.isin(self.kind_codes, decided_kinds)
        self.results: list[Categorisation] = []
        self.positions = np.zeros(rows, dtype=np.int64)

    def _mcc_codes(self, rows: int) -> tuple[np.ndarray, list[MccEntry | None]]:
        """Per-row index into a list of MCC entries whose position 0 is "no usable MCC"."""
        entries: list[MccEntry | None] = [None]
        if "mcc" not in self.frame.columns:
            return np.zeros(rows, dtype=np.int64), entries
        codes, distinct = pd.factorize(self.frame["mcc"].to_numpy(dtype=object))
        slot_of_entry: dict[MccEntry | None, int] = {None: 0}
        slots = np.zeros(len(distinct) + 1, dtype=np.int64)  # the last slot serves missing (-1)
        for index, raw in enumerate(distinct):
            entry = self.categoriser.mcc_table.lookup(raw)
            if entry not in slot_of_entry:
                slot_of_entry[entry] = len(entries)
                entries.append(entry)
            slots[index] = slot_of_entry[entry]
        return slots[codes], entries

    def _kind_codes(self, rows: int) -> tuple[np.ndarray, list[str]]:
        """Per-row index into a list of normalised kinds."""
        if "kind" not in self.frame.columns:
            return np.zeros(rows, dtype=np.int64), ["purchase"]
        codes, distinct = pd.factorize(self.frame["kind"].to_numpy(dtype=object))
        kinds: list[str] = []
        slot_of_kind: dict[str, int] = {}
        slots = np.empty(len(distinct) + 1, dtype=np.int64)  # the last slot serves missing (-1)
        for index, raw in enumerate([*distinct, None]):
            kind = normalise_kind(raw)
            if kind not in slot_of_kind:
                slot_of_kind[kind] = len(kinds)
                kinds.append(kind)
            slots[index] = slot_of_kind[kind]
        return slots[codes], kinds

    def _pool(self, decided: list[Categorisation]) -> np.ndarray:
        start = len(self.results)
        self.results.extend(decided)
        return np.arange(start, start + len(decided), dtype=np.int64)

    def decide_by_kind(self) -> None:
        """Repayments, fees, interest and cash advances: once per distinct (kind, merchant key)."""
        rows = self.by_kind_rows
        if not rows.any():
            return
        codes, pairs = _pairs(self.kind_codes[rows], self.key_codes[rows], len(self.keys))
        decided = []
        for kind_index, key_index in pairs:
            outcome = self.categoriser.by_kind(self.kinds[kind_index], self.keys[key_index])
            if outcome is None:  # pragma: no cover - the rows were chosen for their kind
                raise AssertionError(f"kind {self.kinds[kind_index]!r} did not decide")
            decided.append(outcome)
        self.positions[rows] = self._pool(decided)[codes]

    def decide_without_user_rules(self) -> None:
        """Everything else: operator rules, MCC, patterns, once per distinct (key, MCC)."""
        rows = ~self.by_kind_rows
        if not rows.any():
            return
        codes, pairs = _pairs(self.key_codes[rows], self.mcc_codes[rows], len(self.mcc_entries))
        decided = [
            self.categoriser.without_user_rules(self.keys[key_index], self.mcc_entries[mcc_index])
            for key_index, mcc_index in pairs
        ]
        self.positions[rows] = self._pool(decided)[codes]

    def apply_user_rules(self, user_rules: Mapping[int, Sequence[Rule]]) -> None:
        """Where a user's own rule matches, it replaces the decision (kinds still come first)."""
        rule_sets = {
            user: self.categoriser.user_rule_set(rules) for user, rules in user_rules.items()
        }
        users_with_rules = [user for user, rule_set in rule_sets.items() if rule_set]
        if not users_with_rules:
            return
        if "user_id" not in self.frame.columns:
            raise ValueError("user rules need a 'user_id' column")
        user_ids = self.frame["user_id"].to_numpy()
        rows = ~self.by_kind_rows & np.isin(user_ids, users_with_rules)
        if not rows.any():
            return
        user_codes, users = pd.factorize(user_ids[rows])
        codes, pairs = _pairs(user_codes, self.key_codes[rows], len(self.keys))
        matched = np.full(len(pairs), -1, dtype=np.int64)
        decided: list[Categorisation] = []
        for pair_index, (user_index, key_index) in enumerate(pairs):
            rule_set = rule_sets[users[user_index]]
            rule = rule_set.match(self.keys[key_index]) if rule_set else None
            if rule is not None:
                matched[pair_index] = len(decided)
                decided.append(by_rule(rule, self.categoriser.taxonomy))
        if not decided:
            return
        pooled = self._pool(decided)
        row_match = matched[codes]
        hit = row_match >= 0
        positions = self.positions[rows]
        positions[hit] = pooled[row_match[hit]]
        self.positions[rows] = positions

    def output(self) -> pd.DataFrame:
        """The input frame with the output columns added, as object columns (None stays None)."""
        columns = {"merchant_name": self.names[self.description_codes]}
        for column, field in _RESULT_FIELDS.items():
            values = np.array([getattr(result, field) for result in self.results], dtype=object)
            columns[column] = values[self.positions] if len(values) else values
        index = self.frame.index
        return self.frame.assign(
            **{
                name: pd.Series(values, index=index, dtype=object)
                for name, values in columns.items()
            }
        )
