"""`billbot categorize`: check categorisation (and candidate rules) against sample descriptions."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pandas as pd
import typer

from billbot.categorize.engine import Categoriser
from billbot.categorize.models import CategoryRule
from billbot.categorize.rules import Rule, RuleError
from billbot.categorize.service import to_rule
from billbot.cli.output import emit, fail
from billbot.db import ensure_migrated, get_engine
from billbot.imports.decoding import decode_text

OUTPUT = [
    "description",
    "mcc",
    "merchant_name",
    "category",
    "sub_category",
    "category_source",
    "reason",
]


def _candidate_rules(path: Path) -> list[Rule]:
    """Rules from a CSV with columns match,pattern,sub_category[,label]."""
    rules = []
    for number, row in enumerate(
        csv.DictReader(io.StringIO(decode_text(path.read_bytes()))), start=2
    ):
        try:
            rules.append(
                Rule(
                    id=f"candidate:{number}",
                    source="operator",
                    match=(row.get("match") or "contains").strip(),  # type: ignore[arg-type]
                    pattern=(row.get("pattern") or "").strip(),
                    sub_category=(row.get("sub_category") or "").strip(),
                    label=(row.get("label") or row.get("pattern") or "").strip(),
                )
            )
        except RuleError as exc:
            fail(f"{path} line {number}: {exc}")
    return rules


def _stored_rules() -> list[Rule]:
    from sqlmodel import Session, col, select

    engine = get_engine()
    try:
        ensure_migrated(engine)
    except Exception as exc:  # no usable database here: shipped data and candidates only
        print(f"note: not using stored operator rules ({type(exc).__name__})", file=sys.stderr)
        return []
    with Session(engine) as session:
        records = session.exec(
            select(CategoryRule).where(col(CategoryRule.user_id).is_(None))
        ).all()
        return [to_rule(r) for r in records]


def categorize_cmd(
    file: Path | None = typer.Argument(
        None, exists=True, dir_okay=False, help="CSV: description,mcc[,amount,currency,country]"
    ),
    explain: str | None = typer.Option(
        None, "--explain", help="one description to explain instead of a file"
    ),
    mcc: str | None = typer.Option(None, "--mcc", help="the MCC for --explain"),
    kind: str = typer.Option("purchase", help="transaction kind for --explain"),
    rules: Path | None = typer.Option(
        None,
        "--rules",
        exists=True,
        dir_okay=False,
        help="candidate operator rules CSV: match,pattern,sub_category[,label]",
    ),
    stored: bool = typer.Option(
        True, "--stored/--no-stored", help="include the operator rules stored in the database"
    ),
    output: str = typer.Option("csv", "--format", help="csv or json"),
) -> None:
    """Show how descriptions would be categorised: merchant, category, source and reason."""
    if (file is None) == (explain is None):
        fail("give a FILE or --explain TEXT (not both)")
    if output not in ("csv", "json"):
        fail("--format is csv or json")
    operator_rules = (_stored_rules() if stored else []) + (
        _candidate_rules(rules) if rules else []
    )
    try:
        categoriser = Categoriser(operator_rules=operator_rules)
    except RuleError as exc:
        fail(str(exc))
    if explain is not None:
        result = categoriser.categorise(explain, mcc=mcc, kind=kind)
        emit(
            {
                "description": explain,
                "mcc": mcc,
                "category": result.category,
                "sub_category": result.sub_category,
                "source": result.source,
                "rule": result.rule,
                "reason": result.reason,
            }
        )
        return
    assert file is not None
    frame = _read_sample(file)
    decided = categoriser.categorise_frame(frame)
    table = decided[OUTPUT]
    if output == "json":
        print(json.dumps(table.to_dict(orient="records"), ensure_ascii=False, indent=2))
    else:
        table.to_csv(sys.stdout, index=False)


def _read_sample(path: Path) -> pd.DataFrame:
    text = decode_text(path.read_bytes())
    rows = list(csv.reader(io.StringIO(text)))
    if rows and rows[0] and rows[0][0].strip().lower() == "description":
        rows = rows[1:]
    if not rows:
        fail(f"{path} has no rows")
    descriptions = [r[0] if r else "" for r in rows]
    mccs = [(r[1].strip() or None) if len(r) > 1 else None for r in rows]
    return pd.DataFrame(
        {"description": descriptions, "mcc": mccs, "kind": ["purchase"] * len(rows)}
    )
