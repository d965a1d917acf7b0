"""What the community commands read: participations from the repository, energy from the series
store.

Series values are keyed `<EC number>/<metering point id>` (one metering point may take part in
up to five communities, and the grid operator's G.01T, G.02, G.03 and P.01T are per community):
the grid operator's values in `MeteringPoint.energy` (source: the EDA MessageId), the
community's own calculation in `MeteringPoint.calculated`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from meshkit.models.energy_community.allocation import (
    CONSUMPTION,
    GENERATION,
    MARKET_TIME_ZONE,
    MeterCode,
)
from meshkit.runtime import Entity, UnitOfWork
from meshkit.runtime.series import SeriesStore

from .periods import Period

#: The grid operator's energy data (EDA ConsumptionRecord), as ingestion stores it.
OPERATOR_SERIES = "energy_community/MeteringPoint.energy"
#: The community's own allocation (EnergyCommunity.allocate).
CALCULATED_SERIES = "energy_community/MeteringPoint.calculated"

#: Participation statuses whose energy counts, each on the days of its validity: active, a
#: leave under way, and ended (inactive) ones, which counted until their valid_to.
COUNTED_STATUSES = ("active", "leaving", "inactive")

MEASURED_CODE = {CONSUMPTION: MeterCode.CONSUMPTION, GENERATION: MeterCode.GENERATION}
KWH = pl.Decimal(38, 6)
_PAGE = 1_000


def series_key(ec_number: str, metering_point_id: str) -> str:
    """The series key of a metering point's values in a community: `RC100130/AT003...`."""
    return f"{ec_number}/{metering_point_id}"


def metering_point_of(key: pl.Expr) -> pl.Expr:
    """The metering point id of a series key (what follows the EC number and the slash)."""
    return key.str.split_exact("/", 1).struct.field("field_1")


def store_of(uow: UnitOfWork) -> SeriesStore:
    """The series store of the unit of work's database and model (reads and writes must pass
    `connection=uow.connection` to stay in its transaction)."""
    return SeriesStore(uow.repository.engine, uow.repository.model)


def find_all(uow: UnitOfWork, class_ref: str, where: Mapping[str, Any]) -> list[Entity]:
    """Every entity of `class_ref` matching `where`, page by page."""
    found: list[Entity] = []
    after: str | None = None
    while True:
        page = uow.find(class_ref, where, order_by=["id"], first=_PAGE, after=after)
        found.extend(page.items)
        if not page.has_next:
            return found
        after = page.end_cursor


@dataclass(frozen=True)
class Participations:
    """A community's participations that count on some day of a period.

    `frame` has the allocation engine's columns (metering_point, direction, factor,
    static_share, valid_from, valid_to) plus `participant` (the member's entity id).
    """

    community: Mapping[str, Any]
    frame: pl.DataFrame
    points: Mapping[str, Entity]  # metering point id -> MeteringPoint entity

    @property
    def ec_number(self) -> str:
        return str(self.community["ec_number"])

    @property
    def time_zone(self) -> str:
        return str(self.community.get("time_zone") or MARKET_TIME_ZONE)

    @property
    def keys(self) -> list[str]:
        return [series_key(self.ec_number, mp) for mp in sorted(self.points)]

    def engine_input(self, *, static: bool) -> pl.DataFrame:
        """The participations frame the allocation engine takes (static shares only for the
        static model: a stray share must not refuse a dynamic community)."""
        columns = ["metering_point", "direction", "factor", "valid_from", "valid_to"]
        return self.frame.select(*columns, *(["static_share"] if static else []))


def participations(uow: UnitOfWork, community: Mapping[str, Any], period: Period) -> Participations:
    """The participations of `community` whose validity overlaps `period` and whose status
    counts (COUNTED_STATUSES; an inactive one only with a valid_to)."""
    rows = [
        p
        for p in find_all(
            uow,
            "Participation",
            {
                "and": [
                    {"attr": "community", "op": "eq", "value": community["id"]},
                    {"attr": "state", "op": "eq", "value": "active"},
                    {"attr": "status", "op": "in", "value": list(COUNTED_STATUSES)},
                    {"attr": "valid_from", "op": "lte", "value": period.last},
                ]
            },
        )
        if (p["valid_to"] is None and p["status"] != "inactive")
        or (p["valid_to"] is not None and p["valid_to"] >= period.first)
    ]
    ids = sorted({p["metering_point"] for p in rows})
    entities = {
        e["id"]: e
        for chunk in range(0, len(ids), _PAGE)
        for e in find_all(
            uow, "MeteringPoint", {"attr": "id", "op": "in", "value": ids[chunk : chunk + _PAGE]}
        )
    }
    frame = pl.DataFrame(
        [
            {
                "metering_point": entities[p["metering_point"]]["metering_point_id"],
                "direction": entities[p["metering_point"]]["direction"],
                "factor": p["participation_factor"],
                "static_share": p["static_share"],
                "valid_from": p["valid_from"],
                "valid_to": p["valid_to"],
                "participant": p["participant"],
            }
            for p in rows
        ],
        schema={
            "metering_point": pl.String(),
            "direction": pl.String(),
            "factor": pl.Int64(),
            "static_share": pl.Decimal(7, 4),
            "valid_from": pl.Date(),
            "valid_to": pl.Date(),
            "participant": pl.String(),
        },
    )
    points = {str(e["metering_point_id"]): e for e in entities.values()}
    return Participations(community, frame, points)


def measured(
    uow: UnitOfWork, store: SeriesStore, members: Participations, period: Period
) -> pl.DataFrame:
    """The grid operator's measured G.01 of the participating points in `period`: the
    allocation engine's measurements frame (metering_point, start in UTC, value kWh, quality).
    Only the code of each point's direction is read (1.9.0 consumers, 2.9.0 producers)."""
    start, end = period.bounds(members.time_zone)
    directions = pl.DataFrame(
        {
            "metering_point": list(members.points),
            "code": [str(MEASURED_CODE[str(p["direction"])]) for p in members.points.values()],
        },
        schema={"metering_point": pl.String(), "code": pl.String()},
    )
    values = store.read(
        OPERATOR_SERIES,
        members.keys,
        [str(c) for c in MEASURED_CODE.values()],
        start,
        end,
        tenant=uow.tenant,
        connection=uow.connection,
    )
    return (
        values.with_columns(metering_point_of(pl.col("key")).alias("metering_point"))
        .join(directions, on=["metering_point", "code"], how="semi")
        .select(
            "metering_point",
            pl.col("start").dt.convert_time_zone("UTC"),
            "value",
            "quality",
        )
    )


def daily(
    uow: UnitOfWork,
    store: SeriesStore,
    series: str,
    ec_number: str,
    period: Period,
    time_zone: str,
    codes: Sequence[str] | None = None,
) -> pl.DataFrame:
    """A community's values of `series` summed per metering point, meter code and local day:
    metering_point, meter_code, day, value (Decimal kWh), count (quarter hours present).
    Every key of the community (`<EC number>/...`) is read, also of points it does not know."""
    start, end = period.bounds(time_zone)
    sums = store.read(
        series,
        None,
        codes,
        start,
        end,
        "P1D",
        time_zone,
        tenant=uow.tenant,
        connection=uow.connection,
    )
    return sums.filter(pl.col("key").str.starts_with(f"{ec_number}/")).select(
        metering_point_of(pl.col("key")).alias("metering_point"),
        pl.col("code").alias("meter_code"),
        pl.col("start").dt.date().alias("day"),
        pl.col("value").cast(KWH),
        pl.col("count").cast(pl.Int64),
    )


def kwh(value: Any) -> Decimal:
    """A polars sum (Decimal or None) as an exact Decimal with six places."""
    return Decimal(value or 0).quantize(Decimal("0.000001"))
