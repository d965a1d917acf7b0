"""Demo steps after the energy data: what an operator runs at the end of a month.

Each step is an EnergyCommunity command (docs/allocation.md, docs/billing.md), called in its
own unit of work as the API or the CLI would call it:

1. `allocate`: the community's own allocation of the month from the grid operator's measured
   values (read back from the series store), stored beside the operator's values;
2. `reconcile`: ours against the operator's per metering point, meter code and day — deviations
   beyond the tolerance become findings;
3. `kpis`: the key figures of the month;
4. `bill`: a preview run, then the final run (numbered documents with their PDFs), and `sepa`:
   the pain.008 / pain.001 files of the final run's documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from meshkit.models.energy_community.behaviours.allocation import AllocationSummary
from meshkit.models.energy_community.behaviours.assets import AssetReport
from meshkit.models.energy_community.behaviours.billing import BillingRunResult, SepaResult
from meshkit.models.energy_community.behaviours.kpis import KpiReport
from meshkit.models.energy_community.behaviours.reconciliation import ReconciliationSummary
from meshkit.runtime import Entity, Repository, UnitOfWork

_ALL = 10_000
COMMUNITY = "EnergyCommunity"
ACTOR = "demo-operator"


@dataclass(frozen=True)
class CommunityData:
    """One community's members, metering points and participations, read from the database."""

    entity: Entity
    participants: tuple[Entity, ...]
    points: dict[str, Entity]  # metering point entity id -> entity
    participations: tuple[Entity, ...]  # active ones

    @property
    def id(self) -> str:
        return str(self.entity["id"])

    @property
    def ec_number(self) -> str:
        return str(self.entity["ec_number"])


@dataclass
class Settlement:
    """What the month-end commands returned for one community."""

    community: CommunityData
    allocation: AllocationSummary | None = None
    reconciliation: ReconciliationSummary | None = None
    kpis: KpiReport | None = None
    assets: AssetReport | None = None
    preview: BillingRunResult | None = None
    final: BillingRunResult | None = None
    sepa: SepaResult | None = None


def read_communities(repository: Repository, tenant: str) -> list[CommunityData]:
    with repository.unit_of_work(tenant=tenant, actor=ACTOR) as uow:
        points = {p["id"]: p for p in uow.find("MeteringPoint", first=_ALL).items}
        communities = sorted(uow.find(COMMUNITY, first=_ALL).items, key=lambda c: c["ec_number"])
        return [_community(uow, c, points) for c in communities]


def _community(uow: UnitOfWork, community: Entity, points: dict[str, Entity]) -> CommunityData:
    mine = {"attr": "community", "op": "eq", "value": community["id"]}
    participations = [
        p
        for p in uow.find("Participation", where=mine, first=_ALL).items
        if p["status"] == "active"
    ]
    return CommunityData(
        entity=community,
        participants=tuple(uow.find("Participant", where=mine, first=_ALL).items),
        points={p["metering_point"]: points[p["metering_point"]] for p in participations},
        participations=tuple(participations),
    )


def call(
    repository: Repository, tenant: str, community: CommunityData, command: str, **arguments: Any
) -> Any:
    """One command on one community in its own unit of work (committed when it returns)."""
    with repository.unit_of_work(tenant=tenant, actor=ACTOR) as uow:
        return uow.call(COMMUNITY, community.id, command, **arguments)


def allocate(repository: Repository, tenant: str, s: Settlement, month: date) -> None:
    s.allocation = call(repository, tenant, s.community, "allocate", period=month)


def reconcile(repository: Repository, tenant: str, s: Settlement, month: date) -> None:
    s.reconciliation = call(repository, tenant, s.community, "reconcile", period=month)


def key_figures(repository: Repository, tenant: str, s: Settlement, month: date) -> None:
    s.kpis = call(repository, tenant, s.community, "kpis", period=month)


def asset_check(repository: Repository, tenant: str, s: Settlement, month: date) -> None:
    """Specific yield per generation unit, and its outages stored as AssetFindings."""
    s.assets = call(repository, tenant, s.community, "assets", period=month)


def bill(repository: Repository, tenant: str, s: Settlement, month: date) -> None:
    """A preview, then the final run issued on the first day after the period, then its SEPA
    files with the collection date two weeks later."""
    s.preview = call(repository, tenant, s.community, "bill", period=month, kind="preview")
    issued = _after(month)
    s.final = call(
        repository, tenant, s.community, "bill", period=month, kind="final", issue_date=issued
    )
    s.sepa = call(
        repository,
        tenant,
        s.community,
        "sepa",
        run=s.final.run,
        collection_date=issued + timedelta(days=14),
    )


def _after(month: date) -> date:
    """The first day of the month after `month`."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def display_name(participant: Entity) -> str:
    if participant.get("company_name"):
        return str(participant["company_name"])
    return f"{participant.get('first_name') or ''} {participant.get('last_name') or ''}".strip()
