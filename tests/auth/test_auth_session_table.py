"""Revision 9b3e5d1c7a42: `meshkit db upgrade` creates `auth_session` exactly as
`create_auth_tables` does, keeps one made before, and drops it again on downgrade."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meshkit.ck import CompiledModel
from meshkit.runtime import create_engine
from meshkit.runtime.auth.store import create_auth_tables
from meshkit.runtime.migrations import Setup, downgrade, status, upgrade
from meshkit.runtime.migrations.environment import DEFAULT_SCRIPT_LOCATION

REVISION = "9b3e5d1c7a42"
BEFORE = "7363e132aab2"


@pytest.fixture
def setup(database_url: str, ec_model: CompiledModel) -> Setup:
    return Setup(database_url, ec_model, versions=DEFAULT_SCRIPT_LOCATION / "versions")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def shape(engine: Engine) -> dict[str, Any]:
    inspector = sa.inspect(engine)
    return {
        "columns": [
            (c["name"], str(c["type"]), c["nullable"])
            for c in inspector.get_columns("auth_session")
        ],
        "primary key": inspector.get_pk_constraint("auth_session")["constrained_columns"],
        "uniques": sorted(
            tuple(u["column_names"]) for u in inspector.get_unique_constraints("auth_session")
        ),
        "indexes": sorted(
            (i["name"], tuple(i["column_names"]))
            for i in inspector.get_indexes("auth_session")
            if not str(i["name"]).startswith("sqlite_autoindex")
        ),
    }


def test_upgrade_creates_the_session_table_and_downgrade_drops_it(
    setup: Setup, engine: Engine, reference: Engine
) -> None:
    upgrade(setup, BEFORE)
    assert "auth_session" not in sa.inspect(engine).get_table_names()
    upgrade(setup, REVISION)
    assert status(setup).current == REVISION
    create_auth_tables(reference)
    assert shape(engine) == shape(reference)

    downgrade(setup, BEFORE)
    assert "auth_session" not in sa.inspect(engine).get_table_names()
    create_auth_tables(engine)  # made outside migrations: the upgrade keeps it
    upgrade(setup, REVISION)
    assert status(setup).current == REVISION
    assert shape(engine) == shape(reference)
