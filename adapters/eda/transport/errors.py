"""Errors of the EDA transports; all derive from `TransportError`."""

from __future__ import annotations


class TransportError(Exception):
    """Root of everything the transports raise on purpose."""


class EnvelopeError(TransportError):
    """A message or gateway envelope lacks what routing needs, or is not readable XML."""


class SendError(TransportError):
    """The gateway did not accept an outbound message; safe to retry later."""


class DuplicateMessageError(TransportError):
    """A different message with the same MessageId was already handed over."""


class UnknownDeliveryError(TransportError, KeyError):
    """`acknowledge` got a delivery id the transport never delivered."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else "unknown delivery"
