"""Fixtures shared by the whole suite: `database_url` runs a test on SQLite and PostgreSQL.

PostgreSQL comes from MESHKIT_TEST_DATABASE_URL (default: postgres@127.0.0.1:5432/test). Each
test gets a schema of its own (search_path set in the URL), dropped afterwards, so tests never
see each other's tables. Without a reachable server the PostgreSQL half is skipped loudly —
and fails under CI=true, where a silently skipped database would hide breakage.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import Engine

from meshkit.runtime import create_engine

DEFAULT_POSTGRESQL_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _postgresql_url() -> str:
    return os.environ.get("MESHKIT_TEST_DATABASE_URL", "").strip() or DEFAULT_POSTGRESQL_URL


def _libpq_url(url: str) -> str:
    """psycopg itself speaks plain postgresql:// URLs, without a SQLAlchemy driver suffix."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else url


@pytest.fixture(scope="session")
def postgresql_problem() -> str | None:
    """Why PostgreSQL cannot be used (None when it can); checked once per run."""
    try:
        with psycopg.connect(_libpq_url(_postgresql_url()), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    return None


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'meshkit.sqlite'}"
        return
    problem = request.getfixturevalue("postgresql_problem")
    if problem is not None:
        message = (
            f"PostgreSQL at {_postgresql_url()} is unreachable ({problem}); the PostgreSQL half "
            "of the suite did NOT run. Start the server or set MESHKIT_TEST_DATABASE_URL."
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        warnings.warn(pytest.PytestWarning(message), stacklevel=1)
        pytest.skip(message)
    url = _libpq_url(_postgresql_url())
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in url else "?"
    # libpq's `options` sets search_path on every connection, DDL included.
    yield f"{url}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def reference(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A second empty database of the same kind as `database_url` (another SQLite file, another
    PostgreSQL schema): what the table functions create there is compared with a migration."""
    if database_url.startswith("sqlite"):
        engine = create_engine(f"sqlite:///{tmp_path / 'reference.sqlite'}")
        yield engine
        engine.dispose()
        return
    schema = f"r_{uuid.uuid4().hex[:16]}"
    admin = database_url.split("?", 1)[0]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    engine = create_engine(f"{admin}?options=-csearch_path%3D{schema}")
    yield engine
    engine.dispose()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
