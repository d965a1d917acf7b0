"""CMNotification: the grid operator's answers in consent-based processes.

ANTWORT_/ZUSTIMMUNG_/ABLEHNUNG_/ABBRUCH_ for ECON (join) and ECOF (leave), ANTWORT_CCMS /
ABLEHNUNG_CCMS for revocations; versions 01.12 and 01.20.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from meshkit.adapters.eda.xml import _tree as t
from meshkit.adapters.eda.xml.header import (
    AdditionalData,
    MessageHeader,
    add_additional_data,
    add_process_ids,
    new_root,
    read_additional_data,
    read_header,
)
from meshkit.adapters.eda.xml.namespaces import CM_NOTIFICATION, COMMON_TYPES_NS

CT = COMMON_TYPES_NS
_NEW = ("01p20",)


@dataclass(frozen=True, slots=True)
class ConsentResponse:
    """One ResponseData: the answer for one metering point (or for the whole request)."""

    response_codes: tuple[int, ...]  # e.g. (99,) received, (175,) consent given
    consent_id: str | None = None
    metering_point: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerName:
    name1: str
    name2: str | None = None


@dataclass(frozen=True, slots=True)
class CMNotification:
    header: MessageHeader
    cm_request_id: str
    responses: tuple[ConsentResponse, ...]
    customer: CustomerName | None = None
    portal_approval_url: str | None = None  # 01.20 only
    supplier: str | None = None  # 01.20 only
    start_date: date | None = None  # 01.20 only
    additional_data: tuple[AdditionalData, ...] = ()  # 01.20 only


def read_cm_notification(root: t.Element, version: str) -> CMNotification:
    ns = CM_NOTIFICATION.namespace(version)
    pd = t.need(root, ns, "ProcessDirectory")
    customer = t.find(pd, ns, "CustomerData")
    return CMNotification(
        header=read_header(root, CM_NOTIFICATION, ns, CT),
        cm_request_id=t.need_text(pd, ns, "CMRequestId"),
        responses=tuple(_read_response(el, ns) for el in _response_elements(pd, ns)),
        customer=None
        if customer is None
        else CustomerName(
            name1=t.need_text(customer, ns, "Name1"), name2=t.opt_text(customer, ns, "Name2")
        ),
        portal_approval_url=t.opt_text(pd, ns, "PortalApprovalURL"),
        supplier=t.opt_text(pd, ns, "Supplier"),
        start_date=t.read_opt_date(pd, ns, "StartDate"),
        additional_data=read_additional_data(pd, ns),
    )


def _response_elements(pd: t.Element, ns: str) -> list[t.Element]:
    found = t.find_all(pd, ns, "ResponseData")
    if not found:
        t.need(pd, ns, "ResponseData")  # raises the located "lacks" error
    return found


def _read_response(el: t.Element, ns: str) -> ConsentResponse:
    codes = t.find_all(el, ns, "ResponseCode")
    if not codes:
        t.need(el, ns, "ResponseCode")
    return ConsentResponse(
        response_codes=tuple(t.convert(c, t.text_of(c), "integer", t.parse_whole) for c in codes),
        consent_id=t.opt_text(el, ns, "ConsentId"),
        metering_point=t.opt_text(el, ns, "MeteringPoint"),
    )


def build_cm_notification(message: CMNotification, version: str) -> t.Element:
    name = CM_NOTIFICATION.name
    t.only_in(version, _NEW, name, "portal_approval_url", message.portal_approval_url)
    t.only_in(version, _NEW, name, "supplier", message.supplier)
    t.only_in(version, _NEW, name, "start_date", message.start_date)
    t.only_in(version, _NEW, name, "additional_data", message.additional_data)
    ns = CM_NOTIFICATION.namespace(version)
    root = new_root(CM_NOTIFICATION, version, message.header)
    pd = t.add(root, ns, "ProcessDirectory")
    add_process_ids(pd, message.header, CT)
    t.add(pd, ns, "CMRequestId", message.cm_request_id)
    for response in message.responses:
        data = t.add(pd, ns, "ResponseData")
        t.add_opt(data, ns, "ConsentId", response.consent_id)
        t.add_opt(data, ns, "MeteringPoint", response.metering_point)
        for code in response.response_codes:
            t.add(data, ns, "ResponseCode", str(code))
    if message.customer is not None:
        customer = t.add(pd, ns, "CustomerData")
        t.add(customer, ns, "Name1", message.customer.name1)
        t.add_opt(customer, ns, "Name2", message.customer.name2)
    t.add_opt(pd, ns, "PortalApprovalURL", message.portal_approval_url)
    t.add_opt(pd, ns, "Supplier", message.supplier)
    t.add_opt(pd, ns, "StartDate", t.fmt_opt_date(message.start_date))
    add_additional_data(pd, ns, message.additional_data)
    return root
