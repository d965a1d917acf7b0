"""`meshkit db ...`: plan, write and apply the migrations of the database to the model.

The database comes from --database-url or MESHKIT_DATABASE_URL (default: the embedded SQLite
file); the model from --model (a model folder or the name of a built-in model). Every failure is
one line on stderr and exit code 1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from meshkit.adapters.eda.processing.tables import add_processing_tables
from meshkit.apps.cli.ck import load
from meshkit.apps.cli.paths import builtin_library
from meshkit.ck import MANIFEST_NAME, CompiledModel
from meshkit.runtime import default_sqlite_url
from meshkit.runtime.backup import BackupError, backup, describe, restore
from meshkit.runtime.migrations import (
    DatabasePlan,
    MigrationError,
    Setup,
    downgrade,
    plan,
    status,
    upgrade,
    write_revision,
)
from meshkit.runtime.migrations.environment import DEFAULT_SCRIPT_LOCATION
from meshkit.runtime.migrations.planner import add_platform_tables

app = typer.Typer(
    help="Migrate the database to the model (plan, revision, upgrade, downgrade, status); "
    "back it up and restore it.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)

DEFAULT_MODEL = "energy_community"
URL_ENV = "MESHKIT_DATABASE_URL"

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar=URL_ENV,
        help="The database (sqlite:///file or postgresql://user@host/db); default: the "
        "embedded SQLite file data/meshkit.sqlite.",
        show_default=False,
    ),
]
ModelOpt = Annotated[
    str,
    typer.Option("--model", help="A model folder, or the name of a built-in model."),
]
LibraryOpt = Annotated[
    list[Path] | None,
    typer.Option("--library", "-L", help="More folders to look for dependencies in."),
]
VersionsOpt = Annotated[
    Path,
    typer.Option("--versions", help="The folder of the model's revisions."),
]
AllowLossOpt = Annotated[
    bool,
    typer.Option(
        "--allow-data-loss", help="Let steps run that drop stored data (after a backup!)."
    ),
]
DEFAULT_VERSIONS = DEFAULT_SCRIPT_LOCATION / "versions"

# Platform tables above the runtime layer: the planner (`plan`, `revision`) sees them like the
# series and content tables; revision fa470d7c6960 created them in the built-in versions.
add_platform_tables(add_processing_tables)


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error[/red]: {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def _errors() -> Iterator[None]:
    """Known failures as one line each, never a traceback."""
    try:
        yield
    except MigrationError as exc:
        _fail(str(exc))
    except (ValueError, sa.exc.ArgumentError) as exc:
        _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    except sa.exc.SQLAlchemyError as exc:
        text = str(getattr(exc, "orig", None) or exc).strip()
        _fail(f"database error: {text.splitlines()[0] if text else type(exc).__name__}")
    except OSError as exc:
        _fail(str(exc))
    except BackupError as exc:
        _fail(str(exc))


def _model(ref: str, library: list[Path] | None) -> CompiledModel:
    folder = Path(ref)
    if not (folder / MANIFEST_NAME).is_file():
        candidate = builtin_library() / ref
        if not (candidate / MANIFEST_NAME).is_file():
            _fail(f"'{ref}' is neither a model folder nor a built-in model")
        folder = candidate
    return load(folder, library)


def _setup(
    database_url: str | None, model: str, library: list[Path] | None, versions: Path
) -> Setup:
    url = database_url or os.environ.get(URL_ENV) or default_sqlite_url()
    return Setup(database_url=url, model=_model(model, library), versions=versions)


@app.command("status")
def status_command(
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
    library: LibraryOpt = None,
    versions: VersionsOpt = DEFAULT_VERSIONS,
) -> None:
    """Show the database's revision and model versions, and whether the runtime would start."""
    setup = _setup(database_url, model, library, versions)
    with _errors():
        result = status(setup)
    out.print(f"database revision: {result.current or 'none (empty database)'}", highlight=False)
    out.print(f"newest revision:   {result.head or 'none'}", highlight=False)
    if result.pending:
        out.print(f"pending:           {', '.join(result.pending)}", highlight=False)
    for row in result.applied:
        out.print(
            f"applied: {row.model} {row.version} at {row.applied_at:%Y-%m-%d %H:%M:%S} UTC"
            + (f" (revision {row.revision})" if row.revision else ""),
            highlight=False,
        )
    if result.unwritten:
        out.print(
            f"[yellow]model {setup.model.root} {setup.model.version} has changes no revision "
            "holds yet: run `meshkit db revision -m MESSAGE`[/yellow]",
            highlight=False,
        )
    if result.problems:
        for problem in result.problems:
            out.print(f"[red]mismatch[/red]: {escape(problem)}", highlight=False)
        out.print("run `meshkit db upgrade`", highlight=False)
        raise typer.Exit(1)
    out.print("[green]ok[/green]: the database matches the model", highlight=False)


@app.command("plan")
def plan_command(
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
    library: LibraryOpt = None,
    versions: VersionsOpt = DEFAULT_VERSIONS,
    show_sql: Annotated[bool, typer.Option("--sql/--no-sql", help="Print the SQL.")] = True,
) -> None:
    """Show what an upgrade changes: the model diff, the steps and the SQL (nothing is changed)."""
    setup = _setup(database_url, model, library, versions)
    with _errors():
        result = plan(setup)
    _print_plan(result, show_sql)
    if result.refused:
        _fail(f"the upgrade would fail: {result.refused}")


def _print_plan(result: DatabasePlan, show_sql: bool) -> None:
    applied = result.applied
    before = f"{applied.root} {applied.version}" if applied else "an empty database"
    out.print(f"upgrade from {before} to {result.model.root} {result.model.version}")
    if result.diff is not None:
        table = Table(title="model changes")
        for column in ("bump", "element", "path", "change"):
            table.add_column(column, overflow="fold")
        for change in result.diff.changes:
            table.add_row(change.bump.value, change.kind.value, change.path, change.summary)
        out.print(table if result.diff.changes else "no model changes")
    if result.pending:
        out.print(f"revisions to apply: {', '.join(result.pending)}", highlight=False)
    if result.unwritten is not None:
        out.print(
            "[yellow]steps no revision holds yet (write them with `meshkit db revision -m "
            "MESSAGE`):[/yellow]"
        )
        for step in sorted(result.unwritten.upgrade, key=lambda s: s.phase):
            out.print(f"  - {escape(step.summary)}", highlight=False)
    if show_sql and result.sql:
        out.print("SQL (run in one transaction, then rolled back):")
        out.print(Syntax("\n".join(result.sql), "sql", word_wrap=True))


@app.command("revision")
def revision_command(
    message: Annotated[str, typer.Option("--message", "-m", help="What the revision does.")],
    model: ModelOpt = DEFAULT_MODEL,
    library: LibraryOpt = None,
    versions: VersionsOpt = DEFAULT_VERSIONS,
) -> None:
    """Write the next revision (from the newest revision's model to the current one)."""
    setup = _setup(None, model, library, versions)
    with _errors():
        path = write_revision(setup, message)
    if path is None:
        out.print(
            f"no changes: {setup.model.root} {setup.model.version} is what the newest revision "
            "applies",
            highlight=False,
        )
        return
    out.print(f"wrote {path} — review it, then run `meshkit db upgrade`", highlight=False)


@app.command("upgrade")
def upgrade_command(
    revision: Annotated[str, typer.Argument(help="The revision to upgrade to.")] = "head",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
    library: LibraryOpt = None,
    versions: VersionsOpt = DEFAULT_VERSIONS,
    allow_data_loss: AllowLossOpt = False,
) -> None:
    """Apply the revisions up to REVISION in one transaction (back up the database first)."""
    setup = _setup(database_url, model, library, versions)
    with _errors():
        upgrade(setup, revision, allow_data_loss=allow_data_loss)
        result = status(setup)
    out.print(f"[green]upgraded[/green] to revision {result.current}", highlight=False)


# ignore_unknown_options: `-1` (one step back) is the revision, not an unknown option.
@app.command("downgrade", context_settings={"ignore_unknown_options": True})
def downgrade_command(
    revision: Annotated[
        str, typer.Argument(help="The revision to go back to (-1: one step, base: empty).")
    ],
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
    library: LibraryOpt = None,
    versions: VersionsOpt = DEFAULT_VERSIONS,
    allow_data_loss: AllowLossOpt = False,
) -> None:
    """Undo revisions down to REVISION in one transaction."""
    setup = _setup(database_url, model, library, versions)
    with _errors():
        downgrade(setup, revision, allow_data_loss=allow_data_loss)
        result = status(setup)
    out.print(
        f"[green]downgraded[/green] to revision {result.current or 'base (empty)'}",
        highlight=False,
    )


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="The backup file to write.")],
    database_url: DatabaseOpt = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace FILE if it exists.")
    ] = False,
) -> None:
    """Write a consistent backup of the whole database to FILE.

    SQLite: a database file made with SQLite's online backup (safe while the server runs),
    checked for integrity. PostgreSQL: a pg_dump custom-format archive (pg_dump on PATH)."""
    url = database_url or os.environ.get(URL_ENV) or default_sqlite_url()
    with _errors():
        info = backup(url, file, overwrite=overwrite)
    out.print(f"[green]backed up[/green] {escape(info.summary())}", highlight=False)


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A file written by `meshkit db backup`.")],
    database_url: DatabaseOpt = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace a database that holds a meshkit model already."),
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Only say what FILE holds; restore nothing.")
    ] = False,
) -> None:
    """Put a backup written by `meshkit db backup` back (stop the server first).

    All of it or nothing (PostgreSQL: one transaction). Afterwards `meshkit db status` tells
    whether the code's model matches what was restored."""
    url = database_url or os.environ.get(URL_ENV) or default_sqlite_url()
    with _errors():
        if check:
            out.print(escape(describe(file).summary()), highlight=False)
            return
        info = restore(url, file, replace=replace)
    out.print(f"[green]restored[/green] {escape(info.summary())}", highlight=False)
