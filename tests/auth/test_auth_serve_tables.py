"""`meshkit serve` with local accounts on a database an older release upgraded (no auth tables):
the tables are created at start, so /auth/login answers 401/200, never 500."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer
from argon2 import PasswordHasher

from meshkit.apps.cli import serve as serve_module
from meshkit.ck import CompiledModel
from meshkit.runtime import create_engine
from meshkit.runtime.auth import LocalAccounts
from meshkit.runtime.migrations import Setup, upgrade
from meshkit.runtime.migrations.environment import DEFAULT_SCRIPT_LOCATION

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 for its client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

AUTH_TABLES = {"auth_account", "auth_api_key"}


def _upgrade_without_auth_tables(url: str, ec_model: CompiledModel) -> None:
    """A database as an older release left it: the model's tables, no auth tables (revision
    fa470d7c6960 made them part of the migrations; before, they were created at start)."""
    upgrade(Setup(url, ec_model, versions=DEFAULT_SCRIPT_LOCATION / "versions"))
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for table in sorted(AUTH_TABLES):
                connection.execute(sa.text(f"DROP TABLE {table}"))
    finally:
        engine.dispose()


SECRET = "0123456789abcdef0123456789abcdef"


def _serve(monkeypatch: pytest.MonkeyPatch, database_url: str, **options: Any) -> Any:
    """Run `serve` up to uvicorn and return the app it would serve."""
    served: dict[str, Any] = {}
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **_kw: served.setdefault("app", app))
    serve_module.serve(database_url=database_url, log_level="WARNING", **options)
    return served["app"]


def test_serve_creates_missing_auth_tables_for_local_accounts(
    database_url: str,
    ec_model: CompiledModel,
    fast_hasher: PasswordHasher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _upgrade_without_auth_tables(database_url, ec_model)
    engine = create_engine(database_url)
    try:
        assert not AUTH_TABLES & set(sa.inspect(engine).get_table_names())
        app = _serve(monkeypatch, database_url, session_secret=SECRET, login_tenant="t1")
        assert set(sa.inspect(engine).get_table_names()) >= AUTH_TABLES
        with TestClient(app) as http:
            wrong = http.post("/auth/login", json={"username": "anna", "password": "nope"})
            assert wrong.status_code == 401, wrong.text
            LocalAccounts(engine, hasher=fast_hasher).create(
                "t1", "anna", "correct horse battery staple", roles=["staff"]
            )
            right = http.post(
                "/auth/login",
                json={"username": "anna", "password": "correct horse battery staple"},
            )
            assert right.status_code == 200, right.text
            assert right.json()["token_type"] == "Bearer"
    finally:
        engine.dispose()


def test_serve_says_what_to_run_when_the_auth_tables_cannot_be_made(
    tmp_path: Path,
    ec_model: CompiledModel,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path / 'meshkit.sqlite'}"
    _upgrade_without_auth_tables(url, ec_model)

    def refuse(_engine: Any) -> None:
        raise sa.exc.OperationalError("CREATE TABLE auth_account", {}, Exception("read-only"))

    monkeypatch.setattr("meshkit.runtime.auth.store.create_auth_tables", refuse)
    with pytest.raises(typer.Exit) as exit_info:
        _serve(monkeypatch, url, api_key_pepper="pepper")
    assert exit_info.value.exit_code == 1
    message = capsys.readouterr().err
    assert "auth tables" in message and "read-only" in message
    assert "run `meshkit db upgrade`" in message
