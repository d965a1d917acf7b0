"""Tables derived from the compiled model, and the column types they use."""

from meshkit.runtime.storage.tables import (
    AUDIT_TABLE,
    ClassStorage,
    ForeignKeyEnd,
    LinkEnd,
    LinkTable,
    Storage,
    StorageMappingError,
)

__all__ = [
    "AUDIT_TABLE",
    "ClassStorage",
    "ForeignKeyEnd",
    "LinkEnd",
    "LinkTable",
    "Storage",
    "StorageMappingError",
]
