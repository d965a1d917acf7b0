"""`meshkit ck ...`: validate, inspect, diff and version-check construction kits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from meshkit.apps.cli.paths import library_paths
from meshkit.ck import CompiledModel, Diagnostic, check_model
from meshkit.ck import schema as ck_schema

app = typer.Typer(help="Work with construction kits (models).", no_args_is_help=True)
out = Console()
err = Console(stderr=True)

ModelArg = Annotated[
    Path, typer.Argument(help="The model folder (it holds model.yaml).", show_default=False)
]
LibraryOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--library",
        "-L",
        help="More folders to look for dependencies in (the model's parent folder and the "
        "built-in model library are always searched).",
    ),
]


def print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        err.print(
            f"[bold]{d.file}:{d.line}:{d.column}[/bold]: [red]error[/red][{d.code}]"
            + (f" [cyan]{d.path}[/cyan]:" if d.path else "")
            + f" {d.message}",
            highlight=False,
            markup=True,
            soft_wrap=True,
        )
    count = len(diagnostics)
    err.print(f"[red]{count} error{'s' if count != 1 else ''}[/red]")


def load(folder: Path, library: list[Path] | None) -> CompiledModel:
    """Compile or exit 1 with every located error; never a traceback."""
    model, problems = check_model(folder, library_paths(library))
    if problems or model is None:
        print_diagnostics(problems)
        raise typer.Exit(1)
    return model


@app.command()
def validate(folder: ModelArg, library: LibraryOpt = None) -> None:
    """Compile a model and its dependencies; print a summary or every error with its location."""
    model = load(folder, library)
    info = model.models[model.root]
    own = [c for c in model.classes.values() if c.model == model.root]
    out.print(
        f"[green]ok[/green] {info.name} {info.version}: {len(own)} classes, "
        f"{sum(1 for r in model.records.values() if r.model == model.root)} records, "
        f"{sum(1 for e in model.enums.values() if e.model == model.root)} enums, "
        f"{sum(1 for a in model.associations.values() if a.model == model.root)} associations"
        + (
            f" (with {', '.join(f'{n} {m.version}' for n, m in model.models.items() if n != model.root)})"
            if len(model.models) > 1
            else ""
        ),
        highlight=False,
    )


@app.command()
def show(folder: ModelArg, library: LibraryOpt = None) -> None:
    """List a model's classes with their table, attributes and associations."""
    model = load(folder, library)
    table = Table(title=f"{model.root} {model.version}")
    for column in ("class", "extends", "table", "attributes", "associations"):
        table.add_column(column)
    for cls in model.classes.values():
        if cls.model != model.root:
            continue
        name = cls.name + (" (abstract)" if cls.abstract else "")
        table.add_row(
            name,
            cls.extends or "",
            cls.collection_root or "",
            ", ".join(cls.own_attributes),
            ", ".join(
                f"{e.name}→{e.other.split('/')[-1]}{'*' if e.many else ''}"
                for e in cls.ends.values()
            ),
        )
    out.print(table)


@app.command("schema")
def print_schema(
    manifest: Annotated[
        bool, typer.Option("--manifest", help="The schema of model.yaml instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of CK element files (for editors such as yaml-language-server)."""
    name = ck_schema.MANIFEST if manifest else ck_schema.ELEMENTS
    out.print_json(json.dumps(json.loads(ck_schema.schema_text(name))))
