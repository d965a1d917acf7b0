"""An SMTP sink for the notification tests: aiosmtpd on 127.0.0.1 at a free port, keeping what
it receives and refusing the recipients it is told to."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

SENDER = "eeg@sonnenstrom.example"


@dataclass
class Sink:
    """An SMTP server that keeps what it receives and refuses the recipients in `refuse`."""

    port: int = 0
    received: list[Message] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(message_from_bytes(envelope.content))
        return "250 Message accepted"

    def to(self) -> list[str]:
        return [str(m["To"]) for m in self.received]


def free_port() -> int:
    """A port nobody listens on now (the sink takes it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(sink: Sink) -> Iterator[Sink]:
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
