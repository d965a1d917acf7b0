"""Demo step: a month of energy data from the grid operator (CR_MSG / DATEN_CRMSG).

Each day the simulator sends one ConsumptionRecord per active participation (metering point ×
community) with the day's quarter hours: 96, or 92 on the spring DST day. Each message is kept
raw, recorded (an inbound CR_MSG EdaProcess with its EdaMessage, linked to the metering point),
read with the codecs and turned into the shared readings frame.

Writing and reading 96 × 4 positions per message with the XML codecs is the slow part, so the
days are produced in worker processes: each holds a copy of the simulator (same configuration,
same participations, same seed), so the data is exactly what the one simulator would send, and
the main process stores each day as it arrives, in day order.

The readings stay in memory (per community) for allocation and billing. They are not written to
the series store (`meshkit.runtime.series`) yet: it keys values by metering point, but a point in
two communities gets a different G.01T/G.02/G.03 from each, so one load refuses them (see
docs/demo.md, "Not done yet").
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from meshkit.adapters.eda.transport import (
    DsoSimulator,
    Envelope,
    SimulatedCommunity,
    SimulatedMeteringPoint,
)
from meshkit.adapters.eda.xml import ConsumptionRecord, consumption_record_readings, read_document
from meshkit.adapters.readings import empty_readings
from meshkit.apps.demo.context import DemoClock, DemoContext, vienna
from meshkit.apps.demo.eda_records import message_values
from meshkit.runtime import UnitOfWork

#: The DSO publishes the previous day's values early in the morning.
PUBLISHED_AT = time(6, 0)


@dataclass
class EnergyReport:
    """The month's readings per community id, and what arrived."""

    readings: dict[str, pl.DataFrame] = field(default_factory=dict)
    days: list[date] = field(default_factory=list)
    intervals: dict[date, int] = field(default_factory=dict)  # quarter hours per day
    messages: Counter[str] = field(default_factory=Counter)

    def all_readings(self) -> pl.DataFrame:
        frames = list(self.readings.values())
        return pl.concat(frames) if frames else empty_readings()


def month_days(first: date) -> list[date]:
    days, day = [], first
    while day.month == first.month:
        days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class SimulatorCopy:
    """What a worker needs to build the same simulator (all of it picklable)."""

    grid_operator: str
    communities: tuple[SimulatedCommunity, ...]
    points: tuple[SimulatedMeteringPoint, ...]
    state: dict[str, Any]
    seed: int
    xsd_dir: Path | None


@dataclass(frozen=True)
class Arrived:
    """One DATEN_CRMSG as received: the delivery and what the codecs read from it."""

    delivery_id: str
    envelope: Envelope
    payload: bytes
    received_at: datetime
    ec_id: str
    metering_point: str
    process_date: date
    sender: str
    readings: pl.DataFrame


@dataclass(frozen=True)
class Day:
    day: date
    arrived: tuple[Arrived, ...]
    intervals: int


def copy_of(simulator: DsoSimulator, seed: int, xsd_dir: Path | None) -> SimulatorCopy:
    registry = simulator.registry
    return SimulatorCopy(
        registry.grid_operator,
        tuple(registry.communities.values()),
        tuple(registry.points.values()),
        registry.state(),
        seed,
        xsd_dir,
    )


def simulate_day(copy: SimulatorCopy, day: date) -> Day:
    """The grid operator's DATEN_CRMSG messages for `day`, received and read (in a worker)."""
    clock = DemoClock(vienna(day + timedelta(days=1), PUBLISHED_AT))
    simulator = DsoSimulator(
        copy.grid_operator,
        copy.communities,
        copy.points,
        clock=clock,
        xsd_dir=copy.xsd_dir,
        validate=copy.xsd_dir is not None,
        seed=copy.seed,
    )
    simulator.registry.load_state(copy.state)
    arrived: list[Arrived] = []
    starts: set[datetime] = set()
    for delivery in simulator.daily_energy(day):
        record = read_document(
            delivery.payload, validate=copy.xsd_dir is not None, xsd_dir=copy.xsd_dir
        )
        if not isinstance(record, ConsumptionRecord):
            continue
        starts.update(p.start for e in record.energy for d in e.data for p in d.positions)
        arrived.append(
            Arrived(
                delivery.delivery_id,
                delivery.envelope,
                delivery.payload,
                delivery.received_at,
                str(record.ec_id),
                record.metering_point,
                record.process_date,
                record.header.sender,
                consumption_record_readings(record),
            )
        )
    return Day(day, tuple(arrived), len(starts))


def _days(copy: SimulatorCopy, days: list[date], workers: int) -> Iterator[Day]:
    """Each day's messages, in day order; produced by `workers` processes when more than 1."""
    if workers <= 1:
        for day in days:
            yield simulate_day(copy, day)
        return
    # spawn, not fork: the parent has polars' and SQLite's threads, which fork does not copy.
    context = multiprocessing.get_context("spawn")
    executor: Executor
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        futures: list[Future[Day]] = [executor.submit(simulate_day, copy, d) for d in days]
        for future in futures:
            yield future.result()


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def receive_month(demo: DemoContext, workers: int | None = None) -> EnergyReport:
    """Receive and store every day of `demo.month` (one unit of work per day)."""
    report = EnergyReport()
    frames: dict[str, list[pl.DataFrame]] = defaultdict(list)
    with demo.repository.unit_of_work(tenant=demo.tenant, actor="meshkit-demo") as uow:
        communities = {
            c["community_id"]: c["id"] for c in uow.find("EnergyCommunity", first=100).items
        }
        points = {
            p["metering_point_id"]: p["id"] for p in uow.find("MeteringPoint", first=10_000).items
        }
    copy = copy_of(demo.simulator, demo.simulator_seed, demo.xsd_dir)
    days = month_days(demo.month)
    for produced in _days(copy, days, default_workers() if workers is None else workers):
        demo.clock.now = vienna(produced.day + timedelta(days=1), PUBLISHED_AT)
        with demo.repository.unit_of_work(tenant=demo.tenant, actor="meshkit-demo") as uow:
            _store_day(demo, uow, produced.arrived, communities, points)
        for item in produced.arrived:
            frames[item.ec_id].append(item.readings)
            report.messages[item.envelope.message_code] += 1
        report.days.append(produced.day)
        report.intervals[produced.day] = produced.intervals
    report.readings = {ec_id: pl.concat(parts) for ec_id, parts in sorted(frames.items())}
    return report


def _store_day(
    demo: DemoContext,
    uow: UnitOfWork,
    arrived: tuple[Arrived, ...],
    communities: dict[str, str],
    points: dict[str, str],
) -> None:
    """Keep each payload, then record its process (linked to the point) and its message."""
    processes: list[dict[str, object]] = []
    messages: list[dict[str, object]] = []
    for item in arrived:
        reference = demo.payloads.keep("in", item.envelope.message_id, item.payload)
        processes.append(
            {
                "process_code": "cr_msg",
                "conversation_id": item.envelope.conversation_id,
                "process_state": "completed",
                "initiator": "inbound",
                "grid_operator_id": item.sender,
                "process_date": item.process_date,
                "community": communities[item.ec_id],
            }
        )
        messages.append(
            message_values(
                item.envelope,
                reference,
                item.payload,
                direction="inbound",
                status="processed",
                at=item.received_at,
                process_id=None,
            )
        )
    created = uow.create_many("EdaProcess", processes) if processes else []
    for process, message, item in zip(created, messages, arrived, strict=True):
        message["process"] = process["id"]
        uow.link("EdaProcess", process["id"], "metering_points", points[item.metering_point])
    if messages:
        uow.create_many("EdaMessage", messages)
