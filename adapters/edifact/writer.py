"""Writing an interchange: envelope (UNB/UNZ, UNH/UNT with counts) around message bodies.

Uses the service characters of the interchange being answered, escapes with its release
character and always writes the UNA, so the receiver never has to guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from meshkit.adapters.edifact.tokenizer import Element, ServiceChars, write_segment

#: A data element to write: a simple value or its components.
Field = str | Sequence[str]


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message to write: reference, S009 identifier and the segments between UNH and UNT."""

    reference: str
    identifier: Element
    body: Sequence[tuple[str, Sequence[Field]]]


def _fields(fields: Sequence[Field]) -> list[list[str] | str]:
    return [f if isinstance(f, str) else list(f) for f in fields]


def timestamp_303(moment: datetime) -> str:
    """`moment` as a DTM 303 value in UTC (the offset written as +00, released on write)."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M") + "+00"


def write_interchange(
    *,
    chars: ServiceChars,
    syntax_identifier: Element,
    sender: Element,
    recipient: Element,
    reference: str,
    messages: Sequence[OutgoingMessage],
    prepared: datetime | None = None,
) -> str:
    """The whole interchange as text, UNA first, counts in UNT and UNZ filled in."""
    moment = (prepared or datetime.now(UTC)).astimezone(UTC)
    version = syntax_identifier[1] if len(syntax_identifier) > 1 else "3"
    # Syntax version 4 dates carry the century, earlier versions do not.
    date = moment.strftime("%Y%m%d" if version == "4" else "%y%m%d")
    out = [
        chars.una,
        write_segment(
            "UNB",
            [
                list(syntax_identifier),
                list(sender),
                list(recipient),
                [date, moment.strftime("%H%M")],
                reference,
            ],
            chars,
        ),
    ]
    for message in messages:
        out.append(write_segment("UNH", [message.reference, list(message.identifier)], chars))
        out.extend(write_segment(tag, _fields(fields), chars) for tag, fields in message.body)
        out.append(write_segment("UNT", [str(len(message.body) + 2), message.reference], chars))
    out.append(write_segment("UNZ", [str(len(messages)), reference], chars))
    return "".join(out)
