"""APERAK: the application acknowledgement of a syntactically valid MSCONS.

Processing errors (a bad quantity, a missing or inconsistent interval, an unknown metering point)
are found per message by `find_processing_problems`; `build_aperak` answers each received message
with BGM 313 (error, with ERC/FTX per problem) or 312 (accepted). Syntax errors are CONTRL's
business, and neither a CONTRL nor an APERAK is ever answered with an APERAK.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from meshkit.adapters.edifact.bulk import frame_from_columns
from meshkit.adapters.edifact.errors import (
    ApplicationErrorCode,
    EdifactError,
    EdifactSyntaxError,
    MsconsContentError,
)
from meshkit.adapters.edifact.mscons import collect_readings
from meshkit.adapters.edifact.syntax import MessageReport, SyntaxReport, check_syntax
from meshkit.adapters.edifact.tokenizer import Segment, iter_segments
from meshkit.adapters.edifact.writer import Field, OutgoingMessage, timestamp_303, write_interchange

#: UNH S009 of the APERAK meshkit writes (BDEW APERAK on UN/EDIFACT D:07B).
APERAK_IDENTIFIER = ("APERAK", "D", "07B", "UN", "2.1i")

#: BGM document name codes (1001).
APPLICATION_ERROR = "313"
ACKNOWLEDGEMENT = "312"

#: Message types that are acknowledgements themselves and never get an APERAK.
_NOT_ANSWERED = frozenset({"CONTRL", "APERAK"})


@dataclass(frozen=True, slots=True)
class ProcessingProblem:
    """Why one received message could not be processed."""

    message_ref: str
    code: ApplicationErrorCode
    text: str
    segment_index: int | None = None

    @classmethod
    def from_error(cls, error: MsconsContentError, message_ref: str) -> ProcessingProblem:
        return cls(error.message_ref or message_ref, error.code, error.reason, error.segment_index)


def _accepted_report(text: str) -> SyntaxReport:
    report = check_syntax(text)
    if not report.accepted:
        first = report.issues[0]
        raise EdifactSyntaxError(
            "interchange has syntax errors; answer it with a CONTRL, not an APERAK: "
            + first.reason,
            code=first.code,
            segment_index=first.segment_index,
            tag=first.tag,
        )
    answered = report.message_types & _NOT_ANSWERED
    if answered:
        raise EdifactError(f"{', '.join(sorted(answered))} is never answered with an APERAK")
    return report


def _message_segments(segments: Sequence[Segment], message: MessageReport) -> list[Segment]:
    last = message.last_index or segments[-1].number
    return [s for s in segments if message.first_index <= s.number <= last]


def find_processing_problems(
    text: str, known_metering_points: Collection[str] | None = None
) -> list[ProcessingProblem]:
    """Processing problems of each MSCONS message in a syntactically valid interchange.

    A message that cannot be read yields its first problem; a readable one is checked against
    `known_metering_points` (when given) and yields one problem per unknown point.
    """
    report = _accepted_report(text)
    segments = list(iter_segments(text))
    problems: list[ProcessingProblem] = []
    for message in report.messages:
        own = _message_segments(segments, message)
        try:
            frame = frame_from_columns(collect_readings(own, report.chars.decimal))
        except MsconsContentError as error:
            problems.append(ProcessingProblem.from_error(error, message.reference))
            continue
        if known_metering_points is None:
            continue
        seen: set[str] = set()
        for segment in own:
            point = segment.get(2, 0)
            if segment.tag != "LOC" or segment.get(1, 0) != "172" or point in seen:
                continue
            seen.add(point)
            if point not in known_metering_points:
                problems.append(
                    ProcessingProblem(
                        message.reference,
                        ApplicationErrorCode.UNKNOWN_METERING_POINT,
                        f"metering point {point} is not known to the receiver",
                        segment.number,
                    )
                )
        del frame  # read only to prove the message converts
    return problems


def build_aperak(
    received: str,
    problems: Sequence[ProcessingProblem],
    *,
    reference: str,
    prepared: datetime | None = None,
    include_accepted: bool = True,
) -> str | None:
    """APERAKs answering the messages of `received`: one per message (313 error / 312 accepted).

    With `include_accepted=False` only messages with problems are answered; None when that
    leaves nothing to send.
    """
    report = _accepted_report(received)
    segments = list(iter_segments(received))
    by_message: Mapping[str, list[ProcessingProblem]] = {
        m.reference: [p for p in problems if p.message_ref == m.reference] for m in report.messages
    }
    unknown = {p.message_ref for p in problems} - set(by_message)
    if unknown:
        raise EdifactError(f"problems name messages not in the interchange: {sorted(unknown)}")
    moment = prepared or datetime.now().astimezone()
    outgoing: list[OutgoingMessage] = []
    for number, message in enumerate(report.messages, 1):
        own = by_message[message.reference]
        if not own and not include_accepted:
            continue
        bgm = next((s for s in _message_segments(segments, message) if s.tag == "BGM"), None)
        body: list[tuple[str, list[Field]]] = [
            ("BGM", [APPLICATION_ERROR if own else ACKNOWLEDGEMENT, f"{reference}{number:04d}"]),
            ("DTM", [["137", timestamp_303(moment), "303"]]),
            ("RFF", [["ACE", bgm.get(2, 0) if bgm else message.reference]]),
            ("RFF", [["ACW", message.reference]]),
            ("NAD", ["MS", [report.recipient[0] if report.recipient else "", "", "293"]]),
            ("NAD", ["MR", [report.sender[0] if report.sender else "", "", "293"]]),
        ]
        for problem in own:
            where = f"segment {problem.segment_index}" if problem.segment_index else ""
            body.append(("ERC", [problem.code.value]))
            body.append(("FTX", ["AAO", "", "", [problem.text[:512], where]]))
        outgoing.append(OutgoingMessage(f"{reference}{number:04d}", APERAK_IDENTIFIER, body))
    if not outgoing:
        return None
    return write_interchange(
        chars=report.chars,
        syntax_identifier=report.syntax_identifier,
        sender=report.recipient,
        recipient=report.sender,
        reference=reference,
        prepared=moment,
        messages=outgoing,
    )
