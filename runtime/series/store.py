"""The series store: load values in bulk, keep their revisions, read them back into polars.

from meshkit.runtime.series import SeriesStore

store = SeriesStore(engine, model)
store.create_tables()
store.write_readings(readings, tenant="t1", source="MSG-1")          # the EDA readings frame
store.read("energy", ["AT003..."], None, start, end, "P1D", tenant="t1")  # daily sums, Vienna days

One code path for both databases; only staging (COPY on PostgreSQL, executemany on SQLite) and
the bucket expressions differ. See docs/series.md.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meshkit.ck.model import CompiledModel, SeriesDef
from meshkit.runtime.database import begin_in_tenant, is_postgresql
from meshkit.runtime.series.binary_copy import (
    INT4,
    NUMERIC,
    TEXT,
    TIMESTAMPTZ,
    FieldType,
    binary_copy_blocks,
)
from meshkit.runtime.series.errors import SeriesError, UnknownSeriesError
from meshkit.runtime.series.schema import (
    SERIES_SCHEMA,
    SOURCE_LENGTH,
    SUM_DTYPE,
    VALUE_DTYPE,
    VALUE_SCALE,
    Resolution,
    prepare,
    readings_to_series,
    repeats_interval,
    utc_instant,
)
from meshkit.runtime.series.schema import resolution as parse_resolution
from meshkit.runtime.series.tables import (
    HISTORY_TABLE,
    VALUE_TABLE,
    create_series_tables,
    ensure_partitions,
    existing_partitions,
    series_metadata,
)
from meshkit.runtime.series.zones import OffsetSpan, offset_spans, zone
from meshkit.runtime.storage.tables import TENANT_LENGTH
from meshkit.runtime.storage.types import UtcDateTime

DEFAULT_TIME_ZONE = "Europe/Vienna"
BUCKET_MEASURES = ("sum", "min", "max")  # what a bucket's value can be
STAGING_TABLE = "meshkit_series_staging"
CHANGED_TABLE = "meshkit_series_changed"
NEW_TABLE = "meshkit_series_new"  # all-new rows under row-level security (no COPY FROM there)
_COPY_OUT_CHUNK_BYTES = 32 * 1024 * 1024  # CSV parsed per chunk when reading
_KEY_PROBE_CHUNK = 5_000  # keys per probe statement of _fresh_keys
_SCALE_FACTOR = 10**VALUE_SCALE
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S%.6f"  # SQLAlchemy's DATETIME text on SQLite


@dataclass(frozen=True)
class LoadResult:
    """What a load did: new intervals, replaced values (now in the history), and values that
    were already stored (identical value and quality, or a replay of a replaced value)."""

    inserted: int
    replaced: int
    unchanged: int
    partitions_created: tuple[str, ...] = field(default=())

    @property
    def rows(self) -> int:
        return self.inserted + self.replaced + self.unchanged


def _scaled_to_decimal(column: str, dtype: pl.Decimal = VALUE_DTYPE) -> pl.Expr:
    """SQLite keeps value × 10^6 as an integer: back to an exact Decimal."""
    unit = pl.lit(Decimal(1).scaleb(-VALUE_SCALE), dtype=pl.Decimal(38, VALUE_SCALE))
    return (pl.col(column).cast(pl.Decimal(38, 0)) * unit).cast(dtype).alias(column)


def _typed(statement: str, *times: str) -> sa.TextClause:
    """A text statement whose named datetime parameters go through UtcDateTime (UTC, and
    SQLAlchemy's DATETIME text on SQLite)."""
    present = [t for t in times if re.search(rf":{t}\b", statement)]
    return sa.text(statement).bindparams(*(sa.bindparam(t, type_=UtcDateTime()) for t in present))


class SeriesStore:
    """Values of the series declared in a compiled model (or given directly), per tenant."""

    def __init__(
        self,
        engine: Engine,
        model: CompiledModel | None = None,
        *,
        series: Iterable[SeriesDef] = (),
    ) -> None:
        self.engine = engine
        self.model = model
        self.metadata = series_metadata()
        self._series: dict[str, SeriesDef] = {}
        if model is not None:
            for cls in model.classes.values():
                for definition in cls.series.values():
                    self._series.setdefault(self.qid(definition), definition)
        for definition in series:
            self._series[self.qid(definition)] = definition

    # -- definitions ---------------------------------------------------------------------------

    @staticmethod
    def qid(definition: SeriesDef) -> str:
        """`energy_community/MeteringPoint.energy`: the declaring class and the series name."""
        return f"{definition.declared_in}.{definition.name}"

    def series(self, ref: str) -> tuple[str, SeriesDef]:
        """The series `ref` names: its qid, `Class.name`, `model/Class.name` or a name that is
        unique among the known series."""
        if ref in self._series:
            return ref, self._series[ref]
        if "." in ref:
            class_ref, name = ref.rsplit(".", 1)
            if self.model is not None:
                try:
                    cls = self.model.cls(class_ref)
                except KeyError as exc:
                    raise UnknownSeriesError(f"series '{ref}': {exc.args[0]}") from exc
                if name in cls.series:
                    definition = cls.series[name]
                    return self.qid(definition), definition
            matches = [q for q in self._series if q.rsplit("/", 1)[-1] == ref]
        else:
            matches = [q for q, d in self._series.items() if d.name == ref]
        if len(matches) == 1:
            return matches[0], self._series[matches[0]]
        if matches:
            raise UnknownSeriesError(
                f"series '{ref}' is ambiguous: {', '.join(sorted(matches))}; name it by class"
            )
        known = ", ".join(sorted(self._series)) or "none"
        raise UnknownSeriesError(f"no series '{ref}' (known: {known})")

    # -- tables --------------------------------------------------------------------------------

    def create_tables(self) -> None:
        create_series_tables(self.engine)

    def partitions(self) -> list[str]:
        """The monthly partitions of the value table (PostgreSQL; [] on SQLite)."""
        with self.engine.connect() as connection:
            return existing_partitions(connection)

    @contextmanager
    def _transaction(
        self, connection: sa.Connection | None, tenant: str
    ) -> Iterator[sa.Connection]:
        """The caller's connection, or a transaction of our own scoped to `tenant` (on
        PostgreSQL the tenant policy then admits only that tenant's rows)."""
        if connection is not None:
            yield connection
        else:
            with self.engine.connect() as own, begin_in_tenant(own, tenant):
                yield own

    # -- writing -------------------------------------------------------------------------------

    def write(
        self,
        frame: pl.DataFrame,
        *,
        series: str,
        tenant: str,
        source: str,
        connection: sa.Connection | None = None,
    ) -> LoadResult:
        """Load a generic frame (key, code, start, value, quality) into `series`.

        A value for an interval already stored replaces it only if value or quality differ (the
        old one moves to the history); identical values, and replays of a value this `source`
        delivered before, change nothing. With `connection` the load joins the caller's
        transaction; otherwise it commits on its own.
        """
        return self.write_batch(
            [(source, frame)], series=series, tenant=tenant, connection=connection
        )

    def write_readings(
        self,
        frame: pl.DataFrame,
        *,
        tenant: str,
        source: str,
        series: str = "energy",
        connection: sa.Connection | None = None,
    ) -> LoadResult:
        """Load the shared readings frame (metering point → key, meter code → code)."""
        return self.write_readings_batch(
            [(source, frame)], tenant=tenant, series=series, connection=connection
        )

    def write_batch(
        self,
        parts: Sequence[tuple[str, pl.DataFrame]],
        *,
        series: str,
        tenant: str,
        connection: sa.Connection | None = None,
    ) -> LoadResult:
        """Load several generic frames, each with its own source, in one load (one staging
        table, one merge): what loading each in turn, in the given order, would store.

        A later part's value for an interval an earlier part (or the database) holds replaces
        it and moves it to the history, as if the parts had been loaded one after another. A
        part that fails the checks fails the whole load, with an error naming its source.
        """
        qid, definition = self.series(series)
        stacked = _sourced(parts, tenant, definition, readings=False)
        return self._load(stacked, qid, tenant, connection)

    def write_readings_batch(
        self,
        parts: Sequence[tuple[str, pl.DataFrame]],
        *,
        tenant: str,
        series: str = "energy",
        connection: sa.Connection | None = None,
    ) -> LoadResult:
        """`write_batch` for readings frames: [(source, readings), ...], e.g. one part per
        EDA message with its MessageId as source, in message order."""
        qid, definition = self.series(series)
        stacked = _sourced(parts, tenant, definition, readings=True)
        return self._load(stacked, qid, tenant, connection)

    def bad_readings(
        self, parts: Sequence[tuple[str, pl.DataFrame]], *, series: str = "energy"
    ) -> dict[int, SeriesError]:
        """The parts of a readings batch that a load would refuse: index -> the error (empty
        when the batch is fine). Checks the whole batch at once and only looks at the parts one
        by one when it fails, so a caller can set the bad parts aside and load the rest."""
        _qid, definition = self.series(series)
        try:
            _stack(parts, definition, readings=True)
            return {}
        except SeriesError:
            pass
        bad: dict[int, SeriesError] = {}
        for index, part in enumerate(parts):
            try:
                _stack([part], definition, readings=True)
            except SeriesError as exc:
                bad[index] = exc
        return bad

    def _load(
        self,
        frame: pl.DataFrame,
        qid: str,
        tenant: str,
        connection: sa.Connection | None,
    ) -> LoadResult:
        """Load a prepared frame with `source` and `layer` columns (see `_sourced`)."""
        if frame.is_empty():
            return LoadResult(0, 0, 0)
        postgresql = is_postgresql(self.engine)
        created: list[str] = []
        if postgresql:
            months = frame.select(pl.col("start").dt.truncate("1mo").unique())["start"].to_list()
            created = ensure_partitions(self.engine, [date(m.year, m.month, 1) for m in months])
        first, last = frame["start"].min(), frame["start"].max()
        assert isinstance(first, datetime) and isinstance(last, datetime)
        params = {
            "tenant": tenant,
            "series": qid,
            "now": datetime.now(UTC),
            "lo": first,
            "hi": last + timedelta(microseconds=1),
        }
        total, inserted, replaced = len(frame), 0, 0
        with self._transaction(connection, tenant) as conn:
            if postgresql:
                conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:lock, 0))"),
                    {"lock": f"meshkit_series/{tenant}/{qid}"},
                )
            fresh = _fresh_keys(conn, frame, params, postgresql)
            if postgresql and fresh:
                # Fast path for new data (the common case: the next day's values): the keys
                # with nothing stored in the range have nothing to compare; COPY their rows
                # straight into the table and merge only the rest.
                new = frame.filter(pl.col("key").is_in(fresh))
                _copy_new_values(conn, new.drop("layer"), params)
                inserted = len(new)
                frame = frame.filter(~pl.col("key").is_in(fresh))
                if frame.is_empty():
                    return LoadResult(inserted, 0, 0, tuple(created))
            # SQLite: new data still goes through staging, but with nothing stored for any key
            # the replay/compare/history/update steps find nothing; only the insert runs.
            new_only = not postgresql and len(fresh) == frame["key"].n_unique()
            layers = int(frame["layer"].max() or 1)  # type: ignore[arg-type]
            for layer in range(1, layers + 1):
                # Layer n holds each interval's n-th value of the batch: merged in turn, so a
                # later source replaces an earlier one exactly as separate loads would.
                part = frame.filter(pl.col("layer") == layer).drop("layer")
                if postgresql:
                    _stage_postgresql(conn, part)
                else:
                    _stage_sqlite(conn, part)
                counts = {
                    name: conn.execute(statement, params).rowcount
                    for name, statement in _merge_statements(postgresql)
                    if name == "insert" or not new_only
                }
                counts.setdefault("history", 0)
                conn.exec_driver_sql(f"DROP TABLE {STAGING_TABLE}")
                conn.exec_driver_sql(f"DROP TABLE {CHANGED_TABLE}")
                inserted += counts["insert"]
                replaced += counts["history"]
        return LoadResult(
            inserted=inserted,
            replaced=replaced,
            unchanged=total - inserted - replaced,
            partitions_created=tuple(created),
        )

    # -- reading -------------------------------------------------------------------------------

    def read(
        self,
        series: str,
        keys: Sequence[str] | str | None,
        codes: Sequence[str] | str | None,
        start: datetime,
        end: datetime,
        resolution: str | None = None,
        tz: str = DEFAULT_TIME_ZONE,
        *,
        tenant: str,
        by_key: bool = True,
        connection: sa.Connection | None = None,
        measure: str = "sum",
    ) -> pl.DataFrame:
        """The values of intervals starting in [start, end), as a polars frame.

        `resolution=None`: the stored values (key, code, start, end, value, quality, source,
        recorded_at, revision). Otherwise sums per bucket computed in the database (key, code,
        start, end, value, count, expected, then value_<q> and count_<q> per declared quality);
        days, months and years are those of `tz`, so a DST day is one bucket of 92 or 100
        quarter-hours. `by_key=False` sums over all keys. Times come back in `tz`.
        `measure="min"` / `"max"`: the buckets' (and each quality's) smallest / largest value
        instead of the sum.
        """
        qid, definition = self.series(series)
        tzinfo = zone(tz)
        low, high = utc_instant(start, "start"), utc_instant(end, "end")
        if low >= high:
            raise SeriesError(f"empty range: start {start} is not before end {end}")
        wanted_keys, wanted_codes = _as_list(keys, "keys"), _as_list(codes, "codes")
        bucket = None if resolution is None else parse_resolution(resolution, definition)
        if measure not in BUCKET_MEASURES:
            raise SeriesError(f"unknown measure {measure!r}; use {', '.join(BUCKET_MEASURES)}")
        filters = _Filters(tenant, qid, low, high, wanted_keys, wanted_codes)
        if bucket is None:
            frame = self._read_values(filters, definition, tz, connection)
        else:
            spans = offset_spans(tzinfo, low, high)
            frame = self._read_buckets(
                filters, definition, bucket, tz, spans, by_key, connection, measure
            )
        return frame

    def _read_values(
        self,
        filters: _Filters,
        definition: SeriesDef,
        tz: str,
        connection: sa.Connection | None,
    ) -> pl.DataFrame:
        raw_schema: dict[str, pl.DataType] = {
            "key": pl.String(),
            "code": pl.String(),
            "start": pl.Int64(),
            "value": VALUE_DTYPE,
            "quality": pl.String(),
            "source": pl.String(),
            "recorded_at": pl.Int64(),
            "revision": pl.Int32(),
        }
        if filters.empty:
            raw = pl.DataFrame(schema=raw_schema)
        elif is_postgresql(self.engine):
            with self._transaction(connection, filters.tenant) as conn:
                raw = _copy_out_values(conn, filters, raw_schema)
        else:
            with self._transaction(connection, filters.tenant) as conn:
                raw = _select_values_sqlite(conn, filters, raw_schema)
        start = _from_epoch("start", tz)
        return raw.select(
            "key",
            "code",
            start,
            (start + pl.duration(seconds=definition.interval_seconds)).alias("end"),
            "value",
            "quality",
            "source",
            _from_epoch("recorded_at", tz),
            "revision",
        )

    def _read_buckets(
        self,
        filters: _Filters,
        definition: SeriesDef,
        bucket: Resolution,
        tz: str,
        spans: list[OffsetSpan],
        by_key: bool,
        connection: sa.Connection | None,
        measure: str = "sum",
    ) -> pl.DataFrame:
        postgresql = is_postgresql(self.engine)
        qualities = definition.qualities
        group = ['"key"', "code"] if by_key else ["code"]
        params: dict[str, Any] = filters.params()
        times = ["start", "end"]
        if postgresql:
            expression, zone_times = _bucket_postgresql(bucket, spans, params)
            params["tz"] = tz
        else:
            expression, zone_times = _bucket_sqlite(bucket, spans, params)
        times += zone_times
        total, mix = _bucket_measures(measure, qualities, params)
        statement = (
            f"SELECT {', '.join(group)}, {expression} AS bucket, {total} AS total, "
            f"count(*) AS n{''.join(', ' + m for m in mix)} FROM {VALUE_TABLE} "
            f"WHERE {filters.where()} GROUP BY {', '.join(group)}, bucket "
            f"ORDER BY {', '.join(group)}, bucket"
        )
        query = _typed(statement, *times).bindparams(*filters.expanding())
        names = [g.strip('"') for g in group] + ["bucket", "value", "count"]
        for quality in qualities:
            names += [f"value_{quality}", f"count_{quality}"]
        if filters.empty:
            rows: list[tuple[Any, ...]] = []
        else:
            with self._transaction(connection, filters.tenant) as conn:
                rows = [tuple(r) for r in conn.execute(query, params)]
        value_columns = ["value"] + [f"value_{q}" for q in qualities]
        count_columns = ["count"] + [f"count_{q}" for q in qualities]
        schema: dict[str, pl.DataType] = {n: pl.String() for n in names[: len(group)]}
        if postgresql:
            schema["bucket"] = pl.Datetime("us", "UTC")
            schema.update(dict.fromkeys(value_columns, SUM_DTYPE))
        else:
            schema["bucket"] = pl.String()
            schema.update({n: pl.Int64() for n in value_columns})
        schema.update({n: pl.Int64() for n in count_columns})
        frame = pl.DataFrame(rows, schema=[(n, schema[n]) for n in names], orient="row")
        if not postgresql:
            frame = frame.with_columns(
                *(_scaled_to_decimal(n, SUM_DTYPE) for n in value_columns),
                _sqlite_bucket_start(bucket, tz),
            )
        start = pl.col("bucket").dt.convert_time_zone(tz)
        end = start.dt.offset_by(bucket.offset)
        expected = (end - start).dt.total_seconds() // definition.interval_seconds
        ordered = [
            *names[: len(group)],
            start.alias("start"),
            end.alias("end"),
            "value",
            "count",
            expected.cast(pl.Int64).alias("expected"),
        ]
        for quality in qualities:
            ordered += [f"value_{quality}", f"count_{quality}"]
        return frame.select(ordered)

    def history(
        self,
        series: str,
        key: str | None,
        code: str | None,
        start: datetime,
        end: datetime | None = None,
        tz: str = DEFAULT_TIME_ZONE,
        *,
        tenant: str,
        connection: sa.Connection | None = None,
    ) -> pl.DataFrame:
        """Every revision of the values of `key`/`code` (None: all) starting in [start, end)
        — one interval when `end` is None — oldest first; `current` marks the stored value."""
        qid, definition = self.series(series)
        zone(tz)
        low = utc_instant(start, "start")
        high = (
            low + timedelta(seconds=definition.interval_seconds)
            if end is None
            else utc_instant(end, "end")
        )
        rows: list[tuple[Any, ...]] = []
        with self._transaction(connection, tenant) as conn:
            for name, current in ((VALUE_TABLE, True), (HISTORY_TABLE, False)):
                table = self.metadata.tables[name]
                superseded = table.c.superseded_at if not current else sa.null()
                query = sa.select(
                    table.c.key,
                    table.c.code,
                    table.c.start,
                    table.c.revision,
                    table.c.value,
                    table.c.quality,
                    table.c.source,
                    table.c.recorded_at,
                    superseded,
                ).where(
                    table.c.tenant == tenant,
                    table.c.series == qid,
                    table.c.start >= low,
                    table.c.start < high,
                )
                if key is not None:
                    query = query.where(table.c.key == key)
                if code is not None:
                    query = query.where(table.c.code == code)
                rows += [(*r, current) for r in conn.execute(query)]
        time_type = pl.Datetime("us", "UTC")
        schema: list[tuple[str, pl.DataType]] = [
            ("key", pl.String()),
            ("code", pl.String()),
            ("start", time_type),
            ("revision", pl.Int32()),
            ("value", VALUE_DTYPE),
            ("quality", pl.String()),
            ("source", pl.String()),
            ("recorded_at", time_type),
            ("superseded_at", time_type),
            ("current", pl.Boolean()),
        ]
        frame = pl.DataFrame(rows, schema=schema, orient="row")
        local = [
            pl.col(c).dt.convert_time_zone(tz) for c in ("start", "recorded_at", "superseded_at")
        ]
        return (
            frame.with_columns(local)
            .with_columns(
                (pl.col("start") + pl.duration(seconds=definition.interval_seconds)).alias("end")
            )
            .select(
                "key",
                "code",
                "start",
                "end",
                "revision",
                "value",
                "quality",
                "source",
                "recorded_at",
                "superseded_at",
                "current",
            )
            .sort("key", "code", "start", "revision")
        )


# -- helpers -----------------------------------------------------------------------------------


def _check_identity(tenant: str, source: str) -> None:
    if not tenant or len(tenant) > TENANT_LENGTH:
        raise SeriesError(f"tenant must be 1 to {TENANT_LENGTH} characters, got {tenant!r}")
    if not source or len(source) > SOURCE_LENGTH:
        raise SeriesError(
            f"source (e.g. the EDA MessageId) must be 1 to {SOURCE_LENGTH} characters, "
            f"got {source!r}"
        )


def _stack(
    parts: Sequence[tuple[str, pl.DataFrame]], definition: SeriesDef, *, readings: bool
) -> pl.DataFrame:
    """The parts in one frame (`part` = index, `source`), checked and normalised at once."""
    carry = ("part", "source")
    frames = [frame for _, frame in parts]
    stacked = pl.concat(frames, how="vertical_relaxed") if len(frames) > 1 else frames[0]
    # The part and source columns for all rows at once: a polars query per part costs a fixed
    # ~0.1-0.4 ms, which for a batch of 500 small EDA messages was most of the stacking.
    part = np.repeat(np.arange(len(parts), dtype=np.int32), [frame.height for frame in frames])
    sources = pl.Series([source for source, _ in parts], dtype=pl.String())
    stacked = stacked.with_columns(
        pl.Series("part", part, dtype=pl.Int32()),
        pl.lit(sources).gather(pl.lit(pl.Series(part))).alias("source"),
    )
    if readings:
        stacked = readings_to_series(stacked, definition, carry=carry)
    return prepare(stacked, definition, carry=carry)


def _sourced(
    parts: Sequence[tuple[str, pl.DataFrame]],
    tenant: str,
    definition: SeriesDef,
    *,
    readings: bool,
) -> pl.DataFrame:
    """Check the parts and stack them: the prepared columns, `source`, and `layer` = how many
    parts up to this one hold the row's interval (1 for the first value of an interval)."""
    if isinstance(parts, pl.DataFrame) or not all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], pl.DataFrame) for p in parts
    ):
        raise SeriesError("a batch is a sequence of (source, frame) pairs")
    if not parts:
        return pl.DataFrame(schema={**SERIES_SCHEMA, "source": pl.String(), "layer": pl.Int32()})
    for source, _ in parts:
        _check_identity(tenant, source)
    try:
        stacked = _stack(parts, definition, readings=readings)
    except SeriesError:
        if len(parts) == 1:
            raise
        for index, (source, frame) in enumerate(parts):  # which part is it?
            try:
                _stack([(source, frame)], definition, readings=readings)
            except SeriesError as exc:
                raise type(exc)(f"part {index + 1} (source {source}): {exc}") from None
        raise
    if len(parts) == 1:
        return stacked.with_columns(pl.lit(1, pl.Int32()).alias("layer")).drop("part")
    # Sorted by key, code, start and part: an interval's rows are consecutive, in part order,
    # so a row's layer is its distance from the first row of its interval, plus one.
    first = ~repeats_interval().fill_null(False)
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    run_start = pl.when(first).then(row).otherwise(None).forward_fill()
    layer = (row - run_start + 1).cast(pl.Int32())
    return stacked.with_columns(layer.alias("layer")).drop("part")


def _as_list(values: Sequence[str] | str | None, name: str) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        return [values]
    result = list(values)
    if not all(isinstance(v, str) for v in result):
        raise SeriesError(f"{name} must be strings")
    return result


def _bucket_measures(
    measure: str, qualities: Sequence[str], params: dict[str, Any]
) -> tuple[str, list[str]]:
    """The SQL of a bucket's value (sum, min or max of its values) and of its quality mix:
    value_<i> and count_<i> per quality (the quality names added to `params` as q<i>)."""
    mix: list[str] = []
    for i, quality in enumerate(qualities):
        params[f"q{i}"] = quality
        if measure == "sum":
            mix.append(f"sum(CASE WHEN quality = :q{i} THEN value ELSE 0 END) AS value_{i}")
        else:  # min / max of the quality's values: NULL where it has none
            mix.append(f"{measure}(CASE WHEN quality = :q{i} THEN value END) AS value_{i}")
        mix.append(f"sum(CASE WHEN quality = :q{i} THEN 1 ELSE 0 END) AS count_{i}")
    return f"{measure}(value)", mix


def _from_epoch(column: str, tz: str) -> pl.Expr:
    """Microseconds since 1970 (UTC) as a Datetime in `tz`."""
    instant = pl.from_epoch(column, "us").dt.replace_time_zone("UTC")
    return instant.dt.convert_time_zone(tz).alias(column)


@dataclass(frozen=True)
class _Filters:
    tenant: str
    series: str
    start: datetime
    end: datetime
    keys: list[str] | None
    codes: list[str] | None

    @property
    def empty(self) -> bool:
        return self.keys == [] or self.codes == []

    def where(self) -> str:
        clauses = ["tenant = :tenant", "series = :series", '"start" >= :start', '"start" < :end']
        if self.keys is not None:
            clauses.append('"key" IN :keys')
        if self.codes is not None:
            clauses.append("code IN :codes")
        return " AND ".join(clauses)

    def expanding(self) -> list[sa.BindParameter[Any]]:
        names = [n for n, v in (("keys", self.keys), ("codes", self.codes)) if v is not None]
        return [sa.bindparam(n, expanding=True) for n in names]

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "tenant": self.tenant,
            "series": self.series,
            "start": self.start,
            "end": self.end,
        }
        if self.keys is not None:
            params["keys"] = self.keys
        if self.codes is not None:
            params["codes"] = self.codes
        return params


# -- staging and merging -----------------------------------------------------------------------


def _fresh_keys(
    conn: sa.Connection, frame: pl.DataFrame, params: dict[str, Any], postgresql: bool
) -> list[str]:
    """The keys of `frame` whose rows are all new: one value per interval in the batch (layer
    1 only) and no value or history of the tenant's series stored for the key in [lo, hi).

    One primary-key probe per key and table (an EXISTS each), so a batch of 500 metering points
    costs a few milliseconds however many values are stored.
    """
    single = frame.group_by("key").agg(pl.col("layer").max()).filter(pl.col("layer") == 1)
    keys = single["key"].to_list()
    if not keys:
        return []
    # The keys as one parameter: an array on PostgreSQL, a JSON list on SQLite.
    listed = "unnest(CAST(:keys AS text[])) AS k(k)" if postgresql else "json_each(:keys) AS k"
    candidate = "k.k" if postgresql else "k.value"
    stored = " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} WHERE tenant = :tenant AND series = :series "
        f'AND "key" = {candidate} AND "start" >= :lo AND "start" < :hi)'
        for table in (VALUE_TABLE, HISTORY_TABLE)
    )
    query = _typed(f"SELECT {candidate} FROM {listed} WHERE NOT ({stored})", "lo", "hi")
    fresh: list[str] = []
    for begin in range(0, len(keys), _KEY_PROBE_CHUNK):
        part = keys[begin : begin + _KEY_PROBE_CHUNK]
        bound = part if postgresql else json.dumps(part)
        fresh += [str(k) for k in conn.execute(query, {**params, "keys": bound}).scalars()]
    return fresh


def _copy_new_values(conn: sa.Connection, frame: pl.DataFrame, params: dict[str, Any]) -> None:
    """COPY rows that are all new straight into the (partitioned) value table — or, where
    row-level security applies to the role (PostgreSQL then refuses COPY FROM), into a
    temporary table of the same columns, moved with one INSERT ... SELECT that the tenant
    policy checks like any insert."""
    rows = frame.select(
        pl.lit(params["tenant"]).alias("tenant"),
        pl.lit(params["series"]).alias("series"),
        "key",
        "code",
        "start",
        "value",
        "quality",
        "source",
        pl.lit(params["now"]).cast(pl.Datetime("us", "UTC")).alias("recorded_at"),
        pl.lit(1).alias("revision"),
    )
    quoted = ", ".join(f'"{c}"' for c in _VALUE_FIELDS)
    if not _row_security_active(conn, VALUE_TABLE):
        _copy(conn, rows, VALUE_TABLE, _VALUE_FIELDS)
        return
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{NEW_TABLE}")
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {NEW_TABLE} (LIKE {VALUE_TABLE} INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    _copy(conn, rows, NEW_TABLE, _VALUE_FIELDS)
    conn.exec_driver_sql(f"INSERT INTO {VALUE_TABLE} ({quoted}) SELECT {quoted} FROM {NEW_TABLE}")
    conn.exec_driver_sql(f"DROP TABLE {NEW_TABLE}")


def _row_security_active(conn: sa.Connection, table: str) -> bool:
    """Whether row-level security applies to the current role on `table` (asked each load:
    a policy may come with an upgrade while the connection lives)."""
    query = sa.select(sa.func.row_security_active(table))
    return bool(conn.execute(query).scalar_one())


#: The columns a COPY writes, with their binary types (binary_copy.py).
_VALUE_FIELDS: dict[str, FieldType] = {
    "tenant": TEXT,
    "series": TEXT,
    "key": TEXT,
    "code": TEXT,
    "start": TIMESTAMPTZ,
    "value": NUMERIC,
    "quality": TEXT,
    "source": TEXT,
    "recorded_at": TIMESTAMPTZ,
    "revision": INT4,
}
_STAGED_FIELDS: dict[str, FieldType] = {
    name: _VALUE_FIELDS[name] for name in ("key", "code", "start", "value", "quality", "source")
}


def _copy(
    conn: sa.Connection, frame: pl.DataFrame, table: str, fields: dict[str, FieldType]
) -> None:
    """COPY `frame`'s `fields` into `table` in PostgreSQL's binary format (binary_copy.py)."""
    driver: Any = conn.connection.driver_connection
    quoted = ", ".join(f'"{c}"' for c in fields)
    statement = f"COPY {table} ({quoted}) FROM STDIN (FORMAT binary)"
    with _utf8_client(conn), driver.cursor() as cursor, cursor.copy(statement) as copy:
        for block in binary_copy_blocks(frame.select(list(fields)), fields):
            copy.write(block)


@contextmanager
def _utf8_client(conn: sa.Connection) -> Iterator[None]:
    """COPY data is bytes in the client encoding, and the store writes and reads it as UTF-8:
    a connection in another encoding switches to UTF-8 for the COPY, then back (else 'ÄÖÜ'
    from a LATIN1 connection was stored as 'ÃÃÃ', the next load of that key collided with
    it, and a read failed on bytes that are not UTF-8)."""
    driver: Any = conn.connection.driver_connection
    if codecs.lookup(driver.info.encoding).name == "utf-8":
        yield
        return
    before = conn.exec_driver_sql("SELECT current_setting('client_encoding')").scalar()
    conn.exec_driver_sql("SELECT set_config('client_encoding', 'UTF8', true)")
    yield
    conn.exec_driver_sql("SELECT set_config('client_encoding', %s, true)", (before,))


def _stage_postgresql(conn: sa.Connection, frame: pl.DataFrame) -> None:
    """COPY the frame into a temporary staging table (binary, see `_copy`)."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{STAGING_TABLE}")
    conn.exec_driver_sql(
        f'CREATE TEMPORARY TABLE {STAGING_TABLE} ("key" text NOT NULL, code text NOT NULL, '
        '"start" timestamptz NOT NULL, value numeric(18, 6) NOT NULL, quality text, '
        "source text NOT NULL) ON COMMIT DROP"
    )
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{CHANGED_TABLE}")
    conn.exec_driver_sql(
        f'CREATE TEMPORARY TABLE {CHANGED_TABLE} ("key" text, code text, "start" timestamptz, '
        "revision integer, old_value numeric(18, 6), old_quality text, old_source text, "
        "old_recorded_at timestamptz, value numeric(18, 6), quality text, source text) "
        "ON COMMIT DROP"
    )
    _copy(conn, frame, STAGING_TABLE, _STAGED_FIELDS)
    conn.exec_driver_sql(f"ANALYZE {STAGING_TABLE}")


def _stage_sqlite(conn: sa.Connection, frame: pl.DataFrame) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{STAGING_TABLE}")
    conn.exec_driver_sql(
        f'CREATE TEMPORARY TABLE {STAGING_TABLE} ("key" TEXT NOT NULL, code TEXT NOT NULL, '
        '"start" TEXT NOT NULL, value INTEGER NOT NULL, quality TEXT, source TEXT NOT NULL)'
    )
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{CHANGED_TABLE}")
    conn.exec_driver_sql(
        f'CREATE TEMPORARY TABLE {CHANGED_TABLE} ("key" TEXT, code TEXT, "start" TEXT, '
        "revision INTEGER, old_value INTEGER, old_quality TEXT, old_source TEXT, "
        "old_recorded_at TEXT, value INTEGER, quality TEXT, source TEXT)"
    )
    rows = frame.select(
        "key",
        "code",
        pl.col("start").dt.strftime(_SQLITE_TIME),
        (pl.col("value") * _SCALE_FACTOR).cast(pl.Int64),
        "quality",
        "source",
    ).rows()
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(f"INSERT INTO {STAGING_TABLE} VALUES (?, ?, ?, ?, ?, ?)", rows)
    finally:
        cursor.close()
    # Without these the merge's joins over a populated range can loop over every stored value
    # of the range for every staged row (a re-run of a month took minutes instead of seconds).
    conn.exec_driver_sql(f'CREATE INDEX temp.ix_staged ON {STAGING_TABLE} ("key", code, "start")')
    conn.exec_driver_sql(f'CREATE INDEX temp.ix_changed ON {CHANGED_TABLE} ("key", code, "start")')


def _merge_statements(postgresql: bool) -> list[tuple[str, sa.TextClause]]:
    """The statements of a merge, run in this order inside the load's transaction:

    1. drop staged rows that replay a value their source delivered before and that has since
       been replaced (a re-imported old message must not undo a correction);
    2. collect the staged rows that change a stored value or quality, with the old row;
    3. copy those old rows to the history;
    4. overwrite them in the value table with revision + 1;
    5. insert the staged rows for intervals not stored yet — a plain insert (anti-join), no
       ON CONFLICT: the per-(tenant, series) lock keeps other loaders out meanwhile.
    Identical values fall through every step, so a reload changes nothing.
    """
    same = "IS NOT DISTINCT FROM" if postgresql else "IS"
    s, h, v, c = STAGING_TABLE, HISTORY_TABLE, VALUE_TABLE, CHANGED_TABLE
    match = (
        f'{v}.tenant = :tenant AND {v}.series = :series AND {v}."start" >= :lo '
        f'AND {v}."start" < :hi AND {v}."key" = {{o}}."key" AND {v}.code = {{o}}.code '
        f'AND {v}."start" = {{o}}."start"'
    )
    replays = (
        f"DELETE FROM {s} WHERE EXISTS (SELECT 1 FROM {h} WHERE {h}.tenant = :tenant "
        f'AND {h}.series = :series AND {h}."start" >= :lo AND {h}."start" < :hi '
        f'AND {h}."key" = {s}."key" AND {h}.code = {s}.code AND {h}."start" = {s}."start" '
        f"AND {h}.value = {s}.value AND {h}.quality {same} {s}.quality "
        f"AND {h}.source = {s}.source)"
    )
    changed = (
        f'INSERT INTO {c} SELECT {v}."key", {v}.code, {v}."start", {v}.revision, {v}.value, '
        f"{v}.quality, {v}.source, {v}.recorded_at, {s}.value, {s}.quality, {s}.source "
        f"FROM {s} JOIN {v} ON {match.format(o=s)} "
        f"WHERE {v}.value <> {s}.value OR NOT ({v}.quality {same} {s}.quality)"
    )
    history = (
        f'INSERT INTO {h} (tenant, series, "key", code, "start", revision, value, quality, '
        "source, recorded_at, superseded_at) "
        f'SELECT :tenant, :series, "key", code, "start", revision, old_value, old_quality, '
        f"old_source, old_recorded_at, :now FROM {c}"
    )
    update = (
        f"UPDATE {v} SET value = {c}.value, quality = {c}.quality, source = {c}.source, "
        f"recorded_at = :now, revision = {c}.revision + 1 FROM {c} WHERE {match.format(o=c)}"
    )
    insert = (
        f'INSERT INTO {v} (tenant, series, "key", code, "start", value, quality, source, '
        "recorded_at, revision) "
        # CAST: the same parameter also meets VARCHAR columns below (one type per parameter).
        'SELECT CAST(:tenant AS VARCHAR), CAST(:series AS VARCHAR), "key", code, "start", '
        f"value, quality, source, :now, 1 FROM {s} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {v} WHERE {match.format(o=s)})"
    )
    return [
        (name, _typed(statement, "lo", "hi", "now"))
        for name, statement in (
            ("replays", replays),
            ("changed", changed),
            ("history", history),
            ("update", update),
            ("insert", insert),
        )
    ]


# -- reading helpers ---------------------------------------------------------------------------


def _copy_out_values(
    conn: sa.Connection, filters: _Filters, schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """PostgreSQL: COPY the rows out as CSV and let polars parse them (no Python objects)."""
    clauses = ["tenant = %s", "series = %s", '"start" >= %s', '"start" < %s']
    params: list[Any] = [filters.tenant, filters.series, filters.start, filters.end]
    if filters.keys is not None:
        clauses.append('"key" = ANY(%s)')
        params.append(filters.keys)
    if filters.codes is not None:
        clauses.append("code = ANY(%s)")
        params.append(filters.codes)
    statement = (
        'COPY (SELECT "key", code, (extract(epoch FROM "start") * 1000000)::bigint, value, '
        "quality, source, (extract(epoch FROM recorded_at) * 1000000)::bigint, revision "
        f"FROM {VALUE_TABLE} WHERE {' AND '.join(clauses)} "
        'ORDER BY "key", code, "start") TO STDOUT (FORMAT csv)'
    )
    driver: Any = conn.connection.driver_connection
    frames: list[pl.DataFrame] = []
    pending = bytearray()
    with (
        _without_jit(conn),
        _utf8_client(conn),
        driver.cursor() as cursor,
        cursor.copy(statement, params) as copy,
    ):
        for block in copy:
            pending += block
            # Parse as the rows come, 32 MB at a time, so memory holds the frame and one
            # chunk, not the whole CSV twice (a year of 1,000 points is 4 GB of CSV). A chunk
            # is cut at its last line end, unless a quoted field might hold a line break.
            if len(pending) >= _COPY_OUT_CHUNK_BYTES and b'"' not in pending:
                cut = pending.rindex(b"\n") + 1
                frames.append(pl.read_csv(bytes(pending[:cut]), has_header=False, schema=schema))
                del pending[:cut]
    if pending:
        frames.append(pl.read_csv(bytes(pending), has_header=False, schema=schema))
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames)


@contextmanager
def _without_jit(conn: sa.Connection) -> Iterator[None]:
    """PostgreSQL's JIT compiles a large read's expressions for a second or more (measured:
    bench/series_load.py --year) and gains less than that on a plain scan: off for the read,
    then as it was. A failed read aborts the transaction, which undoes the setting anyway."""
    before = conn.exec_driver_sql("SELECT current_setting('jit')").scalar()
    conn.exec_driver_sql("SELECT set_config('jit', 'off', true)")
    yield
    conn.exec_driver_sql("SELECT set_config('jit', %s, true)", (before,))


def _select_values_sqlite(
    conn: sa.Connection, filters: _Filters, schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    statement = (
        'SELECT "key", code, "start", value, quality, source, recorded_at, revision '
        f'FROM {VALUE_TABLE} WHERE {filters.where()} ORDER BY "key", code, "start"'
    )
    query = _typed(statement, "start", "end").bindparams(*filters.expanding())
    rows = [tuple(r) for r in conn.execute(query, filters.params())]
    text_schema = {**schema, "start": pl.String(), "recorded_at": pl.String(), "value": pl.Int64()}
    frame = pl.DataFrame(rows, schema=list(text_schema.items()), orient="row")
    micros = [
        pl.col(c).str.to_datetime(_SQLITE_TIME, time_unit="us").dt.epoch("us").alias(c)
        for c in ("start", "recorded_at")
    ]
    return frame.with_columns(*micros, _scaled_to_decimal("value"))


def _offset_case(spans: list[OffsetSpan], params: dict[str, Any]) -> tuple[str, list[str]]:
    """Each row's UTC offset in seconds as SQL: a constant, or a CASE over the changes in the
    read range (instants as parameters z0, z1, ... added to `params`)."""
    if len(spans) == 1:
        return str(spans[0].seconds), []
    names: list[str] = []
    cases = []
    for i, span in enumerate(spans[1:]):
        name = f"z{i}"
        params[name] = span.since
        names.append(name)
        cases.append(f'WHEN "start" < :{name} THEN {spans[i].seconds}')
    return f"(CASE {' '.join(cases)} ELSE {spans[-1].seconds} END)", names


def _bucket_postgresql(
    bucket: Resolution, spans: list[OffsetSpan], params: dict[str, Any]
) -> tuple[str, list[str]]:
    """Calendar buckets with PostgreSQL's own time-zone database (`date_trunc(..., tz)`); fixed
    buckets in local time as UTC instants: shift by the row's offset, bin, shift back, so the
    two local 02:00 hours of the autumn DST day stay two buckets."""
    if bucket.calendar is not None:
        return f"date_trunc('{bucket.calendar}', \"start\", :tz)", []
    offset, names = _offset_case(spans, params)
    shift = f"make_interval(secs => {offset})"
    return (
        f'(date_bin(make_interval(secs => {bucket.seconds}), "start" + {shift}, '
        f"TIMESTAMPTZ '2000-01-01 00:00:00+00') - {shift})",
        names,
    )


def _bucket_sqlite(
    bucket: Resolution, spans: list[OffsetSpan], params: dict[str, Any]
) -> tuple[str, list[str]]:
    """A bucket expression for SQLite and the datetime parameters it adds to `params`."""
    offset, names = _offset_case(spans, params)
    if bucket.calendar is not None:
        pattern = {"day": "%Y-%m-%d", "month": "%Y-%m-01", "year": "%Y-01-01"}[bucket.calendar]
        return f"strftime('{pattern}', \"start\", {offset} || ' seconds')", names
    seconds = bucket.seconds
    epoch = "CAST(strftime('%s', \"start\") AS INTEGER)"
    return (
        f"strftime('%Y-%m-%d %H:%M:%S', (({epoch} + {offset}) / {seconds}) * {seconds} "
        f"- {offset}, 'unixepoch')",
        names,
    )


def _sqlite_bucket_start(bucket: Resolution, tz: str) -> pl.Expr:
    """SQLite gives fixed buckets as UTC text and calendar buckets as local dates."""
    if bucket.calendar is None:
        return pl.col("bucket").str.to_datetime(
            "%Y-%m-%d %H:%M:%S", time_unit="us", time_zone="UTC"
        )
    return (
        pl.col("bucket")
        .str.to_datetime("%Y-%m-%d", time_unit="us")
        .dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
