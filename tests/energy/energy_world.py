"""A small energy community for the energy tests: entities through the repository, energy data
through the series store, keyed `<EC number>/<metering point id>` as EDA ingestion stores it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from meshkit.adapters.readings import READINGS_SCHEMA
from meshkit.runtime import Repository, UnitOfWork
from meshkit.runtime.series import SeriesStore

TENANT = "t1"
VIENNA = ZoneInfo("Europe/Vienna")
QH = timedelta(minutes=15)
EC = "RC100130"
COMMUNITY_ID = "AT00300000000RC100130000000000000"
C1 = "AT0030000000000000000000000000C01"
C2 = "AT0030000000000000000000000000C02"
P1 = "AT0030000000000000000000000000P01"
DAY = date(2026, 3, 10)
#: 00:00 Vienna on DAY, the first of the quarter hours the tests write.
FIRST = datetime(2026, 3, 10, tzinfo=VIENNA).astimezone(UTC)

CONS_G01, CONS_G01T = "1-1:1.9.0 G.01", "1-1:1.9.0 G.01T"
G02, G03 = "1-1:2.9.0 G.02", "1-1:2.9.0 G.03"
GEN_G01, GEN_G01T, P01T = "1-1:2.9.0 G.01", "1-1:2.9.0 G.01T", "1-1:2.9.0 P.01T"


@dataclass(frozen=True)
class World:
    community: str  # entity id
    participants: Mapping[str, str]  # member number -> entity id
    points: Mapping[str, str]  # metering point id -> entity id


def build(
    repository: Repository, *, model: str = "dynamic", factors: Mapping[str, int] | None = None
) -> World:
    """One community: member M1 with consumer C1, M2 with consumer C2 and producer P1."""
    factors = factors or {}
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        community = uow.create(
            "EnergyCommunity",
            {
                "name": "EEG Test",
                "community_id": COMMUNITY_ID,
                "ec_number": EC,
                "kind": "eeg_local",
                "allocation_model": model,
                "grid_operator_id": "AT003000",
                "address": {"street": "Hauptplatz", "postal_code": "2130", "city": "Mistelbach"},
            },
        )
        members = {
            number: _member(uow, community["id"], number, last)
            for number, last in (("M1", "Huber"), ("M2", "Maier"))
        }
        points = {}
        for point, direction, member, share in (
            (C1, "consumption", "M1", Decimal(50)),
            (C2, "consumption", "M2", Decimal(50)),
            (P1, "generation", "M2", None),
        ):
            entity = uow.create(
                "MeteringPoint",
                {
                    "metering_point_id": point,
                    "direction": direction,
                    "grid_operator_id": "AT003000",
                },
            )
            points[point] = entity["id"]
            uow.create(
                "Participation",
                {
                    "metering_point": entity["id"],
                    "community": community["id"],
                    "participant": members[member],
                    "participation_factor": factors.get(point, 100),
                    "static_share": share,
                    "valid_from": date(2026, 1, 1),
                    "status": "active",
                },
            )
    return World(community["id"], members, points)


def _member(uow: UnitOfWork, community: str, number: str, last_name: str) -> str:
    entity = uow.create(
        "NaturalPerson",
        {
            "community": community,
            "member_number": number,
            "first_name": "Anna",
            "last_name": last_name,
            "address": {"street": "Weg", "postal_code": "2130", "city": "Mistelbach"},
            "joined_on": date(2026, 1, 1),
        },
    )
    return str(entity["id"])


def readings(
    values: Mapping[tuple[str, str], Sequence[str | Decimal]], *, first: datetime = FIRST
) -> pl.DataFrame:
    """A readings frame keyed like EDA ingestion: {(metering point, code): [kWh per QH]}."""
    rows: list[dict[str, Any]] = []
    for (point, code), series in values.items():
        for i, value in enumerate(series):
            start = first + i * QH
            rows.append(
                {
                    "metering_point": f"{EC}/{point}",
                    "meter_code": code,
                    "start": start,
                    "end": start + QH,
                    "value": Decimal(str(value)),
                    "unit": "KWH",
                    "quality": "L1",
                }
            )
    return pl.DataFrame(rows, schema=READINGS_SCHEMA)


def write_operator(store: SeriesStore, frame: pl.DataFrame, message_id: str = "MSG1") -> None:
    store.write_readings(frame, tenant=TENANT, source=message_id)
