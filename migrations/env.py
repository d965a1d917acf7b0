"""The Alembic environment of meshkit; run by `meshkit db ...`, which hands over the connection.

Configured from code (meshkit.runtime.migrations.environment), so there is no alembic.ini.
"""

from alembic import context

from meshkit.runtime.migrations.environment import run_environment

run_environment(context)
