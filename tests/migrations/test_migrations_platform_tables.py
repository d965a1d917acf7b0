"""Revision fa470d7c6960: `meshkit db upgrade` creates the EDA processing and auth tables.

They used to exist only where `create_processing_tables` / `create_auth_tables` ran. The
revision creates exactly what those functions create (compared by reflection), keeps tables
(and rows) they made before, and its downgrade refuses to drop rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from meshkit.adapters.eda.processing.tables import (
    add_processing_tables,
    create_processing_tables,
    work,
)
from meshkit.ck import CompiledModel
from meshkit.runtime import create_engine
from meshkit.runtime.auth.store import create_auth_tables
from meshkit.runtime.migrations import (
    DataLossError,
    Setup,
    downgrade,
    status,
    upgrade,
    write_revision,
)
from meshkit.runtime.migrations.environment import DEFAULT_SCRIPT_LOCATION
from meshkit.runtime.migrations.planner import deployment_storage, platform_tables

REVISION = "fa470d7c6960"
BEFORE = "5e5bcfa3749b"
TABLES = ("meshkit_eda_work", "meshkit_eda_phase", "auth_account", "auth_api_key")


def shape(engine: Engine, table: str) -> dict[str, Any]:
    """What a table looks like to the database: columns, keys, uniques, indexes."""
    inspector = sa.inspect(engine)
    return {
        "columns": [
            (c["name"], str(c["type"]), c["nullable"], c.get("default"))
            for c in inspector.get_columns(table)
        ],
        "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
        "uniques": sorted(
            tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
        ),
        "indexes": sorted(
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes(table)
            if not str(i["name"]).startswith("sqlite_autoindex")
        ),
    }


def _work_row() -> dict[str, Any]:
    return {
        "tenant": "t1", "message": "m1", "direction": "inbound", "sender": "AT001",
        "message_id": "MSG-1", "state": "pending", "content": "c1", "original_content": "c1",
        "received_at": datetime(2026, 3, 3, tzinfo=UTC), "seq": 1,
    }  # fmt: skip


def test_upgrade_creates_what_the_table_functions_create(
    setup: Setup, engine: Engine, reference: Engine
) -> None:
    upgrade(setup, REVISION)
    assert status(setup).current == REVISION
    create_processing_tables(reference)
    create_auth_tables(reference)
    for table in TABLES:
        assert shape(engine, table) == shape(reference, table), table
    # The runtime's own check accepts the database; the planner knows the tables too.
    with engine.begin() as connection:
        connection.execute(work.insert().values(_work_row()))


def test_upgrade_keeps_tables_made_before_and_downgrade_refuses_to_lose_rows(
    setup: Setup, engine: Engine
) -> None:
    upgrade(setup, BEFORE)
    assert not set(TABLES) & set(sa.inspect(engine).get_table_names())
    create_processing_tables(engine)  # what an older release did at start
    create_auth_tables(engine)
    with engine.begin() as connection:
        connection.execute(work.insert().values(_work_row()))
    upgrade(setup, REVISION)
    assert status(setup).current == REVISION
    with engine.connect() as connection:
        assert connection.execute(sa.select(work.c.message_id)).scalars().all() == ["MSG-1"]

    with pytest.raises(DataLossError, match="meshkit_eda_work would delete 1 row"):
        downgrade(setup, "-1")
    assert status(setup).current == REVISION  # one transaction: nothing was dropped
    assert set(TABLES) <= set(sa.inspect(engine).get_table_names())

    with engine.begin() as connection:
        connection.execute(work.delete())
    downgrade(setup, "-1")
    assert status(setup).current == BEFORE
    assert not set(TABLES) & set(sa.inspect(engine).get_table_names())
    upgrade(setup)  # and up again
    assert set(TABLES) <= set(sa.inspect(engine).get_table_names())


def test_the_cli_registers_the_processing_tables_with_the_planner(
    ec_model: CompiledModel, tmp_path: Path, database_url: str
) -> None:
    import meshkit.apps.cli.db  # noqa: F401  (registers on import)

    assert add_processing_tables in platform_tables()
    tables = deployment_storage(ec_model).metadata.tables
    assert {"meshkit_eda_work", "meshkit_eda_phase", "meshkit_series_value"} <= set(tables)
    # A first revision written by the planner creates them too, and the processing code can
    # use what it rendered (no server defaults there: the tables give client-side ones).
    versions = tmp_path / "versions"
    fresh = Setup(database_url, ec_model, versions=versions)
    written = write_revision(fresh, "create tables")
    assert written is not None and "meshkit_eda_work" in written.read_text()
    upgrade(fresh)
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(work.insert().values(_work_row()))
            row = connection.execute(sa.select(work)).mappings().one()
        assert (row["processed_count"], row["duplicates"], row["attempts"]) == (0, 0, 0)
    finally:
        engine.dispose()


def test_the_cli_goes_one_step_back_with_minus_one(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from meshkit.apps.cli import app

    head = ScriptDirectory(str(DEFAULT_SCRIPT_LOCATION)).get_current_head()
    assert head is not None
    previous = ScriptDirectory(str(DEFAULT_SCRIPT_LOCATION)).get_revision(head).down_revision
    url = ["--database-url", f"sqlite:///{tmp_path / 'db.sqlite'}"]
    runner = CliRunner()
    upgraded = runner.invoke(app, ["db", "upgrade", *url])
    assert upgraded.exit_code == 0 and head in upgraded.output, upgraded.output
    back = runner.invoke(app, ["db", "downgrade", "-1", *url])
    assert back.exit_code == 0, back.output
    assert f"downgraded to revision {previous}" in back.output
