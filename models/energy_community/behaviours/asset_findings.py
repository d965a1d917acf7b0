"""The outages `EnergyCommunity.assets` detects, stored as `AssetFinding`s the operator follows up.

One finding per community, generation unit, kind and day: an outage of a metering point is an
outage of every generation unit behind it (the point measures their sum). Like the
reconciliation's findings (behaviours/reconciliation.py), running the check again updates them
instead of adding more: other figures reopen a finding, a checked day without the outage
resolves it, and a finding whose figures did not change keeps the operator's state
(acknowledged stays acknowledged). A day counts as checked when the community's generation
points sent values for it; a point without generation units has no finding (the report still
lists its outage).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from meshkit.runtime import Entity, UnitOfWork

from .findings import Findings
from .periods import Period

FINDING = "AssetFinding"
OUTAGE = "outage"

Key = tuple[str, str, date]  # generation unit entity id, kind, day


@dataclass(frozen=True)
class Outage:
    """A day on which a point produced nothing while its peers did."""

    metering_point: str
    day: date
    quarter_hours: int
    first: datetime  # start of the first such quarter hour
    last: datetime  # start of the last one


@dataclass(frozen=True)
class AssetFindingLine:
    """One finding as this run left it."""

    id: str
    generation_unit: str  # entity id
    metering_point: str  # the 33-character id
    kind: str
    day: date
    intervals: int
    finding_state: str
    change: str  # opened, reopened, updated, unchanged, resolved


@dataclass(frozen=True)
class AssetFindingSummary:
    """What one run of the check wrote."""

    opened: int  # new findings
    reopened: int  # resolved findings found again
    updated: int  # open or acknowledged findings whose figures changed (acknowledged reopens)
    unchanged: int  # found again with the same figures: state kept
    resolved: int  # findings of a checked day without the outage now
    open_findings: int  # open findings of the period after the run
    without_unit: int  # outages of points without a generation unit: not stored
    findings: tuple[AssetFindingLine, ...] = ()


def record_outages(
    uow: UnitOfWork,
    community_id: str,
    span: Period,
    outages: Sequence[Outage],
    checked: Mapping[str, set[date]],
    units: Mapping[str, Sequence[str]],
) -> AssetFindingSummary:
    """Create, update and resolve the outage findings of `span`.

    `checked` holds the days checked per metering point, `units` the generation unit entity
    ids per metering point (points missing there have no unit)."""
    writer = _FindingWriter(uow, community_id, span, datetime.now(UTC))
    lines: list[AssetFindingLine] = []
    found: set[Key] = set()
    without_unit = 0
    for outage in outages:
        if not units.get(outage.metering_point):
            without_unit += 1
            continue
        for unit in units[outage.metering_point]:
            found.add((unit, OUTAGE, outage.day))
            lines.append(writer.found(unit, outage))
    fine = {
        (unit, OUTAGE, day)
        for point, days in checked.items()
        for unit in units.get(point, ())
        for day in days
    }
    lines += writer.fine(fine - found, {u: p for p, us in units.items() for u in us})
    return AssetFindingSummary(
        opened=writer.count["opened"],
        reopened=writer.count["reopened"],
        updated=writer.count["updated"],
        unchanged=writer.count["unchanged"],
        resolved=writer.count["resolved"],
        open_findings=writer.findings.open_count(),
        without_unit=without_unit,
        findings=tuple(sorted(lines, key=lambda f: (f.day, f.metering_point, f.generation_unit))),
    )


class _FindingWriter:
    """Creates and updates the asset findings of one community and period (findings.py)."""

    def __init__(self, uow: UnitOfWork, community_id: str, span: Period, now: datetime):
        self.findings: Findings[Key] = Findings(
            uow,
            FINDING,
            community_id,
            span,
            now,
            key_of=lambda f: (str(f["generation_unit"]), str(f["kind"]), f["day"]),
        )
        self.count = self.findings.count

    def found(self, unit: str, outage: Outage) -> AssetFindingLine:
        figures = {
            "intervals": outage.quarter_hours,
            "first_interval": outage.first.astimezone(UTC),
            "last_interval": outage.last.astimezone(UTC),
        }
        identity = {"generation_unit": unit, "kind": OUTAGE, "day": outage.day}
        key = (unit, OUTAGE, outage.day)
        entity, change = self.findings.found(key, figures, identity)
        return self._line(entity, outage.metering_point, change)

    def fine(self, keys: Iterable[Key], points: Mapping[str, str]) -> list[AssetFindingLine]:
        """Resolve the open and acknowledged findings of checked days without the outage."""
        return [
            self._line(entity, points[key[0]], "resolved")
            for key, entity in self.findings.fine(keys)
        ]

    def _line(self, entity: Entity, metering_point: str, change: str) -> AssetFindingLine:
        return AssetFindingLine(
            id=str(entity["id"]),
            generation_unit=str(entity["generation_unit"]),
            metering_point=metering_point,
            kind=str(entity["kind"]),
            day=entity["day"],
            intervals=int(entity["intervals"]),
            finding_state=str(entity["finding_state"]),
            change=change,
        )


__all__ = [
    "AssetFindingLine",
    "AssetFindingSummary",
    "Outage",
    "record_outages",
]
