"""Envelope fields from an ebUtilities document, and outbound messages from typed ones.

`read_envelope` looks only at the header elements, by local name and without validation, so a
transport can route and a message store can file a document whose body is still unread (or of a
schema the typed codecs do not know yet). Parsing is the hardened one: no DOCTYPE, no entities.
"""

from __future__ import annotations

import os

from lxml import etree

from meshkit.adapters.eda.transport.base import Envelope, OutboundMessage
from meshkit.adapters.eda.transport.errors import EnvelopeError
from meshkit.adapters.eda.xml import EdaDocumentError, EdaMessage, write_document
from meshkit.adapters.eda.xml.parser import parse_document

Element = etree._Element


def _first(root: Element, path: str) -> Element | None:
    found = root.xpath(path)
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return found[0]
    return None


def _text(root: Element, path: str, what: str) -> str:
    element = _first(root, path)
    value = "" if element is None else (element.text or "").strip()
    if not value:
        raise EnvelopeError(f"<{etree.QName(root).localname}> has no {what} ({path})")
    return value


_MPD = "*[local-name()='MarketParticipantDirectory']"
_ROUTING = f"{_MPD}/*[local-name()='RoutingHeader']"
_PD = "*[local-name()='ProcessDirectory']"


def envelope_of(root: Element) -> Envelope:
    """The envelope fields of a parsed ebUtilities document root."""
    mpd = _first(root, _MPD)
    version = "" if mpd is None else (mpd.get("SchemaVersion") or "").strip()
    if not version:
        raise EnvelopeError(
            f"<{etree.QName(root).localname}> has no MarketParticipantDirectory/@SchemaVersion"
        )
    return Envelope(
        message_id=_text(root, f"{_PD}/*[local-name()='MessageId']", "MessageId"),
        conversation_id=_text(root, f"{_PD}/*[local-name()='ConversationId']", "ConversationId"),
        sender=_text(
            root, f"{_ROUTING}/*[local-name()='Sender']/*[local-name()='MessageAddress']", "sender"
        ),
        receiver=_text(
            root,
            f"{_ROUTING}/*[local-name()='Receiver']/*[local-name()='MessageAddress']",
            "receiver",
        ),
        message_code=_text(root, f"{_MPD}/*[local-name()='MessageCode']", "MessageCode"),
        schema_version=version,
    )


def read_envelope(payload: bytes) -> Envelope:
    """Envelope fields of an ebUtilities document; `EnvelopeError` if it has none."""
    try:
        root = parse_document(payload)
    except EdaDocumentError as exc:
        raise EnvelopeError(f"not a readable EDA document: {exc}") from None
    return envelope_of(root)


def outbound_message(
    message: EdaMessage,
    version: str | None = None,
    *,
    validate: bool = True,
    xsd_dir: str | os.PathLike[str] | None = None,
) -> OutboundMessage:
    """Write a typed message (validated by default) and wrap it for `Transport.send`."""
    payload = write_document(message, version, validate=validate, xsd_dir=xsd_dir)
    return OutboundMessage(read_envelope(payload), payload)


def outbound_from_document(payload: bytes) -> OutboundMessage:
    """Wrap an already written ebUtilities document for `Transport.send`."""
    return OutboundMessage(read_envelope(payload), payload)
