"""`billbot db ...`: schema migrations."""

from __future__ import annotations

import typer

from billbot.cli.output import emit
from billbot.db import current_revision, get_engine, head_revision, upgrade

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(revision: str = typer.Argument("head", help="target migration")) -> None:
    """Migrate the configured database (BILLBOT_DATABASE_URL) to the newest schema."""
    engine = get_engine()
    upgrade(engine, revision)
    emit(
        {
            "database": engine.url.render_as_string(hide_password=True),
            "revision": current_revision(engine),
        }
    )


@app.command("status")
def status_cmd() -> None:
    """Show the database's migration and the one the code needs."""
    engine = get_engine()
    emit({"current": current_revision(engine), "head": head_revision()})
