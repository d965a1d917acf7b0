"""Starlette routes the Ponton X/P adapter POSTs to: inbound documents and status reports.

    POST {prefix}/message   InboundDocument (bare or SOAP)  -> 200; 400 with the reason if bad
    POST {prefix}/status    status report (sent/received/rejected) -> 200; 400 if bad

A bad envelope is the sender's problem: 400 with a plain-text reason, never a 500 with a
traceback. If the consumer cannot take a good message (its callback raises), the answer is 503 so
the adapter retries later; the message is not lost.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from meshkit.adapters.eda.transport.base import (
    Clock,
    Delivery,
    InboundMessage,
    StatusEvent,
    utc_now,
)
from meshkit.adapters.eda.transport.errors import EnvelopeError
from meshkit.adapters.eda.transport.ponton import InboundQueue
from meshkit.adapters.eda.transport.ponton_envelope import (
    parse_document_envelope,
    parse_status_report,
)

log = logging.getLogger(__name__)

#: Larger bodies are refused before parsing (a day of 15-minute data is well below 1 MB).
MAX_BODY_BYTES = 20 * 1024 * 1024


def ponton_routes(
    on_delivery: Callable[[Delivery], None] | InboundQueue,
    *,
    prefix: str = "/ponton",
    clock: Clock = utc_now,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> list[Route]:
    """The two routes; each parsed delivery goes to `on_delivery` (or into the queue) before
    the adapter gets its 200."""
    deliver = on_delivery.put if isinstance(on_delivery, InboundQueue) else on_delivery

    async def read_body(request: Request) -> bytes | Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body_bytes:
            return PlainTextResponse(f"body larger than {max_body_bytes} bytes", 413)
        body = await request.body()
        if len(body) > max_body_bytes:
            return PlainTextResponse(f"body larger than {max_body_bytes} bytes", 413)
        return body

    async def hand_over(delivery: Delivery) -> Response:
        try:
            await run_in_threadpool(deliver, delivery)
        except Exception:
            log.exception("could not take delivery %s", delivery.delivery_id)
            return PlainTextResponse("not stored; retry later", 503)
        return PlainTextResponse("OK", 200)

    async def message(request: Request) -> Response:
        body = await read_body(request)
        if isinstance(body, Response):
            return body
        try:
            document = parse_document_envelope(body, "InboundDocument")
        except EnvelopeError as exc:
            return PlainTextResponse(f"bad InboundDocument: {exc}", 400)
        envelope = document.envelope
        # The MessageId is unique per sender, so a gateway retry maps onto the same delivery.
        delivery_id = f"{envelope.sender}:{envelope.message_id}"
        received = document.hub_received or clock()
        return await hand_over(
            InboundMessage(delivery_id, envelope, document.payload, received, wire=body)
        )

    async def status(request: Request) -> Response:
        body = await read_body(request)
        if isinstance(body, Response):
            return body
        try:
            report = parse_status_report(body)
        except EnvelopeError as exc:
            return PlainTextResponse(f"bad status report: {exc}", 400)
        # Reports carry no id of their own; applying the same status twice is harmless.
        delivery_id = f"status:{report.message_id}:{report.status.value}:{secrets.token_hex(6)}"
        event = StatusEvent(
            delivery_id, report.message_id, report.status, report.at or clock(), report.reason
        )
        return await hand_over(event)

    return [
        Route(f"{prefix}/message", message, methods=["POST"]),
        Route(f"{prefix}/status", status, methods=["POST"]),
    ]
