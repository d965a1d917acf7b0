"""Schema-version migrations: the database records which model versions it holds, and Alembic
revisions generated from the model move it from one version to the next.

    from meshkit.runtime.migrations import Setup, check_database, upgrade

    check_database(engine, model)  # before serving: raises DatabaseMismatchError on a mismatch
    upgrade(Setup(database_url, model))  # what `meshkit db upgrade` does

The workflow and the migration file format are in docs/operations.md ("Migrations").
"""

from meshkit.runtime.migrations.environment import (
    DatabasePlan,
    RevisionPlan,
    Setup,
    Status,
    downgrade,
    plan,
    revision_plan,
    status,
    upgrade,
    write_revision,
)
from meshkit.runtime.migrations.errors import (
    DatabaseMismatchError,
    DataLossError,
    MigrationError,
    MigrationSpecError,
)
from meshkit.runtime.migrations.snapshot import fingerprint, load_snapshot, snapshot_text
from meshkit.runtime.migrations.spec import MigrationSpec, load_spec, spec_path
from meshkit.runtime.migrations.versions import (
    REVISION_TABLE,
    VERSION_TABLE,
    AppliedModel,
    applied_models,
    check_database,
)

__all__ = [
    "REVISION_TABLE",
    "VERSION_TABLE",
    "AppliedModel",
    "DataLossError",
    "DatabaseMismatchError",
    "DatabasePlan",
    "MigrationError",
    "MigrationSpec",
    "MigrationSpecError",
    "RevisionPlan",
    "Setup",
    "Status",
    "applied_models",
    "check_database",
    "downgrade",
    "fingerprint",
    "load_snapshot",
    "load_spec",
    "plan",
    "revision_plan",
    "snapshot_text",
    "spec_path",
    "status",
    "upgrade",
    "write_revision",
]
