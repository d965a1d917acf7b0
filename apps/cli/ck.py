"""`meshkit ck ...`: validate, diff and version-check construction kits."""

from __future__ import annotations

import typer

app = typer.Typer(help="Work with construction kits (models).", no_args_is_help=True)
