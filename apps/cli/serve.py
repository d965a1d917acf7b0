"""`meshkit serve`: the GraphQL API (GraphiQL at /graphql), /health and /ready, with uvicorn.

    meshkit serve --port 8000 --database-url postgresql://meshkit@db/meshkit

The database must hold exactly the model's versions (`meshkit db upgrade` puts them there);
otherwise serve refuses to start and says which command to run. Until the auth work lands, a
request's tenant and actor come from the X-Meshkit-Tenant / X-Meshkit-Actor headers.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from meshkit.apps.cli.ck import compile_builtin
from meshkit.runtime import Repository, create_engine, default_sqlite_url
from meshkit.runtime.migrations import DatabaseMismatchError, check_database

err = Console(stderr=True)
URL_ENV = "MESHKIT_DATABASE_URL"


def serve(
    host: Annotated[str, typer.Option(help="The interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            "-d",
            envvar=URL_ENV,
            help=f"sqlite:///path/file.sqlite or postgresql://user@host/db "
            f"(default: {default_sqlite_url()}).",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str, typer.Option("--model", "-m", help="The built-in model to serve.")
    ] = "energy_community",
    graphiql: Annotated[bool, typer.Option(help="Serve GraphiQL at GET /graphql.")] = True,
) -> None:
    """Serve the GraphQL API of the model on the database."""
    import uvicorn  # the server is needed here only; keep `meshkit --help` fast

    from meshkit.runtime.graphql import create_app

    compiled = compile_builtin(model)
    engine = create_engine(database_url or os.environ.get(URL_ENV) or None)
    try:
        check_database(engine, compiled)
    except DatabaseMismatchError as exc:
        err.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    app = create_app(compiled, Repository(engine, compiled), graphiql=graphiql)
    build_ms = app.state.schema.build_ms
    err.print(f"GraphQL schema of {compiled.root} {compiled.version} built in {build_ms:.0f} ms")
    uvicorn.run(app, host=host, port=port)
