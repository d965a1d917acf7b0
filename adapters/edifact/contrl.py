"""CONTRL: the syntax acknowledgement of a received interchange.

UCI answers the interchange (7 acknowledged, 4 rejected), one UCM per message (7 or 4) and, for
errors inside a message, UCS (segment position) and UCD (data element). A CONTRL is never
answered with a CONTRL: `build_contrl` returns None for one.
"""

from __future__ import annotations

from datetime import datetime

from meshkit.adapters.edifact.errors import EdifactError
from meshkit.adapters.edifact.syntax import MessageReport, SyntaxIssue, SyntaxReport, check_syntax
from meshkit.adapters.edifact.writer import Field, OutgoingMessage, write_interchange

#: UNH S009 of the CONTRL meshkit writes (BDEW CONTRL 2.0b on UN/EDIFACT D:3).
CONTRL_IDENTIFIER = ("CONTRL", "D", "3", "UN", "2.0b")

#: Action codes (0083).
ACKNOWLEDGED = "7"
REJECTED = "4"


def build_contrl(
    received: str | SyntaxReport,
    *,
    reference: str,
    message_reference: str = "1",
    prepared: datetime | None = None,
) -> str | None:
    """The CONTRL answering `received` (its text or its syntax report), or None for a CONTRL.

    Raises EdifactSyntaxError when the text is too broken to know whom to answer (no UNB).
    """
    report = received if isinstance(received, SyntaxReport) else check_syntax(received)
    if "CONTRL" in report.message_types:
        return None
    if not report.sender or not report.recipient or not report.control_reference:
        raise EdifactError("received interchange lacks UNB sender, recipient or reference")
    body: list[tuple[str, list[Field]]] = [("UCI", _uci(report))]
    for message in report.messages:
        body.extend(_message_segments(message))
    syntax = report.syntax_identifier if _supported(report) else ("UNOC", "3")
    return write_interchange(
        chars=report.chars,
        syntax_identifier=syntax,
        sender=report.recipient,
        recipient=report.sender,
        reference=reference,
        prepared=prepared,
        messages=[OutgoingMessage(message_reference, CONTRL_IDENTIFIER, body)],
    )


def _supported(report: SyntaxReport) -> bool:
    return not any(i.code == 2 for i in report.interchange_issues) and bool(
        report.syntax_identifier
    )


def _error_fields(issue: SyntaxIssue) -> list[Field]:
    where: list[str] = [str(issue.element)] if issue.element else []
    return [str(int(issue.code)), issue.tag or "", where]


def _uci(report: SyntaxReport) -> list[Field]:
    fields: list[Field] = [report.control_reference, report.sender, report.recipient]
    if report.interchange_issues:
        return [*fields, REJECTED, *_error_fields(report.interchange_issues[0])]
    return [*fields, ACKNOWLEDGED]


def _message_segments(message: MessageReport) -> list[tuple[str, list[Field]]]:
    head: list[Field] = [message.reference, message.identifier]
    if not message.issues:
        return [("UCM", [*head, ACKNOWLEDGED])]
    # UCM holds one error at message level; every other issue becomes a UCS/UCD.
    first_level = next((i for i in message.issues if i.position_in_message is None), None)
    ucm: list[Field] = [*head, REJECTED]
    if first_level is not None:
        ucm.extend(_error_fields(first_level))
    segments: list[tuple[str, list[Field]]] = [("UCM", ucm)]
    for issue in message.issues:
        if issue is first_level:
            continue
        position = issue.position_in_message
        if position is None and issue.segment_index is not None:
            position = issue.segment_index - message.first_index + 1
        if issue.element:
            segments.append(("UCS", [str(position or "")]))
            component = [str(issue.component)] if issue.component else []
            segments.append(("UCD", [str(int(issue.code)), [str(issue.element), *component]]))
        else:
            segments.append(("UCS", [str(position or ""), str(int(issue.code))]))
    return segments
