"""Demo step: every participation joins its community through the grid-operator simulator.

Per participation: ANFORDERUNG_ECON out (EC_REQ_ONL, CMRequest); ANTWORT_ECON (99),
ZUSTIMMUNG_ECON (175, with the consent id) and ABSCHLUSS_ECON (ECMPList) in. Everything goes
through the EDA message store (meshkit.adapters.eda.processing): the request is stored, then
sent by `send_due`; answers and gateway statuses are stored raw by `receive` and processed by
`process_pending`, whose state machine moves the EdaProcess on and updates the participation
(consent, then active with the factor and dates of ABSCHLUSS_ECON).
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from meshkit.adapters.eda.processing import process_pending, receive, send_due, store_outbound
from meshkit.adapters.eda.transport import (
    DsoSimulator,
    SimulatedCommunity,
    SimulatedMeteringPoint,
    outbound_message,
)
from meshkit.adapters.eda.xml import (
    CMRequest,
    CMRequestDetails,
    DistributionModel,
    DocumentMode,
    ECType,
    EnergyDirection,
    MessageHeader,
)
from meshkit.apps.demo.context import OUTAGE, VIENNA, DemoClock, DemoContext
from meshkit.apps.demo.eda_records import eda_context
from meshkit.runtime import Entity, Repository, UnitOfWork

GRID_AREA = "UW Mistelbach"
_EC_TYPES = {
    "eeg_local": ECType.RENEWABLE_LOCAL,
    "eeg_regional": ECType.RENEWABLE_REGIONAL,
    "beg": ECType.CC,
}
_ALL = 10_000  # more entities of a kind than the demo has


def _all(uow: UnitOfWork, class_ref: str) -> list[Entity]:
    return uow.find(class_ref, first=_ALL).items


def build_simulator(
    repository: Repository, tenant: str, clock: DemoClock, xsd_dir: Any, seed: int
) -> DsoSimulator:
    """A grid operator that knows the demo's communities and metering points (from the seed)."""
    with repository.unit_of_work(tenant=tenant, actor="meshkit-demo") as uow:
        communities = _all(uow, "EnergyCommunity")
        points = _all(uow, "MeteringPoint")
        units = _all(uow, "GenerationUnit")
        participations = _all(uow, "Participation")
        members = {p["id"]: p for p in _all(uow, "Participant")}
    peak = {u["metering_point"]: Decimal(0) for u in units}
    for unit in units:
        peak[unit["metering_point"]] += unit["peak_power"]
    owner_type = {p["metering_point"]: members[p["participant"]]["type"] for p in participations}
    operators = {c["grid_operator_id"] for c in communities}
    if len(operators) != 1:
        raise ValueError(f"the demo simulates one grid operator, the seed names {operators}")
    simulated_communities = [
        SimulatedCommunity(
            ec_id=c["community_id"],
            address=c["ec_number"],
            ec_type=_EC_TYPES.get(c["kind"], ECType.RENEWABLE_LOCAL),
            distribution_model=(
                DistributionModel.STATIC
                if c["allocation_model"] == "static"
                else DistributionModel.DYNAMIC
            ),
            areas=None if c["kind"] == "beg" else frozenset({GRID_AREA}),
        )
        for c in communities
    ]
    simulated_points = [
        SimulatedMeteringPoint(
            metering_point=p["metering_point_id"],
            direction=EnergyDirection(p["direction"].upper()),
            area=GRID_AREA,
            annual_consumption_kwh=_annual_consumption(
                p["metering_point_id"], owner_type.get(p["id"], "")
            ),
            peak_power_kw=float(peak.get(p["id"], Decimal(8))),
            outage_days=frozenset({OUTAGE[1]})
            if p["metering_point_id"] == OUTAGE[0]
            else frozenset(),
        )
        for p in points
    ]
    return DsoSimulator(
        operators.pop(),
        simulated_communities,
        simulated_points,
        clock=clock,
        xsd_dir=xsd_dir,
        validate=xsd_dir is not None,
        seed=seed,
    )


def _annual_consumption(metering_point: str, owner_type: str) -> float:
    """A plausible, fixed yearly consumption: households 2,500-5,500 kWh, organisations more."""
    spread = zlib.crc32(metering_point.encode()) % 1000 / 1000
    if owner_type.endswith("/LegalPerson"):
        return 12_000 + 24_000 * spread
    return 2_500 + 3_000 * spread


@dataclass
class OnboardingReport:
    requested: int = 0
    active: int = 0
    rejected: list[str] = field(default_factory=list)
    messages: Counter[str] = field(default_factory=Counter)


def onboard(demo: DemoContext) -> OnboardingReport:
    """Send a join request for every requested participation and process the answers."""
    report = OnboardingReport()
    repository, tenant = demo.repository, demo.tenant
    with repository.unit_of_work(tenant=tenant, actor="meshkit-demo") as uow:
        _request_all(demo, uow, report)
    send_due(eda_context(demo), demo.simulator)
    demo.clock.now += timedelta(minutes=5)
    _process_answers(demo, report)
    return report


def _request_all(demo: DemoContext, uow: UnitOfWork, report: OnboardingReport) -> None:
    """Store a join request per requested participation (sent afterwards by `send_due`)."""
    ctx = eda_context(demo)
    communities = {c["id"]: c for c in _all(uow, "EnergyCommunity")}
    points = {p["id"]: p for p in _all(uow, "MeteringPoint")}
    requested = uow.find(
        "Participation", where={"attr": "status", "op": "eq", "value": "requested"}, first=_ALL
    ).items
    requested.sort(key=lambda p: (points[p["metering_point"]]["metering_point_id"], p["id"]))
    for number, participation in enumerate(requested, start=1):
        community = communities[participation["community"]]
        point = points[participation["metering_point"]]
        stamp = demo.clock.now.astimezone(VIENNA)
        ids = f"{community['ec_number']}{stamp:%Y%m%d%H%M%S}{number:06d}"
        request = CMRequest(
            header=MessageHeader(
                sender=community["ec_number"],
                receiver=community["grid_operator_id"],
                created=demo.clock.now,
                message_code="ANFORDERUNG_ECON",
                message_id=ids,
                conversation_id=f"C{ids}",
                document_mode=DocumentMode.SIMU,
            ),
            process_date=demo.clock.now.date(),
            cm_request_id=f"Q{ids}",
            metering_point=point["metering_point_id"],
            request=CMRequestDetails(
                data_type="EnergyCommunityRegistration",
                date_from=participation["valid_from"],
                ec_id=community["community_id"],
                participation_factor=participation["participation_factor"],
                energy_direction=EnergyDirection(point["direction"].upper()),
            ),
        )
        outbound = outbound_message(request, "01p20", validate=demo.validate, xsd_dir=demo.xsd_dir)
        # Stored before it is sent: a crash in between sends it again, never loses it.
        store_outbound(
            ctx,
            uow,
            outbound,
            community=community["id"],
            metering_points=[point["id"]],
            participations=[participation["id"]],
            process_date=participation["valid_from"],
        )
        report.requested += 1
        report.messages[outbound.envelope.message_code] += 1


def _process_answers(demo: DemoContext, report: OnboardingReport) -> None:
    """Receive the gateway statuses and answers (stored raw), then process them."""
    ctx = eda_context(demo)
    received = receive(ctx, demo.simulator)
    processed = process_pending(ctx)
    if processed.quarantined:
        raise ValueError(f"{processed.quarantined} answers were quarantined (meshkit eda inbox)")
    with demo.repository.unit_of_work(tenant=demo.tenant, actor="meshkit-demo") as uow:
        for message in uow.find(
            "EdaMessage", where={"attr": "direction", "op": "eq", "value": "inbound"}, first=_ALL
        ).items:
            report.messages[message["message_code"]] += 1
        active = {"attr": "status", "op": "eq", "value": "active"}
        report.active = uow.count("Participation", active)
        for process in uow.find(
            "EdaProcess",
            where={"attr": "process_state", "op": "in", "value": ["rejected", "cancelled"]},
            first=_ALL,
        ).items:
            report.rejected.append(f"{process['conversation_id']} {process['process_state']}")
    del received


def onboarded_points(demo: DemoContext) -> Iterable[str]:
    """Metering point ids with an active participation."""
    with demo.repository.unit_of_work(tenant=demo.tenant, actor="meshkit-demo") as uow:
        points = {p["id"]: p["metering_point_id"] for p in _all(uow, "MeteringPoint")}
        active = uow.find(
            "Participation", where={"attr": "status", "op": "eq", "value": "active"}, first=_ALL
        ).items
    return sorted({points[p["metering_point"]] for p in active})
