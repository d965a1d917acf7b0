"""Demo step: a month of energy data from the grid operator (CR_MSG / DATEN_CRMSG).

Each day the simulator sends one ConsumptionRecord per active participation (metering point ×
community) with the day's quarter hours: 96, or 92 on the spring DST day. They arrive like a
real community's: `receive` stores every delivery raw in the EDA message store and acknowledges
it, then `process_pending` parses them and loads each day's values into the series store in one
batch (`meshkit.adapters.eda.processing`): the MessageId as each value's source, a CR_MSG
EdaProcess per message linked to its metering point, the message `processed`. The month's
readings for allocation and billing are then read back from the series store.

Writing 96 × 4 positions per message with the XML codecs (XSD-validated) is the slow part of the
grid operator's side, so the days are produced in worker processes: each holds a copy of the
simulator (same configuration, same participations, same seed), so the data is exactly what the
one simulator would send; the deliveries reach the store through the `Transport` protocol
(`DayInbox`), in day order, each day processed at its publication time.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from meshkit.adapters.eda.processing import (
    SERIES,
    process_pending,
    receive,
    split_key,
)
from meshkit.adapters.eda.transport import (
    DsoSimulator,
    SimulatedCommunity,
    SimulatedMeteringPoint,
)
from meshkit.adapters.eda.transport.base import (
    Delivery,
    InboundMessage,
    OutboundMessage,
    SendReceipt,
)
from meshkit.adapters.eda.transport.errors import SendError, UnknownDeliveryError
from meshkit.adapters.readings import READINGS_SCHEMA, empty_readings
from meshkit.apps.demo.context import DemoClock, DemoContext, vienna
from meshkit.apps.demo.eda_records import eda_context

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
class Day:
    """One day's DATEN_CRMSG deliveries, as the grid operator sent them."""

    day: date
    deliveries: tuple[InboundMessage, ...]


class DayInbox:
    """A `Transport` holding one day's deliveries from the simulator (copy) that produced them:
    `receive` hands them to the message store, which acknowledges each once stored."""

    def __init__(self, deliveries: tuple[InboundMessage, ...]) -> None:
        self._pending: dict[str, Delivery] = {d.delivery_id: d for d in deliveries}

    def send(self, message: OutboundMessage) -> SendReceipt:
        raise SendError("the demo's energy inbox only receives")

    def receive(self) -> list[Delivery]:
        return list(self._pending.values())

    def acknowledge(self, delivery_id: str) -> None:
        if self._pending.pop(delivery_id, None) is None:
            raise UnknownDeliveryError(f"no pending delivery {delivery_id!r}")


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
    """The grid operator's DATEN_CRMSG deliveries for `day` (in a worker)."""
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
    return Day(day, tuple(simulator.daily_energy(day)))


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
    """Receive, store and process every day of `demo.month`, then read the month back."""
    ctx = eda_context(demo)
    report = EnergyReport()
    copy = copy_of(demo.simulator, demo.simulator_seed, demo.xsd_dir)
    days = month_days(demo.month)
    for produced in _days(copy, days, default_workers() if workers is None else workers):
        demo.clock.now = vienna(produced.day + timedelta(days=1), PUBLISHED_AT)
        received = receive(ctx, DayInbox(produced.deliveries))
        processed = process_pending(ctx)
        if processed.quarantined or received.duplicates:
            raise ValueError(
                f"{produced.day}: {processed.quarantined} DATEN_CRMSG quarantined, "
                f"{received.duplicates} duplicates (see meshkit eda inbox)"
            )
        for delivery in produced.deliveries:
            report.messages[delivery.envelope.message_code] += 1
        report.days.append(produced.day)
    report.readings = stored_readings(demo, days[0], days[-1] + timedelta(days=1))
    starts = pl.concat([f.select("start") for f in report.readings.values()]).unique()
    local = starts.select(pl.col("start").dt.convert_time_zone("Europe/Vienna").dt.date())
    report.intervals = dict(local.group_by("start").len().iter_rows())
    return report


def stored_readings(demo: DemoContext, first: date, end: date) -> dict[str, pl.DataFrame]:
    """The series store's values of [first, end) (Vienna days) as readings frames, per
    community id: keys are `<EC number>/<metering point>` (see adapters.eda.processing)."""
    ctx = eda_context(demo)
    with demo.repository.unit_of_work(tenant=demo.tenant, actor="meshkit-demo") as uow:
        ids = {
            c["ec_number"]: c["community_id"] for c in uow.find("EnergyCommunity", first=100).items
        }
    stored = ctx.series.read(
        SERIES,
        None,
        None,
        vienna(first, time(0)),
        vienna(end, time(0)),
        tenant=demo.tenant,
    )
    keys = stored["key"].unique().to_list()
    communities = {key: split_key(key) for key in keys}
    frame = stored.select(
        pl.col("key").replace_strict({k: ids[c] for k, (c, _) in communities.items()}).alias("ec"),
        pl.col("key").replace_strict({k: p for k, (_, p) in communities.items()}).alias("point"),
        "code",
        pl.col("start").dt.convert_time_zone("UTC"),
        pl.col("end").dt.convert_time_zone("UTC"),
        "value",
        "quality",
    )
    result: dict[str, pl.DataFrame] = {}
    for (ec_id,), part in sorted(frame.partition_by("ec", as_dict=True).items()):
        result[str(ec_id)] = part.select(
            pl.col("point").alias("metering_point"),
            pl.col("code").alias("meter_code"),
            "start",
            "end",
            "value",
            pl.lit("KWH").alias("unit"),
            "quality",
        ).cast(READINGS_SCHEMA)  # type: ignore[arg-type]
    return result
