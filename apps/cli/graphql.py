"""`meshkit graphql sdl`: the GraphQL schema (SDL) generated from a model, for client tooling."""

from __future__ import annotations

from typing import Annotated

import typer

from meshkit.apps.cli.ck import compile_builtin

app = typer.Typer(help="The GraphQL API generated from the model.", no_args_is_help=True)


@app.command("sdl")
def sdl(
    model: Annotated[
        str, typer.Option("--model", "-m", help="The built-in model whose schema to print.")
    ] = "energy_community",
) -> None:
    """Print the schema in GraphQL SDL."""
    from meshkit.runtime.graphql import build_schema

    typer.echo(build_schema(compile_builtin(model)).as_str())
