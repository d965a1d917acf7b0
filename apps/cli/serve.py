"""`meshkit serve`: the GraphQL API with authentication and the model's policy, under uvicorn.

    meshkit serve --port 8000 --database-url postgresql://meshkit@db/meshkit \\
        --oidc-issuer https://id.example.org/realms/ec --oidc-jwks-url https://.../certs
    MESHKIT_SESSION_SECRET=... meshkit serve --login-tenant t1   # local accounts, /auth/login
    MESHKIT_SESSION_SECRET=... MESHKIT_OIDC_CLIENT_SECRET=... meshkit serve --oidc-issuer ... \
        --oidc-jwks-url ... --oidc-client-id meshkit-web          # the apps' "Sign in with ..."
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
from datetime import timedelta
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
            help="Enables local accounts (POST /auth/login, /auth/logout) and the apps' "
            "browser sessions: the secret that signs session tokens, at least 32 bytes. Prefer "
            "the environment variable.",
            show_default=False,
        ),
    ] = None,
    oidc_client_id: Annotated[
        str | None,
        typer.Option(
            envvar=_env("OIDC_CLIENT_ID"),
            help="Lets the apps sign in at the issuer (authorization code flow with PKCE): "
            "this server's client id there. Needs MESHKIT_SESSION_SECRET.",
        ),
    ] = None,
    oidc_client_secret: Annotated[
        str | None,
        typer.Option(
            envvar=_env("OIDC_CLIENT_SECRET"),
            help="The client secret at the issuer (none: a public client). Prefer the "
            "environment variable.",
            show_default=False,
        ),
    ] = None,
    oidc_provider_name: Annotated[
        str,
        typer.Option(
            envvar=_env("OIDC_PROVIDER_NAME"), help='The apps show "Sign in with <name>".'
        ),
    ] = "OIDC",
    oidc_redirect_url: Annotated[
        str | None,
        typer.Option(
            envvar=_env("OIDC_REDIRECT_URL"),
            help="The callback URL registered at the issuer (default: this server's "
            "/auth/oidc/callback as the browser reaches it; set it behind a proxy).",
            show_default=False,
        ),
    ] = None,
    login_tenant: Annotated[
        str | None,
        typer.Option(
            envvar=_env("LOGIN_TENANT"), help="The tenant of logins that do not name one."
        ),
    ] = None,
    session_idle_timeout: Annotated[
        int,
        typer.Option(
            envvar=_env("SESSION_IDLE_TIMEOUT"),
            help="Minutes a sign-in may go unused before it ends (each request extends it).",
        ),
    ] = 30,
    session_max_age: Annotated[
        int,
        typer.Option(
            envvar=_env("SESSION_MAX_AGE"),
            help="Minutes after which a sign-in ends however busy (then sign in again).",
        ),
    ] = 720,
    session_cookie_secure: Annotated[
        bool | None,
        typer.Option(
            envvar=_env("SESSION_COOKIE_SECURE"),
            help="Mark session cookies Secure (default: when the request came over HTTPS; "
            "behind a TLS proxy on another host, say --session-cookie-secure).",
            show_default=False,
        ),
    ] = None,
    session_cookie_samesite: Annotated[
        str,
        typer.Option(
            envvar=_env("SESSION_COOKIE_SAMESITE"),
            help="SameSite of session cookies: strict or lax.",
        ),
    ] = "strict",
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
    persisted_queries: Annotated[
        Path | None,
        typer.Option(
            envvar=_env("PERSISTED_QUERIES"),
            help="A manifest of queries known by their SHA-256 (JSON: hash -> query, or a list "
            "of queries); clients may send just the hash.",
            show_default=False,
        ),
    ] = None,
    persisted_only: Annotated[
        bool,
        typer.Option(
            envvar=_env("PERSISTED_ONLY"),
            help="Run only the manifest's queries (needs --persisted-queries).",
        ),
    ] = False,
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
    from meshkit.apps.cli.behaviours import server_behaviours
    from meshkit.apps.cli.notify import start_background
    from meshkit.apps.web.static import web_routes
    from meshkit.models.energy_community.behaviours.notifications_mail import MailConfigError
    from meshkit.runtime.auth import (
        ApiKeys,
        Authenticator,
        ClaimMapping,
        LocalAccounts,
        OidcAuthenticator,
        OidcClient,
        OidcSettings,
        OidcSignIn,
        Policy,
        PolicyError,
        RemoteJwks,
        SessionStore,
        SessionTokens,
    )
    from meshkit.runtime.auth.starlette import CookiePolicy
    from meshkit.runtime.graphql import (
        ApiSettings,
        ManifestError,
        PersistedQueries,
        create_app,
        load_manifest,
    )

    logging.basicConfig(level=log_level.upper(), format="%(message)s")
    if persisted_only and persisted_queries is None:
        err.print("[red]error[/red]: --persisted-only needs --persisted-queries FILE")
        raise typer.Exit(2)
    known = None
    if persisted_queries is not None:
        try:
            manifest = load_manifest(persisted_queries)
        except ManifestError as exc:
            err.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from None
        known = PersistedQueries(manifest, only=persisted_only)
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

    if session_cookie_samesite not in ("strict", "lax"):
        err.print("[red]error[/red]: --session-cookie-samesite is strict or lax")
        raise typer.Exit(2)
    if session_idle_timeout < 1 or session_max_age < 1:
        err.print("[red]error[/red]: --session-idle-timeout and --session-max-age are minutes >= 1")
        raise typer.Exit(2)
    if oidc_client_id and not (oidc_issuer and session_secret):
        err.print(
            "[red]error[/red]: --oidc-client-id (OIDC sign-in of the apps) needs --oidc-issuer "
            "and MESHKIT_SESSION_SECRET (it signs the sign-in state and starts a session)"
        )
        raise typer.Exit(2)
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
    sessions = accounts = signin = None
    if session_secret:
        if len(session_secret.encode()) < 32:
            err.print("[red]error[/red]: MESHKIT_SESSION_SECRET must be at least 32 bytes")
            raise typer.Exit(2)
        store = SessionStore(
            engine,
            idle_timeout=timedelta(minutes=session_idle_timeout),
            max_age=timedelta(minutes=session_max_age),
        )
        sessions = SessionTokens(session_secret.encode(), store=store)
        accounts = LocalAccounts(engine)
        if oidc is not None and oidc_client_id:
            client = OidcClient(
                issuer=oidc_issuer or "",
                client_id=oidc_client_id,
                client_secret=oidc_client_secret,
                name=oidc_provider_name,
                redirect_uri=oidc_redirect_url,
            )
            signin = OidcSignIn(client, oidc, secret=session_secret.encode())
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
        persisted_queries=known,
        schema_check_interval=schema_check_interval,
        login_tenant=login_tenant,
        cookies=CookiePolicy(
            secure=session_cookie_secure,
            same_site="lax" if session_cookie_samesite == "lax" else "strict",
        ),
        # A server process: keep the model, schema and policy built at start out of the
        # garbage collector's full collections (~250 ms pauses, bench/graphql's p99).
        freeze_gc=True,
    )
    repository = Repository(engine, compiled, behaviours=server_behaviours(compiled))
    try:
        # The notifier (and its mailer) in the background when MESHKIT_NOTIFY=on.
        if compiled.root == "energy_community":
            start_background(repository)
    except MailConfigError as exc:
        err.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    app = create_app(
        compiled,
        repository,
        behaviours=server_behaviours,
        policy=lambda m: Policy.compile(m, policy_file),
        authenticator=authenticator,
        accounts=accounts,
        sessions=sessions,
        oidc_signin=signin,
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
