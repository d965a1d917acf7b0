"""Ponton X/P webservice: the envelope is built and read back, posting goes through an injected
HTTP function (or urllib on loopback), and the inbound routes answer 200 / 400 / 503."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from eda_transport_support import CONSUMER, DSO, EC, Clock, Requests, asgi_call
from lxml import etree
from starlette.applications import Starlette

from meshkit.adapters.eda.transport import (
    Delivery,
    GatewayStatus,
    InboundMessage,
    SendError,
    StatusEvent,
)
from meshkit.adapters.eda.transport.ponton import (
    HttpResponse,
    InboundQueue,
    PontonTransport,
    urllib_post,
)
from meshkit.adapters.eda.transport.ponton_envelope import (
    PONTON_NS,
    SOAP11_NS,
    build_document,
    parse_document_envelope,
)
from meshkit.adapters.eda.transport.ponton_routes import ponton_routes
from meshkit.adapters.eda.xml import read_document

HEADER_ORDER = ["MessageId", "ConversationId", "SenderId", "ReceiverId", "MessageType"]


@pytest.mark.parametrize("soap", [True, False])
def test_outbound_document_follows_the_xsd_and_reads_back(
    requests: Requests, xsd_dir: Path, soap: bool
) -> None:
    message = requests.join(CONSUMER)
    body = build_document("OutboundDocument", message.envelope, message.payload, soap=soap)
    root = etree.fromstring(body)
    if soap:
        assert root.tag == f"{{{SOAP11_NS}}}Envelope"
        root = root[0][0]
    assert root.tag == f"{{{PONTON_NS}}}OutboundDocument"
    header = root.find(f"{{{PONTON_NS}}}Header")
    assert header is not None
    names = [etree.QName(child).localname for child in header]
    assert names == [*HEADER_ORDER, "MessageVersion"]
    assert header.findtext(f"{{{PONTON_NS}}}MessageType") == "ANFORDERUNG_ECON"
    assert header.findtext(f"{{{PONTON_NS}}}MessageVersion") == "01.20"
    parsed = parse_document_envelope(body, "OutboundDocument")
    assert parsed.envelope == message.envelope
    assert read_document(parsed.payload, xsd_dir=xsd_dir) == read_document(
        message.payload, xsd_dir=xsd_dir
    )


class FakePost:
    """An `HttpPost` that records what it was given and answers as told."""

    def __init__(self, answer: HttpResponse | OSError) -> None:
        self.answer = answer
        self.calls: list[tuple[str, bytes, dict[str, str]]] = []

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpResponse:
        self.calls.append((url, body, dict(headers)))
        if isinstance(self.answer, OSError):
            raise self.answer
        return self.answer


def test_send_posts_a_soap_outbound_document(requests: Requests, clock: Clock) -> None:
    post = FakePost(HttpResponse(200, b""))
    transport = PontonTransport("http://ponton.invalid/ws", post=post, clock=clock)
    message = requests.join(CONSUMER)
    receipt = transport.send(message)
    assert (receipt.message_id, receipt.accepted_at) == (message.envelope.message_id, clock())
    ((url, body, headers),) = post.calls
    assert url == "http://ponton.invalid/ws"
    assert headers["SOAPAction"] == f'"{PONTON_NS}/outboundDocument"'
    assert parse_document_envelope(body, "OutboundDocument").envelope == message.envelope


def test_message_type_can_be_the_process_code(requests: Requests) -> None:
    post = FakePost(HttpResponse(202, b""))
    PontonTransport("http://x.invalid", post=post, message_type="process").send(
        requests.join(CONSUMER)
    )
    parsed = parse_document_envelope(post.calls[0][1], "OutboundDocument")
    assert parsed.envelope.message_code == "EC_REQ_ONL"


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (HttpResponse(500, b"adapter down"), "HTTP 500: adapter down"),
        (ConnectionRefusedError("refused"), "unreachable"),
    ],
)
def test_a_refused_or_failed_post_raises_send_error(
    requests: Requests, answer: HttpResponse | OSError, words: str
) -> None:
    transport = PontonTransport("http://x.invalid", post=FakePost(answer))
    with pytest.raises(SendError, match=words):
        transport.send(requests.join(CONSUMER))


@pytest.fixture
def loopback() -> Iterator[tuple[str, list[bytes]]]:
    """A tiny HTTP server on 127.0.0.1 that records POST bodies."""
    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ws", bodies
    finally:
        server.shutdown()
        server.server_close()


def test_urllib_post_over_loopback(requests: Requests, loopback: tuple[str, list[bytes]]) -> None:
    url, bodies = loopback
    message = requests.join(CONSUMER)
    PontonTransport(url, post=urllib_post).send(message)
    (body,) = bodies
    assert (
        parse_document_envelope(body, "OutboundDocument")
        .payload.strip()
        .endswith(b"</cp:CMRequest>")
    )


# --- inbound routes ----------------------------------------------------------------------------


def inbound_body(requests: Requests, *, soap: bool = True) -> bytes:
    """An InboundDocument as the adapter delivers it (a DSO answer would do as well)."""
    message = requests.join(CONSUMER)
    return build_document(
        "InboundDocument",
        message.envelope,
        message.payload,
        hub_received=datetime(2026, 3, 16, 7, 0, 5, tzinfo=UTC),
        soap=soap,
    )


@pytest.fixture
def queue() -> InboundQueue:
    return InboundQueue()


@pytest.fixture
def app(queue: InboundQueue, clock: Clock) -> Starlette:
    return Starlette(routes=ponton_routes(queue, clock=clock))


@pytest.mark.parametrize("soap", [True, False])
def test_a_good_inbound_document_is_queued_once(
    app: Starlette, queue: InboundQueue, requests: Requests, soap: bool
) -> None:
    body = inbound_body(requests, soap=soap)
    assert asgi_call(app, "/ponton/message", body) == HttpResponse(200, b"OK")
    assert asgi_call(app, "/ponton/message", body).status == 200  # the adapter retried
    (delivery,) = queue.pending()
    assert isinstance(delivery, InboundMessage)
    assert delivery.envelope.sender == EC and delivery.envelope.receiver == DSO
    assert delivery.received_at == datetime(2026, 3, 16, 7, 0, 5, tzinfo=UTC)
    assert delivery.wire == body
    assert read_document(delivery.payload, validate=False).header.message_code == (
        "ANFORDERUNG_ECON"
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "not a readable Ponton InboundDocument"),
        (b"this is not xml", "not well-formed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><x>&lol;</x>',
            "DOCTYPE",
        ),
        (
            b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
            "DOCTYPE",
        ),
        (b"<OutboundDocument/>", "expected <InboundDocument>"),
        (
            f'<InboundDocument xmlns="{PONTON_NS}"><Header/><Message/></InboundDocument>'.encode(),
            "exactly one document",
        ),
        (
            f'<InboundDocument xmlns="{PONTON_NS}"><Header/><Message><x/></Message>'
            "</InboundDocument>".encode(),
            "lacks <MessageId>",
        ),
    ],
)
def test_bad_inbound_documents_get_400_with_the_reason(
    app: Starlette, queue: InboundQueue, body: bytes, words: str
) -> None:
    answer = asgi_call(app, "/ponton/message", body)
    assert answer.status == 400
    assert answer.body.startswith(b"bad InboundDocument: ")
    assert words.encode() in answer.body
    assert b"Traceback" not in answer.body
    assert queue.pending() == []


def test_a_failing_consumer_gets_503_so_the_adapter_retries(
    requests: Requests, clock: Clock
) -> None:
    def refuse(delivery: Delivery) -> None:
        raise RuntimeError("database is down")

    app = Starlette(routes=ponton_routes(refuse, clock=clock))
    answer = asgi_call(app, "/ponton/message", inbound_body(requests))
    assert answer.status == 503 and b"database" not in answer.body


def test_status_reports_become_status_events(
    app: Starlette, queue: InboundQueue, clock: Clock
) -> None:
    reports = [
        b"<Status><MessageId>RC1</MessageId><Status>sent</Status></Status>",
        b"<x><MessageId>RC1</MessageId><Status>RECEIVED</Status></x>",
        b"<x><MessageId>RC1</MessageId><Status>rejected</Status><Reason>no route</Reason>"
        b"<Timestamp>2026-03-16T08:00:00+01:00</Timestamp></x>",
    ]
    for body in reports:
        assert asgi_call(app, "/ponton/status", body).status == 200
    events = queue.pending()
    assert all(isinstance(e, StatusEvent) for e in events)
    assert [(e.message_id, e.status, e.reason) for e in events if isinstance(e, StatusEvent)] == [
        ("RC1", GatewayStatus.SENT, None),
        ("RC1", GatewayStatus.DELIVERED, None),
        ("RC1", GatewayStatus.REJECTED, "no route"),
    ]
    assert isinstance(events[0], StatusEvent) and events[0].at == clock()


@pytest.mark.parametrize(
    "body",
    [b"<x><Status>sent</Status></x>", b"<x><MessageId>1</MessageId><Status>lost</Status></x>"],
)
def test_bad_status_reports_get_400(app: Starlette, body: bytes) -> None:
    answer = asgi_call(app, "/ponton/status", body)
    assert answer.status == 400 and answer.body.startswith(b"bad status report: ")


def test_only_post_is_allowed(app: Starlette) -> None:
    assert asgi_call(app, "/ponton/message", method="GET").status == 405


def test_oversized_bodies_are_refused(queue: InboundQueue) -> None:
    app = Starlette(routes=ponton_routes(queue, max_body_bytes=100))
    assert asgi_call(app, "/ponton/message", b"<x>" + b"a" * 200 + b"</x>").status == 413
