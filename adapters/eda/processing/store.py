"""The message store: raw payloads first, idempotent by MessageId, gateway statuses.

    result = store_inbound(ctx, payload, envelope=delivery.envelope, received_at=...)
    # -> StoredMessage(message=<EdaMessage id>, duplicate=False)

Inbound: one transaction writes the raw bytes (`meshkit_eda_content`), the EdaMessage (status
`received`, payload = `eda-content:<id>`) and its work row (state `pending`); nothing is parsed
yet. A second delivery of the same (sender, MessageId) is counted on the first one's work row
and not stored again. Outbound messages are stored (status `stored`, work state `queued`) in
the caller's unit of work before anything is sent.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from meshkit.adapters.eda.processing import tables as t
from meshkit.adapters.eda.processing.context import EdaContext
from meshkit.adapters.eda.processing.machine import (
    MODEL_STATE,
    TERMINAL,
    Phase,
    TransitionError,
    next_phase,
    process_enum_value,
)
from meshkit.adapters.eda.transport import (
    Envelope,
    EnvelopeError,
    GatewayStatus,
    OutboundMessage,
    StatusEvent,
    Transport,
    read_envelope,
)
from meshkit.adapters.eda.xml import EdaXmlError, document_schema
from meshkit.runtime import RepositoryError, UnitOfWork
from meshkit.runtime.content import CONTENT_PREFIX, keep_content, read_content

log = logging.getLogger(__name__)

_GROUPING_ID = re.compile(r"^[A-Za-z0-9]{1,35}$")
_PARTICIPANT_ID = re.compile(r"^[A-Z]{2}[0-9]{6}$")
_MESSAGE_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,19}$")
UNKNOWN_CODE = "UNKNOWN"


@dataclass(frozen=True)
class StoredMessage:
    message: str  # the EdaMessage entity id
    duplicate: bool
    status: str


def error(code: str, message: str, path: str | None = None) -> dict[str, Any]:
    """An ErrorDetail record."""
    detail: dict[str, Any] = {"code": code[:50], "message": message}
    if path:
        detail["path"] = path[:500]
    return detail


# -- content -----------------------------------------------------------------------------------


def payload_of(ctx: EdaContext, message: str) -> bytes:
    """The current payload of an EdaMessage (the correction, if one was replayed)."""
    with ctx.repository.engine.connect() as connection:
        row = work_row(connection, ctx.tenant, message)
        if row is None:
            raise KeyError(f"no stored payload for message {message}")
        return read_content(connection, ctx.tenant, row.content)


def work_row(
    connection: sa.Connection, tenant: str, message: str, *, lock: bool = False
) -> sa.Row[Any] | None:
    statement = sa.select(t.work).where(t.work.c.tenant == tenant, t.work.c.message == message)
    if lock and connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    return connection.execute(statement).first()


def _find_work(
    connection: sa.Connection, tenant: str, direction: str, sender: str, message_id: str
) -> sa.Row[Any] | None:
    return connection.execute(
        sa.select(t.work).where(
            t.work.c.tenant == tenant,
            t.work.c.direction == direction,
            t.work.c.sender == sender,
            t.work.c.message_id == message_id,
        )
    ).first()


# -- inbound -----------------------------------------------------------------------------------


def _identity(payload: bytes, envelope: Envelope | None) -> tuple[str, str]:
    """(sender, MessageId) the message is deduplicated by; a synthetic MessageId (`X` + the
    payload's SHA-256) when the document has no usable one."""
    if envelope is not None and _GROUPING_ID.match(envelope.message_id):
        sender = envelope.sender if _PARTICIPANT_ID.match(envelope.sender) else ""
        return sender, envelope.message_id
    return "", "X" + hashlib.sha256(payload).hexdigest()[:34]


def _schema(payload: bytes) -> tuple[str | None, str | None]:
    try:
        schema = document_schema(payload)
    except (EdaXmlError, ValueError):
        return None, None
    return schema.name, schema.version.replace("p", ".")


def store_inbound(
    ctx: EdaContext,
    payload: bytes,
    *,
    envelope: Envelope | None = None,
    received_at: datetime | None = None,
    transport: str | None = None,
    media_type: str = "application/xml",
) -> StoredMessage:
    """Keep one inbound document raw (its own transaction); nothing is parsed here.

    The envelope is read from the header when not given; a document without a readable one is
    still kept (synthetic MessageId, message code UNKNOWN) and will be quarantined.
    """
    problems: list[dict[str, Any]] = []
    if envelope is None:
        try:
            envelope = read_envelope(payload)
        except EnvelopeError as exc:
            problems.append(error("envelope", str(exc)))
    sender, message_id = _identity(payload, envelope)
    at = received_at or ctx.now()
    for attempt in range(3):
        try:
            with ctx.unit_of_work() as uow:
                seen = _find_work(uow.connection, ctx.tenant, "inbound", sender, message_id)
                if seen is not None:
                    _count_duplicate(uow, seen, payload, at)
                    return StoredMessage(str(seen.message), True, "duplicate")
                content_id = keep_content(uow, payload, at, media_type, "received")
                entity = _create_inbound(
                    ctx,
                    uow,
                    payload,
                    envelope,
                    (sender, message_id, content_id),
                    at,
                    transport,
                    problems,
                )
                uow.connection.execute(
                    t.work.insert().values(
                        tenant=ctx.tenant,
                        message=entity,
                        direction="inbound",
                        sender=sender,
                        message_id=message_id,
                        state="pending",
                        content=content_id,
                        original_content=content_id,
                        received_at=at,
                        seq=t.next_seq(),
                    )
                )
                return StoredMessage(entity, False, "received")
        except (sa.exc.IntegrityError, RepositoryError):
            # A concurrent store of the same MessageId won the unique index: count a duplicate.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _count_duplicate(uow: UnitOfWork, seen: sa.Row[Any], payload: bytes, at: datetime) -> None:
    stored = read_content(uow.connection, uow.tenant, seen.original_content)
    same = hashlib.sha256(stored).digest() == hashlib.sha256(payload).digest()
    values: dict[str, Any] = {"duplicates": seen.duplicates + 1, "last_duplicate_at": at}
    if not same:
        values["last_error"] = (
            f"a duplicate at {at.isoformat()} had different content ({len(payload)} bytes); "
            "kept the first"
        )
        keep_content(uow, payload, at, "application/xml", f"duplicate of {seen.message}")
    uow.connection.execute(
        t.work.update()
        .where(t.work.c.tenant == uow.tenant, t.work.c.message == seen.message)
        .values(**values)
    )


def _create_inbound(
    ctx: EdaContext,
    uow: UnitOfWork,
    payload: bytes,
    envelope: Envelope | None,
    identity: tuple[str, str, str],
    at: datetime,
    transport: str | None,
    problems: list[dict[str, Any]],
) -> str:
    sender, message_id, content_id = identity
    schema_name, schema_version = _schema(payload)
    values: dict[str, Any] = {
        "message_code": UNKNOWN_CODE,
        "message_id": message_id,
        "direction": "inbound",
        "status": "received",
        "received_at": at,
        "transport": (transport or ctx.config.transport_name)[:50],
        "payload": CONTENT_PREFIX + content_id,
        "payload_media_type": "application/xml",
    }
    if sender:
        values["sender_id"] = sender
    if schema_name and schema_version:
        values["schema_name"], values["schema_version"] = schema_name, schema_version
    if envelope is not None:
        if _MESSAGE_CODE.match(envelope.message_code):
            values["message_code"] = envelope.message_code
        if _GROUPING_ID.match(envelope.conversation_id):
            values["conversation_id"] = envelope.conversation_id
        if _PARTICIPANT_ID.match(envelope.receiver):
            values["receiver_id"] = envelope.receiver
    if problems:
        values["errors"] = problems
    try:
        created = uow.create("EdaMessage", values)
    except RepositoryError as exc:
        if "unique" in str(exc).lower() or "duplicate" in str(exc).lower():
            raise
        # Values from a hostile header that the model refuses: keep the bare minimum.
        minimal = {k: v for k, v in values.items() if k not in ("schema_name", "schema_version")}
        minimal["errors"] = [*problems, error("stored-minimal", str(exc)[:2000])]
        created = uow.create("EdaMessage", minimal)
    return str(created["id"])


# -- outbound ----------------------------------------------------------------------------------


def store_outbound(
    ctx: EdaContext,
    uow: UnitOfWork,
    outbound: OutboundMessage,
    *,
    community: str | None = None,
    metering_points: Sequence[str] = (),
    participations: Sequence[str] = (),
    process_date: Any = None,
) -> str:
    """Store an outbound message in `uow` (before it is sent); it is queued for `send_due`.

    A request (ANFORDERUNG_*) starts its process (one per ConversationId), linked to the given
    community, metering points and participations (entity ids); an answer we send moves the
    process of its ConversationId on. Returns the EdaMessage id.
    """
    now = ctx.now()
    envelope = outbound.envelope
    process = find_process(uow, envelope.conversation_id)
    if process is None and envelope.process is not None and community is not None:
        process = start_process(
            ctx,
            uow,
            envelope.process,
            envelope.conversation_id,
            community=community,
            initiator="outbound",
            grid_operator=envelope.receiver,
            process_date=process_date,
        )
        for point in metering_points:
            uow.link("EdaProcess", process["id"], "metering_points", point)
        for participation in participations:
            uow.link("EdaProcess", process["id"], "participations", participation)
    if process is not None:
        advance(ctx, uow, process, envelope.message_code)
    schema_name, schema_version = _schema(outbound.payload)
    content_id = keep_content(uow, outbound.payload, now, "application/xml", "outbound")
    values: dict[str, Any] = {
        "message_code": envelope.message_code,
        "message_id": envelope.message_id,
        "conversation_id": envelope.conversation_id,
        "direction": "outbound",
        "status": "stored",
        "sender_id": envelope.sender,
        "receiver_id": envelope.receiver,
        "document_created_at": now,
        "transport": ctx.config.transport_name[:50],
        "process": None if process is None else process["id"],
    }
    if schema_name and schema_version:
        values["schema_name"], values["schema_version"] = schema_name, schema_version
    values["payload"] = CONTENT_PREFIX + content_id
    entity = str(uow.create("EdaMessage", values)["id"])
    uow.connection.execute(
        t.work.insert().values(
            tenant=ctx.tenant,
            message=entity,
            direction="outbound",
            sender=envelope.sender,
            message_id=envelope.message_id,
            state="queued",
            content=content_id,
            original_content=content_id,
            received_at=now,
            seq=t.next_seq(),
            next_attempt_at=now,
        )
    )
    return entity


def queue_outbound(ctx: EdaContext, outbound: OutboundMessage, **links: Any) -> str:
    """`store_outbound` in a transaction of its own."""
    with ctx.unit_of_work() as uow:
        return store_outbound(ctx, uow, outbound, **links)


# -- processes ---------------------------------------------------------------------------------


def find_process(uow: UnitOfWork, conversation_id: str) -> dict[str, Any] | None:
    items = uow.find(
        "EdaProcess",
        where={"attr": "conversation_id", "op": "eq", "value": conversation_id},
        first=1,
    ).items
    return dict(items[0]) if items else None


def start_process(
    ctx: EdaContext,
    uow: UnitOfWork,
    process: str,
    conversation_id: str,
    *,
    community: str,
    initiator: str,
    grid_operator: str,
    process_date: Any = None,
    first_message: str | None = None,
) -> dict[str, Any]:
    """A new EdaProcess and its phase row: not started (state `open`), or already moved on by
    `first_message` (one write instead of a create and an update)."""
    values, phase_row = new_process(
        ctx,
        process,
        conversation_id,
        community=community,
        initiator=initiator,
        grid_operator=grid_operator,
        process_date=process_date,
        first_message=first_message,
    )
    created = dict(uow.create("EdaProcess", values))
    uow.connection.execute(t.phase.insert().values(process=created["id"], **phase_row))
    return created


def new_process(
    ctx: EdaContext,
    process: str,
    conversation_id: str,
    *,
    community: str,
    initiator: str,
    grid_operator: str,
    process_date: Any = None,
    first_message: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What `start_process` writes, not written yet: the EdaProcess values and its phase row
    (without the process id). Lets the batch processor create many in one statement."""
    target = None if first_message is None else next_phase(process, None, first_message)
    now = ctx.now()
    values: dict[str, Any] = {
        "process_code": process_enum_value(process),
        "conversation_id": conversation_id,
        "process_state": "open" if target is None else MODEL_STATE[target],
        "initiator": initiator,
        "grid_operator_id": grid_operator,
        "community": community,
    }
    if process_date is not None:
        values["process_date"] = process_date
    due = _due(ctx, process, target, now)
    if due is not None:
        values["deadline"] = due
    phase_row: dict[str, Any] = {
        "tenant": ctx.tenant,
        "process_code": process,
        "phase": "" if target is None else target.value,
        "deadline": due,
        "started_at": now,
        "completed_at": now if target in TERMINAL else None,
        "updated_at": now,
    }
    return values, phase_row


def _due(ctx: EdaContext, process: str, phase: Phase | None, now: datetime) -> datetime | None:
    """When the next answer is due in `phase` (None when the process is over or not started)."""
    if phase is None or phase in TERMINAL:
        return None
    span = ctx.config.deadline(process)
    return None if span is None else now + span


def phase_of(uow: UnitOfWork, process_id: str) -> sa.Row[Any] | None:
    return uow.connection.execute(
        sa.select(t.phase).where(t.phase.c.tenant == uow.tenant, t.phase.c.process == process_id)
    ).first()


def advance(
    ctx: EdaContext,
    uow: UnitOfWork,
    process: dict[str, Any],
    message_code: str,
    response_code: int | None = None,
) -> Phase:
    """Move `process` on by `message_code` (TransitionError if it does not fit)."""
    row = phase_of(uow, process["id"])
    code = process["process_code"].upper()
    current = Phase(row.phase) if row is not None and row.phase else None
    target = next_phase(code, current, message_code)
    now = ctx.now()
    due = _due(ctx, code, target, now)
    values: dict[str, Any] = {"phase": target.value, "overdue": False, "deadline": due}
    values["updated_at"] = now
    if response_code is not None:
        values["last_response_code"] = response_code
    if target in TERMINAL:
        values["completed_at"] = now
    if row is None:
        uow.connection.execute(
            t.phase.insert().values(
                tenant=ctx.tenant,
                process=process["id"],
                process_code=code,
                started_at=now,
                **values,
            )
        )
    else:
        uow.connection.execute(
            t.phase.update()
            .where(t.phase.c.tenant == ctx.tenant, t.phase.c.process == process["id"])
            .values(**values)
        )
    current_entity = uow.get("EdaProcess", process["id"])
    changes: dict[str, Any] = {}
    if current_entity["process_state"] != MODEL_STATE[target]:
        changes["process_state"] = MODEL_STATE[target]
    if current_entity.get("deadline") != due:
        changes["deadline"] = due
    if changes:
        uow.update("EdaProcess", process["id"], changes, current_entity["version"])
    return target


def fail_process(ctx: EdaContext, uow: UnitOfWork, process_id: str) -> None:
    """The gateway refused the request that started the process."""
    process = dict(uow.get("EdaProcess", process_id))
    row = phase_of(uow, process_id)
    if row is not None and row.phase in ("completed", "rejected", "aborted", "failed"):
        return
    now = ctx.now()
    uow.connection.execute(
        t.phase.update()
        .where(t.phase.c.tenant == ctx.tenant, t.phase.c.process == process_id)
        .values(phase="failed", deadline=None, completed_at=now, updated_at=now)
    )
    uow.update(
        "EdaProcess", process_id, {"process_state": "failed", "deadline": None}, process["version"]
    )


# -- gateway statuses and receiving ------------------------------------------------------------

_STATUS_RANK = {"stored": 0, "sent": 1, "delivered": 2, "rejected": 3, "failed": 3}


def apply_status(ctx: EdaContext, event: StatusEvent) -> bool:
    """Record a gateway status on our outbound message; False if the MessageId is not ours."""
    with ctx.unit_of_work() as uow:
        row = uow.connection.execute(
            sa.select(t.work).where(
                t.work.c.tenant == ctx.tenant,
                t.work.c.direction == "outbound",
                t.work.c.message_id == event.message_id,
            )
        ).first()
        if row is None:
            log.warning("status %s for unknown outbound message %s", event.status, event.message_id)
            return False
        message = uow.get("EdaMessage", row.message)
        status = event.status.value
        if _STATUS_RANK.get(status, 0) < _STATUS_RANK.get(message["status"], 0):
            return True  # a late "sent" after "delivered": keep the furthest status
        changes: dict[str, Any] = {}
        if message["status"] != status:
            changes["status"] = status
        if event.status is GatewayStatus.SENT and message.get("sent_at") is None:
            changes["sent_at"] = event.at
        if event.status is GatewayStatus.REJECTED:
            changes["errors"] = [
                *(message.get("errors") or []),
                error("gateway-rejected", event.reason or "rejected by the gateway"),
            ]
        if changes:
            uow.update("EdaMessage", row.message, changes, message["version"])
        if (
            event.status is GatewayStatus.REJECTED
            and message.get("process")
            and str(message["message_code"]).startswith("ANFORDERUNG")
        ):
            fail_process(ctx, uow, message["process"])
        if row.state == "queued":
            uow.connection.execute(
                t.work.update()
                .where(t.work.c.tenant == ctx.tenant, t.work.c.message == row.message)
                .values(state="handed_over", next_attempt_at=None)
            )
    return True


@dataclass
class ReceiveReport:
    stored: int = 0
    duplicates: int = 0
    statuses: int = 0
    unknown_statuses: int = 0


def receive(ctx: EdaContext, transport: Transport) -> ReceiveReport:
    """Store every pending delivery of `transport`, acknowledging each once it is committed."""
    report = ReceiveReport()
    for delivery in transport.receive():
        if isinstance(delivery, StatusEvent):
            if apply_status(ctx, delivery):
                report.statuses += 1
            else:
                report.unknown_statuses += 1
        else:
            stored = store_inbound(
                ctx,
                delivery.payload,
                envelope=delivery.envelope,
                received_at=delivery.received_at,
            )
            if stored.duplicate:
                report.duplicates += 1
            else:
                report.stored += 1
        transport.acknowledge(delivery.delivery_id)
    return report


__all__ = [
    "ReceiveReport",
    "StoredMessage",
    "TransitionError",
    "advance",
    "apply_status",
    "find_process",
    "new_process",
    "payload_of",
    "queue_outbound",
    "receive",
    "start_process",
    "store_inbound",
    "store_outbound",
]
