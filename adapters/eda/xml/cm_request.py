"""CMRequest: the community asks the grid operator to add or remove a metering point.

Codes ANFORDERUNG_ECON (join) and ANFORDERUNG_ECOF (leave); versions 01.20 and 01.30.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from meshkit.adapters.eda.xml import _tree as t
from meshkit.adapters.eda.xml.enums import EnergyDirection, MeteringInterval, TransmissionCycle
from meshkit.adapters.eda.xml.header import (
    AdditionalData,
    MessageHeader,
    add_additional_data,
    add_process_ids,
    new_root,
    read_additional_data,
    read_header,
)
from meshkit.adapters.eda.xml.namespaces import CM_REQUEST, COMMON_TYPES_NS

CT = COMMON_TYPES_NS
_NEW = ("01p30",)


@dataclass(frozen=True, slots=True)
class CMRequestDetails:
    """What is requested (ReqType)."""

    data_type: str  # ReqDatType, e.g. "EnergyCommunityRegistration"
    date_from: date
    date_to: date | None = None
    metering_interval: MeteringInterval | None = None
    transmission_cycle: TransmissionCycle | None = None
    ec_id: str | None = None  # the community id
    participation_factor: int | None = None  # ECPartFact, percent 0..100
    ec_share: Decimal | None = None  # static-model share in percent
    energy_direction: EnergyDirection | None = None
    purpose: str | None = None  # 01.30 only


@dataclass(frozen=True, slots=True)
class CMRequest:
    header: MessageHeader
    process_date: date
    cm_request_id: str
    metering_point: str | None = None
    consent_id: str | None = None
    request: CMRequestDetails | None = None  # required in 01.20
    additional_data: tuple[AdditionalData, ...] = ()  # 01.30 only


def read_cm_request(root: t.Element, version: str) -> CMRequest:
    ns = CM_REQUEST.namespace(version)
    pd = t.need(root, ns, "ProcessDirectory")
    req = t.find(pd, ns, "CMRequest")
    return CMRequest(
        header=read_header(root, CM_REQUEST, ns, CT),
        process_date=t.read_date(pd, ns, "ProcessDate"),
        cm_request_id=t.need_text(pd, ns, "CMRequestId"),
        metering_point=t.opt_text(pd, ns, "MeteringPoint"),
        consent_id=t.opt_text(pd, ns, "ConsentId"),
        request=None if req is None else _read_details(req, ns),
        additional_data=read_additional_data(pd, ns),
    )


def _read_details(req: t.Element, ns: str) -> CMRequestDetails:
    return CMRequestDetails(
        data_type=t.need_text(req, ns, "ReqDatType"),
        date_from=t.read_date(req, ns, "DateFrom"),
        date_to=t.read_opt_date(req, ns, "DateTo"),
        metering_interval=t.read_opt_enum(req, ns, "MeteringIntervall", MeteringInterval),
        transmission_cycle=t.read_opt_enum(req, ns, "TransmissionCycle", TransmissionCycle),
        ec_id=t.opt_text(req, ns, "ECID"),
        participation_factor=t.read_opt_whole(req, ns, "ECPartFact"),
        ec_share=t.read_opt_decimal(req, ns, "ECShare"),
        energy_direction=t.read_opt_enum(req, ns, "EnergyDirection", EnergyDirection),
        purpose=t.opt_text(req, ns, "Purpose"),
    )


def build_cm_request(message: CMRequest, version: str) -> t.Element:
    name = CM_REQUEST.name
    t.only_in(version, _NEW, name, "additional_data", message.additional_data)
    t.only_in(version, _NEW, name, "request.purpose", message.request and message.request.purpose)
    if version not in _NEW:
        t.required_in(version, name, "request", message.request)
    ns = CM_REQUEST.namespace(version)
    root = new_root(CM_REQUEST, version, message.header)
    pd = t.add(root, ns, "ProcessDirectory")
    add_process_ids(pd, message.header, CT)
    t.add(pd, ns, "ProcessDate", message.process_date.isoformat())
    t.add_opt(pd, ns, "MeteringPoint", message.metering_point)
    t.add(pd, ns, "CMRequestId", message.cm_request_id)
    t.add_opt(pd, ns, "ConsentId", message.consent_id)
    if (details := message.request) is not None:
        req = t.add(pd, ns, "CMRequest")
        t.add(req, ns, "ReqDatType", details.data_type)
        t.add(req, ns, "DateFrom", details.date_from.isoformat())
        t.add_opt(req, ns, "DateTo", t.fmt_opt_date(details.date_to))
        t.add_opt(req, ns, "MeteringIntervall", details.metering_interval)
        t.add_opt(req, ns, "TransmissionCycle", details.transmission_cycle)
        t.add_opt(req, ns, "ECID", details.ec_id)
        t.add_opt(req, ns, "ECPartFact", t.fmt_opt_decimal(details.participation_factor))
        t.add_opt(req, ns, "ECShare", t.fmt_opt_decimal(details.ec_share))
        t.add_opt(req, ns, "EnergyDirection", details.energy_direction)
        t.add_opt(req, ns, "Purpose", details.purpose)
    add_additional_data(pd, ns, message.additional_data)
    return root
