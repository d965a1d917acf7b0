"""EDA transports: one small protocol, one file per implementation.

    transport.send(outbound_message(request))      # -> SendReceipt
    for delivery in transport.receive():           # InboundMessage | StatusEvent
        store(delivery); transport.acknowledge(delivery.delivery_id)

Implementations: `FileFolderTransport` (gateway folders), `PontonTransport` + `ponton_routes`
(Ponton X/P webservice adapter) and `DsoSimulator` (a simulated grid operator, for tests and
demos). See docs/eda-transports.md.
"""

from meshkit.adapters.eda.transport.base import (
    Clock,
    Delivery,
    Envelope,
    GatewayStatus,
    InboundMessage,
    OutboundMessage,
    SendReceipt,
    StatusEvent,
    Transport,
    utc_now,
)
from meshkit.adapters.eda.transport.envelope import (
    outbound_from_document,
    outbound_message,
    read_envelope,
)
from meshkit.adapters.eda.transport.errors import (
    DuplicateMessageError,
    EnvelopeError,
    SendError,
    TransportError,
    UnknownDeliveryError,
)
from meshkit.adapters.eda.transport.file_folder import FileFolderTransport, status_file_content
from meshkit.adapters.eda.transport.ponton import (
    HttpPost,
    HttpResponse,
    InboundQueue,
    PontonTransport,
    urllib_post,
)
from meshkit.adapters.eda.transport.ponton_envelope import (
    PONTON_NS,
    PontonDocument,
    build_document,
    parse_document_envelope,
    parse_status_report,
)
from meshkit.adapters.eda.transport.ponton_routes import ponton_routes
from meshkit.adapters.eda.transport.processes import process_of
from meshkit.adapters.eda.transport.response_codes import ResponseCode
from meshkit.adapters.eda.transport.simulator import DsoSimulator, SimulatorVersions
from meshkit.adapters.eda.transport.simulator_energy import MeterCodes
from meshkit.adapters.eda.transport.simulator_processes import earliest_effective_date
from meshkit.adapters.eda.transport.simulator_registry import (
    Participation,
    SimulatedCommunity,
    SimulatedMeteringPoint,
)

__all__ = [
    "PONTON_NS",
    "Clock",
    "Delivery",
    "DsoSimulator",
    "DuplicateMessageError",
    "Envelope",
    "EnvelopeError",
    "FileFolderTransport",
    "GatewayStatus",
    "HttpPost",
    "HttpResponse",
    "InboundMessage",
    "InboundQueue",
    "MeterCodes",
    "OutboundMessage",
    "Participation",
    "PontonDocument",
    "PontonTransport",
    "ResponseCode",
    "SendError",
    "SendReceipt",
    "SimulatedCommunity",
    "SimulatedMeteringPoint",
    "SimulatorVersions",
    "StatusEvent",
    "Transport",
    "TransportError",
    "UnknownDeliveryError",
    "build_document",
    "earliest_effective_date",
    "outbound_from_document",
    "outbound_message",
    "parse_document_envelope",
    "parse_status_report",
    "ponton_routes",
    "process_of",
    "read_envelope",
    "status_file_content",
    "urllib_post",
    "utc_now",
]
