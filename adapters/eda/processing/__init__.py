"""EDA message store, processing and energy-data ingestion (see docs/eda.md).

ctx = EdaContext(repository, SeriesStore(engine, model), tenant="t1", config=config)
create_processing_tables(engine)
receive(ctx, transport)      # store every delivery raw (idempotent by MessageId), then ack
process_pending(ctx)         # parse and apply stored messages (DATEN_CRMSG runs in batches)
queue_outbound(ctx, outbound_message(request, "01p20"), community=..., participations=[...])
send_due(ctx, transport)     # send what is due, retrying with backoff
retry_now(ctx, message_id)   # an operator's "send it now" for a failed or waiting message
check_deadlines(ctx)         # flag processes without an answer in time
replay(ctx, message_id, corrected_bytes)  # an operator's fix of a quarantined message
"""

from meshkit.adapters.eda.processing.config import DEFAULT_DEADLINES, ProcessingConfig, RetryPolicy
from meshkit.adapters.eda.processing.context import EdaContext
from meshkit.adapters.eda.processing.ingest import (
    SERIES,
    ingest_mscons,
    keyed_readings,
    series_key,
    split_key,
    write_energy,
)
from meshkit.adapters.eda.processing.machine import MACHINES, MODEL_STATE, Phase, next_phase
from meshkit.adapters.eda.processing.outbound import (
    RetryError,
    ScheduledRetry,
    SendReport,
    retry_now,
    retry_send,
    send_due,
)
from meshkit.adapters.eda.processing.processor import (
    NEGATIVE_RESPONSES,
    ProcessReport,
    ReplayError,
    check_deadlines,
    pending_messages,
    process_message,
    process_pending,
    quarantine,
    replay,
)
from meshkit.adapters.eda.processing.store import (
    ReceiveReport,
    StoredMessage,
    TransitionError,
    apply_status,
    payload_of,
    queue_outbound,
    receive,
    store_inbound,
    store_outbound,
)
from meshkit.adapters.eda.processing.tables import add_processing_tables, create_processing_tables
from meshkit.adapters.eda.processing.texts import describe_codes, response_text

__all__ = [
    "DEFAULT_DEADLINES",
    "MACHINES",
    "MODEL_STATE",
    "NEGATIVE_RESPONSES",
    "SERIES",
    "EdaContext",
    "Phase",
    "ProcessReport",
    "ProcessingConfig",
    "ReceiveReport",
    "ReplayError",
    "RetryError",
    "RetryPolicy",
    "ScheduledRetry",
    "SendReport",
    "StoredMessage",
    "TransitionError",
    "add_processing_tables",
    "apply_status",
    "check_deadlines",
    "create_processing_tables",
    "describe_codes",
    "ingest_mscons",
    "keyed_readings",
    "next_phase",
    "payload_of",
    "pending_messages",
    "process_message",
    "process_pending",
    "quarantine",
    "queue_outbound",
    "receive",
    "replay",
    "response_text",
    "retry_now",
    "retry_send",
    "send_due",
    "series_key",
    "split_key",
    "store_inbound",
    "store_outbound",
    "write_energy",
]
