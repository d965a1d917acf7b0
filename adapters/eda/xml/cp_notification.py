"""CPNotification: the grid operator's answer to a CPRequest, an ECMPList or energy data.

ANTWORT_/ABLEHNUNG_ for CPF and PT, ABLEHNUNG_CRMSG, ABLEHNUNG_ECP; version 01.13.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from meshkit.adapters.eda.xml.namespaces import COMMON_TYPES_NS, CP_NOTIFICATION

CT = COMMON_TYPES_NS


@dataclass(frozen=True, slots=True)
class CPNotification:
    header: MessageHeader
    original_message_id: str  # the MessageId this answers
    response_codes: tuple[int, ...]
    additional_data: tuple[AdditionalData, ...] = ()


def read_cp_notification(root: t.Element, version: str) -> CPNotification:
    ns = CP_NOTIFICATION.namespace(version)
    pd = t.need(root, ns, "ProcessDirectory")
    data = t.need(pd, ns, "ResponseData")
    codes = t.find_all(data, ns, "ResponseCode")
    if not codes:
        t.need(data, ns, "ResponseCode")
    return CPNotification(
        header=read_header(root, CP_NOTIFICATION, ns, CT),
        original_message_id=t.need_text(data, ns, "OriginalMessageID"),
        response_codes=tuple(t.convert(c, t.text_of(c), "integer", t.parse_whole) for c in codes),
        additional_data=read_additional_data(pd, ns),
    )


def build_cp_notification(message: CPNotification, version: str) -> t.Element:
    ns = CP_NOTIFICATION.namespace(version)
    root = new_root(CP_NOTIFICATION, version, message.header)
    pd = t.add(root, ns, "ProcessDirectory")
    add_process_ids(pd, message.header, CT)
    data = t.add(pd, ns, "ResponseData")
    t.add(data, ns, "OriginalMessageID", message.original_message_id)
    for code in message.response_codes:
        t.add(data, ns, "ResponseCode", str(code))
    add_additional_data(pd, ns, message.additional_data)
    return root
