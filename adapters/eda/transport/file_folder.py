"""File-folder transport: the gateway's folder interface (Ponton X/P and others).

    root/outbox/     we write <MessageId>.xml; the gateway picks them up
    root/inbox/      the gateway writes inbound documents (*.xml) and status files (*.status.json)
    root/processed/  inbound files after `acknowledge`
    root/error/      inbound files that are not readable, each with a <name>.reason.txt

Why a crash never loses or duplicates a message:
- Writing goes to a hidden temp name in the same folder, is fsynced, then renamed with
  `os.replace` (atomic on one file system) and the folder fsynced. Before the rename the message
  is invisible, so a crash leaves at most a stale temp file (removed by `recover()`), and the
  caller, which got no receipt, sends again; after it, the complete file is durable.
- Reading skips temp names (and, with `settle_seconds`, files still being written in place).
- An inbound file stays in inbox/ until `acknowledge` renames it into processed/: one atomic
  rename, so the file is in exactly one of the two folders at every instant. A crash before the
  rename means it is delivered again (at-least-once), never dropped; deduplicate by delivery id.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from meshkit.adapters.eda.transport._files import (
    TEMP_SUFFIX,
    atomic_write,
    is_temporary,
    move_atomic,
)
from meshkit.adapters.eda.transport.base import (
    Clock,
    Delivery,
    GatewayStatus,
    InboundMessage,
    OutboundMessage,
    SendReceipt,
    StatusEvent,
    utc_now,
)
from meshkit.adapters.eda.transport.envelope import read_envelope
from meshkit.adapters.eda.transport.errors import (
    DuplicateMessageError,
    EnvelopeError,
    SendError,
    UnknownDeliveryError,
)

log = logging.getLogger(__name__)

STATUS_SUFFIX = ".status.json"
# MessageId is ct:GroupingId ([0-9A-Za-z]{1,35}), which also makes it a safe file name.
_MESSAGE_ID = re.compile(r"[0-9A-Za-z]{1,35}")
_OUR_TEMP = re.compile(r"^\..+\.[0-9a-f]{8}" + re.escape(TEMP_SUFFIX) + "$")


class FileFolderTransport:
    """A `Transport` over four folders under `root` (created if missing)."""

    def __init__(self, root: str | Path, *, settle_seconds: float = 0.0, clock: Clock = utc_now):
        self.root = Path(root)
        self.outbox = self.root / "outbox"
        self.inbox = self.root / "inbox"
        self.processed = self.root / "processed"
        self.error = self.root / "error"
        self.settle_seconds = settle_seconds
        self._clock = clock
        for folder in (self.outbox, self.inbox, self.processed, self.error):
            folder.mkdir(parents=True, exist_ok=True)
        self.recover()

    def recover(self) -> list[Path]:
        """Remove temp files a crashed `send` left in outbox/ (we are its only writer)."""
        stale = [p for p in self.outbox.iterdir() if _OUR_TEMP.match(p.name)]
        for path in stale:
            log.warning("removing %s, left by an interrupted send", path)
            path.unlink(missing_ok=True)
        return stale

    # --- sending ------------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendReceipt:
        message_id = message.envelope.message_id
        if not _MESSAGE_ID.fullmatch(message_id):
            raise SendError(f"MessageId {message_id!r} is not 1-35 letters and digits")
        path = self.outbox / f"{message_id}.xml"
        if path.exists():
            # A retry after a lost receipt is fine; a different message under the same id is not.
            if path.read_bytes() != message.payload:
                raise DuplicateMessageError(
                    f"{path} already holds a different message with MessageId {message_id}"
                )
        else:
            try:
                atomic_write(path, message.payload)
            except OSError as exc:
                raise SendError(f"cannot write {path}: {exc}") from exc
        return SendReceipt(message_id, self._clock(), reference=str(path))

    # --- receiving ----------------------------------------------------------------------------

    def receive(self) -> list[Delivery]:
        deliveries: list[Delivery] = []
        for path in self._complete_inbox_files():
            delivery = self._read(path)
            if delivery is not None:
                deliveries.append(delivery)
        return deliveries

    def acknowledge(self, delivery_id: str) -> None:
        if Path(delivery_id).name != delivery_id or is_temporary(delivery_id):
            raise UnknownDeliveryError(f"{delivery_id!r} is not a delivery of {self.inbox}")
        source = self.inbox / delivery_id
        if source.exists():
            move_atomic(source, self.processed)
        elif not (self.processed / delivery_id).exists():
            raise UnknownDeliveryError(f"no delivery {delivery_id!r} in {self.inbox}")

    def _complete_inbox_files(self) -> list[Path]:
        cutoff = time.time() - self.settle_seconds
        files = []
        for path in self.inbox.iterdir():
            if is_temporary(path.name) or not path.is_file():
                continue
            mtime = path.stat().st_mtime
            if self.settle_seconds and mtime > cutoff:
                continue
            files.append((path.stat().st_mtime_ns, path.name, path))
        return [path for _, _, path in sorted(files)]

    def _read(self, path: Path) -> Delivery | None:
        try:
            data = path.read_bytes()
            received = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except FileNotFoundError:  # acknowledged by another consumer meanwhile
            return None
        try:
            if path.name.endswith(STATUS_SUFFIX):
                return _read_status(path.name, data, received)
            return InboundMessage(path.name, read_envelope(data), data, received)
        except EnvelopeError as exc:
            self._quarantine(path, str(exc))
            return None

    def _quarantine(self, path: Path, reason: str) -> None:
        log.error("moving unreadable %s to %s: %s", path.name, self.error, reason)
        moved = move_atomic(path, self.error)
        atomic_write(moved.with_name(moved.name + ".reason.txt"), reason.encode())


def _read_status(name: str, data: bytes, received: datetime) -> StatusEvent:
    """`{"message_id": ..., "status": "sent|delivered|rejected", "reason": ..., "at": ISO}`."""
    try:
        raw = json.loads(data)
        status = GatewayStatus(str(raw["status"]).lower())
        at = datetime.fromisoformat(raw["at"]) if raw.get("at") else received
        at = at if at.tzinfo else at.replace(tzinfo=UTC)  # gateways write UTC without offset
        reason = raw.get("reason")
        return StatusEvent(name, str(raw["message_id"]), status, at, reason and str(reason))
    except (ValueError, KeyError, TypeError) as exc:
        raise EnvelopeError(f"status file {name} is not a valid status: {exc!r}") from None


def status_file_content(event: StatusEvent) -> bytes:
    """The JSON a status file holds (what a gateway, or a test, writes into inbox/)."""
    body = {
        "message_id": event.message_id,
        "status": event.status.value,
        "reason": event.reason,
        "at": event.at.isoformat(),
    }
    return json.dumps(body).encode()
