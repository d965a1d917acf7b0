"""Every transport keeps the same contract: send -> receipt; receive -> statuses and messages,
again and again until acknowledged; acknowledge is idempotent and refuses unknown ids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from eda_transport_support import (
    CONSUMER,
    DSO,
    Clock,
    FolderGateway,
    PontonGateway,
    Requests,
    communities,
    points,
)
from starlette.applications import Starlette

from meshkit.adapters.eda.transport import (
    DsoSimulator,
    FileFolderTransport,
    GatewayStatus,
    InboundMessage,
    OutboundMessage,
    SendReceipt,
    StatusEvent,
    Transport,
    UnknownDeliveryError,
    read_envelope,
)
from meshkit.adapters.eda.transport.ponton import InboundQueue, PontonTransport
from meshkit.adapters.eda.transport.ponton_routes import ponton_routes


class Harness:
    """A transport plus whatever plays the far end."""

    def __init__(self, transport: Transport, settle: Callable[[], None] = lambda: None) -> None:
        self.transport, self.settle = transport, settle

    def exchange(self, message: OutboundMessage) -> SendReceipt:
        receipt = self.transport.send(message)
        self.settle()
        return receipt


def simulator_harness(clock: Clock, xsd_dir: Path, tmp_path: Path) -> Harness:
    return Harness(DsoSimulator(DSO, communities(), points(), clock=clock, xsd_dir=xsd_dir))


def file_folder_harness(clock: Clock, xsd_dir: Path, tmp_path: Path) -> Harness:
    transport = FileFolderTransport(tmp_path / "eda", clock=clock)
    grid = DsoSimulator(DSO, communities(), points(), clock=clock, xsd_dir=xsd_dir)
    return Harness(transport, FolderGateway(transport, grid).pump)


def ponton_harness(clock: Clock, xsd_dir: Path, tmp_path: Path) -> Harness:
    queue = InboundQueue()
    ours = Starlette(routes=ponton_routes(queue, clock=clock))
    grid = DsoSimulator(DSO, communities(), points(), clock=clock, xsd_dir=xsd_dir)
    gateway = PontonGateway(grid, ours)
    transport = PontonTransport(
        "http://ponton.invalid/outbound", post=gateway.post, queue=queue, clock=clock
    )
    return Harness(transport, gateway.pump)


HARNESSES = {
    "simulator": simulator_harness,
    "file_folder": file_folder_harness,
    "ponton": ponton_harness,
}


@pytest.fixture(params=sorted(HARNESSES))
def harness(request: pytest.FixtureRequest, clock: Clock, xsd_dir: Path, tmp_path: Path) -> Harness:
    return HARNESSES[request.param](clock, xsd_dir, tmp_path)


def test_is_a_transport(harness: Harness) -> None:
    assert isinstance(harness.transport, Transport)


def test_nothing_pending_at_first(harness: Harness) -> None:
    assert harness.transport.receive() == []


def test_send_then_receive_statuses_and_answers(harness: Harness, requests: Requests) -> None:
    request = requests.join(CONSUMER)
    receipt = harness.exchange(request)
    assert receipt.message_id == request.envelope.message_id
    deliveries = harness.transport.receive()
    statuses = [d for d in deliveries if isinstance(d, StatusEvent)]
    assert [(s.message_id, s.status) for s in statuses] == [
        (request.envelope.message_id, GatewayStatus.SENT),
        (request.envelope.message_id, GatewayStatus.DELIVERED),
    ]
    messages = [d for d in deliveries if isinstance(d, InboundMessage)]
    assert [m.envelope.message_code for m in messages] == [
        "ANTWORT_ECON",
        "ZUSTIMMUNG_ECON",
        "ABSCHLUSS_ECON",
    ]
    for message in messages:
        assert message.envelope == read_envelope(message.payload)
        assert message.envelope.conversation_id == request.envelope.conversation_id
        assert message.envelope.process == "EC_REQ_ONL"


def test_deliveries_repeat_until_acknowledged(harness: Harness, requests: Requests) -> None:
    harness.exchange(requests.join(CONSUMER))
    first = harness.transport.receive()
    assert harness.transport.receive() == first
    harness.transport.acknowledge(first[0].delivery_id)
    assert harness.transport.receive() == first[1:]
    for delivery in first:
        harness.transport.acknowledge(delivery.delivery_id)
    harness.transport.acknowledge(first[0].delivery_id)  # again: a no-op
    assert harness.transport.receive() == []


def test_unknown_delivery_id_is_refused(harness: Harness) -> None:
    with pytest.raises(UnknownDeliveryError):
        harness.transport.acknowledge("never-delivered")
