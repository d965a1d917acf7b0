"""The community's requests to its grid operator, started by an operator.

    started = request_onboarding(ctx, uow, community_id, "AT00300...", date_from=..., factor=60)
    started = request_factor_change(ctx, uow, community_id, point, factor=40, date_from=...)
    started = request_leave(ctx, uow, community_id, point, date_from=...)
    started = request_point_list(ctx, uow, community_id)
    started = request_energy_resend(ctx, uow, community_id, point, date_from=..., date_to=...)

Each checks its input against the community's data, builds the document with the XML writers
(XSD-validated as configured), and stores it with `store_outbound` in the caller's unit of work:
the request starts its EdaProcess and is queued; `send_due` sends it. Input that cannot make a
valid request raises `RequestError` naming the argument (`field`), before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from meshkit.adapters.eda.processing.context import EdaContext
from meshkit.adapters.eda.processing.processor import new_message_id
from meshkit.adapters.eda.processing.store import store_outbound
from meshkit.adapters.eda.transport import OutboundMessage, outbound_message
from meshkit.adapters.eda.xml import (
    CMRequest,
    CMRequestDetails,
    CPRequest,
    CPRequestExtension,
    DistributionModel,
    ECMPList,
    ECType,
    EnergyDirection,
    MessageHeader,
    MeteringPointEntry,
    MeteringPointPeriod,
)
from meshkit.runtime import Entity, UnitOfWork

VIENNA = ZoneInfo("Europe/Vienna")
OPEN_END = date(9999, 12, 31)
#: Schema versions of the requests (CMRequest 01.30 and ECMPList 01.20 apply from 2026-10).
CM_REQUEST_VERSION = "01p20"
ECMP_LIST_VERSION = "01p10"
CP_REQUEST_VERSION = "01p12"
_EC_TYPES = {
    "eeg_local": ECType.RENEWABLE_LOCAL,
    "eeg_regional": ECType.RENEWABLE_REGIONAL,
    "beg": ECType.CC,
}
#: Participations that count against the 100 % of a metering point on a day; an inactive one
#: only up to its valid_to (one ended by a factor change still counts until then).
_COUNTING = ("consent_pending", "active", "leaving", "inactive")


class RequestError(ValueError):
    """An operator's request that cannot be sent; `field` names the argument at fault."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


@dataclass(frozen=True)
class StartedProcess:
    """A request stored and queued for sending, and the EDA process it started."""

    process: str  # the EdaProcess id
    message: str  # the outbound EdaMessage id
    process_code: str  # EC_REQ_ONL, EC_PRTFACT_CHANGE, EC_REQ_OFF, EC_PODLIST, CR_REQ_PT
    message_code: str
    message_id: str
    conversation_id: str


def request_onboarding(
    ctx: EdaContext,
    uow: UnitOfWork,
    community_id: str,
    metering_point: str,
    *,
    date_from: date,
    factor: int | None = None,
) -> StartedProcess:
    """EC_REQ_ONL: ANFORDERUNG_ECON for the metering point's requested (or rejected)
    participation in the community; `factor` and `date_from` are written to it first."""
    community = uow.get("EnergyCommunity", community_id)
    point = _point(uow, metering_point)
    _not_past(ctx, date_from)
    if factor is not None:
        _factor_in_range(factor)
    found = _participations(uow, community_id, point["id"], ("requested", "rejected"))
    if not found:
        raise RequestError(
            "no-requested-participation",
            f"{metering_point} has no requested participation in {community['name']}: "
            "create it (member, factor, valid from) first",
            "metering_point",
        )
    participation = found[0]
    factor = participation["participation_factor"] if factor is None else factor
    _fits(_factor_used(uow, point["id"], date_from, exclude=participation["id"]), factor)
    wanted = {"valid_from": date_from, "status": "requested", "participation_factor": factor}
    changes = {k: v for k, v in wanted.items() if participation.get(k) != v}
    if changes:  # checked first: a refused request writes nothing, whoever calls it
        participation = uow.update(
            "Participation", participation["id"], changes, participation["version"]
        )
    return _cm_request(
        ctx, uow, "ANFORDERUNG_ECON", community, point, metering_point, participation, date_from
    )


def request_factor_change(
    ctx: EdaContext,
    uow: UnitOfWork,
    community_id: str,
    metering_point: str,
    *,
    factor: int,
    date_from: date,
) -> StartedProcess:
    """EC_PRTFACT_CHANGE: ANFORDERUNG_CPF (an ECMPList) with the new factor from `date_from`."""
    community = uow.get("EnergyCommunity", community_id)
    point = _point(uow, metering_point)
    _not_past(ctx, date_from)
    _factor_in_range(factor)
    participation = _active(uow, community, point, metering_point, date_from)
    if participation["participation_factor"] == factor:
        raise RequestError("factor-unchanged", f"the factor is already {factor} %", "factor")
    _fits(_factor_used(uow, point["id"], date_from, exclude=participation["id"]), factor)
    request = ECMPList(
        header=_header(ctx, community, "ANFORDERUNG_CPF"),
        process_date=date_from,
        ec_id=community["community_id"],
        ec_type=_EC_TYPES.get(str(community.get("kind")), ECType.RENEWABLE_LOCAL),
        distribution_model=(
            DistributionModel.STATIC
            if community.get("allocation_model") == "static"
            else DistributionModel.DYNAMIC
        ),
        metering_points=(
            MeteringPointEntry(
                metering_point,
                (
                    MeteringPointPeriod(
                        date_from=date_from,
                        date_to=participation.get("valid_to") or OPEN_END,
                        date_activate=participation["valid_from"],
                        energy_direction=EnergyDirection(str(point["direction"]).upper()),
                        participation_factor=factor,
                    ),
                ),
            ),
        ),
    )
    return _store(
        ctx,
        uow,
        _outbound(ctx, request, ECMP_LIST_VERSION),
        community,
        points=[point["id"]],
        participations=[participation["id"]],
        process_date=date_from,
    )


def request_leave(
    ctx: EdaContext, uow: UnitOfWork, community_id: str, metering_point: str, *, date_from: date
) -> StartedProcess:
    """EC_REQ_OFF: ANFORDERUNG_ECOF; the participation ends the day before `date_from`."""
    community = uow.get("EnergyCommunity", community_id)
    point = _point(uow, metering_point)
    _not_past(ctx, date_from)
    participation = _active(uow, community, point, metering_point, date_from)
    return _cm_request(
        ctx, uow, "ANFORDERUNG_ECOF", community, point, metering_point, participation, date_from
    )


def request_point_list(ctx: EdaContext, uow: UnitOfWork, community_id: str) -> StartedProcess:
    """EC_PODLIST: ANFORDERUNG_ECP (the metering point of a CPRequest is the community id)."""
    community = uow.get("EnergyCommunity", community_id)
    today = ctx.now().astimezone(VIENNA).date()
    request = CPRequest(
        header=_header(ctx, community, "ANFORDERUNG_ECP"),
        process_date=today,
        metering_point=community["community_id"],
    )
    return _store(ctx, uow, _outbound(ctx, request, CP_REQUEST_VERSION), community)


def request_energy_resend(
    ctx: EdaContext,
    uow: UnitOfWork,
    community_id: str,
    metering_point: str,
    *,
    date_from: date,
    date_to: date,
) -> StartedProcess:
    """CR_REQ_PT: ANFORDERUNG_PT, the point's energy data of the days date_from..date_to
    (included) again; the grid operator answers ANTWORT_PT and one DATEN_CRMSG."""
    community = uow.get("EnergyCommunity", community_id)
    point = _point(uow, metering_point)
    if date_to < date_from:
        raise RequestError(
            "date-order", f"the last day {date_to} is before the first, {date_from}", "date_to"
        )
    today = ctx.now().astimezone(VIENNA).date()
    if date_to >= today:
        raise RequestError(
            "period-not-over",
            f"data exists for finished days only: the last day is yesterday "
            f"({(today - timedelta(days=1)).isoformat()}) at the latest",
            "date_to",
        )
    start = datetime.combine(date_from, time(0), VIENNA)
    end = datetime.combine(date_to + timedelta(days=1), time(0), VIENNA)
    request = CPRequest(
        header=_header(ctx, community, "ANFORDERUNG_PT"),
        process_date=today,
        metering_point=metering_point,
        extension=CPRequestExtension(date_time_from=start, date_time_to=end),
    )
    return _store(
        ctx, uow, _outbound(ctx, request, CP_REQUEST_VERSION), community, points=[point["id"]]
    )


# -- checks ------------------------------------------------------------------------------------


def _point(uow: UnitOfWork, metering_point: str) -> Entity:
    items = uow.find(
        "MeteringPoint",
        where={"attr": "metering_point_id", "op": "eq", "value": metering_point},
        first=1,
    ).items
    if not items:
        raise RequestError(
            "unknown-metering-point",
            f"no metering point {metering_point!r} in this tenant "
            "(33 characters, e.g. AT0030000000000000000000100202001)",
            "metering_point",
        )
    return items[0]


def _not_past(ctx: EdaContext, day: date) -> None:
    today = ctx.now().astimezone(VIENNA).date()
    if day < today:
        raise RequestError(
            "date-in-past",
            f"{day.isoformat()} is in the past; the earliest date is today, {today.isoformat()}",
            "date_from",
        )


def _factor_in_range(factor: int) -> None:
    if not 1 <= factor <= 100:
        raise RequestError(
            "factor-out-of-range", f"a participation factor is 1 to 100 %, not {factor}", "factor"
        )


def _fits(used: int, factor: int) -> None:
    if used + factor > 100:
        raise RequestError(
            "factor-exceeds-100",
            f"the metering point's other communities use {used} % on that day; "
            f"{factor} % more exceeds 100 % (at most {100 - used} %)",
            "factor",
        )


def _participations(
    uow: UnitOfWork, community_id: str, point_id: str, statuses: tuple[str, ...]
) -> list[Entity]:
    return uow.find(
        "Participation",
        where={
            "and": [
                {"attr": "community", "op": "eq", "value": community_id},
                {"attr": "metering_point", "op": "eq", "value": point_id},
                {"attr": "status", "op": "in", "value": list(statuses)},
            ]
        },
        order_by=["-valid_from"],
        first=10,
    ).items


def _valid_on(participation: Entity, day: date) -> bool:
    end = participation.get("valid_to")
    return participation["valid_from"] <= day and (end is None or day <= end)


def _active(
    uow: UnitOfWork, community: Entity, point: Entity, metering_point: str, day: date
) -> Entity:
    for participation in _participations(uow, community["id"], point["id"], ("active",)):
        if _valid_on(participation, day):
            return participation
    raise RequestError(
        "no-active-participation",
        f"{metering_point} has no active participation in {community['name']} on {day.isoformat()}",
        "metering_point",
    )


def _factor_used(uow: UnitOfWork, point_id: str, day: date, *, exclude: str) -> int:
    """The factors of the point's other participations valid on `day`, added up."""
    items = uow.find(
        "Participation",
        where={
            "and": [
                {"attr": "metering_point", "op": "eq", "value": point_id},
                {"attr": "status", "op": "in", "value": list(_COUNTING)},
            ]
        },
        first=100,
    ).items
    return sum(
        int(p["participation_factor"])
        for p in items
        if p["id"] != exclude
        and _valid_on(p, day)
        and (p["status"] != "inactive" or p.get("valid_to") is not None)
    )


# -- building and storing ----------------------------------------------------------------------


def _cm_request(
    ctx: EdaContext,
    uow: UnitOfWork,
    code: str,
    community: Entity,
    point: Entity,
    metering_point: str,
    participation: Entity,
    date_from: date,
) -> StartedProcess:
    """A CMRequest (joining with ANFORDERUNG_ECON, leaving with ANFORDERUNG_ECOF) for the
    point's participation, stored and queued."""
    header = _header(ctx, community, code)
    request = CMRequest(
        header=header,
        process_date=date_from,
        cm_request_id="Q" + header.message_id[:34],
        metering_point=metering_point,
        request=CMRequestDetails(
            data_type="EnergyCommunityRegistration",
            date_from=date_from,
            ec_id=community["community_id"],
            participation_factor=participation["participation_factor"],
            energy_direction=EnergyDirection(str(point["direction"]).upper()),
        ),
    )
    return _store(
        ctx,
        uow,
        _outbound(ctx, request, CM_REQUEST_VERSION),
        community,
        points=[point["id"]],
        participations=[participation["id"]],
        process_date=date_from,
    )


def _header(ctx: EdaContext, community: Entity, code: str) -> MessageHeader:
    sender = str(community["ec_number"])
    message_id = new_message_id(sender)
    return MessageHeader(
        sender=sender,
        receiver=str(community["grid_operator_id"]),
        created=ctx.now(),
        message_code=code,
        message_id=message_id,
        conversation_id=new_message_id(sender),
    )


def _outbound(ctx: EdaContext, document: Any, version: str) -> OutboundMessage:
    return outbound_message(
        document, version, validate=ctx.config.validate, xsd_dir=ctx.config.xsd_dir
    )


def _store(
    ctx: EdaContext,
    uow: UnitOfWork,
    outbound: OutboundMessage,
    community: Entity,
    *,
    points: list[str] | None = None,
    participations: list[str] | None = None,
    process_date: date | None = None,
) -> StartedProcess:
    message = store_outbound(
        ctx,
        uow,
        outbound,
        community=community["id"],
        metering_points=points or (),
        participations=participations or (),
        process_date=process_date,
    )
    stored = uow.get("EdaMessage", message)
    envelope = outbound.envelope
    return StartedProcess(
        process=str(stored["process"]),
        message=message,
        process_code=str(envelope.process),
        message_code=envelope.message_code,
        message_id=envelope.message_id,
        conversation_id=envelope.conversation_id,
    )


__all__ = [
    "RequestError",
    "StartedProcess",
    "request_energy_resend",
    "request_factor_change",
    "request_leave",
    "request_onboarding",
    "request_point_list",
]
