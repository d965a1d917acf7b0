"""`meshkit demo`: the main job on the embedded default.

Today it compiles the model library and prints what the runtime will build from it; it grows
with the runtime (database, seed community, EDA simulator, allocation, billing) issue by issue.
"""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.table import Table

from meshkit.apps.cli.ck import print_diagnostics
from meshkit.apps.cli.paths import builtin_library
from meshkit.ck import MANIFEST_NAME, check_model

out = Console()


def demo() -> None:
    """Compile the model library and run the demo community end to end."""
    library = builtin_library()
    folders = sorted(p.parent for p in library.glob(f"*/{MANIFEST_NAME}"))
    if not folders:
        out.print(f"[red]no models found in {library}[/red]")
        raise typer.Exit(1)
    table = Table(title="meshkit model library")
    for column in ("model", "version", "classes", "tables", "records", "enums", "associations"):
        table.add_column(column, justify="left" if column in ("model", "version") else "right")
    failed = False
    started = time.perf_counter()
    for folder in folders:
        model, problems = check_model(folder, [library])
        if model is None:
            print_diagnostics(problems)
            failed = True
            continue
        name = model.root
        table.add_row(
            name,
            model.version,
            str(sum(1 for c in model.classes.values() if c.model == name)),
            str(sum(1 for c in model.collection_roots() if c.model == name)),
            str(sum(1 for r in model.records.values() if r.model == name)),
            str(sum(1 for e in model.enums.values() if e.model == name)),
            str(sum(1 for a in model.associations.values() if a.model == name)),
        )
    elapsed = (time.perf_counter() - started) * 1000
    out.print(table)
    out.print(f"compiled {len(folders)} models in {elapsed:.0f} ms")
    if failed:
        raise typer.Exit(1)
