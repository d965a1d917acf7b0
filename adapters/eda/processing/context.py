"""What every processing step needs: the repository, the series store, tenant, clock, config."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from meshkit.adapters.eda.processing.config import ProcessingConfig
from meshkit.adapters.eda.transport import Clock
from meshkit.runtime import Repository, UnitOfWork
from meshkit.runtime.series import SeriesStore


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class EdaContext:
    """One tenant's EDA processing on one database.

    `series` is the store energy data goes to; `clock` is injectable (tests, the demo).
    """

    repository: Repository
    series: SeriesStore
    tenant: str
    config: ProcessingConfig = field(default_factory=ProcessingConfig)
    actor: str = "meshkit-eda"
    clock: Clock = utc_now
    _communities: dict[str, str] = field(default_factory=dict)  # EC number -> entity id
    _points: dict[str, str] = field(default_factory=dict)  # metering point id -> entity id

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        with self.repository.unit_of_work(tenant=self.tenant, actor=self.actor) as uow:
            yield uow

    def community_id(self, uow: UnitOfWork, ec_number: str) -> str | None:
        """The EnergyCommunity entity id of an EC number (cached; None if unknown)."""
        found = self._communities.get(ec_number)
        if found is None:
            items = uow.find(
                "EnergyCommunity",
                where={"attr": "ec_number", "op": "eq", "value": ec_number},
                first=1,
            ).items
            if not items:
                return None
            found = self._communities[ec_number] = str(items[0]["id"])
        return found

    def metering_point_id(self, uow: UnitOfWork, metering_point: str) -> str | None:
        """The MeteringPoint entity id of a 33-character id (cached; None if unknown)."""
        found = self._points.get(metering_point)
        if found is None:
            items = uow.find(
                "MeteringPoint",
                where={"attr": "metering_point_id", "op": "eq", "value": metering_point},
                first=1,
            ).items
            if not items:
                return None
            found = self._points[metering_point] = str(items[0]["id"])
        return found

    def metering_point_ids(self, uow: UnitOfWork, metering_points: set[str]) -> dict[str, str]:
        """Entity ids of the known ones among `metering_points` (one query for those not
        cached yet)."""
        missing = sorted(m for m in metering_points if m not in self._points)
        for start in range(0, len(missing), 500):
            part = missing[start : start + 500]
            for item in uow.find(
                "MeteringPoint",
                where={"attr": "metering_point_id", "op": "in", "value": part},
                first=len(part),
            ).items:
                self._points[str(item["metering_point_id"])] = str(item["id"])
        return {m: self._points[m] for m in metering_points if m in self._points}
