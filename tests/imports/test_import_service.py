"""Uploading files through the API and the CLI: all-or-nothing, idempotent, every OFX fixture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

OFX_DIR = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "ofx"
OFX_FILES = sorted(p for p in OFX_DIR.rglob("*") if p.suffix.lower() in {".ofx", ".qfx"})

GOOD_CSV = b"date,description,amount,mcc\n2026-10-01,SQ *BLUE BOTTLE COFFEE #12,4.50,5814\n2026-10-01,SQ *BLUE BOTTLE COFFEE #12,4.50,5814\n2026-10-03,REFUND BLUE BOTTLE,-4.50,5814\n"


@pytest.fixture
def borrower(
    client: TestClient, make_user: Any, make_account: Any, login: Any
) -> tuple[dict[str, str], Any]:
    user = make_user(time_zone="America/Los_Angeles")
    account = make_account(user.id, closing_day=15)
    return login(user.email), account


def _upload(
    client: TestClient,
    headers: dict[str, str],
    account_id: int,
    name: str,
    data: bytes,
    **form: str,
) -> Any:
    return client.post(
        f"/v1/accounts/{account_id}/imports",
        headers=headers,
        files={"file": (name, data)},
        data=form,
    )


def test_csv_imports_once(client: TestClient, borrower: Any) -> None:
    headers, account = borrower
    first = _upload(client, headers, account.id, "card.csv", GOOD_CSV)
    assert first.status_code == 200, first.text
    assert first.json() | {"first_date": None} == {
        "format": "csv",
        "rows": 3,
        "created": 3,
        "duplicates": 0,
        "updated": 0,
        "account_id": account.id,
        "first_date": None,
        "last_date": "2026-10-03",
    }
    again = _upload(client, headers, account.id, "card.csv", GOOD_CSV)
    assert (again.json()["created"], again.json()["duplicates"]) == (0, 3)
    rows = client.get("/v1/transactions", headers=headers).json()
    assert sorted(r["amount_minor"] for r in rows) == [-450, 450, 450]
    assert {r["kind"] for r in rows} == {"purchase", "refund"}


def test_one_bad_row_imports_nothing(client: TestClient, borrower: Any) -> None:
    headers, account = borrower
    bad = GOOD_CSV + b"2026-10-04,TESCO,12.3x,5411\n"
    response = _upload(client, headers, account.id, "card.csv", bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["details"]["line"] == 5 and error["details"]["field"] == "amount"
    assert "line 5" in error["message"]
    assert client.get("/v1/transactions", headers=headers).json() == []


def test_garbage_and_oversized_files_are_refused(
    client: TestClient, borrower: Any, app: Any
) -> None:
    headers, account = borrower
    garbage = _upload(
        client, headers, account.id, "photo.jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
    )
    assert garbage.status_code == 422
    assert garbage.json()["error"]["code"].startswith("import.")
    app.state.settings = app.state.settings.model_copy(update={"max_upload_bytes": 1024})
    big = _upload(client, headers, account.id, "big.csv", GOOD_CSV * 200)
    assert big.status_code == 413


@pytest.mark.parametrize("path", OFX_FILES, ids=lambda p: p.name)
def test_every_ofx_fixture_imports_or_is_refused_politely(
    client: TestClient, borrower: Any, path: Path
) -> None:
    headers, account = borrower
    data = path.read_bytes()
    response = _upload(client, headers, account.id, path.name, data)
    if (
        response.status_code == 422
        and response.json()["error"]["code"] == "import.several_accounts"
    ):
        # Pick the first account the message offers, by its last four digits.
        message = response.json()["error"]["message"]
        choice = message.split("(")[1].split(",")[0].strip(" )…")
        response = _upload(client, headers, account.id, path.name, data, source_account=choice)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["error"]["code"] in {
            "import.investment_statement",
            "import.no_statement",
            "import.missing_field",
        }
        return
    body = response.json()
    assert body["created"] + body["duplicates"] == body["rows"]
    stored = client.get("/v1/transactions", headers=headers, params={"limit": 500}).json()
    assert len(stored) == body["created"]


def test_cli_import_prints_a_summary(
    tmp_path: Path, engine: Any, make_user: Any, make_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from billbot.cli import app as cli
    from billbot.db import get_engine
    from billbot.settings import get_settings

    user = make_user("cli@example.com")
    account = make_account(user.id)
    file = tmp_path / "card.csv"
    file.write_bytes(GOOD_CSV)
    monkeypatch.setenv("BILLBOT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        result = CliRunner().invoke(
            cli, ["import", str(file), "--user", user.email, "--account", str(account.id)]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["created"] == 3
        again = CliRunner().invoke(
            cli, ["import", str(file), "--user", user.email, "--account", str(account.id)]
        )
        assert json.loads(again.stdout)["duplicates"] == 3
        wrong = CliRunner().invoke(
            cli, ["import", str(file), "--user", "nobody@example.com", "--account", str(account.id)]
        )
        assert wrong.exit_code != 0 and "no borrower" in wrong.stderr
    finally:
        get_engine().dispose()
        get_settings.cache_clear()
        get_engine.cache_clear()
