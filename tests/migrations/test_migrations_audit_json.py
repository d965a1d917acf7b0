"""Revision 9fc5fae091e6: the audit trail's `changes` become `json` (not `jsonb`) on PostgreSQL.

The upgrade must give the column `Storage` declares (compared by reflection with what
`create_tables` makes), keep every recorded change, and its downgrade must give them back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.migrations import Setup, downgrade, status, upgrade

REVISION = "9fc5fae091e6"
BEFORE = "9b3e5d1c7a42"
CHANGES = {"name": {"before": None, "after": "Anna \u00e4"}, "share": {"before": "1", "after": "2"}}


def _column_type(engine: Engine) -> str:
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("meshkit_audit")}
    return str(columns["changes"]["type"])


def _changes(engine: Engine, audit: sa.Table) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(audit.c.changes).order_by(audit.c.seq)).scalars())


def test_upgrade_gives_the_declared_column_and_keeps_the_changes(
    setup: Setup, engine: Engine, reference: Engine, ec_model: CompiledModel
) -> None:
    upgrade(setup, BEFORE)
    audit = Repository(engine, ec_model).storage.audit
    with engine.begin() as connection:
        connection.execute(
            audit.insert().values(
                tenant="t1",
                entity_id="e1",
                class_qid="x/Y",
                operation="update",
                actor="alice",
                at=datetime(2026, 1, 2, tzinfo=UTC),
                changes=CHANGES,
            )
        )
    postgresql = engine.dialect.name == "postgresql"
    assert _column_type(engine) == ("JSONB" if postgresql else "JSON")

    upgrade(setup)
    assert status(setup).current == REVISION
    Repository(reference, ec_model).create_tables()
    assert _column_type(engine) == _column_type(reference) == "JSON"
    assert _changes(engine, audit) == [CHANGES]
    with Repository(engine, ec_model).unit_of_work(tenant="t1", actor="alice") as uow:
        assert uow.history("e1")[0].changes == CHANGES  # read as before

    downgrade(setup, BEFORE)
    assert _column_type(engine) == ("JSONB" if postgresql else "JSON")
    assert _changes(engine, audit) == [CHANGES]
