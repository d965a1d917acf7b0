"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Model: ${meshkit_model} ${meshkit_from} -> ${meshkit_to}
Migration file: ${meshkit_spec}

Written by `meshkit db revision`; review it before `meshkit db upgrade`. The model this revision
applies is in ${up_revision}.model.json next to this file (the next revision diffs against it).
"""

import datetime  # noqa: F401  (literal values)
from decimal import Decimal  # noqa: F401

import sqlalchemy as sa
from alembic import op

from meshkit.runtime.migrations import ops as mk
from meshkit.runtime.storage import types as mkt

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None
meshkit_model = ${repr(meshkit_model)}
meshkit_version = ${repr(meshkit_to)}


def upgrade() -> None:
${upgrades}
    mk.record_model(__file__, revision)


def downgrade() -> None:
${downgrades}
    mk.record_model(__file__, down_revision)
