"""The PONTON X/P webservice envelopes (OutboundDocument.xsd / InboundDocument.xsd, v320).

    <OutboundDocument xmlns="http://xp.ponton.de/eda/v320">
      <Header> MessageId, ConversationId?, SenderId, ReceiverId, MessageType, MessageVersion,
               LogInfo? </Header>                      (InboundDocument adds
      <Message> the ebUtilities document </Message>     HubDocumentReceiveDateTime?)
    </OutboundDocument>

The adapter speaks SOAP 1.1, so the envelope travels in a soap:Envelope/soap:Body; reading accepts
it bare or in SOAP 1.1/1.2. The XSDs themselves do not compile in libxml2 (README of shared/eda),
so the structure is checked here by hand; parsing is the hardened one (no DOCTYPE, no entities).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from meshkit.adapters.eda.transport.base import Envelope, GatewayStatus
from meshkit.adapters.eda.transport.errors import EnvelopeError
from meshkit.adapters.eda.xml import EdaDocumentError
from meshkit.adapters.eda.xml.parser import parse_document

PONTON_NS = "http://xp.ponton.de/eda/v320"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
#: SOAPAction of the adapter's outbound operation.
OUTBOUND_SOAP_ACTION = f"{PONTON_NS}/outboundDocument"

Element = etree._Element


@dataclass(frozen=True, slots=True)
class PontonDocument:
    """A parsed Inbound- or OutboundDocument."""

    envelope: Envelope
    payload: bytes  # the ebUtilities document inside <Message>, serialised on its own
    log_info: str | None = None
    hub_received: datetime | None = None  # HubDocumentReceiveDateTime (inbound only)


def _q(name: str) -> str:
    return f"{{{PONTON_NS}}}{name}"


def _add(parent: Element, name: str, text: str) -> None:
    etree.SubElement(parent, _q(name)).text = text


def build_document(
    root_name: str,
    envelope: Envelope,
    payload: bytes,
    *,
    message_type: str | None = None,
    log_info: str | None = None,
    hub_received: datetime | None = None,
    soap: bool = True,
) -> bytes:
    """An `OutboundDocument` or `InboundDocument` carrying `payload`, optionally in SOAP 1.1.

    `message_type` defaults to the message code (e.g. ANFORDERUNG_ECON); some installations
    expect the process code instead (EC_REQ_ONL), so it can be given.
    """
    try:
        message = parse_document(payload)
    except EdaDocumentError as exc:
        raise EnvelopeError(f"the payload is not a readable EDA document: {exc}") from None
    root = etree.Element(_q(root_name), nsmap={"xp": PONTON_NS})
    header = etree.SubElement(root, _q("Header"))
    _add(header, "MessageId", envelope.message_id)
    _add(header, "ConversationId", envelope.conversation_id)
    _add(header, "SenderId", envelope.sender)
    _add(header, "ReceiverId", envelope.receiver)
    _add(header, "MessageType", message_type or envelope.message_code)
    _add(header, "MessageVersion", envelope.schema_version)
    if log_info is not None:
        _add(header, "LogInfo", log_info)
    if hub_received is not None:
        _add(header, "HubDocumentReceiveDateTime", hub_received.isoformat())
    etree.SubElement(root, _q("Message")).append(message)
    if soap:
        wrapper = etree.Element(f"{{{SOAP11_NS}}}Envelope", nsmap={"soap": SOAP11_NS})
        etree.SubElement(wrapper, f"{{{SOAP11_NS}}}Body").append(root)
        root = wrapper
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _unwrap(root: Element) -> Element:
    qname = etree.QName(root)
    if qname.namespace in (SOAP11_NS, SOAP12_NS) and qname.localname == "Envelope":
        body = root.find(f"{{{qname.namespace}}}Body")
        children = [] if body is None else [c for c in body if isinstance(c.tag, str)]
        if len(children) != 1:
            raise EnvelopeError("the SOAP Body must hold exactly one Ponton document")
        return children[0]
    return root


def _header_text(header: Element, name: str, *, required: bool = True) -> str | None:
    element = header.find(_q(name))
    value = None if element is None else (element.text or "").strip()
    if required and not value:
        raise EnvelopeError(f"the Ponton Header lacks <{name}>")
    return value or None


def parse_document_envelope(body: bytes, root_name: str) -> PontonDocument:
    """Read an `InboundDocument` / `OutboundDocument` (bare or in SOAP); `EnvelopeError` if not."""
    try:
        root = _unwrap(parse_document(body))
    except EdaDocumentError as exc:
        raise EnvelopeError(f"not a readable Ponton {root_name}: {exc}") from None
    if root.tag != _q(root_name):
        raise EnvelopeError(
            f"expected <{root_name}> in namespace {PONTON_NS}, got <{etree.QName(root).localname}>"
            f" in {etree.QName(root).namespace!r}"
        )
    header, message = root.find(_q("Header")), root.find(_q("Message"))
    if header is None or message is None:
        raise EnvelopeError(f"<{root_name}> needs a <Header> and a <Message>")
    documents = [c for c in message if isinstance(c.tag, str)]
    if len(documents) != 1:
        raise EnvelopeError(f"<Message> must hold exactly one document, found {len(documents)}")
    message_id = str(_header_text(header, "MessageId"))  # checked in the XSD's element order
    conversation = _header_text(header, "ConversationId", required=root_name == "InboundDocument")
    envelope = Envelope(
        message_id=message_id,
        conversation_id=conversation or "",
        sender=str(_header_text(header, "SenderId")),
        receiver=str(_header_text(header, "ReceiverId")),
        message_code=str(_header_text(header, "MessageType")),
        schema_version=str(_header_text(header, "MessageVersion")),
    )
    received = _header_text(header, "HubDocumentReceiveDateTime", required=False)
    try:
        hub_received = None if received is None else datetime.fromisoformat(received)
    except ValueError:
        raise EnvelopeError(f"HubDocumentReceiveDateTime {received!r} is no date-time") from None
    payload = etree.tostring(documents[0], xml_declaration=True, encoding="UTF-8")
    log_info = _header_text(header, "LogInfo", required=False)
    return PontonDocument(envelope, payload, log_info, hub_received)


# --- status callbacks ---------------------------------------------------------------------------

_STATUS_WORDS = {
    "sent": GatewayStatus.SENT,
    "received": GatewayStatus.DELIVERED,
    "delivered": GatewayStatus.DELIVERED,
    "rejected": GatewayStatus.REJECTED,
    "error": GatewayStatus.REJECTED,
    "failed": GatewayStatus.REJECTED,
}


@dataclass(frozen=True, slots=True)
class StatusReport:
    message_id: str
    status: GatewayStatus
    reason: str | None
    at: datetime | None


def _child_text(root: Element, *names: str) -> str | None:
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname in names:
            text = (element.text or "").strip()
            if text:
                return text
    return None


def parse_status_report(body: bytes) -> StatusReport:
    """A status callback: any root with MessageId, Status (sent / received / rejected ...) and
    optionally Reason (or ErrorText) and Timestamp, matched by local name.

    The Ponton XSDs do not define the callback, and installations template it differently, so
    meshkit accepts this small shape; see docs/eda-transports.md.
    """
    try:
        root = _unwrap(parse_document(body))
    except EdaDocumentError as exc:
        raise EnvelopeError(f"not a readable status report: {exc}") from None
    message_id = _child_text(root, "MessageId", "MessageID")
    word = (_child_text(root, "Status", "MessageStatus") or "").lower()
    if message_id is None or word not in _STATUS_WORDS:
        raise EnvelopeError(
            "a status report needs <MessageId> and <Status> (one of "
            f"{', '.join(sorted(_STATUS_WORDS))})"
        )
    stamp = _child_text(root, "Timestamp", "StatusDateTime")
    try:
        at = None if stamp is None else datetime.fromisoformat(stamp)
    except ValueError:
        raise EnvelopeError(f"status Timestamp {stamp!r} is no date-time") from None
    reason = _child_text(root, "Reason", "ErrorText", "Description")
    return StatusReport(message_id, _STATUS_WORDS[word], reason, at)
