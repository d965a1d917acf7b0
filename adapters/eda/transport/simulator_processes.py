"""How the simulated grid operator answers each community process (DOMAIN.md).

Each handler takes the parsed request, checks it the way a DSO does and returns the typed answers
in the order the DSO sends them, all in the request's ConversationId; accepted requests change
the registry. The checks and their response codes are listed in docs/eda-transports.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from meshkit.adapters.eda.transport.response_codes import ResponseCode
from meshkit.adapters.eda.transport.simulator_energy import (
    USUAL_CODES,
    MeterCodes,
    PointDay,
    consumption_record,
    members_day,
)
from meshkit.adapters.eda.transport.simulator_registry import (
    MAX_PARTICIPATIONS,
    OPEN_END,
    FactorPeriod,
    Participation,
    SimulatedCommunity,
    SimulatorRegistry,
)
from meshkit.adapters.eda.xml import (
    CMNotification,
    CMRequest,
    ConsentResponse,
    CPNotification,
    CPRequest,
    ECMPList,
    EdaMessage,
    MessageHeader,
    MeteringPointEntry,
    MeteringPointPeriod,
)

VIENNA = ZoneInfo("Europe/Vienna")
#: Requests arriving in this window (Vienna time) take effect the next day at the earliest.
BUSINESS_HOURS = (time(9, 0), time(17, 0))


@dataclass(slots=True)
class ProcessContext:
    registry: SimulatorRegistry
    arrived: datetime  # when the request reached the DSO (tz-aware)
    seed: int = 0  # of the simulated energy data
    meter_codes: MeterCodes = USUAL_CODES

    def new_id(self) -> str:
        """A MessageId/ConsentId: grid operator + timestamp + counter (ct:GroupingId, ≤35)."""
        stamp = self.arrived.astimezone(VIENNA).strftime("%Y%m%d%H%M%S")
        return f"{self.registry.grid_operator}{stamp}{self.registry.next_number():06d}"

    def reply_header(self, request: MessageHeader, code: str) -> MessageHeader:
        return MessageHeader(
            sender=self.registry.grid_operator,
            receiver=request.sender,
            created=self.arrived,
            message_code=code,
            message_id=self.new_id(),
            conversation_id=request.conversation_id,
            sector=request.sector,
            document_mode=request.document_mode,
        )


def earliest_effective_date(arrived: datetime) -> date:
    """The first day a request can take effect: the next day if it arrives 09:00-17:00."""
    local = arrived.astimezone(VIENNA)
    start, end = BUSINESS_HOURS
    return local.date() + timedelta(days=1) if start <= local.time() < end else local.date()


# --- EC_REQ_ONL / EC_REQ_OFF --------------------------------------------------------------------


def _cm_answer(
    ctx: ProcessContext,
    request: CMRequest,
    code: str,
    response: int,
    consent_id: str | None = None,
) -> CMNotification:
    return CMNotification(
        header=ctx.reply_header(request.header, code),
        cm_request_id=request.cm_request_id,
        responses=(
            ConsentResponse(
                (response,), consent_id=consent_id, metering_point=request.metering_point
            ),
        ),
    )


def _join_refusal(ctx: ProcessContext, request: CMRequest) -> ResponseCode | None:
    registry, details = ctx.registry, request.request
    if details is None or details.ec_id not in registry.communities:
        return ResponseCode.COMMUNITY_UNKNOWN
    community = registry.communities[details.ec_id]
    point = registry.points.get(request.metering_point or "")
    if point is None:
        return ResponseCode.METERING_POINT_NOT_FOUND
    if not point.smart_meter:
        return ResponseCode.NO_SMART_METER
    if community.areas is not None and point.area not in community.areas:
        return ResponseCode.OUTSIDE_COMMUNITY_AREA
    if details.date_from < earliest_effective_date(ctx.arrived):
        return ResponseCode.WRONG_PROCESS_DATE
    current = registry.active(point.metering_point, details.date_from)
    if len({p.ec_id for p in current} | {details.ec_id}) > MAX_PARTICIPATIONS:
        return ResponseCode.PARTICIPATION_LIMIT_EXCEEDED
    used = sum(p.factor_on(details.date_from) for p in current if p.ec_id != details.ec_id)
    if used + _factor(details.participation_factor) > 100:
        return ResponseCode.FACTOR_EXCEEDS_100
    return None


def _factor(value: int | None) -> int:
    return 100 if value is None else value


def join(ctx: ProcessContext, request: CMRequest) -> list[EdaMessage]:
    """ANFORDERUNG_ECON -> ANTWORT_ECON 99, ZUSTIMMUNG_ECON 175, ABSCHLUSS_ECON; or ABLEHNUNG."""
    refusal = _join_refusal(ctx, request)
    if refusal is not None:
        return [_cm_answer(ctx, request, "ABLEHNUNG_ECON", refusal)]
    assert request.request is not None and request.metering_point is not None  # checked above
    details, registry = request.request, ctx.registry
    point = registry.points[request.metering_point]
    existing = registry.membership(point.metering_point, str(details.ec_id), details.date_from)
    if existing is not None:  # joining again replaces the open participation from that day on
        existing.date_to = details.date_from - timedelta(days=1)
    participation = Participation(
        metering_point=point.metering_point,
        ec_id=str(details.ec_id),
        consent_id=ctx.new_id(),
        direction=details.energy_direction or point.direction,
        date_from=details.date_from,
        factors=[FactorPeriod(details.date_from, _factor(details.participation_factor))],
    )
    registry.participations.append(participation)
    community = registry.communities[participation.ec_id]
    return [
        _cm_answer(ctx, request, "ANTWORT_ECON", ResponseCode.RECEIVED),
        _cm_answer(
            ctx, request, "ZUSTIMMUNG_ECON", ResponseCode.CONSENT_GIVEN, participation.consent_id
        ),
        point_list(ctx, request.header, "ABSCHLUSS_ECON", community, [participation]),
    ]


def leave(ctx: ProcessContext, request: CMRequest) -> list[EdaMessage]:
    """ANFORDERUNG_ECOF: the participation ends the day before the requested DateFrom."""
    registry, details = ctx.registry, request.request
    if details is None or details.ec_id not in registry.communities:
        return [_cm_answer(ctx, request, "ABLEHNUNG_ECOF", ResponseCode.COMMUNITY_UNKNOWN)]
    membership = registry.membership(request.metering_point or "", details.ec_id, details.date_from)
    if membership is None:
        code = ResponseCode.METERING_POINT_NOT_FOUND
        return [_cm_answer(ctx, request, "ABLEHNUNG_ECOF", code)]
    if details.date_from < earliest_effective_date(ctx.arrived):
        return [_cm_answer(ctx, request, "ABLEHNUNG_ECOF", ResponseCode.WRONG_PROCESS_DATE)]
    membership.date_to = max(membership.date_from, details.date_from - timedelta(days=1))
    community = registry.communities[details.ec_id]
    consent = membership.consent_id
    return [
        _cm_answer(ctx, request, "ANTWORT_ECOF", ResponseCode.RECEIVED),
        _cm_answer(ctx, request, "ZUSTIMMUNG_ECOF", ResponseCode.CONSENT_GIVEN, consent),
        point_list(ctx, request.header, "ABSCHLUSS_ECOF", community, [membership]),
    ]


# --- EC_PRTFACT_CHANGE --------------------------------------------------------------------------


def _cp_answer(
    ctx: ProcessContext, request: MessageHeader, code: str, response: int
) -> CPNotification:
    return CPNotification(
        header=ctx.reply_header(request, code),
        original_message_id=request.message_id,
        response_codes=(response,),
    )


def change_factor(ctx: ProcessContext, request: ECMPList) -> list[EdaMessage]:
    """ANFORDERUNG_CPF -> ANTWORT_CPF (99) when every change fits, else ABLEHNUNG_CPF."""
    registry = ctx.registry
    if request.ec_id not in registry.communities:
        return [_cp_answer(ctx, request.header, "ABLEHNUNG_CPF", ResponseCode.COMMUNITY_UNKNOWN)]
    today = ctx.arrived.astimezone(VIENNA).date()
    changes: list[tuple[Participation, date, int]] = []
    for entry in request.metering_points:
        for period in entry.periods:
            day, factor = period.date_from, _factor(period.participation_factor)
            membership = registry.membership(entry.metering_point, request.ec_id, day)
            refusal = _factor_refusal(ctx, membership, day, factor, today)
            if refusal is not None:
                return [_cp_answer(ctx, request.header, "ABLEHNUNG_CPF", refusal)]
            assert membership is not None
            changes.append((membership, day, factor))
    for membership, day, factor in changes:
        membership.set_factor(day, factor)
        membership.last_factor_change = today
    return [_cp_answer(ctx, request.header, "ANTWORT_CPF", ResponseCode.RECEIVED)]


def _factor_refusal(
    ctx: ProcessContext, membership: Participation | None, day: date, factor: int, today: date
) -> ResponseCode | None:
    if membership is None:
        return ResponseCode.METERING_POINT_NOT_FOUND
    # A factor may change at most once a day per community and metering point.
    if day < earliest_effective_date(ctx.arrived) or membership.last_factor_change == today:
        return ResponseCode.WRONG_PROCESS_DATE
    others = ctx.registry.active(membership.metering_point, day)
    used = sum(p.factor_on(day) for p in others if p is not membership)
    if used + factor > 100:
        return ResponseCode.FACTOR_EXCEEDS_100
    return None


# --- CR_REQ_PT ------------------------------------------------------------------------------------


def resend_energy(ctx: ProcessContext, request: CPRequest) -> list[EdaMessage]:
    """ANFORDERUNG_PT (MeteringPoint, DateTimeFrom/To) -> ANTWORT_PT and one DATEN_CRMSG with an
    Energy block per asked day, in the request's ConversationId; the values are the daily data's
    (deterministic per seed, point and day). ABLEHNUNG_PT when the community is unknown (181),
    the period is missing, empty or not over yet (82), or the point was not in the community on
    every asked day (56)."""
    header = request.header
    communities = ctx.registry.community_by_address(header.sender)
    days = _asked_days(request, ctx.arrived)
    if not communities:
        return [_cp_answer(ctx, header, "ABLEHNUNG_PT", ResponseCode.COMMUNITY_UNKNOWN)]
    if not days:
        return [_cp_answer(ctx, header, "ABLEHNUNG_PT", ResponseCode.WRONG_PROCESS_DATE)]
    community = communities[0]
    found: list[tuple[date, PointDay]] = [
        (day, point_day)
        for day in days
        for point_day in members_day(ctx.registry, community, day, ctx.seed, ctx.meter_codes)
        if point_day.participation.metering_point == request.metering_point
    ]
    if len(found) != len(days):
        code = ResponseCode.METERING_POINT_NOT_FOUND
        return [_cp_answer(ctx, header, "ABLEHNUNG_PT", code)]
    data = consumption_record(
        ctx.reply_header(header, "DATEN_CRMSG"), community, ctx.arrived, found
    )
    return [_cp_answer(ctx, header, "ANTWORT_PT", ResponseCode.RECEIVED), data]


def _asked_days(request: CPRequest, arrived: datetime) -> list[date]:
    """The days DateTimeFrom..DateTimeTo covers (Vienna); none if one is today or later."""
    extension = request.extension
    if extension is None or extension.date_time_from is None or extension.date_time_to is None:
        return []
    first = extension.date_time_from.astimezone(VIENNA).date()
    last = (extension.date_time_to - timedelta(microseconds=1)).astimezone(VIENNA).date()
    if last < first or last >= arrived.astimezone(VIENNA).date():
        return []
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- EC_PODLIST ---------------------------------------------------------------------------------


def list_points(ctx: ProcessContext, request: CPRequest) -> list[EdaMessage]:
    """ANFORDERUNG_ECP (MeteringPoint = community id) -> SENDEN_ECP, or ABLEHNUNG_ECP."""
    community = ctx.registry.communities.get(request.metering_point)
    if community is None:
        return [_cp_answer(ctx, request.header, "ABLEHNUNG_ECP", ResponseCode.COMMUNITY_UNKNOWN)]
    members = ctx.registry.of_community(community.ec_id)
    if not members:  # an ECMPList needs at least one metering point
        code = ResponseCode.METERING_POINT_NOT_FOUND
        return [_cp_answer(ctx, request.header, "ABLEHNUNG_ECP", code)]
    return [point_list(ctx, request.header, "SENDEN_ECP", community, members)]


def point_list(
    ctx: ProcessContext,
    request: MessageHeader,
    code: str,
    community: SimulatedCommunity,
    members: list[Participation],
) -> ECMPList:
    entries = tuple(
        MeteringPointEntry(
            metering_point=p.metering_point,
            consent_id=p.consent_id,
            periods=tuple(
                MeteringPointPeriod(
                    date_from=start,
                    date_to=end,
                    date_activate=p.date_from,
                    energy_direction=p.direction,
                    participation_factor=factor,
                    date_deactivate=p.date_to if end == p.date_to != OPEN_END else None,
                )
                for start, end, factor in p.periods()
            ),
        )
        for p in members
    )
    return ECMPList(
        header=ctx.reply_header(request, code),
        process_date=ctx.arrived.astimezone(VIENNA).date(),
        metering_points=entries,
        ec_id=community.ec_id,
        ec_type=community.ec_type,
        distribution_model=community.distribution_model,
    )
