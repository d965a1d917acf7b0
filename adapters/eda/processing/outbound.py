"""Sending stored outbound messages, with retries and exponential backoff.

    send_due(ctx, transport, now)   # every queued message whose next attempt is due

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
from meshkit.adapters.eda.processing.store import error, fail_process
from meshkit.adapters.eda.transport import OutboundMessage, Transport, read_envelope
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


def retry_now(ctx: EdaContext, message: str, now: datetime | None = None) -> None:
    """An operator's "send it again": a failed or queued message becomes due at once."""
    now = now or ctx.now()
    with ctx.unit_of_work() as uow:
        uow.connection.execute(
            t.work.update()
            .where(
                t.work.c.tenant == ctx.tenant,
                t.work.c.message == message,
                t.work.c.state.in_(["queued", "failed"]),
            )
            .values(state="queued", next_attempt_at=now)
        )
