"""Processing of stored inbound messages, quarantine, replay and deadlines.

    process_pending(ctx)         # every stored message, oldest first; DATEN_CRMSG in batches
    replay(ctx, message, fixed)  # an operator's second try, with the stored or a corrected payload
    check_deadlines(ctx, now)    # open processes past their deadline are flagged overdue

Processing a message is one transaction: it locks the message's work row, checks that it is
still `pending`, parses the stored payload, applies it (series values, process state,
participations, the message's status) and marks it `done` with processed_count + 1. A crash
anywhere rolls all of that back, so the message is processed again, completely, exactly once.
A message that cannot be parsed, validated or applied is quarantined in a second transaction:
status `quarantined`, the reasons as ErrorDetail records, and the negative answer its process
defines (ABLEHNUNG_CRMSG for DATEN_CRMSG) queued on the outbound path.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from meshkit.adapters.eda.processing import tables as t
from meshkit.adapters.eda.processing.batch import process_chunk
from meshkit.adapters.eda.processing.context import EdaContext
from meshkit.adapters.eda.processing.ingest import write_energy
from meshkit.adapters.eda.processing.machine import TERMINAL, Phase, TransitionError
from meshkit.adapters.eda.processing.parsing import PayloadParser
from meshkit.adapters.eda.processing.store import (
    advance,
    error,
    find_process,
    start_process,
    store_outbound,
    work_row,
)
from meshkit.adapters.eda.transport import EnvelopeError, outbound_message, read_envelope
from meshkit.adapters.eda.xml import (
    CMNotification,
    CMRevoke,
    ConsumptionRecord,
    CPNotification,
    ECMPList,
    EdaDocumentError,
    MessageHeader,
    SchemaViolationError,
    XsdNotFoundError,
    consumption_record_readings,
    read_document,
)
from meshkit.adapters.eda.xml import EdaMessage as Document
from meshkit.adapters.readings import ReadingsSchemaError
from meshkit.runtime import RepositoryError, UnitOfWork
from meshkit.runtime.content import CONTENT_PREFIX, keep_content, read_content
from meshkit.runtime.series import SeriesError

log = logging.getLogger(__name__)

#: Message code -> the negative answer its process defines for a document we cannot process.
NEGATIVE_RESPONSES = {"DATEN_CRMSG": "ABLEHNUNG_CRMSG"}
_OPEN_END = date(9999, 12, 31)


class ProcessingProblem(ValueError):
    """The message is readable but cannot be applied (unknown process, receiver, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class ProcessReport:
    processed: int = 0
    quarantined: int = 0
    skipped: int = 0
    quarantined_ids: list[str] = field(default_factory=list)


# -- the queue ---------------------------------------------------------------------------------


def pending_messages(ctx: EdaContext, limit: int | None = None) -> list[str]:
    """Ids of stored inbound messages not processed yet, oldest first."""
    statement = (
        sa.select(t.work.c.message)
        .where(t.work.c.tenant == ctx.tenant, t.work.c.state == "pending")
        .order_by(t.work.c.seq)
    )
    if limit is not None:
        statement = statement.limit(limit)
    with ctx.repository.engine.connect() as connection:
        return [str(m) for m in connection.execute(statement).scalars()]


def process_pending(
    ctx: EdaContext,
    limit: int | None = None,
    batch: int = 500,
    *,
    parse_workers: int | None = None,
) -> ProcessReport:
    """Process every pending inbound message, oldest first, `batch` at a time.

    Runs of DATEN_CRMSG go through `process_chunk` (one transaction and one series load per
    run, see batch.py); every other message is processed in a transaction of its own.
    `parse_workers` processes parse the payloads (None: the config's `parse_workers`, else
    `default_workers()`; 0: in this process), the next chunk's while this one is loaded (see
    parsing.py).
    """
    report = ProcessReport()
    parser = PayloadParser(
        ctx, parse_workers if parse_workers is not None else ctx.config.parse_workers
    )
    while True:
        size = batch if limit is None else min(batch, limit)
        ahead = 0 if parser.workers == 0 else batch if limit is None else min(batch, limit - size)
        window = pending_messages(ctx, size + ahead)
        chunk = window[:size]
        if not chunk:
            return report
        parser.prefetch(window)  # this chunk first, then the next one, while this one loads
        outcomes = process_chunk(
            ctx,
            chunk,
            single=process_message,
            quarantine=quarantine,
            diagnose=problems_of,
            parser=parser,
        )
        skipped = 0
        for message in chunk:
            outcome = outcomes.get(message, "skipped")
            if outcome == "processed":
                report.processed += 1
            elif outcome == "quarantined":
                report.quarantined += 1
                report.quarantined_ids.append(message)
            else:
                skipped += 1
        report.skipped += skipped
        if limit is not None:
            limit -= len(chunk)
            if limit <= 0:
                return report
        if skipped >= len(chunk):
            return report  # another worker has them


def process_message(ctx: EdaContext, message: str) -> str:
    """Process one stored message: "processed", "quarantined" or "skipped" (not pending)."""
    try:
        with ctx.unit_of_work() as uow:
            row = work_row(uow.connection, ctx.tenant, message, lock=True)
            if row is None or row.state != "pending":
                return "skipped"
            payload = read_content(uow.connection, ctx.tenant, row.content)
            document = read_document(
                payload, validate=ctx.config.validate, xsd_dir=ctx.config.xsd_dir
            )
            _apply(ctx, uow, message, document)
            uow.connection.execute(
                t.work.update()
                .where(t.work.c.tenant == ctx.tenant, t.work.c.message == message)
                .values(
                    state="done",
                    processed_count=t.work.c.processed_count + 1,
                    processed_at=ctx.now(),
                    last_error=None,
                )
            )
        return "processed"
    except (XsdNotFoundError, sa.exc.OperationalError, sa.exc.InterfaceError):
        raise  # configuration or database trouble: the message stays pending
    except Exception as exc:
        quarantine(ctx, message, problems_of(exc))
        return "quarantined"


def problems_of(exc: BaseException) -> list[dict[str, Any]]:
    """ErrorDetail records for why a message failed."""
    if isinstance(exc, SchemaViolationError):
        return [
            error("xsd", issue.message, f"line {issue.line}" if issue.line else None)
            for issue in exc.issues[:20]
        ] or [error("xsd", str(exc))]
    if isinstance(exc, EdaDocumentError):
        line = f"line {exc.line}" if exc.line else None
        return [error(type(exc).__name__, str(exc)[:2000], line)]
    if isinstance(exc, ProcessingProblem):
        return [error(exc.code, str(exc))]
    if isinstance(exc, TransitionError):
        return [error("unexpected-message", str(exc))]
    if isinstance(exc, (SeriesError, ReadingsSchemaError)):
        return [error("energy-data", str(exc)[:2000])]
    if isinstance(exc, RepositoryError):
        return [error("repository", str(exc)[:2000])]
    log.exception("EDA message processing failed", exc_info=exc)
    return [error("internal", f"{type(exc).__name__}: {exc}"[:2000])]


# -- quarantine and the negative answer --------------------------------------------------------


def quarantine(ctx: EdaContext, message: str, problems: Sequence[dict[str, Any]]) -> None:
    """Status quarantined with the reasons, and the negative answer where one is defined."""
    with ctx.unit_of_work() as uow:
        row = work_row(uow.connection, ctx.tenant, message, lock=True)
        if row is None or row.state != "pending":
            return
        entity = uow.get("EdaMessage", message)
        changes: dict[str, Any] = {"status": "quarantined", "errors": list(problems)}
        reasons = "; ".join(str(p["message"]) for p in problems)
        rejection = _negative_response(ctx, uow, entity, row)
        if rejection is not None:
            changes["process"] = rejection
        uow.update("EdaMessage", message, changes, entity["version"])
        uow.connection.execute(
            t.work.update()
            .where(t.work.c.tenant == ctx.tenant, t.work.c.message == message)
            .values(state="quarantined", last_error=reasons[:4000])
        )


def _negative_response(
    ctx: EdaContext, uow: UnitOfWork, entity: dict[str, Any], row: sa.Row[Any]
) -> str | None:
    """Queue the process's negative answer; the id of the process it belongs to (or None)."""
    answer_code = NEGATIVE_RESPONSES.get(str(entity["message_code"]))
    sender, receiver = entity.get("sender_id"), entity.get("receiver_id")
    conversation = entity.get("conversation_id")
    if answer_code is None or not (sender and receiver and conversation):
        return None
    community = ctx.community_id(uow, receiver)
    if community is None:
        return None  # not addressed to one of our communities: nobody to answer for
    now = ctx.now()
    answer = CPNotification(
        header=MessageHeader(
            sender=receiver,
            receiver=sender,
            created=now,
            message_code=answer_code,
            message_id=new_message_id(receiver),
            conversation_id=conversation,
        ),
        original_message_id=str(entity["message_id"]),
        response_codes=(ctx.config.rejection_code,),
    )
    outbound = outbound_message(
        answer,
        ctx.config.rejection_version,
        validate=ctx.config.validate,
        xsd_dir=ctx.config.xsd_dir,
    )
    process = find_process(uow, conversation)
    if process is None:
        process = start_process(
            ctx,
            uow,
            "CR_MSG",
            conversation,
            community=community,
            initiator="inbound",
            grid_operator=sender,
        )
    store_outbound(ctx, uow, outbound)  # moves the process to `rejected`
    return str(process["id"])


def new_message_id(sender: str) -> str:
    """A fresh EDA MessageId: the sender's id and 27 random hex digits (35 characters)."""
    return f"{sender}{uuid.uuid4().hex[:27].upper()}"


# -- replay ------------------------------------------------------------------------------------


class ReplayError(ValueError):
    """A replay that cannot start; `field` is "corrected" when the correction is at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def replay(ctx: EdaContext, message: str, corrected: bytes | None = None) -> str:
    """Process a quarantined message again, with its stored payload or a corrected one.

    The correction is stored beside the original (never replacing it) and must carry the same
    MessageId. Returns the outcome of processing ("processed" or "quarantined").
    """
    with ctx.unit_of_work() as uow:
        row = work_row(uow.connection, ctx.tenant, message, lock=True)
        if row is None or row.direction != "inbound":
            raise ReplayError(f"no inbound message {message}")
        if row.state != "quarantined":
            raise ReplayError(
                f"message {message} is {row.state}; only quarantined messages are replayed"
            )
        values: dict[str, Any] = {"state": "pending"}
        entity = uow.get("EdaMessage", message)
        changes: dict[str, Any] = {"status": "received"}
        if corrected is not None:
            try:
                envelope = read_envelope(corrected)
            except EnvelopeError as exc:
                raise ReplayError(
                    f"the correction has no readable header: {exc}", "corrected"
                ) from None
            if envelope.message_id != row.message_id and not row.message_id.startswith("X"):
                raise ReplayError(
                    f"the correction's MessageId {envelope.message_id} is not {row.message_id}",
                    "corrected",
                )
            content_id = keep_content(
                uow, corrected, ctx.now(), "application/xml", f"correction of {row.content}"
            )
            values["content"] = content_id
            changes["payload"] = CONTENT_PREFIX + content_id
            for name, value in (
                ("message_code", envelope.message_code),
                ("conversation_id", envelope.conversation_id),
                ("receiver_id", envelope.receiver),
            ):
                if value and entity.get(name) != value:
                    changes[name] = value
        uow.update("EdaMessage", message, changes, entity["version"])
        uow.connection.execute(
            t.work.update()
            .where(t.work.c.tenant == ctx.tenant, t.work.c.message == message)
            .values(**values)
        )
    return process_message(ctx, message)


# -- applying a document -----------------------------------------------------------------------


def _apply(ctx: EdaContext, uow: UnitOfWork, message: str, document: Document) -> None:
    header = document.header
    entity = uow.get("EdaMessage", message)
    if (entity.get("sender_id") or header.sender) != header.sender:
        raise ProcessingProblem(
            "sender-mismatch", f"the header's sender {header.sender} is not the envelope's"
        )
    codes: tuple[int, ...] = ()
    if isinstance(document, ConsumptionRecord):
        process_id = _energy_data(ctx, uow, entity, document)
    else:
        if isinstance(document, CMNotification):
            codes = tuple(c for r in document.responses for c in r.response_codes)
        elif isinstance(document, CPNotification):
            codes = document.response_codes
        process_id = _process_message(ctx, uow, document, codes)
    changes: dict[str, Any] = {
        "status": "processed",
        "process": process_id,
        "document_created_at": header.created,
        "conversation_id": header.conversation_id,
        "receiver_id": header.receiver,
        "message_code": header.message_code,
    }
    if codes:
        changes["response_codes"] = list(codes)
    if entity.get("errors"):
        changes["errors"] = None
    changes = {k: v for k, v in changes.items() if entity.get(k) != v}
    uow.update("EdaMessage", message, changes, entity["version"])


def _energy_data(
    ctx: EdaContext, uow: UnitOfWork, entity: dict[str, Any], record: ConsumptionRecord
) -> str:
    header = record.header
    community = ctx.community_id(uow, header.receiver)
    if community is None:
        raise ProcessingProblem(
            "unknown-community", f"the receiver {header.receiver} is not a community of ours"
        )
    write_energy(
        ctx.series,
        consumption_record_readings(record),
        community=header.receiver,
        tenant=ctx.tenant,
        source=str(entity["message_id"]),
        connection=uow.connection,
    )
    process = find_process(uow, header.conversation_id)
    if process is None:
        process = start_process(
            ctx,
            uow,
            "CR_MSG",
            header.conversation_id,
            community=community,
            initiator="inbound",
            grid_operator=header.sender,
            process_date=record.process_date,
            first_message=header.message_code,
        )
        point = ctx.metering_point_id(uow, record.metering_point)
        if point is not None:
            uow.link("EdaProcess", process["id"], "metering_points", point)
    else:
        advance(ctx, uow, process, header.message_code)
    return str(process["id"])


def _process_message(
    ctx: EdaContext, uow: UnitOfWork, document: Document, codes: tuple[int, ...]
) -> str:
    header = document.header
    process = find_process(uow, header.conversation_id)
    if process is None and isinstance(document, CMRevoke):
        community = ctx.community_id(uow, header.receiver)
        if community is None:
            raise ProcessingProblem(
                "unknown-community", f"the receiver {header.receiver} is not a community of ours"
            )
        code = {"CCMS": "CM_REV_SP", "CCMC": "CM_REV_CUS", "CCMI": "CM_REV_IMP"}.get(
            header.message_code.rsplit("_", 1)[-1], "CM_REV_SP"
        )
        process = start_process(
            ctx,
            uow,
            code,
            header.conversation_id,
            community=community,
            initiator="inbound",
            grid_operator=header.sender,
        )
    if process is None:
        raise ProcessingProblem(
            "unknown-process",
            f"no EDA process with ConversationId {header.conversation_id} "
            f"for {header.message_code}",
        )
    phase = advance(ctx, uow, process, header.message_code, codes[-1] if codes else None)
    _participations(ctx, uow, process, document, phase)
    return str(process["id"])


def _participations(
    ctx: EdaContext, uow: UnitOfWork, process: dict[str, Any], document: Document, phase: Phase
) -> None:
    """What a join, leave, revocation or confirmed factor change does to the participations
    the process concerns."""
    code = document.header.message_code
    kind, _, suffix = code.partition("_")
    if suffix == "CPF":
        if kind == "ANTWORT":  # ABLEHNUNG_CPF: the factor stays as it is
            _change_factor(ctx, uow, process)
        return
    linked = [link["id"] for link in uow.links("EdaProcess", process["id"], "participations")]
    if isinstance(document, CMRevoke):
        linked = _by_consent(uow, document.consent_id)
    for participation_id in linked:
        participation = uow.get("Participation", participation_id)
        changes: dict[str, Any] = {}
        if suffix == "ECON":
            changes = _join(kind, document, participation, phase)
        elif suffix == "ECOF":
            changes = _leave(kind, document, participation, phase)
        elif isinstance(document, CMRevoke):
            consent = dict(participation.get("consent") or {})
            consent["revoked_at"] = ctx.now()
            end = _earlier(participation.get("valid_to"), document.consent_end)
            changes = {"status": "inactive", "valid_to": end, "consent": consent}
        changes = {k: v for k, v in changes.items() if participation.get(k) != v}
        if changes:
            uow.update("Participation", participation_id, changes, participation["version"])


def _join(
    kind: str, document: Document, participation: dict[str, Any], phase: Phase
) -> dict[str, Any]:
    if kind == "ZUSTIMMUNG" and isinstance(document, CMNotification):
        consent = next((r.consent_id for r in document.responses if r.consent_id), None)
        if consent is None:
            return {"status": "consent_pending"}
        return {
            "status": "consent_pending",
            "consent": {"consent_id": consent, "given_at": document.header.created},
        }
    if kind == "ABSCHLUSS" and isinstance(document, ECMPList):
        changes: dict[str, Any] = {"status": "active"}
        period = _period_for(document, participation)
        if period is not None:
            changes["valid_from"] = period.date_from
            changes["valid_to"] = None if period.date_to >= _OPEN_END else period.date_to
            if period.participation_factor is not None:
                changes["participation_factor"] = period.participation_factor
        return changes
    if phase in (Phase.REJECTED, Phase.ABORTED):
        return {"status": "rejected"}
    return {}


def _leave(
    kind: str, document: Document, participation: dict[str, Any], phase: Phase
) -> dict[str, Any]:
    if participation["status"] == "inactive":
        return {}  # ended already (e.g. by a factor change): its successor leaves
    if kind == "ZUSTIMMUNG":
        return {"status": "leaving"}
    if kind == "ABSCHLUSS" and isinstance(document, ECMPList):
        changes: dict[str, Any] = {"status": "inactive"}
        period = _period_for(document, participation)
        if period is not None and period.date_to < _OPEN_END:
            changes["valid_to"] = _earlier(participation.get("valid_to"), period.date_to)
        return changes
    if phase in (Phase.REJECTED, Phase.ABORTED):
        return {"status": "active"}  # the leave did not happen
    return {}


def _period_for(document: ECMPList, participation: dict[str, Any]) -> Any:
    """The last period of the list's (first) metering point (the list of a join has one)."""
    for entry in document.metering_points:
        if entry.periods:
            return entry.periods[-1]
    return None


def _earlier(current: date | None, end: date) -> date:
    """An end that never lengthens a participation: the earlier of its own and `end`."""
    return end if current is None or end < current else current


# -- a confirmed factor change -----------------------------------------------------------------

#: Participations a confirmed factor change may split: those allocation counts on their days.
_SPLITTABLE = ("active", "leaving", "inactive")


def _change_factor(ctx: EdaContext, uow: UnitOfWork, process: dict[str, Any]) -> None:
    """ANTWORT_CPF: the factor of our request (ANFORDERUNG_CPF) applies from its DateFrom.

    The participation valid on that day ends the day before (status `inactive`), and a copy
    with the new factor takes over the rest of its validity; a change dated on the
    participation's own first day changes the factor in place. Applied again, it finds the
    participation starting that day with that factor and changes nothing.
    """
    request = _factor_request(ctx, uow, process)
    for entry in request.metering_points:
        point = ctx.metering_point_id(uow, entry.metering_point)
        if point is None:
            raise ProcessingProblem(
                "unknown-metering-point",
                f"ANTWORT_CPF confirms a factor for {entry.metering_point}, "
                "which is not a metering point of ours",
            )
        for period in entry.periods:
            if period.participation_factor is None:
                continue  # the request always carries one (ECMPList 01.10 requires it)
            _split(
                uow,
                process,
                point,
                entry.metering_point,
                period.date_from,
                period.participation_factor,
            )


def _factor_request(ctx: EdaContext, uow: UnitOfWork, process: dict[str, Any]) -> ECMPList:
    """Our ANFORDERUNG_CPF of the process: the answer carries neither factor nor date."""
    found = uow.find(
        "EdaMessage",
        where={
            "and": [
                {"attr": "process", "op": "eq", "value": process["id"]},
                {"attr": "message_code", "op": "eq", "value": "ANFORDERUNG_CPF"},
                {"attr": "direction", "op": "eq", "value": "outbound"},
            ]
        },
        first=1,
    ).items
    row = work_row(uow.connection, ctx.tenant, found[0]["id"]) if found else None
    if row is None:
        raise ProcessingProblem(
            "no-factor-request",
            f"process {process['conversation_id']} has no stored ANFORDERUNG_CPF "
            "to take the new factor and its first day from",
        )
    # Our own document, validated when it was written.
    document = read_document(read_content(uow.connection, ctx.tenant, row.content), validate=False)
    if not isinstance(document, ECMPList):
        raise ProcessingProblem(
            "no-factor-request", f"the stored ANFORDERUNG_CPF {row.message_id} is not an ECMPList"
        )
    return document


def _split(
    uow: UnitOfWork,
    process: dict[str, Any],
    point: str,
    metering_point: str,
    day: date,
    factor: int,
) -> None:
    """The point's participation in the process's community from `day` on has `factor`."""
    community = process["community"]
    current = next(
        (
            p
            for p in uow.find(
                "Participation",
                where={
                    "and": [
                        {"attr": "community", "op": "eq", "value": community},
                        {"attr": "metering_point", "op": "eq", "value": point},
                        {"attr": "status", "op": "in", "value": list(_SPLITTABLE)},
                        {"attr": "valid_from", "op": "lte", "value": day},
                    ]
                },
                order_by=["-valid_from"],
                first=1,
            ).items
            if p.get("valid_to") is None or day <= p["valid_to"]
        ),
        None,
    )
    if current is None:
        raise ProcessingProblem(
            "no-participation",
            f"the grid operator confirmed {factor} % from {day.isoformat()} for "
            f"{metering_point}, but it has no participation in this community on that day",
        )
    if current["valid_from"] == day:  # its first day, or this change was applied before
        if current["participation_factor"] != factor:
            uow.update(
                "Participation", current["id"], {"participation_factor": factor}, current["version"]
            )
        return
    values = {
        "metering_point": point,
        "community": community,
        "participant": current["participant"],
        "participation_factor": factor,
        "static_share": current.get("static_share"),
        "valid_from": day,
        "valid_to": current.get("valid_to"),
        "status": current["status"],
        "consent": current.get("consent"),
    }
    # End the old one first: the two never overlap, not even inside the transaction.
    uow.update(
        "Participation",
        current["id"],
        {"valid_to": day - timedelta(days=1), "status": "inactive"},
        current["version"],
    )
    successor = uow.create("Participation", {k: v for k, v in values.items() if v is not None})
    # The successor belongs to this process, and to open ones of the old participation (a
    # leave under way ends the successor, not the participation that ended already).
    for other in _open_processes_of(uow, str(current["id"])) | {str(process["id"])}:
        uow.link("EdaProcess", other, "participations", successor["id"])


def _open_processes_of(uow: UnitOfWork, participation: str) -> set[str]:
    return {
        str(p["id"])
        for p in uow.find(
            "EdaProcess",
            where={
                "and": [
                    {
                        "attr": "participations",
                        "op": "some",
                        "where": {"attr": "id", "op": "eq", "value": participation},
                    },
                    {
                        "attr": "process_state",
                        "op": "in",
                        "value": ["open", "awaiting_response", "expired"],
                    },
                ]
            },
            first=100,
        ).items
    }


def _by_consent(uow: UnitOfWork, consent_id: str) -> list[str]:
    active = uow.find(
        "Participation",
        where={"attr": "status", "op": "in", "value": ["active", "consent_pending", "leaving"]},
        first=10_000,
    ).items
    return [
        str(p["id"]) for p in active if (p.get("consent") or {}).get("consent_id") == consent_id
    ]


# -- deadlines ---------------------------------------------------------------------------------


def check_deadlines(ctx: EdaContext, now: datetime | None = None) -> list[str]:
    """Flag open processes whose deadline passed as overdue (model state `expired`)."""
    now = now or ctx.now()
    open_phases = [p.value for p in Phase if p not in TERMINAL]
    flagged: list[str] = []
    with ctx.unit_of_work() as uow:
        rows = uow.connection.execute(
            sa.select(t.phase.c.process).where(
                t.phase.c.tenant == ctx.tenant,
                t.phase.c.overdue.is_(False),
                t.phase.c.deadline.is_not(None),
                t.phase.c.deadline < now,
                t.phase.c.phase.in_(open_phases),
            )
        ).scalars()
        for process_id in list(rows):
            uow.connection.execute(
                t.phase.update()
                .where(t.phase.c.tenant == ctx.tenant, t.phase.c.process == process_id)
                .values(overdue=True, updated_at=now)
            )
            process = uow.get("EdaProcess", process_id)
            uow.update("EdaProcess", process_id, {"process_state": "expired"}, process["version"])
            flagged.append(str(process_id))
    return flagged
