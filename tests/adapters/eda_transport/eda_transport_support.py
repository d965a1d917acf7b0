"""Helpers of the EDA transport tests: a settable clock, the simulated grid's communities and
metering points, and builders for the community's requests (fixtures live in conftest)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Scope

from meshkit.adapters.eda.transport import (
    DsoSimulator,
    FileFolderTransport,
    OutboundMessage,
    SimulatedCommunity,
    SimulatedMeteringPoint,
    StatusEvent,
    outbound_from_document,
    outbound_message,
    status_file_content,
)
from meshkit.adapters.eda.transport.ponton import HttpResponse
from meshkit.adapters.eda.transport.ponton_envelope import build_document, parse_document_envelope
from meshkit.adapters.eda.xml import (
    CMRequest,
    CMRequestDetails,
    CPRequest,
    DistributionModel,
    DocumentMode,
    ECMPList,
    ECType,
    EnergyDirection,
    MessageHeader,
    MeteringPointEntry,
    MeteringPointPeriod,
)

REPO = Path(__file__).resolve().parents[3]
DSO = "AT003000"
EC = "RC100130"
EC_ID = "AT00300000000RC100130000000000000"
CONSUMER = "AT0030000000000000000000000100001"
CONSUMER_2 = "AT0030000000000000000000000100002"
PRODUCER = "AT0030000000000000000000000200001"
FAR_AWAY = "AT0030000000000000000000000900001"
NO_SMART_METER = "AT0030000000000000000000000900002"
# 2026-03-16 is a Monday; 08:00 Vienna (CET) is before the 09:00-17:00 window.
MORNING = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)


def xsd_folder() -> Path:
    configured = os.environ.get("MESHKIT_EDA_XSD_DIR", "").strip()
    return Path(configured) if configured else REPO.parent / "shared" / "eda" / "xsd"


class Clock:
    """A settable clock: `clock.now = ...` moves time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def communities() -> list[SimulatedCommunity]:
    return [
        SimulatedCommunity(
            EC_ID,
            EC,
            ECType.RENEWABLE_LOCAL,
            DistributionModel.DYNAMIC,
            areas=frozenset({"north"}),
        ),
        *(
            SimulatedCommunity(f"AT00300000000RC10014{i}000000000000", f"RC10014{i}")
            for i in range(6)
        ),
    ]


def points() -> list[SimulatedMeteringPoint]:
    return [
        SimulatedMeteringPoint(CONSUMER, EnergyDirection.CONSUMPTION, "north"),
        SimulatedMeteringPoint(
            CONSUMER_2, EnergyDirection.CONSUMPTION, "north", annual_consumption_kwh=5000
        ),
        SimulatedMeteringPoint(PRODUCER, EnergyDirection.GENERATION, "north", peak_power_kw=12),
        SimulatedMeteringPoint(FAR_AWAY, EnergyDirection.CONSUMPTION, "south"),
        SimulatedMeteringPoint(
            NO_SMART_METER, EnergyDirection.CONSUMPTION, "north", smart_meter=False
        ),
    ]


class Requests:
    """Builds the community's requests as validated `OutboundMessage`s."""

    def __init__(self, clock: Clock, xsd_dir: Path) -> None:
        self.clock, self.xsd_dir, self.count = clock, xsd_dir, 0

    def header(self, code: str, sender: str = EC) -> MessageHeader:
        self.count += 1
        return MessageHeader(
            sender=sender,
            receiver=DSO,
            created=self.clock(),
            message_code=code,
            message_id=f"{sender}MSG{self.count:08d}",
            conversation_id=f"{sender}T{self.count:08d}",
            document_mode=DocumentMode.SIMU,
        )

    def cm(
        self,
        code: str,
        point: str,
        *,
        ec_id: str = EC_ID,
        factor: int | None = 100,
        day: date = date(2026, 3, 17),
        sender: str = EC,
    ) -> OutboundMessage:
        request = CMRequest(
            header=self.header(code, sender),
            process_date=day,
            cm_request_id=f"REQ{self.count:06d}",
            metering_point=point,
            request=CMRequestDetails(
                data_type="EnergyCommunityRegistration",
                date_from=day,
                ec_id=ec_id,
                participation_factor=factor,
                energy_direction=None,
            ),
        )
        return outbound_message(request, "01p20", xsd_dir=self.xsd_dir)

    def join(self, point: str, **kwargs: object) -> OutboundMessage:
        return self.cm("ANFORDERUNG_ECON", point, **kwargs)  # type: ignore[arg-type]

    def leave(self, point: str, **kwargs: object) -> OutboundMessage:
        return self.cm("ANFORDERUNG_ECOF", point, **kwargs)  # type: ignore[arg-type]

    def factor(self, point: str, factor: int, day: date, *, ec_id: str = EC_ID) -> OutboundMessage:
        request = ECMPList(
            header=self.header("ANFORDERUNG_CPF"),
            process_date=day,
            ec_id=ec_id,
            ec_type=ECType.RENEWABLE_LOCAL,
            distribution_model=DistributionModel.DYNAMIC,
            metering_points=(
                MeteringPointEntry(
                    point,
                    (
                        MeteringPointPeriod(
                            date_from=day,
                            date_to=date(9999, 12, 31),
                            date_activate=day,
                            energy_direction=EnergyDirection.CONSUMPTION,
                            participation_factor=factor,
                        ),
                    ),
                ),
            ),
        )
        return outbound_message(request, "01p10", xsd_dir=self.xsd_dir)

    def point_list(self, ec_id: str = EC_ID) -> OutboundMessage:
        request = CPRequest(
            header=self.header("ANFORDERUNG_ECP"),
            process_date=self.clock().date(),
            metering_point=ec_id,
        )
        return outbound_message(request, xsd_dir=self.xsd_dir)


class FolderGateway:
    """Plays the gateway of a file-folder transport, with a simulated grid operator behind it:
    takes our files from outbox/, hands them to the simulator and writes its answers and status
    reports into inbox/ the way a gateway does (temp name, then rename)."""

    def __init__(self, transport: FileFolderTransport, grid: DsoSimulator) -> None:
        self.transport, self.grid = transport, grid

    def pump(self) -> None:
        for path in sorted(self.transport.outbox.glob("*.xml")):
            self.grid.send(outbound_from_document(path.read_bytes()))
            path.unlink()
        for delivery in self.grid.receive():
            if isinstance(delivery, StatusEvent):
                name, data = f"{delivery.delivery_id}.status.json", status_file_content(delivery)
            else:
                name, data = f"{delivery.delivery_id}.xml", delivery.payload
            temp = self.transport.inbox / f".{name}.part"
            temp.write_bytes(data)
            temp.replace(self.transport.inbox / name)
            self.grid.acknowledge(delivery.delivery_id)


def asgi_call(app: ASGIApp, path: str, body: bytes = b"", *, method: str = "POST") -> HttpResponse:
    """One HTTP request to an ASGI app, in process (httpx, and so TestClient, is not installed)."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"text/xml"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }

    async def call() -> None:
        await app(scope, receive, send)

    asyncio.run(call())
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return HttpResponse(int(start["status"]), content)


class PontonGateway:
    """Plays the Ponton adapter in process: an ASGI app taking our OutboundDocuments, a simulated
    grid operator behind it, and POSTs of its answers and status reports to meshkit's routes."""

    def __init__(self, grid: DsoSimulator, ours: ASGIApp) -> None:
        self.grid, self.ours = grid, ours
        self.app = Starlette(routes=[Route("/outbound", self._outbound, methods=["POST"])])

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpResponse:
        """An `HttpPost` that reaches this gateway's app instead of the network."""
        return asgi_call(self.app, url.removeprefix("http://ponton.invalid"), body)

    async def _outbound(self, request: Request) -> Response:
        document = parse_document_envelope(await request.body(), "OutboundDocument")
        self.grid.send(OutboundMessage(document.envelope, document.payload))
        return PlainTextResponse("OK")

    def pump(self) -> None:
        for delivery in self.grid.receive():
            if isinstance(delivery, StatusEvent):
                word = {"delivered": "received"}.get(delivery.status.value, delivery.status.value)
                reason = f"<Reason>{delivery.reason}</Reason>" if delivery.reason else ""
                body = (
                    f"<StatusReport><MessageId>{delivery.message_id}</MessageId>"
                    f"<Status>{word}</Status>{reason}</StatusReport>"
                ).encode()
                answer = asgi_call(self.ours, "/ponton/status", body)
            else:
                body = build_document(
                    "InboundDocument", delivery.envelope, delivery.payload, soap=True
                )
                answer = asgi_call(self.ours, "/ponton/message", body)
            assert answer.status == 200, answer.body
            self.grid.acknowledge(delivery.delivery_id)
