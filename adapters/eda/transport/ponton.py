"""Ponton X/P webservice transport: POST OutboundDocuments, take InboundDocuments from a queue.

Sending is a synchronous HTTP POST through an injectable `HttpPost` (default: `urllib_post`), so
tests drive it with a fake or an in-process ASGI app and never touch the network. Receiving is
the other direction: the adapter POSTs to meshkit's routes (ponton_routes), which put each
message and status report into an `InboundQueue`; `receive()` reads that queue.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from meshkit.adapters.eda.transport.base import (
    Clock,
    Delivery,
    OutboundMessage,
    SendReceipt,
    utc_now,
)
from meshkit.adapters.eda.transport.errors import SendError, UnknownDeliveryError
from meshkit.adapters.eda.transport.ponton_envelope import OUTBOUND_SOAP_ACTION, build_document


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: bytes


class HttpPost(Protocol):
    """POST `body` to `url`; return the answer, raise `OSError` if there is none."""

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpResponse: ...


def urllib_post(
    url: str, body: bytes, headers: Mapping[str, str], timeout: float = 30.0
) -> HttpResponse:
    """The default `HttpPost`, on the standard library."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return HttpResponse(answer.status, answer.read())
    except urllib.error.HTTPError as exc:  # an answer all the same, with an error status
        return HttpResponse(exc.code, exc.read())


class InboundQueue:
    """Thread-safe, ordered holding place between the HTTP routes and `receive()`.

    In memory: a message is lost if the process dies before the consumer stored it. Where that
    matters, give the routes a callback that stores durably instead (docs/eda-transports.md).
    """

    def __init__(self) -> None:
        self._pending: OrderedDict[str, Delivery] = OrderedDict()
        self._done: set[str] = set()
        self._lock = threading.Lock()

    def put(self, delivery: Delivery) -> None:
        with self._lock:
            if delivery.delivery_id not in self._done:  # a gateway retry of a stored delivery
                self._pending.setdefault(delivery.delivery_id, delivery)

    def pending(self) -> list[Delivery]:
        with self._lock:
            return list(self._pending.values())

    def acknowledge(self, delivery_id: str) -> None:
        with self._lock:
            if self._pending.pop(delivery_id, None) is not None:
                self._done.add(delivery_id)
            elif delivery_id not in self._done:
                raise UnknownDeliveryError(f"no delivery {delivery_id!r} was received")


class PontonTransport:
    """A `Transport` over the Ponton X/P webservice adapter."""

    def __init__(
        self,
        url: str,
        *,
        post: HttpPost = urllib_post,
        queue: InboundQueue | None = None,
        soap: bool = True,
        message_type: str = "message_code",
        log_info: str | None = "meshkit",
        clock: Clock = utc_now,
    ) -> None:
        if message_type not in ("message_code", "process"):
            raise ValueError("message_type is 'message_code' or 'process'")
        self.url = url
        self.queue = queue or InboundQueue()
        self._post = post
        self._soap = soap
        self._message_type = message_type
        self._log_info = log_info
        self._clock = clock

    def send(self, message: OutboundMessage) -> SendReceipt:
        envelope = message.envelope
        message_type = envelope.process if self._message_type == "process" else None
        body = build_document(
            "OutboundDocument",
            envelope,
            message.payload,
            message_type=message_type,
            log_info=self._log_info,
            soap=self._soap,
        )
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        if self._soap:
            headers["SOAPAction"] = f'"{OUTBOUND_SOAP_ACTION}"'
        try:
            answer = self._post(self.url, body, headers)
        except OSError as exc:
            raise SendError(f"Ponton adapter at {self.url} is unreachable: {exc}") from exc
        if not 200 <= answer.status < 300:
            excerpt = answer.body[:300].decode("utf-8", "replace")
            raise SendError(
                f"Ponton adapter at {self.url} refused MessageId {envelope.message_id} "
                f"with HTTP {answer.status}: {excerpt}"
            )
        return SendReceipt(envelope.message_id, self._clock(), reference=self.url)

    def receive(self) -> list[Delivery]:
        return self.queue.pending()

    def acknowledge(self, delivery_id: str) -> None:
        self.queue.acknowledge(delivery_id)
