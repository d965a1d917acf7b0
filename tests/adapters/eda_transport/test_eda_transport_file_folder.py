"""File-folder transport: writes are atomic, only complete files are read, and a crash at any
step neither loses nor duplicates a message."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eda_transport_support import CONSUMER, Requests

from meshkit.adapters.eda.transport import (
    DuplicateMessageError,
    FileFolderTransport,
    GatewayStatus,
    InboundMessage,
    SendError,
    StatusEvent,
    UnknownDeliveryError,
    status_file_content,
)


def crash_inside(action: Callable[[], object], at: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run `action` in a forked child that dies (os._exit, no cleanup) when it calls os.`at`."""
    pid = os.fork()
    if pid == 0:  # the child: die the moment the step is reached
        monkeypatch.setattr(os, at, lambda *args, **kwargs: os._exit(17))
        try:
            action()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 17, "the child did not reach the crash point"


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_send_writes_one_complete_file_named_after_the_message(
    tmp_path: Path, requests: Requests
) -> None:
    transport = FileFolderTransport(tmp_path)
    message = requests.join(CONSUMER)
    receipt = transport.send(message)
    path = tmp_path / "outbox" / f"{message.envelope.message_id}.xml"
    assert receipt.reference == str(path)
    assert path.read_bytes() == message.payload
    assert hidden(tmp_path / "outbox") == []


def test_sending_again_is_idempotent_but_a_different_message_is_refused(
    tmp_path: Path, requests: Requests
) -> None:
    transport = FileFolderTransport(tmp_path)
    message = requests.join(CONSUMER)
    transport.send(message)
    transport.send(message)
    assert visible(tmp_path / "outbox") == [f"{message.envelope.message_id}.xml"]
    other = type(message)(message.envelope, message.payload + b"\n")
    with pytest.raises(DuplicateMessageError):
        transport.send(other)


def test_unsafe_message_id_is_refused(tmp_path: Path, requests: Requests) -> None:
    message = requests.join(CONSUMER)
    evil = type(message.envelope)(
        "../../etc/passwd", *[getattr(message.envelope, f) for f in _ENVELOPE_REST]
    )
    with pytest.raises(SendError, match="letters and digits"):
        FileFolderTransport(tmp_path).send(type(message)(evil, message.payload))


_ENVELOPE_REST = ("conversation_id", "sender", "receiver", "message_code", "schema_version")


def test_crash_before_the_rename_leaves_no_message_and_a_retry_sends_it_once(
    tmp_path: Path, requests: Requests, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = requests.join(CONSUMER)
    crash_inside(lambda: FileFolderTransport(tmp_path).send(message), "replace", monkeypatch)
    outbox = tmp_path / "outbox"
    assert visible(outbox) == []  # the gateway sees nothing half-written
    assert len(hidden(outbox)) == 1  # only the stale temp file
    restarted = FileFolderTransport(tmp_path)  # recovery removes the stale temp file
    assert hidden(outbox) == []
    restarted.send(message)  # no receipt came, so the caller sends again
    assert visible(outbox) == [f"{message.envelope.message_id}.xml"]
    assert (outbox / f"{message.envelope.message_id}.xml").read_bytes() == message.payload


def test_crash_after_the_rename_keeps_the_complete_message(
    tmp_path: Path, requests: Requests, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = requests.join(CONSUMER)
    # Dies while making the rename durable (the folder fsync), i.e. after os.replace.
    crash_inside(lambda: FileFolderTransport(tmp_path).send(message), "close", monkeypatch)
    outbox = tmp_path / "outbox"
    assert visible(outbox) == [f"{message.envelope.message_id}.xml"]
    FileFolderTransport(tmp_path).send(message)  # the retry is idempotent
    assert visible(outbox) == [f"{message.envelope.message_id}.xml"]


def test_incomplete_inbound_files_are_not_read(tmp_path: Path, requests: Requests) -> None:
    transport = FileFolderTransport(tmp_path)
    payload = requests.join(CONSUMER).payload
    partial = tmp_path / "inbox" / ".answer.xml.part"
    partial.write_bytes(payload[:100])
    (tmp_path / "inbox" / "answer.xml.tmp").write_bytes(payload[:50])
    assert transport.receive() == []
    partial.write_bytes(payload)
    partial.replace(tmp_path / "inbox" / "answer.xml")
    (delivery,) = transport.receive()
    assert isinstance(delivery, InboundMessage) and delivery.payload == payload


def test_settle_time_skips_files_still_being_written_in_place(
    tmp_path: Path, requests: Requests
) -> None:
    transport = FileFolderTransport(tmp_path, settle_seconds=60)
    path = tmp_path / "inbox" / "fresh.xml"
    path.write_bytes(requests.join(CONSUMER).payload)
    assert transport.receive() == []
    os.utime(path, (path.stat().st_atime - 120, path.stat().st_mtime - 120))
    assert len(transport.receive()) == 1


def test_crash_between_receive_and_acknowledge_delivers_again(
    tmp_path: Path, requests: Requests, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = requests.join(CONSUMER).payload
    (tmp_path / "inbox").mkdir(parents=True)
    (tmp_path / "inbox" / "m1.xml").write_bytes(payload)

    def receive_then_acknowledge() -> None:
        transport = FileFolderTransport(tmp_path)
        for delivery in transport.receive():
            transport.acknowledge(delivery.delivery_id)

    crash_inside(receive_then_acknowledge, "replace", monkeypatch)
    restarted = FileFolderTransport(tmp_path)
    (again,) = restarted.receive()  # not lost
    assert again.delivery_id == "m1.xml"
    restarted.acknowledge("m1.xml")
    assert visible(tmp_path / "inbox") == []  # not duplicated
    assert visible(tmp_path / "processed") == ["m1.xml"]
    restarted.acknowledge("m1.xml")  # a repeated acknowledgement is harmless


def test_acknowledge_never_overwrites_an_earlier_processed_file(
    tmp_path: Path, requests: Requests
) -> None:
    transport = FileFolderTransport(tmp_path)
    for text in (b"first", b"second"):
        (tmp_path / "inbox" / "same.xml").write_bytes(requests.join(CONSUMER).payload + text)
        transport.acknowledge("same.xml")
    processed = [(tmp_path / "processed" / n).read_bytes() for n in visible(tmp_path / "processed")]
    assert sorted(data[-6:].strip() for data in processed) == [b"first", b"second"]


def test_status_files_become_status_events(tmp_path: Path) -> None:
    transport = FileFolderTransport(tmp_path)
    event = StatusEvent(
        "x", "RC100130MSG1", GatewayStatus.REJECTED, datetime(2026, 3, 16, tzinfo=UTC), "no route"
    )
    (tmp_path / "inbox" / "s1.status.json").write_bytes(status_file_content(event))
    (delivery,) = transport.receive()
    assert delivery == StatusEvent(
        "s1.status.json", "RC100130MSG1", GatewayStatus.REJECTED, event.at, "no route"
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("garbage.xml", b"\x00\xffnot xml"),
        ("hostile.xml", b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'),
        ("headless.xml", b"<ECMPList/>"),
        ("bad.status.json", b'{"status": "lost"}'),
    ],
)
def test_unreadable_inbound_files_move_to_error_with_a_reason(
    tmp_path: Path, name: str, data: bytes
) -> None:
    transport = FileFolderTransport(tmp_path)
    (tmp_path / "inbox" / name).write_bytes(data)
    assert transport.receive() == []
    assert visible(tmp_path / "inbox") == []
    assert visible(tmp_path / "error") == sorted([name, f"{name}.reason.txt"])
    assert (tmp_path / "error" / f"{name}.reason.txt").read_text()


def test_acknowledge_refuses_paths(tmp_path: Path) -> None:
    with pytest.raises(UnknownDeliveryError):
        FileFolderTransport(tmp_path).acknowledge("../outbox/x.xml")
