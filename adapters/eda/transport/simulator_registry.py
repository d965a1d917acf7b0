"""What the grid-operator simulator knows: its communities and metering points (configuration)
and who takes part where with which factor (state, optionally kept in a JSON file)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from meshkit.adapters.eda.transport._files import atomic_write
from meshkit.adapters.eda.xml import DistributionModel, ECType, EnergyDirection

OPEN_END = date(9999, 12, 31)
#: Since 2024-04-08 a metering point may take part in at most this many communities at once.
MAX_PARTICIPATIONS = 5


@dataclass(frozen=True, slots=True)
class SimulatedCommunity:
    ec_id: str  # the 33-character community id, e.g. "AT00300000000RC100130000000000000"
    address: str  # its market-participant id for messaging, e.g. "RC100130"
    ec_type: ECType = ECType.RENEWABLE_LOCAL
    distribution_model: DistributionModel = DistributionModel.DYNAMIC
    areas: frozenset[str] | None = None  # grid areas it may cover; None: the whole grid (BEG)


@dataclass(frozen=True, slots=True)
class SimulatedMeteringPoint:
    metering_point: str
    direction: EnergyDirection
    area: str = "default"  # the grid area (e.g. transformer station) it is connected in
    smart_meter: bool = True
    annual_consumption_kwh: float = 3500.0  # consumers: sizes the day profile
    peak_power_kw: float = 8.0  # producers: PV peak power
    outage_days: frozenset[date] = frozenset()  # producers: days the plant produces nothing


@dataclass(slots=True)
class FactorPeriod:
    date_from: date
    factor: int  # percent


@dataclass(slots=True)
class Participation:
    """One metering point in one community, with its factor history."""

    metering_point: str
    ec_id: str
    consent_id: str
    direction: EnergyDirection
    date_from: date
    date_to: date = OPEN_END  # last day, inclusive
    factors: list[FactorPeriod] = field(default_factory=list)
    last_factor_change: date | None = None  # arrival day of the last factor change

    def active_on(self, day: date) -> bool:
        return self.date_from <= day <= self.date_to

    def factor_on(self, day: date) -> int:
        current = self.factors[0].factor
        for period in self.factors:
            if period.date_from <= day:
                current = period.factor
        return current

    def set_factor(self, day: date, factor: int) -> None:
        kept = [p for p in self.factors if p.date_from < day]
        self.factors = [*kept, FactorPeriod(day, factor)]

    def periods(self) -> list[tuple[date, date, int]]:
        """(from, to inclusive, factor) for each factor period within the participation."""
        result = []
        for i, period in enumerate(self.factors):
            start = max(period.date_from, self.date_from)
            following = (
                self.factors[i + 1].date_from - timedelta(days=1)
                if i + 1 < len(self.factors)
                else self.date_to
            )
            end = min(following, self.date_to)
            if start <= end:
                result.append((start, end, period.factor))
        return result


@dataclass(slots=True)
class SimulatorRegistry:
    grid_operator: str
    communities: dict[str, SimulatedCommunity]
    points: dict[str, SimulatedMeteringPoint]
    participations: list[Participation] = field(default_factory=list)
    counter: int = 0  # for MessageIds and ConsentIds; persisted so ids never repeat

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    def active(self, metering_point: str, day: date) -> list[Participation]:
        return [
            p
            for p in self.participations
            if p.metering_point == metering_point and p.active_on(day)
        ]

    def of_community(self, ec_id: str) -> list[Participation]:
        return [p for p in self.participations if p.ec_id == ec_id]

    def membership(self, metering_point: str, ec_id: str, day: date) -> Participation | None:
        for p in self.active(metering_point, day):
            if p.ec_id == ec_id:
                return p
        return None

    def community_by_address(self, address: str) -> list[SimulatedCommunity]:
        return [c for c in self.communities.values() if c.address == address]

    # --- persistence of the state (participations, counter) ------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "counter": self.counter,
            "participations": [
                {
                    "metering_point": p.metering_point,
                    "ec_id": p.ec_id,
                    "consent_id": p.consent_id,
                    "direction": p.direction.value,
                    "date_from": p.date_from.isoformat(),
                    "date_to": p.date_to.isoformat(),
                    "factors": [[f.date_from.isoformat(), f.factor] for f in p.factors],
                    "last_factor_change": p.last_factor_change and p.last_factor_change.isoformat(),
                }
                for p in self.participations
            ],
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.counter = int(state.get("counter", 0))
        self.participations = [
            Participation(
                metering_point=raw["metering_point"],
                ec_id=raw["ec_id"],
                consent_id=raw["consent_id"],
                direction=EnergyDirection(raw["direction"]),
                date_from=date.fromisoformat(raw["date_from"]),
                date_to=date.fromisoformat(raw["date_to"]),
                factors=[FactorPeriod(date.fromisoformat(d), int(f)) for d, f in raw["factors"]],
                last_factor_change=date.fromisoformat(raw["last_factor_change"])
                if raw.get("last_factor_change")
                else None,
            )
            for raw in state.get("participations", [])
        ]

    def save(self, path: Path) -> None:
        atomic_write(path, json.dumps(self.state(), indent=2).encode())

    def load(self, path: Path) -> None:
        if path.exists():
            self.load_state(json.loads(path.read_bytes()))
