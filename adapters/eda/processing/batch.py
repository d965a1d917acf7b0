"""Energy data in batches: many DATEN_CRMSG in one transaction, with one series load.

    outcomes = process_chunk(ctx, ["<EdaMessage id>", ...])   # ids in storage order

Processing energy data one message at a time costs a series merge, a transaction and a dozen
bookkeeping statements per message (see bench/eda_ingest.py). Here a run of consecutive
DATEN_CRMSG that each start a new CR_MSG conversation is processed together:

1. outside any transaction: read and parse every payload (DATEN_CRMSG column-wise by
   fast_record.py when it can, else by the codec; in worker processes, see parsing.py), turn
   each ConsumptionRecord into its keyed readings and run the series checks on it; a message
   that fails here is quarantined on its own (nothing of it is loaded), the rest carry on;
2. one transaction: lock the run's work rows (still `pending`, same payload), load all readings
   into the series store in ONE multi-source load (`write_readings_batch`, the MessageId as each
   value's source, in message order: a later message for the same interval replaces the value
   and keeps the history, also within the run), create the CR_MSG processes in one statement,
   mark the messages processed and their work rows `done` with processed_count + 1.

A crash anywhere in step 2 rolls the whole run back, so every message of it is processed again,
completely, exactly once. Anything unexpected in step 2 (a process that appeared meanwhile, a
repository error) rolls the run back and processes its messages one by one with
`process_message`, which quarantines the one at fault. Every other message (answers of the
join/leave processes, DATEN_CRMSG of an existing conversation such as CR_REQ_PT) is processed
on its own, in storage order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa

from meshkit.adapters.eda.processing import tables as t
from meshkit.adapters.eda.processing.context import EdaContext
from meshkit.adapters.eda.processing.ingest import SERIES, check_keyable, keyed_readings_many
from meshkit.adapters.eda.processing.parsing import ParsedPayload, PayloadParser
from meshkit.adapters.eda.processing.store import error, new_process
from meshkit.adapters.eda.xml import (
    ConsumptionRecord,
    XsdNotFoundError,
    consumption_record_readings,
)
from meshkit.runtime import UnitOfWork

log = logging.getLogger(__name__)

#: Problems found for a message: the ErrorDetail records it is quarantined with.
Problems = list[dict[str, Any]]
#: process_message / quarantine, handed in by the processor (which imports this module).
Single = Callable[[EdaContext, str], str]
Quarantine = Callable[[EdaContext, str, Sequence[dict[str, Any]]], None]
Diagnose = Callable[[BaseException], Problems]


@dataclass(frozen=True)
class _Energy:
    message: str
    content: str
    record: ConsumptionRecord
    readings: pl.DataFrame  # keyed, checked


class _Fallback(Exception):
    """The run cannot be done as a batch: roll back, process its messages one by one."""


def process_chunk(
    ctx: EdaContext,
    messages: Sequence[str],
    *,
    single: Single,
    quarantine: Quarantine,
    diagnose: Diagnose,
    parser: PayloadParser | None = None,
) -> dict[str, str]:
    """Process `messages` (pending ids in storage order): id -> "processed" / "quarantined" /
    "skipped". `parser` parses the payloads (default: in this process, see parsing.py)."""
    outcomes: dict[str, str] = {}
    # Parsing holds no transaction: it is the slow part.
    parsed = (parser or PayloadParser(ctx, workers=0)).parsed(messages)
    known = _known_conversations(ctx, parsed)
    run: list[ParsedPayload] = []

    def flush() -> None:
        if run:
            outcomes.update(
                _energy_run(ctx, run, single=single, quarantine=quarantine, diagnose=diagnose)
            )
            run.clear()

    for item in parsed:
        document = item.document
        if isinstance(document, ConsumptionRecord):
            conversation = document.header.conversation_id
            if conversation not in known:
                known.add(conversation)
                run.append(item)
                continue
        flush()
        outcomes[item.message] = single(ctx, item.message)
    flush()
    return outcomes


def _known_conversations(ctx: EdaContext, parsed: list[ParsedPayload]) -> set[str]:
    """ConversationIds of the chunk's energy messages that already have a process."""
    wanted = sorted(
        {
            p.document.header.conversation_id
            for p in parsed
            if isinstance(p.document, ConsumptionRecord)
        }
    )
    if not wanted:
        return set()
    with ctx.unit_of_work() as uow:
        return _existing_processes(uow, wanted)


def _existing_processes(uow: UnitOfWork, conversations: Sequence[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(conversations), 500):
        part = list(conversations[start : start + 500])
        known.update(
            str(p["conversation_id"])
            for p in uow.find(
                "EdaProcess",
                where={"attr": "conversation_id", "op": "in", "value": part},
                first=len(part),
            ).items
        )
    return known


def _energy_run(
    ctx: EdaContext,
    run: Sequence[ParsedPayload],
    *,
    single: Single,
    quarantine: Quarantine,
    diagnose: Diagnose,
) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    rejected: dict[str, Problems] = {}
    energy: list[_Energy] = []
    candidates: list[tuple[ParsedPayload, ConsumptionRecord, pl.DataFrame]] = []
    for item in run:
        assert isinstance(item.document, ConsumptionRecord)
        record = item.document
        try:
            readings = item.readings
            if readings is None:
                readings = consumption_record_readings(record)
            check_keyable(readings, record.header.receiver)
        except Exception as exc:
            rejected[item.message] = diagnose(exc)
            continue
        candidates.append((item, record, readings))
    # Keyed in one query for the run (each message's receiver names its community).
    keyed_all = keyed_readings_many([(r, record.header.receiver) for _, record, r in candidates])
    candidates = [
        (item, record, keyed)
        for (item, record, _), keyed in zip(candidates, keyed_all, strict=True)
    ]
    # The series checks on the whole run at once; one by one only if something is wrong.
    bad = ctx.series.bad_readings(
        [(item.message, keyed) for item, _, keyed in candidates], series=SERIES
    )
    for index, (item, record, keyed) in enumerate(candidates):
        if index in bad:
            rejected[item.message] = diagnose(bad[index])
        else:
            energy.append(_Energy(item.message, item.content, record, keyed))
    if energy:
        checked = dict(rejected)
        try:
            outcomes.update(_load_run(ctx, energy, rejected))
        except (XsdNotFoundError, sa.exc.OperationalError, sa.exc.InterfaceError):
            raise  # configuration or database trouble: the messages stay pending
        except Exception as exc:
            if not isinstance(exc, _Fallback):
                log.info("energy batch of %d fell back to single messages: %s", len(energy), exc)
            rejected = checked  # the single path finds (and quarantines) the rest itself
            for ready in energy:
                outcomes[ready.message] = single(ctx, ready.message)
    for message, problems in rejected.items():
        quarantine(ctx, message, problems)
        outcomes[message] = "quarantined"
    return outcomes


def _load_run(
    ctx: EdaContext, energy: list[_Energy], rejected: dict[str, Problems]
) -> dict[str, str]:
    """Step 2 for the checked messages; those found at fault here go to `rejected`."""
    outcomes: dict[str, str] = {}
    with ctx.unit_of_work() as uow:
        connection = uow.connection
        statement = (
            sa.select(t.work.c.message, t.work.c.state, t.work.c.content)
            .where(t.work.c.tenant == ctx.tenant, t.work.c.message.in_([e.message for e in energy]))
            .order_by(t.work.c.seq)
        )
        if connection.dialect.name == "postgresql":
            statement = statement.with_for_update()
        locked = {str(r.message): r for r in connection.execute(statement)}
        entities = _messages(uow, list(locked))
        ready: list[tuple[_Energy, dict[str, Any], str]] = []
        for item in energy:
            row = locked.get(item.message)
            entity = entities.get(item.message)
            if (
                row is None
                or entity is None
                or row.state != "pending"
                or row.content != item.content
            ):
                outcomes[item.message] = "skipped"  # another worker, or a replay meanwhile
                continue
            header = item.record.header
            if (entity.get("sender_id") or header.sender) != header.sender:
                rejected[item.message] = [
                    error(
                        "sender-mismatch",
                        f"the header's sender {header.sender} is not the envelope's",
                    )
                ]
                continue
            community = ctx.community_id(uow, header.receiver)
            if community is None:
                rejected[item.message] = [
                    error(
                        "unknown-community",
                        f"the receiver {header.receiver} is not a community of ours",
                    )
                ]
                continue
            ready.append((item, entity, community))
        if not ready:
            return outcomes
        if _existing_processes(uow, [i.record.header.conversation_id for i, _, _ in ready]):
            raise _Fallback("a conversation of the run got its process meanwhile")
        ctx.series.write_readings_batch(
            [(str(entity["message_id"]), item.readings) for item, entity, _ in ready],
            tenant=ctx.tenant,
            series=SERIES,
            connection=connection,
        )
        _bookkeeping(ctx, uow, ready)
        for item, _, _ in ready:
            outcomes[item.message] = "processed"
    return outcomes


def _messages(uow: UnitOfWork, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The EdaMessage entities of `ids` (one query per 500)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        for entity in uow.find(
            "EdaMessage", where={"attr": "id", "op": "in", "value": part}, first=len(part)
        ).items:
            found[str(entity["id"])] = dict(entity)
    return found


def _bookkeeping(
    ctx: EdaContext, uow: UnitOfWork, ready: list[tuple[_Energy, dict[str, Any], str]]
) -> None:
    """The CR_MSG processes (one statement), their phase rows, the metering point links, the
    messages' status and their work rows."""
    processes: list[dict[str, Any]] = []
    phases: list[dict[str, Any]] = []
    for item, _, community in ready:
        header = item.record.header
        values, phase_row = new_process(
            ctx,
            "CR_MSG",
            header.conversation_id,
            community=community,
            initiator="inbound",
            grid_operator=header.sender,
            process_date=item.record.process_date,
            first_message=header.message_code,
        )
        processes.append(values)
        phases.append(phase_row)
    created = uow.create_many("EdaProcess", processes)
    for phase_row, process in zip(phases, created, strict=True):
        phase_row["process"] = process["id"]
    uow.connection.execute(t.phase.insert(), phases)
    points = ctx.metering_point_ids(uow, {item.record.metering_point for item, _, _ in ready})
    now = ctx.now()
    links: list[tuple[str, str]] = []
    updates: list[tuple[str, dict[str, Any], int]] = []
    for (item, entity, _), process in zip(ready, created, strict=True):
        point = points.get(item.record.metering_point)
        if point is not None:
            links.append((process["id"], point))
        header = item.record.header
        changes: dict[str, Any] = {
            "status": "processed",
            "process": process["id"],
            "document_created_at": header.created,
            "conversation_id": header.conversation_id,
            "receiver_id": header.receiver,
            "message_code": header.message_code,
        }
        if entity.get("errors"):
            changes["errors"] = None
        changes = {k: v for k, v in changes.items() if entity.get(k) != v}
        updates.append((item.message, changes, entity["version"]))
    # One batch each (checks, optimistic locking, audit, events and hooks as the single forms).
    uow.link_many("EdaProcess", "metering_points", links)
    uow.update_many("EdaMessage", updates)
    uow.connection.execute(
        t.work.update()
        .where(t.work.c.tenant == ctx.tenant, t.work.c.message == sa.bindparam("done_message"))
        .values(
            state="done",
            processed_count=t.work.c.processed_count + 1,
            processed_at=now,
            last_error=None,
        ),
        [{"done_message": item.message} for item, _, _ in ready],
    )
