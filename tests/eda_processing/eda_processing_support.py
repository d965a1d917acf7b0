"""Builders shared by the EDA processing tests: a seeded world and DATEN_CRMSG documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from meshkit.adapters.eda.processing import EdaContext, ProcessingConfig, create_processing_tables
from meshkit.adapters.eda.transport import DsoSimulator, SimulatedCommunity, SimulatedMeteringPoint
from meshkit.adapters.eda.xml import (
    ConsumptionRecord,
    Energy,
    EnergyData,
    EnergyDirection,
    EnergyPosition,
    MessageHeader,
    MeteringInterval,
    write_document,
)
from meshkit.ck import compile_model
from meshkit.ck.model import CompiledModel
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.series import SeriesStore

ROOT = Path(__file__).resolve().parents[2]
XSD_DIR = ROOT.parent / "shared" / "eda" / "xsd"
VIENNA = ZoneInfo("Europe/Vienna")
TENANT = "t1"
EEG, BEG, DSO = "RC105970", "CC100245", "AT003000"
POINT = "AT0030000000000000000000100202001"
GENERATOR = "AT0030000000000000000000100209001"
CONSUMED = "1-1:1.9.0 G.01"
COVERED = "1-1:2.9.0 G.03"

_model: CompiledModel | None = None


def energy_model() -> CompiledModel:
    global _model
    if _model is None:
        _model = compile_model(ROOT / "models" / "energy_community")
    return _model


def xsd_dir() -> Path | None:
    return XSD_DIR if (XSD_DIR / "CPCommonTypes_01p20.xsd").is_file() else None


@dataclass
class World:
    ctx: EdaContext
    communities: dict[str, str]  # EC number -> entity id
    points: dict[str, str]  # metering point id -> entity id
    participations: dict[tuple[str, str], str]  # (EC number, point) -> entity id

    @property
    def repository(self) -> Repository:
        return self.ctx.repository


def community_values(ec_number: str) -> dict[str, Any]:
    return {
        "name": f"Community {ec_number}",
        "community_id": f"AT00300000000{ec_number}000000000000",
        "ec_number": ec_number,
        "kind": "eeg_local" if ec_number.startswith("RC") else "beg",
        "grid_operator_id": DSO,
        "vat_status": "standard",
        "address": {"street": "Hauptplatz", "postal_code": "2130", "city": "Mistelbach"},
    }


def build_world(
    database_url: str, *, validate: bool = True, clock: Any = None, **config: Any
) -> World:
    """Tables, two communities (EEG, BEG), two metering points and their participations."""
    engine = create_engine(database_url)
    model = energy_model()
    repository = Repository(engine, model)
    repository.create_tables()
    series = SeriesStore(engine, model)
    series.create_tables()
    create_processing_tables(engine)
    settings = ProcessingConfig(
        xsd_dir=xsd_dir(), validate=validate and xsd_dir() is not None, **config
    )
    ctx = EdaContext(repository, series, TENANT, settings)
    if clock is not None:
        ctx.clock = clock
    communities: dict[str, str] = {}
    points: dict[str, str] = {}
    participations: dict[tuple[str, str], str] = {}
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        for ec in (EEG, BEG):
            communities[ec] = str(uow.create("EnergyCommunity", community_values(ec))["id"])
        for point, direction in ((POINT, "consumption"), (GENERATOR, "generation")):
            points[point] = str(
                uow.create(
                    "MeteringPoint",
                    {"metering_point_id": point, "direction": direction, "grid_operator_id": DSO},
                )["id"]
            )
        for number, (ec, point, factor) in enumerate(
            ((EEG, POINT, 60), (BEG, POINT, 40), (EEG, GENERATOR, 100)), start=1
        ):
            member = uow.create(
                "NaturalPerson",
                {
                    "community": communities[ec],
                    "member_number": f"{number:04d}",
                    "first_name": "Anna",
                    "last_name": f"Muster{number}",
                    "joined_on": date(2026, 1, 1),
                    "address": {"street": "Weg", "postal_code": "2130", "city": "Mistelbach"},
                },
            )
            participations[(ec, point)] = str(
                uow.create(
                    "Participation",
                    {
                        "metering_point": points[point],
                        "community": communities[ec],
                        "participant": member["id"],
                        "participation_factor": factor,
                        "valid_from": date(2026, 3, 1),
                    },
                )["id"]
            )
    return World(ctx, communities, points, participations)


def quarter_hours(day: date) -> list[datetime]:
    start = datetime.combine(day, datetime.min.time(), VIENNA).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), VIENNA).astimezone(UTC)
    result = []
    while start < end:
        result.append(start)
        start += timedelta(minutes=15)
    return result


def daten_crmsg(
    message_id: str,
    *,
    day: date = date(2026, 3, 2),
    receiver: str = EEG,
    point: str = POINT,
    codes: Sequence[str] = (CONSUMED,),
    value: Decimal | str = "0.125",
    quality: str = "L1",
    intervals: int | None = None,
    conversation_id: str | None = None,
) -> bytes:
    """A ConsumptionRecord 01.41 for `day` (all quarter hours, or the first `intervals`)."""
    starts = quarter_hours(day)
    if intervals is not None:
        starts = starts[:intervals]
    step = timedelta(minutes=15)
    record = ConsumptionRecord(
        header=MessageHeader(
            sender=DSO,
            receiver=receiver,
            created=datetime(2026, 3, 3, 5, 0, tzinfo=UTC),
            message_code="DATEN_CRMSG",
            message_id=message_id,
            conversation_id=conversation_id or f"C{message_id}"[:35],
        ),
        process_date=day,
        metering_point=point,
        ec_id=f"AT00300000000{receiver}000000000000",
        energy=(
            Energy(
                period_start=starts[0],
                period_end=starts[-1] + step,
                interval=MeteringInterval.QUARTER_HOUR,
                number_of_intervals=len(starts),
                metering_reason="00",
                data=tuple(
                    EnergyData(
                        meter_code=code,
                        unit="KWH",
                        positions=tuple(
                            EnergyPosition(s, s + step, quality, Decimal(value)) for s in starts
                        ),
                    )
                    for code in codes
                ),
            ),
        ),
    )
    return write_document(record, "01p41", validate=False)


def open_context(database_url: str, *, validate: bool = True) -> EdaContext:
    """A context on an existing database (tables and seed made by `build_world`)."""
    engine = create_engine(database_url)
    model = energy_model()
    settings = ProcessingConfig(xsd_dir=xsd_dir(), validate=validate and xsd_dir() is not None)
    return EdaContext(Repository(engine, model), SeriesStore(engine, model), TENANT, settings)


def fake_point(number: int) -> str:
    """A syntactically valid metering point id that is not an entity."""
    return f"AT003000{number:025d}"


def grid_operator(world: World) -> DsoSimulator:
    """The grid operator of the world's communities and metering points."""
    with world.ctx.unit_of_work() as uow:
        communities = [uow.get("EnergyCommunity", world.communities[ec]) for ec in (EEG, BEG)]
    return DsoSimulator(
        DSO,
        [SimulatedCommunity(c["community_id"], c["ec_number"]) for c in communities],
        [
            SimulatedMeteringPoint(POINT, EnergyDirection.CONSUMPTION, "north"),
            SimulatedMeteringPoint(GENERATOR, EnergyDirection.GENERATION, "north"),
        ],
        clock=world.ctx.clock,
        xsd_dir=world.ctx.config.xsd_dir,
        validate=world.ctx.config.validate,
    )
