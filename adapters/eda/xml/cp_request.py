"""CPRequest: the community asks for its metering-point list (ANFORDERUNG_ECP) or for energy
data to be sent again (ANFORDERUNG_PT); version 01.12."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from meshkit.adapters.eda.xml import _tree as t
from meshkit.adapters.eda.xml.enums import MeteringInterval, TransmissionCycle
from meshkit.adapters.eda.xml.header import (
    AdditionalData,
    MessageHeader,
    add_additional_data,
    add_process_ids,
    new_root,
    read_additional_data,
    read_header,
)
from meshkit.adapters.eda.xml.namespaces import COMMON_TYPES_NS, CP_REQUEST

CT = COMMON_TYPES_NS


@dataclass(frozen=True, slots=True)
class CPRequestExtension:
    """Extension: process parameters; ANFORDERUNG_PT uses DateTimeFrom/To for the period."""

    assumption_of_costs: bool = False
    grid_invoice_recipient: str | None = None  # CUSTOMER / SUPPLIER
    consumption_billing_cycle: str | None = None  # 01, 02, 03, 04, 06, 12 (months)
    transmission_cycle: TransmissionCycle | None = None  # D or M here
    metering_interval: MeteringInterval | None = None
    load_profile_type: str | None = None
    date_time_from: datetime | None = None  # written in Austrian local time
    date_time_to: datetime | None = None
    disconnection_reason: str | None = None  # 01 / 02
    email_customer: str | None = None


@dataclass(frozen=True, slots=True)
class CPRequest:
    header: MessageHeader
    process_date: date
    metering_point: str  # for ANFORDERUNG_ECP the community id
    extension: CPRequestExtension | None = None
    additional_data: tuple[AdditionalData, ...] = ()
    verification_document: str | None = None  # DOCNumber


def read_cp_request(root: t.Element, version: str) -> CPRequest:
    ns = CP_REQUEST.namespace(version)
    pd = t.need(root, ns, "ProcessDirectory")
    ext = t.find(pd, ns, "Extension")
    doc = t.find(pd, ns, "VerificationDocument")
    return CPRequest(
        header=read_header(root, CP_REQUEST, ns, CT),
        process_date=t.read_date(pd, CT, "ProcessDate"),
        metering_point=t.need_text(pd, CT, "MeteringPoint"),
        extension=None if ext is None else _read_extension(ext, ns),
        additional_data=read_additional_data(pd, ns),
        verification_document=None if doc is None else t.need_text(doc, CT, "DOCNumber"),
    )


def _read_extension(ext: t.Element, ns: str) -> CPRequestExtension:
    costs = t.need(ext, ns, "AssumptionOfCosts")
    return CPRequestExtension(
        assumption_of_costs=t.convert(costs, t.text_of(costs), "boolean", t.parse_bool),
        grid_invoice_recipient=t.opt_text(ext, ns, "GridInvoiceRecipient"),
        consumption_billing_cycle=t.opt_text(ext, ns, "ConsumptionBillingCycle"),
        transmission_cycle=t.read_opt_enum(ext, ns, "TransmissionCycle", TransmissionCycle),
        metering_interval=t.read_opt_enum(ext, ns, "MeteringIntervall", MeteringInterval),
        load_profile_type=t.opt_text(ext, ns, "LoadProfileType"),
        date_time_from=t.read_opt_datetime(ext, ns, "DateTimeFrom"),
        date_time_to=t.read_opt_datetime(ext, ns, "DateTimeTo"),
        disconnection_reason=t.opt_text(ext, ns, "DisconnectionReason"),
        email_customer=t.opt_text(ext, ns, "EmailCustomer"),
    )


def build_cp_request(message: CPRequest, version: str) -> t.Element:
    ns = CP_REQUEST.namespace(version)
    root = new_root(CP_REQUEST, version, message.header)
    pd = t.add(root, ns, "ProcessDirectory")
    add_process_ids(pd, message.header, CT)
    t.add(pd, CT, "ProcessDate", message.process_date.isoformat())
    t.add(pd, CT, "MeteringPoint", message.metering_point)
    if (x := message.extension) is not None:
        ext = t.add(pd, ns, "Extension")
        t.add_opt(ext, ns, "GridInvoiceRecipient", x.grid_invoice_recipient)
        t.add_opt(ext, ns, "ConsumptionBillingCycle", x.consumption_billing_cycle)
        t.add_opt(ext, ns, "TransmissionCycle", x.transmission_cycle)
        t.add_opt(ext, ns, "MeteringIntervall", x.metering_interval)
        t.add_opt(ext, ns, "LoadProfileType", x.load_profile_type)
        for name, moment in (("DateTimeFrom", x.date_time_from), ("DateTimeTo", x.date_time_to)):
            t.add_opt(ext, ns, name, None if moment is None else t.fmt_vienna(moment))
        t.add_opt(ext, ns, "DisconnectionReason", x.disconnection_reason)
        t.add_opt(ext, ns, "EmailCustomer", x.email_customer)
        t.add(ext, ns, "AssumptionOfCosts", t.fmt_bool(x.assumption_of_costs))
    add_additional_data(pd, ns, message.additional_data)
    if message.verification_document is not None:
        doc = t.add(pd, ns, "VerificationDocument")
        t.add(doc, CT, "DOCNumber", message.verification_document)
    return root
