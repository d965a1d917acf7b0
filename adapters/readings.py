"""The readings frame every energy-data reader produces; defined in the runtime's series package.

Re-exported here because the adapters are where readings come from.
"""

from meshkit.runtime.series.readings import (
    READINGS_SCHEMA,
    ReadingsSchemaError,
    check_readings,
    empty_readings,
)

__all__ = ["READINGS_SCHEMA", "ReadingsSchemaError", "check_readings", "empty_readings"]
