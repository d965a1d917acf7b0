"""What can go wrong when a database is checked, planned, upgraded or downgraded.

Every message says what is wrong and what to do, in one line, so the CLI prints it as it is.
"""

from __future__ import annotations


class MigrationError(Exception):
    """A migration cannot be planned, written or run; the message says why and what to do."""


class DatabaseMismatchError(MigrationError):
    """The database's applied model versions differ from the compiled model (or it is empty)."""


class DataLossError(MigrationError):
    """A step would lose stored data and the loss was not allowed."""


class MigrationSpecError(MigrationError):
    """A model's migration file (migrations/<from>-<to>.yaml) is invalid."""
