"""`meshkit demo`: the main job on the embedded default, end to end and unattended.

Compiles the model library, recreates `<data-dir>/demo.sqlite`, loads the demo community, onboards
its metering points through the grid-operator simulator, receives a month of energy data,
allocates it and prints a billing preview (see docs/demo.md). The steps live in
`meshkit.apps.demo`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from meshkit.apps.demo import DemoFailed, run
from meshkit.runtime.seed import SeedError

out = Console()
err = Console(stderr=True)


def demo(
    data_dir: Annotated[
        Path,
        typer.Option(
            "--data-dir",
            help="Folder of the demo database (demo.sqlite, recreated on every run) and the "
            "raw EDA documents.",
        ),
    ] = Path("data"),
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes that produce the month's energy data (default: up to 2 cores; "
            "1 runs everything in this process).",
            min=1,
        ),
    ] = None,
) -> None:
    """Run the demo community end to end: seed, onboarding, energy data, allocation, billing."""
    try:
        run(data_dir, out, workers=workers)
    except SeedError as exc:
        err.print(f"[red]the demo seed does not load[/red]\n{escape(str(exc))}")
        raise typer.Exit(1) from None
    except DemoFailed as exc:
        err.print(f"[red]demo failed:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
