"""EDA processes and messages recorded as the model defines them (EdaProcess, EdaMessage).

Raw payloads go to the payload folder first; the message entity keeps the reference, the
routing data and the response codes. Outbound messages are stored before they are sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from meshkit.adapters.eda.transport import Envelope
from meshkit.adapters.eda.xml import document_schema
from meshkit.apps.demo.context import PayloadStore
from meshkit.runtime import UnitOfWork

TRANSPORT = "simulator"


def schema_of(payload: bytes) -> tuple[str, str]:
    """The payload schema's name and version as the model writes them (CMRequest, 01.20)."""
    schema = document_schema(payload)
    return schema.name, schema.version.replace("p", ".")


def message_values(
    envelope: Envelope,
    payload_reference: str,
    payload: bytes,
    *,
    direction: str,
    status: str,
    at: datetime,
    process_id: str | None,
    response_codes: Sequence[int] = (),
) -> dict[str, Any]:
    schema_name, schema_version = schema_of(payload)
    values: dict[str, Any] = {
        "message_code": envelope.message_code,
        "schema_name": schema_name,
        "schema_version": schema_version,
        "message_id": envelope.message_id,
        "conversation_id": envelope.conversation_id,
        "direction": direction,
        "status": status,
        "sender_id": envelope.sender,
        "receiver_id": envelope.receiver,
        "document_created_at": at,
        "transport": TRANSPORT,
        "payload": payload_reference,
        "process": process_id,
    }
    values["sent_at" if direction == "outbound" else "received_at"] = at
    if response_codes:
        values["response_codes"] = list(response_codes)
    return values


def record_message(
    uow: UnitOfWork,
    payloads: PayloadStore,
    envelope: Envelope,
    payload: bytes,
    *,
    direction: str,
    status: str,
    at: datetime,
    process_id: str | None,
    response_codes: Sequence[int] = (),
) -> str:
    """Keep the payload, then the EdaMessage; returns its id."""
    folder = "out" if direction == "outbound" else "in"
    reference = payloads.keep(folder, envelope.message_id, payload)
    values = message_values(
        envelope,
        reference,
        payload,
        direction=direction,
        status=status,
        at=at,
        process_id=process_id,
        response_codes=response_codes,
    )
    return str(uow.create("EdaMessage", values)["id"])
