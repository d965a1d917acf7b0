"""Demo step: every participation joins its community through the grid-operator simulator.

Per participation: ANFORDERUNG_ECON out (EC_REQ_ONL, CMRequest); ANTWORT_ECON (99),
ZUSTIMMUNG_ECON (175, with the consent id) and ABSCHLUSS_ECON (ECMPList) in. Each process and
message is recorded (EdaProcess, EdaMessage); the participation gets its consent and becomes
active with ABSCHLUSS_ECON, or rejected with an ABLEHNUNG_ECON.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from meshkit.adapters.eda.transport import (
    DsoSimulator,
    InboundMessage,
    SimulatedCommunity,
    SimulatedMeteringPoint,
    StatusEvent,
    outbound_message,
)
from meshkit.adapters.eda.xml import (
    CMNotification,
    CMRequest,
    CMRequestDetails,
    DistributionModel,
    DocumentMode,
    ECMPList,
    ECType,
    EnergyDirection,
    MessageHeader,
    read_document,
)
from meshkit.apps.demo.context import VIENNA, DemoClock, DemoContext
from meshkit.apps.demo.eda_records import record_message
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
    demo.clock.now += timedelta(minutes=5)
    with repository.unit_of_work(tenant=tenant, actor="meshkit-demo") as uow:
        _process_answers(demo, uow, report)
    return report


def _request_all(demo: DemoContext, uow: UnitOfWork, report: OnboardingReport) -> None:
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
        process = uow.create(
            "EdaProcess",
            {
                "process_code": "ec_req_onl",
                "conversation_id": outbound.envelope.conversation_id,
                "process_state": "awaiting_response",
                "initiator": "outbound",
                "grid_operator_id": community["grid_operator_id"],
                "process_date": participation["valid_from"],
                "deadline": demo.clock.now + timedelta(days=14),
                "community": community["id"],
            },
        )
        uow.link("EdaProcess", process["id"], "metering_points", point["id"])
        uow.link("EdaProcess", process["id"], "participations", participation["id"])
        # Stored before it is sent: a crash in between sends it again, never loses it.
        record_message(
            uow,
            demo.payloads,
            outbound.envelope,
            outbound.payload,
            direction="outbound",
            status="sent",
            at=demo.clock.now,
            process_id=process["id"],
        )
        demo.simulator.send(outbound)
        report.requested += 1
        report.messages[outbound.envelope.message_code] += 1


def _process_answers(demo: DemoContext, uow: UnitOfWork, report: OnboardingReport) -> None:
    processes = {
        p["conversation_id"]: p
        for p in uow.find(
            "EdaProcess", where={"attr": "process_code", "op": "eq", "value": "ec_req_onl"}
        ).items
    }
    for delivery in demo.simulator.receive():
        if isinstance(delivery, StatusEvent):
            _gateway_status(uow, delivery)
        else:
            _answer(demo, uow, delivery, processes, report)
        demo.simulator.acknowledge(delivery.delivery_id)


def _gateway_status(uow: UnitOfWork, event: StatusEvent) -> None:
    found = uow.find(
        "EdaMessage", where={"attr": "message_id", "op": "eq", "value": event.message_id}
    ).items
    status = {"sent": "sent", "delivered": "delivered", "rejected": "rejected"}[event.status.value]
    for message in found:
        if message["status"] != status:
            uow.update("EdaMessage", message["id"], {"status": status}, message["version"])


def _answer(
    demo: DemoContext,
    uow: UnitOfWork,
    delivery: InboundMessage,
    processes: dict[str, Entity],
    report: OnboardingReport,
) -> None:
    envelope = delivery.envelope
    process = processes.get(envelope.conversation_id)
    answer = read_document(delivery.payload, validate=demo.validate, xsd_dir=demo.xsd_dir)
    codes: tuple[int, ...] = ()
    if isinstance(answer, CMNotification):
        codes = tuple(c for r in answer.responses for c in r.response_codes)
    record_message(
        uow,
        demo.payloads,
        envelope,
        delivery.payload,
        direction="inbound",
        status="processed" if process is not None else "quarantined",
        at=delivery.received_at,
        process_id=None if process is None else process["id"],
        response_codes=codes,
    )
    report.messages[envelope.message_code] += 1
    if process is None:
        return
    participations = uow.links("EdaProcess", process["id"], "participations")
    code = envelope.message_code
    for link in participations:
        participation = uow.get("Participation", link["id"])
        changes: dict[str, Any] = {}
        if code == "ZUSTIMMUNG_ECON" and isinstance(answer, CMNotification):
            consent = next((r.consent_id for r in answer.responses if r.consent_id), None)
            if consent is not None:
                changes = {
                    "status": "consent_pending",
                    "consent": {"consent_id": consent, "given_at": delivery.received_at},
                }
        elif code == "ABSCHLUSS_ECON" and isinstance(answer, ECMPList):
            changes = {"status": "active"}
            report.active += 1
        elif code.startswith(("ABLEHNUNG", "ABBRUCH")):
            changes = {"status": "rejected"}
            report.rejected.append(f"{code} {codes}")
        if changes:
            uow.update("Participation", participation["id"], changes, participation["version"])
    state = {"ABSCHLUSS_ECON": "completed"}.get(code)
    if code.startswith(("ABLEHNUNG", "ABBRUCH")):
        state = "rejected"
    if state is not None:
        current = uow.get("EdaProcess", process["id"])
        uow.update("EdaProcess", process["id"], {"process_state": state}, current["version"])


def onboarded_points(demo: DemoContext) -> Iterable[str]:
    """Metering point ids with an active participation."""
    with demo.repository.unit_of_work(tenant=demo.tenant, actor="meshkit-demo") as uow:
        points = {p["id"]: p["metering_point_id"] for p in _all(uow, "MeteringPoint")}
        active = uow.find(
            "Participation", where={"attr": "status", "op": "eq", "value": "active"}, first=_ALL
        ).items
    return sorted({points[p["metering_point"]] for p in active})
