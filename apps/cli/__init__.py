"""The `meshkit` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

import typer

from meshkit.apps.cli import auth as auth_commands
from meshkit.apps.cli import billing as billing_commands
from meshkit.apps.cli import ck as ck_commands
from meshkit.apps.cli import data as data_commands
from meshkit.apps.cli import db as db_commands
from meshkit.apps.cli import demo as demo_commands
from meshkit.apps.cli import eda as eda_commands
from meshkit.apps.cli import energy as energy_commands
from meshkit.apps.cli import graphql as graphql_commands
from meshkit.apps.cli import importer as importer_commands
from meshkit.apps.cli import notify as notify_commands
from meshkit.apps.cli import serve as serve_commands

app = typer.Typer(
    name="meshkit",
    help="meshkit: a metadata-driven data-mesh platform and energy-community management system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(auth_commands.app, name="auth")
app.add_typer(billing_commands.app, name="billing")
app.add_typer(ck_commands.app, name="ck")
app.add_typer(data_commands.app, name="data")
app.add_typer(db_commands.app, name="db")
app.command("demo")(demo_commands.demo)
app.add_typer(eda_commands.app, name="eda")
app.add_typer(energy_commands.app, name="energy")
app.add_typer(importer_commands.import_app, name="import")
app.add_typer(importer_commands.export_app, name="export")
app.add_typer(notify_commands.app, name="notify")
app.add_typer(graphql_commands.app, name="graphql")
app.command("serve")(serve_commands.serve)


def main() -> None:
    app()
