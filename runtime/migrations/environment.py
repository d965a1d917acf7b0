"""Alembic, configured from code: the `migrations/` environment, revisions of one model's
lineage, and the commands behind `meshkit db ...`.

No alembic.ini: `Setup` says which database, which compiled model and which versions folder.
Every upgrade or downgrade runs in ONE transaction on one connection (PostgreSQL and SQLite
both have transactional DDL): a failing step leaves the database as it was. On SQLite foreign
keys are switched off for the migration's connection (batch mode rebuilds tables) and checked
with `PRAGMA foreign_key_check` before the commit. On PostgreSQL, after the revisions ran, every
table of the schema with a tenant column gets the row-level security policy where it is missing
(`meshkit.runtime.storage.security`), in the same transaction.
"""

from __future__ import annotations

import argparse
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from meshkit.ck.diff import ModelDiff, diff_models
from meshkit.ck.model import CompiledModel
from meshkit.runtime.database import create_engine
from meshkit.runtime.migrations import ops
from meshkit.runtime.migrations.errors import DataLossError, MigrationError
from meshkit.runtime.migrations.planner import Step, plan_steps, render_steps
from meshkit.runtime.migrations.snapshot import fingerprint, load_snapshot, snapshot_text
from meshkit.runtime.migrations.spec import MigrationSpec, load_spec, spec_path
from meshkit.runtime.migrations.versions import (
    REVISION_TABLE,
    AppliedModel,
    applied_models,
    applied_root,
    ensure_version_table,
    mismatches,
)
from meshkit.runtime.storage.security import enable_row_level_security

#: The Alembic environment (env.py, script.py.mako) at the root of the source tree.
DEFAULT_SCRIPT_LOCATION = Path(__file__).resolve().parents[2] / "migrations"
FILE_TEMPLATE = "%%(rev)s_%%(slug)s"
_CONNECTION = "meshkit.connection"


@dataclass(frozen=True)
class Setup:
    """Where the migrations run: database, the current model and the revisions folder."""

    database_url: str
    model: CompiledModel
    versions: Path = DEFAULT_SCRIPT_LOCATION / "versions"
    script_location: Path = DEFAULT_SCRIPT_LOCATION
    model_folder: Path | None = None  # where the migration files are; default: the model's

    @property
    def migrations_folder(self) -> Path:
        if self.model_folder is not None:
            return self.model_folder
        return Path(self.model.models[self.model.root].path)


# ---------------------------------------------------------------------------------- alembic


def alembic_config(setup: Setup, connection: Connection | None = None) -> Config:
    config = Config(cmd_opts=argparse.Namespace(quiet=True))
    config.set_main_option("script_location", str(setup.script_location))
    config.set_main_option("version_locations", str(setup.versions))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("truncate_slug_length", "40")
    config.attributes[_CONNECTION] = connection
    return config


def run_environment(context: EnvironmentContext) -> None:
    """Body of migrations/env.py: run on the connection the command handed over."""
    if context.is_offline_mode():
        raise MigrationError("offline (--sql) migrations are not supported; use `meshkit db plan`")
    connection = context.config.attributes.get(_CONNECTION)
    if connection is None:
        raise MigrationError(
            "the migrations environment is run by `meshkit db ...`, not by the alembic command"
        )
    context.configure(
        connection=connection,
        target_metadata=None,
        version_table=REVISION_TABLE,
        render_as_batch=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def migration_engine(url: str) -> Engine:
    """An engine for migrations: one connection, SQLite without foreign key enforcement (batch
    mode drops and re-creates tables; the keys are checked before the commit instead)."""
    engine = create_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _foreign_keys_off(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA foreign_keys = OFF")

    return engine


@contextmanager
def _transaction(setup: Setup, *, commit: bool = True) -> Iterator[Connection]:
    engine = migration_engine(setup.database_url)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                ensure_version_table(connection)
                yield connection
                _check_foreign_keys(connection)
            except BaseException:
                transaction.rollback()
                raise
            if commit:
                transaction.commit()
            else:
                transaction.rollback()
    except sa.exc.OperationalError as exc:
        raise MigrationError(f"database error: {_first_line(exc)}") from None
    except sa.exc.SQLAlchemyError as exc:
        raise MigrationError(f"database error: {_first_line(exc)}") from None
    finally:
        engine.dispose()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise MigrationError(
            f"the migration leaves {len(broken)} broken reference(s) in {', '.join(tables)}; "
            "nothing was changed"
        )


def scripts(setup: Setup) -> ScriptDirectory:
    setup.versions.mkdir(parents=True, exist_ok=True)
    return ScriptDirectory.from_config(alembic_config(setup))


def head_revision(setup: Setup) -> Script | None:
    directory = scripts(setup)
    heads = directory.get_heads()
    if len(heads) > 1:
        raise MigrationError(
            f"{setup.versions} has several heads ({', '.join(heads)}); merge them first"
        )
    return directory.get_revision(heads[0]) if heads else None


def revision_model(script: Script) -> CompiledModel:
    path = Path(script.path).with_name(script.revision + ops.SNAPSHOT_SUFFIX)
    try:
        return load_snapshot(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MigrationError(f"cannot read the model snapshot {path}: {exc}") from None


def current_revision(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": REVISION_TABLE})
    return context.get_current_revision()


# ---------------------------------------------------------------------------------- commands


def upgrade(setup: Setup, revision: str = "head", *, allow_data_loss: bool = False) -> None:
    """Apply the revisions up to `revision` in one transaction."""
    if head_revision(setup) is None:
        raise MigrationError(
            f"there are no revisions in {setup.versions}: write the first one with "
            '`meshkit db revision -m "create tables"`'
        )
    _run(setup, "upgrade", revision, allow_data_loss)


def downgrade(setup: Setup, revision: str, *, allow_data_loss: bool = False) -> None:
    """Undo the revisions down to `revision` (`base`: all of them) in one transaction."""
    _run(setup, "downgrade", revision, allow_data_loss)


def _run(setup: Setup, direction: str, revision: str, allow_data_loss: bool) -> None:
    with _transaction(setup) as connection, ops.allowing_data_loss(allow_data_loss):
        config = alembic_config(setup, connection)
        try:
            if direction == "upgrade":
                command.upgrade(config, revision)
            else:
                command.downgrade(config, revision)
        except CommandError as exc:
            raise MigrationError(str(exc)) from None
        # Policies follow the tables, whichever revisions made them (PostgreSQL only).
        enable_row_level_security(connection)


@dataclass(frozen=True)
class Status:
    current: str | None  # the database's revision
    head: str | None  # the newest revision in the versions folder
    pending: tuple[str, ...]  # revisions an upgrade would apply, oldest first
    applied: tuple[AppliedModel, ...]
    problems: tuple[str, ...]  # why the runtime would refuse to start ([] when it would not)
    unwritten: bool  # the model differs from the newest revision's: `meshkit db revision`


def status(setup: Setup) -> Status:
    with _transaction(setup, commit=False) as connection:
        current = current_revision(connection)
        applied = tuple(applied_models(connection))
        problems = tuple(mismatches(connection, setup.model))
    head = head_revision(setup)
    pending: list[str] = []
    if head is not None:
        for script in scripts(setup).iterate_revisions(head.revision, current or "base"):
            if script.revision != current:
                pending.append(script.revision)
    unwritten = head is None or fingerprint(revision_model(head)) != fingerprint(setup.model)
    return Status(
        current,
        head.revision if head else None,
        tuple(reversed(pending)),
        applied,
        problems,
        unwritten,
    )


# ---------------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class RevisionPlan:
    """What the next revision would hold: old -> new model, steps both ways, the spec used."""

    old: CompiledModel | None
    new: CompiledModel
    spec: MigrationSpec
    upgrade: tuple[Step, ...]
    downgrade: tuple[Step, ...]
    down_revision: str | None

    @property
    def diff(self) -> ModelDiff | None:
        return diff_models(self.old, self.new) if self.old is not None else None

    @property
    def revision_id(self) -> str:
        """Deterministic: the same lineage and model give the same id."""
        seed = f"{self.down_revision}:{fingerprint(self.new)}"
        return hashlib.sha256(seed.encode()).hexdigest()[:12]


def revision_plan(
    setup: Setup, old: CompiledModel | None = None, *, from_head: bool = True
) -> RevisionPlan:
    """The steps from the newest revision's model (or `old`) to the current model."""
    head = head_revision(setup) if from_head else None
    if from_head and head is not None:
        old = revision_model(head)
    new = setup.model
    if old is not None and old.root != new.root:
        raise MigrationError(
            f"{setup.versions} holds revisions of model {old.root}, not {new.root}; use another "
            "versions folder (--versions) for this model"
        )
    spec = (
        load_spec(spec_path(setup.migrations_folder, old.version, new.version))
        if old is not None
        else MigrationSpec()
    )
    return RevisionPlan(
        old=old,
        new=new,
        spec=spec,
        upgrade=tuple(plan_steps(old, new, spec)),
        downgrade=tuple(plan_steps(new, old, spec.inverted())),
        down_revision=head.revision if head is not None else None,
    )


def write_revision(setup: Setup, message: str) -> Path | None:
    """Write the next revision (and its model snapshot) into the versions folder; None when the
    model is exactly what the newest revision applies."""
    plan = revision_plan(setup)
    if plan.old is not None and fingerprint(plan.old) == fingerprint(plan.new):
        return None
    revision = plan.revision_id
    old = plan.old
    script = scripts(setup).generate_revision(
        revision,
        message,
        head="head" if plan.down_revision else "base",
        upgrades=render_steps(plan.upgrade),
        downgrades=render_steps(plan.downgrade),
        meshkit_model=plan.new.root,
        meshkit_from=old.version if old is not None else "(empty database)",
        meshkit_to=plan.new.version,
        meshkit_spec=_spec_name(plan),
    )
    if script is None:
        raise MigrationError("alembic did not write the revision")
    path = Path(script.path)
    path.with_name(revision + ops.SNAPSHOT_SUFFIX).write_text(
        snapshot_text(plan.new), encoding="utf-8"
    )
    return path


def _spec_name(plan: RevisionPlan) -> str:
    """The migration file as the revision names it: relative to the model, same everywhere."""
    if plan.old is None or not plan.spec.source or not Path(plan.spec.source).is_file():
        return "none"
    return f"{plan.new.root}/migrations/{Path(plan.spec.source).name}"


@dataclass(frozen=True)
class DatabasePlan:
    """What `meshkit db upgrade` (after `meshkit db revision`) would do to the database."""

    applied: CompiledModel | None
    model: CompiledModel
    diff: ModelDiff | None
    pending: tuple[str, ...]  # written revisions not applied yet
    unwritten: RevisionPlan | None  # the steps of the revision still to write
    source: str  # the Python of the unwritten steps
    sql: tuple[str, ...]  # every statement the upgrade ran (then rolled back)
    refused: str | None  # why the upgrade would fail (data loss, missing values ...)


def plan(setup: Setup) -> DatabasePlan:
    """Run the pending revisions and the revision still to write in a transaction that is rolled
    back, recording every SQL statement; the database is left unchanged."""
    statements: list[str] = []
    refused: str | None = None
    with _transaction(setup, commit=False) as connection:
        applied = applied_root(connection)
        before = current_revision(connection)
        head = head_revision(setup)
        pending = []
        if head is not None:
            pending = [
                s.revision
                for s in scripts(setup).iterate_revisions(head.revision, before or "base")
                if s.revision != before
            ]
        unwritten: RevisionPlan | None = None
        if head is None or fingerprint(revision_model(head)) != fingerprint(setup.model):
            unwritten = revision_plan(setup)
        listener = _recorder(statements)
        event.listen(connection, "before_cursor_execute", listener)
        try:
            if pending:
                with ops.allowing_data_loss(False):
                    command.upgrade(alembic_config(setup, connection), "head")
            if unwritten is not None:
                _execute_unwritten(connection, unwritten)
        except (MigrationError, CommandError) as exc:
            refused = str(exc)
        except sa.exc.SQLAlchemyError as exc:
            refused = f"database error: {_first_line(exc)}"
        finally:
            event.remove(connection, "before_cursor_execute", listener)
    source = render_steps(unwritten.upgrade) if unwritten is not None else ""
    diff = (
        diff_models(applied, setup.model)
        if applied is not None and applied.root == setup.model.root
        else None
    )
    return DatabasePlan(
        applied,
        setup.model,
        diff,
        tuple(reversed(pending)),
        unwritten,
        source,
        tuple(statements),
        refused,
    )


def _recorder(statements: list[str]) -> Any:
    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        text = re.sub(r"\s+\n", "\n", statement.strip())
        if text:
            statements.append(text + ";")

    return record


def _execute_unwritten(connection: Connection, plan: RevisionPlan) -> None:
    """Run the steps of a revision not written yet, as its upgrade() would."""
    body = render_steps(plan.upgrade)
    code = f"def upgrade() -> None:\n{body}\n    mk.record_model('', 'plan')\n"
    namespace: dict[str, Any] = {}
    exec(_PREAMBLE, namespace)  # the imports a revision file has
    exec(compile(code, "<meshkit db plan>", "exec"), namespace)
    context = MigrationContext.configure(connection, opts={"version_table": REVISION_TABLE})
    with (
        Operations.context(context),
        ops.snapshot_for_plan(snapshot_text(plan.new)),
        ops.allowing_data_loss(False),
    ):
        namespace["upgrade"]()


_PREAMBLE = """
import datetime
from decimal import Decimal
import sqlalchemy as sa
from alembic import op
from meshkit.runtime.migrations import ops as mk
from meshkit.runtime.storage import types as mkt
"""

__all__ = [
    "DataLossError",
    "DatabasePlan",
    "RevisionPlan",
    "Setup",
    "Status",
    "downgrade",
    "plan",
    "revision_plan",
    "status",
    "upgrade",
    "write_revision",
]
