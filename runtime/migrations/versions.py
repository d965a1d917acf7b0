"""The `meshkit_model_version` table: which model versions a database holds, and the check the
runtime makes before it starts.

One row per model of the applied compiled model (the root and each dependency): its version,
when it was applied, by which revision, the fingerprint of the root's compiled model and — on
the root's row — the model snapshot that later plans diff against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from meshkit.ck.model import CompiledModel
from meshkit.runtime.migrations.errors import DatabaseMismatchError
from meshkit.runtime.migrations.snapshot import fingerprint, load_snapshot, snapshot_text
from meshkit.runtime.storage.types import UtcDateTime

VERSION_TABLE = "meshkit_model_version"
REVISION_TABLE = "meshkit_alembic_version"
UPGRADE_COMMAND = "meshkit db upgrade"

_metadata = sa.MetaData()
model_versions = sa.Table(
    VERSION_TABLE,
    _metadata,
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("is_root", sa.Boolean(), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("revision", sa.String(64), nullable=True),
    sa.Column("applied_at", UtcDateTime(), nullable=False),
    sa.Column("snapshot", sa.Text(), nullable=True),
)


@dataclass(frozen=True)
class AppliedModel:
    """One row of the version table."""

    model: str
    version: str
    is_root: bool
    fingerprint: str
    revision: str | None
    applied_at: datetime
    snapshot: str | None = field(default=None, repr=False)


def ensure_version_table(connection: Connection) -> None:
    model_versions.create(connection, checkfirst=True)


def applied_models(connection: Connection) -> list[AppliedModel]:
    """The rows of the version table, root first; [] when there is no table or no row."""
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return []
    rows = connection.execute(
        sa.select(model_versions).order_by(model_versions.c.is_root.desc(), model_versions.c.model)
    ).mappings()
    return [AppliedModel(**dict(row)) for row in rows]


def applied_root(connection: Connection) -> CompiledModel | None:
    """The compiled model last applied (from its snapshot), or None for an empty database."""
    for row in applied_models(connection):
        if row.is_root and row.snapshot:
            return load_snapshot(row.snapshot)
    return None


def record_model(
    connection: Connection, model: CompiledModel | None, revision: str | None, snapshot: str = ""
) -> None:
    """Make the version table say that `model` is applied (None: no model, the empty database)."""
    ensure_version_table(connection)
    connection.execute(sa.delete(model_versions))
    if model is None:
        return
    now = datetime.now(UTC)
    print_ = fingerprint(model)
    rows = [
        {
            "model": name,
            "version": info.version,
            "is_root": name == model.root,
            "fingerprint": print_ if name == model.root else "",
            "revision": revision,
            "applied_at": now,
            "snapshot": (snapshot or snapshot_text(model)) if name == model.root else None,
        }
        for name, info in sorted(model.models.items())
    ]
    connection.execute(sa.insert(model_versions), rows)


def mismatches(connection: Connection, model: CompiledModel) -> list[str]:
    """Every difference between the database's applied versions and `model`, as sentences."""
    rows = {row.model: row for row in applied_models(connection)}
    if not rows:
        return ["the database holds no meshkit model (it is empty or was never upgraded)"]
    problems: list[str] = []
    for name, info in sorted(model.models.items()):
        row = rows.pop(name, None)
        if row is None:
            problems.append(f"{name} {info.version} is not applied")
        elif row.version != info.version:
            problems.append(f"{name} is at {row.version} in the database, {info.version} here")
    problems.extend(
        f"the database holds {r.model} {r.version}, which this model does not use"
        for r in rows.values()
    )
    root = next((r for r in applied_models(connection) if r.is_root), None)
    if not problems and root is not None and root.model != model.root:
        problems.append(f"the database was upgraded for model {root.model}, not {model.root}")
    if not problems and root is not None and root.fingerprint != fingerprint(model):
        problems.append(
            f"{model.root} {model.version} differs from the {root.model} {root.version} applied "
            "to the database although the versions are equal (was the model changed without a "
            "version bump? write a revision with `meshkit db revision`)"
        )
    return problems


def check_database(engine: Engine | Connection, model: CompiledModel) -> None:
    """Raise DatabaseMismatchError (naming the command to run) unless the database holds exactly
    the versions of `model`. The runtime calls this before it starts serving."""
    if isinstance(engine, Connection):
        problems = mismatches(engine, model)
    else:
        with engine.connect() as connection:
            problems = mismatches(connection, model)
    if problems:
        raise DatabaseMismatchError(
            f"the database does not match model {model.root} {model.version}: "
            + "; ".join(problems)
            + f" — run `{UPGRADE_COMMAND}` (see `meshkit db status` and `meshkit db plan`)"
        )
