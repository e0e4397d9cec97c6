"""The `billbot` command line."""

from __future__ import annotations

import typer

from billbot.cli import admin, categorizecmd, chatcmd, dbcmd, importcmd, reportcmd, servecmd

app = typer.Typer(help="billbot: a responsible-borrowing bill assistant.", no_args_is_help=True)
app.command("serve")(servecmd.serve)
app.command("demo")(servecmd.demo)
app.command("import")(importcmd.import_file)
app.command("breakdown")(reportcmd.breakdown_cmd)
app.command("categorize")(categorizecmd.categorize_cmd)
app.command("chat")(chatcmd.chat_cmd)
report = typer.Typer(help="Reports.", no_args_is_help=True)
report.command("weekly")(reportcmd.weekly_report_cmd)
app.add_typer(report, name="report")
app.add_typer(dbcmd.app, name="db")
app.add_typer(admin.users, name="users")
app.add_typer(admin.apikeys, name="apikeys")


def main() -> None:
    """Console-script entry point."""
    app()
