"""`meshkit import xlsx` and `meshkit export xlsx`: master data from and to Excel workbooks.

Import is a dry run unless --commit is given; problems are printed and, with --report, written
as a copy of the workbook with the problem cells marked. Exit codes: 0 ok, 1 problems found
(nothing written unless --valid-rows-only), 2 the file or mapping could not be used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.exc import SQLAlchemyError

from meshkit.adapters.excel import (
    ExcelImportError,
    Mapping,
    export_workbook,
    import_workbook,
    load_mapping,
    print_report,
    report_workbook,
)
from meshkit.adapters.excel.importer import Progress as ProgressCallback
from meshkit.apps.cli.data import open_repository
from meshkit.runtime import Repository

import_app = typer.Typer(help="Import master data (dry run unless --commit).", no_args_is_help=True)
export_app = typer.Typer(help="Export master data.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)

MappingOption = Annotated[
    Path | None,
    typer.Option("--mapping", help="Mapping YAML (default: the Austrian community template)."),
]
CommunityOption = Annotated[
    str | None,
    typer.Option("--community", help="EC number, community id or name of the community."),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="MESHKIT_DATABASE_URL",
        help="Database URL (default: the SQLite file data/meshkit.sqlite).",
    ),
]
TenantOption = Annotated[
    str, typer.Option("--tenant", envvar="MESHKIT_TENANT", help="The tenant to work in.")
]


@import_app.command("xlsx")
def import_xlsx(
    file: Annotated[Path, typer.Argument(help="The workbook (.xlsx).")],
    mapping: MappingOption = None,
    community: CommunityOption = None,
    commit: Annotated[bool, typer.Option("--commit", help="Write (default: dry run).")] = False,
    valid_rows_only: Annotated[
        bool,
        typer.Option("--valid-rows-only", help="Import the good rows, report the others."),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write the workbook with problem cells marked here."),
    ] = None,
    database_url: DatabaseOption = None,
    tenant: TenantOption = "default",
    actor: Annotated[str, typer.Option("--actor", help="Who imports (audit trail).")] = "cli",
) -> None:
    """Check (and with --commit, write) participants, metering points, participations, tariffs."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        _fail(f"{file}: cannot read the file ({exc.strerror or exc})")
    the_mapping = _mapping(mapping)
    with _repository(database_url) as repository, _progress() as progress:
        result = import_workbook(
            repository,
            data,
            file=file.name,
            tenant=tenant,
            mapping=the_mapping,
            community=community,
            commit=commit,
            valid_rows_only=valid_rows_only,
            actor=actor,
            progress=progress,
        )
    print_report(result, out)
    if report is not None:
        report.write_bytes(report_workbook(data, result))
        out.print(f"report written to {report}")
    if not commit and result.ok:
        out.print("dry run: nothing written; add --commit to import")
    if not result.ok:
        raise typer.Exit(1)


@export_app.command("xlsx")
def export_xlsx(
    file: Annotated[Path, typer.Argument(help="The workbook to write (.xlsx).")],
    community: CommunityOption = None,
    mapping: MappingOption = None,
    database_url: DatabaseOption = None,
    tenant: TenantOption = "default",
) -> None:
    """Write the master data in the mapping's layout (import it again: nothing changes)."""
    the_mapping = _mapping(mapping)
    with _repository(database_url) as repository:
        try:
            data = export_workbook(
                repository, tenant=tenant, mapping=the_mapping, community=community, file=file.name
            )
        except ExcelImportError as exc:
            _fail(str(exc))
    try:
        file.write_bytes(data)
    except OSError as exc:
        _fail(f"{file}: cannot write the file ({exc.strerror or exc})")
    out.print(f"exported to {file}")


# ---------------------------------------------------------------------- helpers
def _mapping(path: Path | None) -> Mapping:
    try:
        return load_mapping(path)
    except ExcelImportError as exc:
        _fail(str(exc))


@contextmanager
def _repository(database_url: str | None) -> Iterator[Repository]:
    """The energy-community repository (the same one `meshkit data` opens); errors in one line."""
    repository: Repository | None = None
    try:
        repository = open_repository(database_url, "energy_community")
        yield repository
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        _fail(f"database error: {str(cause).strip().splitlines()[0]}")
    except ValueError as exc:
        _fail(str(exc))
    finally:
        if repository is not None:
            repository.engine.dispose()


@contextmanager
def _progress() -> Iterator[ProgressCallback]:
    columns = (
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield report


def _fail(message: str) -> NoReturn:
    err.print(f"[red]{message}[/red]")
    raise typer.Exit(2)
