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
    """Print the schema in GraphQL SDL, as `meshkit serve` serves it (operator commands too)."""
    from meshkit.apps.cli.behaviours import server_behaviours
    from meshkit.runtime.graphql import build_schema

    compiled = compile_builtin(model)
    typer.echo(build_schema(compiled, behaviours=server_behaviours(compiled)).as_str())
