"""`billbot serve` and `billbot demo`."""

from __future__ import annotations

import os
from pathlib import Path

import typer
import uvicorn

from billbot.app import create_app
from billbot.cli.output import emit
from billbot.clock import SystemClock
from billbot.db import ensure_migrated, get_engine, make_engine, session_scope, upgrade
from billbot.demo.seed import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from billbot.digests.demo import write_last_digest
from billbot.settings import Settings, get_settings
from billbot.users.service import get_user
from billbot.wiring import categoriser_hook


def serve(
    host: str = typer.Option("127.0.0.1", help="interface to listen on"),
    port: int = typer.Option(8000, help="TCP port"),
    workers: int = typer.Option(1, help="worker processes (PostgreSQL for more than one)"),
) -> None:
    """Serve the API on the configured database (refuses an unmigrated one); runs the sweeps."""
    ensure_migrated(get_engine())
    if workers > 1:
        # Every worker dispatches; the sweeps run in whichever holds the leader lock.
        os.environ["BILLBOT_SCHEDULER_ENABLED"] = "true"
        uvicorn.run("billbot.asgi:app", host=host, port=port, workers=workers)
    else:
        settings = get_settings().model_copy(update={"scheduler_enabled": True})
        uvicorn.run(
            create_app(settings=settings, categorise=categoriser_hook()), host=host, port=port
        )


def demo_settings(database: Path) -> Settings:
    """The demo's settings: its database, the console channel (development), and sweeps often
    enough that reminders show in the console within a minute of starting."""
    return get_settings().model_copy(
        update={
            "environment": "development",
            "database_url": f"sqlite:///{database}",
            "scheduler_enabled": True,
            "sweep_seconds": 15,
            "dispatch_seconds": 5,
        }
    )


def demo(
    host: str = typer.Option("127.0.0.1", help="interface to listen on"),
    port: int = typer.Option(8000, help="TCP port"),
    database: Path = typer.Option(Path("var/demo.db"), help="SQLite file, recreated on each run"),
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="serve after seeding"),
) -> None:
    """Create a fresh demo database with a seeded borrower, print how to use it, and serve."""
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{database}")
    typer.echo(f"migrating {database} ...", err=True)
    upgrade(engine)
    typer.echo("seeding six months of demo spending ...", err=True)
    now = SystemClock().now()
    with session_scope(engine) as session:
        seeded = seed_demo(session, now=now, categorise=categoriser_hook())
    with session_scope(engine) as session:
        eml, html = write_last_digest(
            session,
            user=get_user(session, seeded.user_id),
            now=now,
            settings=get_settings(),
            folder=Path(get_settings().mail_folder),
        )
    base = f"http://{host}:{port}"
    emit(
        {
            "api_docs": f"{base}/docs",
            "health": f"{base}/healthz",
            "borrower": {"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
            "operator_api_key": seeded.api_key,
            "accounts": seeded.account_ids,
            "transactions": seeded.transactions,
            "weekly_digest": {"eml": str(eml), "html": str(html)},
            "try": [
                f"curl -s -X POST {base}/v1/auth/login -H 'content-type: application/json' "
                f'-d \'{{"email": "{DEMO_EMAIL}", "password": "{DEMO_PASSWORD}"}}\'',
                f"curl -s {base}/v1/statements -H 'Authorization: Bearer <access_token>'",
            ],
            "chat_with_the_bot": f"billbot chat --user {DEMO_EMAIL} --database {database}",
        }
    )
    if serve_after:
        settings = demo_settings(database)
        app = create_app(settings=settings, engine=engine, categorise=categoriser_hook())
        uvicorn.run(app, host=host, port=port)
