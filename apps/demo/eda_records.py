"""EDA in the demo.

Onboarding goes through the EDA message store (`eda_context`, meshkit.adapters.eda.processing):
payloads in its content table, EdaMessage.payload = `eda-content:<id>`. The month of energy data
is still recorded here directly (`record_message` / `message_values`, payloads as files under
the data folder) and its readings kept in memory: processing 558 DATEN_CRMSG one by one through
the store costs 0.2-0.6 s each on SQLite today (the series store's per-load merge), which would
take the demo far past its time budget (see docs/eda.md, "Not done yet").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from meshkit.adapters.eda.processing import EdaContext, ProcessingConfig, create_processing_tables
from meshkit.adapters.eda.transport import Envelope
from meshkit.adapters.eda.xml import document_schema
from meshkit.apps.demo.context import DemoContext, PayloadStore
from meshkit.runtime import UnitOfWork
from meshkit.runtime.series import SeriesStore

TRANSPORT = "simulator"
_CONTEXTS: dict[int, tuple[DemoContext, EdaContext]] = {}


def eda_context(demo: DemoContext) -> EdaContext:
    """The demo's EDA processing context (tables created on first use), one per demo run."""
    found = _CONTEXTS.get(id(demo))
    if found is not None and found[0] is demo:
        return found[1]
    repository = demo.repository
    series = SeriesStore(repository.engine, repository.model)
    series.create_tables()
    create_processing_tables(repository.engine)
    config = ProcessingConfig(
        xsd_dir=demo.xsd_dir, validate=demo.validate, transport_name=TRANSPORT
    )
    ctx = EdaContext(
        repository, series, demo.tenant, config, actor="meshkit-demo", clock=demo.clock
    )
    _CONTEXTS.clear()  # one demo at a time
    _CONTEXTS[id(demo)] = (demo, ctx)
    return ctx


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
