"""`meshkit data load|dump`: runtime data (entities) to and from YAML/JSON seed documents.

    meshkit data load apps/demo/community.yaml --tenant demo
    meshkit data dump --class MeteringPoint --class Participation > points.yaml

The document format is described in `meshkit.runtime.seed`; every problem is printed with the
file, the entity's path and a message, and nothing is written then.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from meshkit.apps.cli.ck import compile_builtin
from meshkit.runtime import Repository, RepositoryError, create_engine, default_sqlite_url
from meshkit.runtime.seed import SeedError, dump, dump_text, load, read_document

app = typer.Typer(
    help="Load and dump runtime data (entities) as YAML or JSON seed documents.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)

DEFAULT_MODEL = "energy_community"
DEFAULT_TENANT = "default"

TenantOpt = Annotated[
    str, typer.Option("--tenant", "-t", help="The tenant whose data is loaded or dumped.")
]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        "-d",
        envvar="MESHKIT_DATABASE_URL",
        help="sqlite:///path/file.sqlite or postgresql://user@host/db "
        f"(default: {default_sqlite_url()}).",
        show_default=False,
    ),
]
ModelOpt = Annotated[
    str, typer.Option("--model", "-m", help="The model of the built-in library the data is of.")
]


def open_repository(database_url: str | None, model_name: str) -> Repository:
    """The repository of `model_name` on the database; tables created where missing."""
    model = compile_builtin(model_name)
    repository = Repository(create_engine(database_url), model)
    repository.create_tables()
    return repository


def print_problems(error: SeedError) -> None:
    for problem in error.problems:
        err.print(
            f"[bold]{escape(problem.location)}[/bold]: [red]error[/red]"
            + escape(f"[{problem.code}]")
            + f" {escape(problem.message)}",
            highlight=False,
            soft_wrap=True,
        )
    count = len(error.problems)
    err.print(f"[red]{count} problem{'s' if count != 1 else ''}; nothing was written[/red]")


@app.command("load")
def load_command(
    file: Annotated[
        Path, typer.Argument(help="The seed document (.yaml, .yml or .json).", show_default=False)
    ],
    tenant: TenantOpt = DEFAULT_TENANT,
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
    actor: Annotated[str, typer.Option(help="Who the audit trail names.")] = "meshkit-data-load",
) -> None:
    """Upsert the entities of a seed document (by natural key) in one transaction."""
    try:
        document = read_document(file)
        repository = open_repository(database_url, model)
        with repository.unit_of_work(tenant=tenant, actor=actor, writing=True) as uow:
            result = load(uow, document, source=str(file))
    except SeedError as exc:
        print_problems(exc)
        raise typer.Exit(1) from None
    out.print(f"[green]loaded[/green] {escape(str(file))} into tenant {tenant}: {result.summary()}")


@app.command("dump")
def dump_command(
    classes: Annotated[
        list[str] | None,
        typer.Option(
            "--class",
            "-c",
            help="A class to dump (repeatable; an abstract class dumps its subclasses). "
            "Default: every class.",
        ),
    ] = None,
    tenant: TenantOpt = DEFAULT_TENANT,
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
    fmt: Annotated[str, typer.Option("--format", "-f", help="yaml or json.")] = "yaml",
    key: Annotated[
        list[str] | None,
        typer.Option(
            help="A natural key for a class without a unique index, e.g. "
            "GenerationUnit=metering_point,name (repeatable).",
        ),
    ] = None,
) -> None:
    """Write the tenant's entities as a seed document to standard output."""
    if fmt not in ("yaml", "json"):
        err.print(f"[red]--format is yaml or json, not {escape(fmt)}[/red]")
        raise typer.Exit(2)
    keys: dict[str, list[str]] = {}
    for spec in key or []:
        name, _, attributes = spec.partition("=")
        if not name or not attributes:
            err.print(f"[red]--key takes Class=attribute,attribute, not {escape(spec)}[/red]")
            raise typer.Exit(2)
        keys[name.strip()] = [a.strip() for a in attributes.split(",") if a.strip()]
    repository = open_repository(database_url, model)
    try:
        with repository.unit_of_work(tenant=tenant, actor="meshkit-data-dump") as uow:
            document = dump(uow, classes, keys=keys)
    except (RepositoryError, KeyError) as exc:
        err.print(f"[red]error[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    sys.stdout.write(dump_text(document, fmt))
