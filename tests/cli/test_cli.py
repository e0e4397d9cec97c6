"""The command line: categorize samples and candidate rules, breakdown, users and keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from billbot.cli import app as cli


@pytest.fixture
def configured(engine: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the CLI at the test database."""
    from billbot.db import get_engine
    from billbot.settings import get_settings

    monkeypatch.setenv("BILLBOT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_categorize_file_with_candidate_rules(tmp_path: Path) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_text(
        "description,mcc\nSQ *BLUE BOTTLE COFFEE #123 SAN FRANCISCO CA,5814\nACME PAYROLL REF 7,\n",
        encoding="utf-8",
    )
    rules = tmp_path / "rules.csv"
    rules.write_text(
        "match,pattern,sub_category,label\ncontains,acme payroll,salary,ACME payroll\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["categorize", str(sample), "--rules", str(rules), "--no-stored", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0]["merchant_name"] == "Blue Bottle Coffee" and rows[0]["sub_category"] == "coffee"
    assert (rows[1]["sub_category"], rows[1]["category_source"]) == ("salary", "operator_rule")
    bad = tmp_path / "bad.csv"
    bad.write_text("match,pattern,sub_category\ncontains,acme,yachts\n", encoding="utf-8")
    refused = CliRunner().invoke(
        cli, ["categorize", str(sample), "--rules", str(bad), "--no-stored"]
    )
    assert refused.exit_code != 0 and "yachts" in refused.stderr


def test_categorize_explain_one() -> None:
    result = CliRunner().invoke(
        cli,
        ["categorize", "--explain", "SHELL OIL 5521 HOUSTON TX", "--mcc", "5541", "--no-stored"],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["sub_category"] == "fuel" and body["reason"]
    neither = CliRunner().invoke(cli, ["categorize"])
    assert neither.exit_code != 0


def test_breakdown_and_admin_commands(configured: None, make_user: Any, make_account: Any) -> None:
    created = CliRunner().invoke(
        cli,
        [
            "users",
            "create",
            "--email",
            "cli@example.com",
            "--name",
            "Cli",
            "--password",
            "long enough password",
            "--time-zone",
            "Europe/Paris",
        ],
    )
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["time_zone"] == "Europe/Paris"
    duplicate = CliRunner().invoke(
        cli,
        [
            "users",
            "create",
            "--email",
            "cli@example.com",
            "--name",
            "Cli",
            "--password",
            "long enough password",
        ],
    )
    assert duplicate.exit_code == 2 and "user.exists" in duplicate.stderr
    key = CliRunner().invoke(
        cli, ["apikeys", "create", "--name", "issuer", "--scope", "transactions:write"]
    )
    assert json.loads(key.stdout)["api_key"].startswith("bb_")
    report = CliRunner().invoke(
        cli, ["breakdown", "--user", "cli@example.com", "--period", "2026-10"]
    )
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["period"]["start"] == "2026-10-01"
    bad = CliRunner().invoke(cli, ["breakdown", "--user", "cli@example.com", "--period", "2026-13"])
    assert bad.exit_code == 2 and "breakdown.period" in bad.stderr
