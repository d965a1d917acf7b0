"""The one seam every EDA transport implements, and the values that cross it.

A transport moves opaque ebUtilities XML bytes plus the few envelope fields a gateway routes on;
it never interprets the payload. That lets a message store keep the raw bytes of every message
before anything parses them, and track each outbound message's gateway status by its MessageId.

Delivery is at-least-once: `receive()` keeps returning a delivery until it is acknowledged, so a
consumer that crashes after storing but before acknowledging sees it again and must deduplicate
by `delivery_id` / MessageId.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from meshkit.adapters.eda.transport.processes import process_of

#: Injectable "now" (tz-aware); tests and the simulator pass a fixed or stepping clock.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Envelope:
    """What a gateway routes on; the same values as the payload's own header."""

    message_id: str
    conversation_id: str
    sender: str  # market participant id, e.g. "RC100130" or "AT003000"
    receiver: str
    message_code: str  # e.g. "ANFORDERUNG_ECON"
    schema_version: str  # schema-set version as the header writes it, e.g. "01.20"

    @property
    def process(self) -> str | None:
        """The EDA process of the message code (e.g. "EC_REQ_ONL"), None if unknown."""
        return process_of(self.message_code)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A message we send: its envelope and the ebUtilities document, byte for byte."""

    envelope: Envelope
    payload: bytes


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A message the gateway delivered to us."""

    delivery_id: str  # the transport's handle, passed back to `acknowledge`
    envelope: Envelope
    payload: bytes  # the ebUtilities document
    received_at: datetime
    wire: bytes | None = None  # the bytes as received, when they wrap the payload (Ponton)


class GatewayStatus(StrEnum):
    SENT = "sent"  # the gateway sent our message on
    DELIVERED = "delivered"  # the receiving gateway confirmed receipt
    REJECTED = "rejected"  # the gateway or the receiver refused it; see `reason`


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """A gateway's report about one of *our* outbound messages."""

    delivery_id: str
    message_id: str  # the outbound MessageId it reports on
    status: GatewayStatus
    at: datetime
    reason: str | None = None


Delivery = InboundMessage | StatusEvent


@dataclass(frozen=True, slots=True)
class SendReceipt:
    """The transport accepted a message; gateway statuses follow as `StatusEvent`s."""

    message_id: str
    accepted_at: datetime
    reference: str | None = None  # transport-specific: file path, gateway answer


@runtime_checkable
class Transport(Protocol):
    """Send messages, receive messages and status events, acknowledge what was stored."""

    def send(self, message: OutboundMessage) -> SendReceipt:
        """Hand `message` over durably; raises `SendError` if it was not accepted."""
        ...

    def receive(self) -> list[Delivery]:
        """Every pending, unacknowledged delivery, oldest first."""
        ...

    def acknowledge(self, delivery_id: str) -> None:
        """Mark a delivery as stored; idempotent. Unknown ids raise `UnknownDeliveryError`."""
        ...
