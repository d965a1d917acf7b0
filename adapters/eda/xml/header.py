"""The header every ebUtilities message starts with.

`MessageHeader` joins the MarketParticipantDirectory (routing, sector, message code) with the
MessageId and ConversationId that open every ProcessDirectory, because together they are what a
transport routes, correlates and acknowledges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from meshkit.adapters.eda.xml import _tree as t
from meshkit.adapters.eda.xml.enums import AddressType, DocumentMode
from meshkit.adapters.eda.xml.errors import EdaWriteError, UnknownMessageCodeError
from meshkit.adapters.eda.xml.namespaces import COMMON_TYPES_NS, SchemaSpec, header_version

CT = COMMON_TYPES_NS


@dataclass(frozen=True, slots=True)
class MessageHeader:
    """Routing and identity of one message."""

    sender: str  # market participant id, e.g. "AT003000" or "RC100130"
    receiver: str
    created: datetime  # DocumentCreationDateTime
    message_code: str  # e.g. "ANFORDERUNG_ECON"
    message_id: str
    conversation_id: str  # ties the messages of one process together
    sector: str = "01"  # 01 = electricity
    document_mode: DocumentMode = DocumentMode.PROD
    duplicate: bool = False
    sender_type: AddressType = AddressType.EC_NUMBER
    receiver_type: AddressType = AddressType.EC_NUMBER


@dataclass(frozen=True, slots=True)
class AdditionalData:
    """A free name/value pair (ct:AdditionalData)."""

    name: str
    value: str


def read_header(root: t.Element, spec: SchemaSpec, ns: str, ids_ns: str) -> MessageHeader:
    """Read the header; `ids_ns` is where MessageId/ConversationId live (ECMPList: its own ns)."""
    mpd = t.need(root, ns, "MarketParticipantDirectory")
    routing = t.need(mpd, CT, "RoutingHeader")
    sender = t.need(routing, CT, "Sender")
    receiver = t.need(routing, CT, "Receiver")
    created_el = t.need(routing, CT, "DocumentCreationDateTime")
    code_el = t.need(mpd, ns, "MessageCode")
    code = t.text_of(code_el)
    if code not in spec.message_codes:
        raise UnknownMessageCodeError(
            f"message code {code!r} is not one {spec.name} carries here; known: "
            f"{', '.join(sorted(spec.message_codes))}",
            line=t.line_of(code_el),
        )
    pd = t.need(root, ns, "ProcessDirectory")
    duplicate_raw = t.need_attr(mpd, "Duplicate")
    return MessageHeader(
        sender=t.need_text(sender, CT, "MessageAddress"),
        receiver=t.need_text(receiver, CT, "MessageAddress"),
        created=t.convert(created_el, t.text_of(created_el), "date-time", datetime.fromisoformat),
        message_code=code,
        message_id=t.need_text(pd, ids_ns, "MessageId"),
        conversation_id=t.need_text(pd, ids_ns, "ConversationId"),
        sector=t.need_text(mpd, CT, "Sector"),
        document_mode=t.convert(
            mpd, t.need_attr(mpd, "DocumentMode"), "DocumentMode", DocumentMode
        ),
        duplicate=t.convert(mpd, duplicate_raw, "boolean", t.parse_bool),
        sender_type=t.convert(
            sender, t.need_attr(sender, "AddressType"), "AddressType", AddressType
        ),
        receiver_type=t.convert(
            receiver, t.need_attr(receiver, "AddressType"), "AddressType", AddressType
        ),
    )


def read_additional_data(parent: t.Element, ns: str) -> tuple[AdditionalData, ...]:
    return tuple(
        AdditionalData(name=t.need_attr(el, "Name"), value=t.text_of(el))
        for el in t.find_all(parent, ns, "AdditionalData")
    )


def new_root(spec: SchemaSpec, version: str, header: MessageHeader) -> t.Element:
    """The root element with its MarketParticipantDirectory written."""
    if header.message_code not in spec.message_codes:
        raise EdaWriteError(
            f"message code {header.message_code!r} does not belong in a {spec.name}; use one of "
            f"{', '.join(sorted(spec.message_codes))}"
        )
    ns = spec.namespace(version)
    root = etree.Element(f"{{{ns}}}{spec.name}", nsmap={"cp": ns, "ct": CT})
    mpd = t.add(root, ns, "MarketParticipantDirectory")
    mpd.set("DocumentMode", header.document_mode.value)
    mpd.set("Duplicate", t.fmt_bool(header.duplicate))
    mpd.set("SchemaVersion", header_version(version))
    routing = t.add(mpd, CT, "RoutingHeader")
    for name, address, kind in (
        ("Sender", header.sender, header.sender_type),
        ("Receiver", header.receiver, header.receiver_type),
    ):
        party = t.add(routing, CT, name)
        party.set("AddressType", kind.value)
        t.add(party, CT, "MessageAddress", address)
    t.add(routing, CT, "DocumentCreationDateTime", t.fmt_datetime(header.created))
    t.add(mpd, CT, "Sector", header.sector)
    t.add(mpd, ns, "MessageCode", header.message_code)
    return root


def add_process_ids(pd: t.Element, header: MessageHeader, ids_ns: str) -> None:
    t.add(pd, ids_ns, "MessageId", header.message_id)
    t.add(pd, ids_ns, "ConversationId", header.conversation_id)


def add_additional_data(parent: t.Element, ns: str, items: tuple[AdditionalData, ...]) -> None:
    # Declared locally in each schema, so AdditionalData takes the schema's namespace, not ct's.
    for item in items:
        t.add(parent, ns, "AdditionalData", item.value).set("Name", item.name)
