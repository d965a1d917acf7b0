"""Sending stored outbound messages, with retries and exponential backoff.

    send_due(ctx, transport, now)   # every queued message whose next attempt is due
    retry_now(ctx, message)         # an operator's "send it now" (retry_send: in a given uow)

A message is stored (work state `queued`, next_attempt_at = when it was stored) before it is
sent. `send_due` hands each due one to the transport; on success the message is `sent` and its
work row `handed_over` (the gateway's StatusEvents then say delivered or rejected); on a failed
send the attempt is counted and the next one scheduled after `RetryPolicy.delay(attempts)`;
after `max_attempts` failures the message is `failed`. A crash between a successful send and
the commit sends the message again on restart: transports accept a resend of the same MessageId
(the file folder is idempotent, the grid operator deduplicates by MessageId).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from meshkit.adapters.eda.processing import tables as t
from meshkit.adapters.eda.processing.context import EdaContext
from meshkit.adapters.eda.processing.machine import MODEL_STATE, Phase, next_phase
from meshkit.adapters.eda.processing.store import error, fail_process, phase_of, work_row
from meshkit.adapters.eda.transport import OutboundMessage, Transport, read_envelope
from meshkit.runtime import UnitOfWork
from meshkit.runtime.content import read_content

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def due_messages(ctx: EdaContext, now: datetime) -> list[str]:
    with ctx.repository.engine.connect() as connection:
        return [
            str(m)
            for m in connection.execute(
                sa.select(t.work.c.message)
                .where(
                    t.work.c.tenant == ctx.tenant,
                    t.work.c.state == "queued",
                    t.work.c.next_attempt_at <= now,
                )
                .order_by(t.work.c.next_attempt_at, t.work.c.seq)
            ).scalars()
        ]


def send_due(ctx: EdaContext, transport: Transport, now: datetime | None = None) -> SendReport:
    """Send every queued outbound message that is due at `now`."""
    now = now or ctx.now()
    report = SendReport()
    for message in due_messages(ctx, now):
        with ctx.repository.engine.connect() as connection:
            row = connection.execute(
                sa.select(t.work).where(t.work.c.tenant == ctx.tenant, t.work.c.message == message)
            ).one()
            payload = read_content(connection, ctx.tenant, row.content)
        try:
            receipt = transport.send(OutboundMessage(read_envelope(payload), payload))
        except Exception as exc:
            outcome = _failed(ctx, row, f"{type(exc).__name__}: {exc}", now)
            if outcome == "failed":
                report.failed += 1
            else:
                report.retrying += 1
            continue
        _sent(ctx, row, receipt.accepted_at, now)
        report.sent += 1
    return report


def _sent(ctx: EdaContext, row: sa.Row[Any], accepted_at: datetime, now: datetime) -> None:
    with ctx.unit_of_work() as uow:
        uow.connection.execute(
            t.work.update()
            .where(t.work.c.tenant == ctx.tenant, t.work.c.message == row.message)
            .values(
                state="handed_over",
                attempts=t.work.c.attempts + 1,
                next_attempt_at=None,
                last_error=None,
            )
        )
        entity = uow.get("EdaMessage", row.message)
        if entity["status"] in ("stored", "failed"):
            uow.update(
                "EdaMessage",
                row.message,
                {"status": "sent", "sent_at": accepted_at or now},
                entity["version"],
            )


def _failed(ctx: EdaContext, row: sa.Row[Any], reason: str, now: datetime) -> str:
    attempts = row.attempts + 1
    policy = ctx.config.retry
    give_up = attempts >= policy.max_attempts
    log.warning("sending %s failed (attempt %d): %s", row.message_id, attempts, reason)
    with ctx.unit_of_work() as uow:
        uow.connection.execute(
            t.work.update()
            .where(t.work.c.tenant == ctx.tenant, t.work.c.message == row.message)
            .values(
                state="failed" if give_up else "queued",
                attempts=attempts,
                next_attempt_at=None if give_up else now + policy.delay(attempts),
                last_error=reason[:4000],
            )
        )
        if give_up:
            entity = uow.get("EdaMessage", row.message)
            errors = [*(entity.get("errors") or []), error("send-failed", reason[:2000])]
            uow.update(
                "EdaMessage",
                row.message,
                {"status": "failed", "errors": errors},
                entity["version"],
            )
            if entity.get("process") and str(entity["message_code"]).startswith("ANFORDERUNG"):
                fail_process(ctx, uow, entity["process"])
    return "failed" if give_up else "retrying"


class RetryError(ValueError):
    """A retry that cannot be made; `code` is `unknown-message` or `nothing-to-retry`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ScheduledRetry:
    """An outbound message made due at once: `send_due` sends it next."""

    message: str  # the EdaMessage id
    was: str  # "waiting" (in backoff, or not tried yet) or "failed" (given up)
    attempts: int  # failed sends so far
    next_attempt_at: datetime
    process_reopened: bool  # its request's process was `failed` and waits for the answer again


def retry_send(
    ctx: EdaContext, uow: UnitOfWork, message: str, now: datetime | None = None
) -> ScheduledRetry:
    """An operator's "send it now": a message waiting in backoff, or one given up after
    `max_attempts`, becomes due at once, in `uow`.

    A failed message gets one more attempt (its count is kept, so another failure gives up
    again at once); it is `stored` again, and the `failed` process of a request goes back to
    waiting for its answer. A message handed to the gateway (sent, delivered, rejected by it)
    has nothing to retry.
    """
    now = now or ctx.now()
    row = work_row(uow.connection, ctx.tenant, message, lock=True)
    if row is None or row.direction != "outbound":
        raise RetryError("unknown-message", f"no outbound message {message}")
    if row.state not in ("queued", "failed"):
        status = uow.get("EdaMessage", message)["status"]
        raise RetryError(
            "nothing-to-retry",
            f"nothing to retry: message {row.message_id} was handed to the gateway ({status})",
        )
    uow.connection.execute(
        t.work.update()
        .where(t.work.c.tenant == ctx.tenant, t.work.c.message == message)
        .values(state="queued", next_attempt_at=now)
    )
    reopened = False
    if row.state == "failed":
        entity = uow.get("EdaMessage", message)
        if entity["status"] == "failed":
            uow.update("EdaMessage", message, {"status": "stored"}, entity["version"])
        if entity.get("process") and str(entity["message_code"]).startswith("ANFORDERUNG"):
            reopened = reopen_process(ctx, uow, str(entity["process"]), entity["message_code"])
    return ScheduledRetry(
        message, "failed" if row.state == "failed" else "waiting", row.attempts, now, reopened
    )


def retry_now(ctx: EdaContext, message: str, now: datetime | None = None) -> ScheduledRetry:
    """`retry_send` in a transaction of its own (the command line's form)."""
    with ctx.unit_of_work() as uow:
        return retry_send(ctx, uow, message, now)


def reopen_process(ctx: EdaContext, uow: UnitOfWork, process_id: str, request: str) -> bool:
    """The process a failed send failed waits again for the answer to `request` (True), unless
    it moved on meanwhile (False)."""
    phase = phase_of(uow, process_id)
    if phase is None or phase.phase != Phase.FAILED:
        return False
    process = uow.get("EdaProcess", process_id)
    code = str(process["process_code"]).upper()
    target = next_phase(code, None, request)
    now = ctx.now()
    span = ctx.config.deadline(code)
    deadline = None if span is None else now + span
    uow.connection.execute(
        t.phase.update()
        .where(t.phase.c.tenant == ctx.tenant, t.phase.c.process == process_id)
        .values(
            phase=target.value, overdue=False, deadline=deadline, completed_at=None, updated_at=now
        )
    )
    uow.update(
        "EdaProcess",
        process_id,
        {"process_state": MODEL_STATE[target], "deadline": deadline},
        process["version"],
    )
    return True
