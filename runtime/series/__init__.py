"""The series store: interval values (e.g. 15-minute energy) kept apart from entities.

Values live in a narrow table keyed by (tenant, series, key, code, start), partitioned by month
on PostgreSQL and loaded with COPY; replaced values keep their history; reads and aggregations
(per hour, day, month, year in the community's time zone) come back as polars frames.
See docs/series.md.
"""

from meshkit.runtime.series.errors import SeriesError, SeriesInputError, UnknownSeriesError
from meshkit.runtime.series.schema import (
    READINGS_SCHEMA,
    RESOLUTIONS,
    SERIES_SCHEMA,
    Resolution,
    empty_series_frame,
)
from meshkit.runtime.series.store import DEFAULT_TIME_ZONE, LoadResult, SeriesStore
from meshkit.runtime.series.tables import (
    HISTORY_TABLE,
    VALUE_TABLE,
    create_series_tables,
    ensure_partitions,
    partition_name,
    series_metadata,
)

__all__ = [
    "DEFAULT_TIME_ZONE",
    "HISTORY_TABLE",
    "READINGS_SCHEMA",
    "RESOLUTIONS",
    "SERIES_SCHEMA",
    "VALUE_TABLE",
    "LoadResult",
    "Resolution",
    "SeriesError",
    "SeriesInputError",
    "SeriesStore",
    "UnknownSeriesError",
    "create_series_tables",
    "empty_series_frame",
    "ensure_partitions",
    "partition_name",
    "series_metadata",
]
