"""`meshkit serve`: the GraphQL API with authentication and the model's policy, under uvicorn.

    meshkit serve --port 8000 --database-url postgresql://meshkit@db/meshkit \\
        --oidc-issuer https://id.example.org/realms/ec --oidc-jwks-url https://.../certs
    MESHKIT_SESSION_SECRET=... meshkit serve --login-tenant t1   # local accounts, /auth/login
    meshkit serve --dev                                           # INSECURE: identity from headers

Every option can also be set as an environment variable `MESHKIT_<OPTION>` (shown in
`meshkit serve --help`). The database must hold exactly the model's versions (`meshkit db
upgrade` puts them there); otherwise serve refuses to start and says which command to run. With
local accounts or API keys, auth tables missing from a database upgraded by an older release
are created at start. After a later upgrade the running server picks up the new schema by
itself (within --schema-check-interval seconds).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import Engine

from meshkit.apps.cli.ck import compile_builtin
from meshkit.apps.cli.paths import builtin_library
from meshkit.runtime import Repository, create_engine, default_sqlite_url
from meshkit.runtime.migrations import DatabaseMismatchError, check_database

err = Console(stderr=True)
URL_ENV = "MESHKIT_DATABASE_URL"


def ensure_auth_tables(engine: Engine) -> str | None:
    """Create the auth tables local accounts and API keys need where they are missing: `meshkit
    db upgrade` creates them since revision fa470d7c6960, a database upgraded before lacks
    them (and /auth/login would answer 500). Present tables are left alone, so an application
    role without DDL rights is fine. Returns why it could not (None: the tables are there)."""
    from meshkit.runtime.auth.store import create_auth_tables, metadata

    try:
        present = set(sa.inspect(engine).get_table_names())
        if set(metadata.tables) <= present:
            return None
        create_auth_tables(engine)
    except sa.exc.SQLAlchemyError as exc:
        text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return (
            f"local accounts and API keys need the auth tables, which could not be created "
            f"({text[0] if text else type(exc).__name__}): run `meshkit db upgrade`"
        )
    return None


def _env(name: str) -> str:
    return f"MESHKIT_{name}"


def serve(
    host: Annotated[
        str, typer.Option(envvar=_env("HOST"), help="The interface to listen on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar=_env("PORT"), help="The port to listen on.")] = 8000,
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
        str,
        typer.Option("--model", "-m", envvar=_env("MODEL"), help="The built-in model to serve."),
    ] = "energy_community",
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            envvar=_env("DEV"),
            help="INSECURE local experiments: the X-Meshkit-Tenant/-Actor/-Roles/-Participant "
            "headers say who a request is from (the policy still applies to those roles).",
        ),
    ] = False,
    policy: Annotated[
        Path | None,
        typer.Option(
            envvar=_env("POLICY"),
            help="The policy file (default: the model's _policy/permissions.yaml).",
            show_default=False,
        ),
    ] = None,
    oidc_issuer: Annotated[
        str | None, typer.Option(envvar=_env("OIDC_ISSUER"), help="Accept this issuer's JWTs.")
    ] = None,
    oidc_audience: Annotated[
        str, typer.Option(envvar=_env("OIDC_AUDIENCE"), help="The audience OIDC JWTs name.")
    ] = "meshkit",
    oidc_jwks_url: Annotated[
        str | None,
        typer.Option(envvar=_env("OIDC_JWKS_URL"), help="The issuer's JWKS (HTTPS)."),
    ] = None,
    oidc_default_tenant: Annotated[
        str | None,
        typer.Option(
            envvar=_env("OIDC_DEFAULT_TENANT"),
            help="Tenant of tokens without a tenant claim (single-tenant installations).",
        ),
    ] = None,
    session_secret: Annotated[
        str | None,
        typer.Option(
            envvar=_env("SESSION_SECRET"),
            help="Enables local accounts (POST /auth/login, /auth/logout): the secret that "
            "signs session tokens, at least 32 bytes. Prefer the environment variable.",
            show_default=False,
        ),
    ] = None,
    login_tenant: Annotated[
        str | None,
        typer.Option(
            envvar=_env("LOGIN_TENANT"), help="The tenant of logins that do not name one."
        ),
    ] = None,
    api_key_pepper: Annotated[
        str | None,
        typer.Option(
            envvar=_env("API_KEY_PEPPER"),
            help="Enables API keys (X-API-Key): the server secret mixed into their hashes.",
            show_default=False,
        ),
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            envvar=_env("CORS_ORIGINS"),
            help="An origin allowed to call the API from a browser (repeatable; the variable "
            "takes a space-separated list).",
        ),
    ] = None,
    graphiql: Annotated[
        bool | None,
        typer.Option(
            envvar=_env("GRAPHIQL"),
            help="Serve GraphiQL at GET /graphql (default: only with --dev).",
            show_default=False,
        ),
    ] = None,
    introspection: Annotated[
        bool | None,
        typer.Option(
            envvar=_env("INTROSPECTION"),
            help="Answer introspection queries (default: only with --dev; off in production).",
            show_default=False,
        ),
    ] = None,
    max_depth: Annotated[
        int, typer.Option(envvar=_env("MAX_DEPTH"), help="Deepest query allowed.")
    ] = 15,
    max_cost: Annotated[
        int,
        typer.Option(
            envvar=_env("MAX_COST"),
            help="Costliest query allowed (fields x page sizes, see docs/graphql.md).",
        ),
    ] = 3_000_000,
    schema_check_interval: Annotated[
        float,
        typer.Option(
            envvar=_env("SCHEMA_CHECK_INTERVAL"),
            help="Seconds between checks for a new model version applied to the database.",
        ),
    ] = 5.0,
    log_level: Annotated[
        str, typer.Option(envvar=_env("LOG_LEVEL"), help="Python log level.")
    ] = "INFO",
) -> None:
    """Serve the GraphQL API of the model on the database (authenticated, policy-checked)."""
    import uvicorn  # the server is needed here only; keep `meshkit --help` fast

    from meshkit.adapters.excel.http import import_routes
    from meshkit.apps.web.static import web_routes
    from meshkit.runtime.auth import (
        ApiKeys,
        Authenticator,
        ClaimMapping,
        LocalAccounts,
        OidcAuthenticator,
        OidcSettings,
        Policy,
        PolicyError,
        RemoteJwks,
        SessionTokens,
    )
    from meshkit.runtime.graphql import ApiSettings, create_app

    logging.basicConfig(level=log_level.upper(), format="%(message)s")
    compiled = compile_builtin(model)
    engine = create_engine(database_url or os.environ.get(URL_ENV) or None)
    try:
        check_database(engine, compiled)
    except DatabaseMismatchError as exc:
        err.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    policy_file = policy or builtin_library() / model / "_policy" / "permissions.yaml"
    try:
        Policy.compile(compiled, policy_file)  # fail now, not at the first request
    except (PolicyError, OSError) as exc:
        err.print(f"[red]error[/red]: policy {policy_file}: {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None

    oidc = None
    if oidc_issuer:
        if not oidc_jwks_url:
            err.print("[red]error[/red]: --oidc-issuer needs --oidc-jwks-url")
            raise typer.Exit(2)
        oidc = OidcAuthenticator(
            OidcSettings(
                issuer=oidc_issuer,
                audience=oidc_audience,
                jwks=RemoteJwks(oidc_jwks_url),
                claims=ClaimMapping(default_tenant=oidc_default_tenant),
            )
        )
    if session_secret or api_key_pepper:
        problem = ensure_auth_tables(engine)
        if problem is not None:
            err.print(f"[red]error[/red]: {escape(problem)}", highlight=False)
            raise typer.Exit(1)
    sessions = accounts = None
    if session_secret:
        sessions = SessionTokens(session_secret.encode())
        accounts = LocalAccounts(engine)
    keys = ApiKeys(engine, pepper=api_key_pepper.encode()) if api_key_pepper else None
    authenticator = None
    if oidc or sessions or keys:
        authenticator = Authenticator(oidc=oidc, api_keys=keys, sessions=sessions)
    if not dev and authenticator is None:
        err.print(
            "[yellow]warning[/yellow]: no authentication configured (--oidc-issuer, "
            "MESHKIT_SESSION_SECRET or MESHKIT_API_KEY_PEPPER): every request will be refused"
        )
    origins: list[str] = []
    for given in cors_origin or []:
        origins.extend(given.split())
    settings = ApiSettings(
        dev=dev,
        graphiql=dev if graphiql is None else graphiql,
        introspection=dev if introspection is None else introspection,
        cors_origins=tuple(origins),
        max_depth=max_depth,
        max_cost=max_cost,
        schema_check_interval=schema_check_interval,
        login_tenant=login_tenant,
        # A server process: keep the model, schema and policy built at start out of the
        # garbage collector's full collections (~250 ms pauses, bench/graphql's p99).
        freeze_gc=True,
    )
    app = create_app(
        compiled,
        Repository(engine, compiled),
        policy=lambda m: Policy.compile(m, policy_file),
        authenticator=authenticator,
        accounts=accounts,
        sessions=sessions,
        settings=settings,
    )
    # The Excel import for the management app's wizard (docs/excel-import.md), then the
    # management app (/app/) and the participant portal (/portal/), built by `make web`.
    app.router.routes.extend(import_routes())
    app.router.routes.extend(web_routes())
    if dev:
        err.print("[red bold]INSECURE --dev mode[/red bold]: identity comes from request headers")
    build_ms = app.state.schema.build_ms
    err.print(f"GraphQL schema of {compiled.root} {compiled.version} built in {build_ms:.0f} ms")
    uvicorn.run(app, host=host, port=port)
