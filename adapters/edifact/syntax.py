"""Syntax check of an interchange: envelope pairing, control counts, references, characters.

`check_structure` works on segments and is shared by both MSCONS readers (which raise the first
issue). `check_syntax` scans the text exactly, adds the character check and returns every issue,
grouped by interchange and message, which is what a CONTRL reports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from meshkit.adapters.edifact.errors import EdifactSyntaxError, SyntaxErrorCode
from meshkit.adapters.edifact.tokenizer import (
    Element,
    Segment,
    ServiceChars,
    iter_segments,
    offset_of,
    read_service_string,
)

_TAG = re.compile(r"[A-Z]{3}")

#: Characters each syntax level (UNB S001 0001) allows, as a pattern matching a forbidden one.
_FORBIDDEN = {
    "UNOA": re.compile(r"""[^A-Z0-9 .,\-()/='+:?!"%&*;<>]"""),
    "UNOB": re.compile(r"[^\x20-\x7e]"),
    "UNOC": re.compile(r"[^\x20-\x7e\xa0-\xff]"),
}
#: The other levels (Latin-2 … Latin-9, UTF-8) only exclude control characters.
_PRINTABLE_LEVELS = {f"UNO{c}" for c in "DEFGHIJKXYW"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class SyntaxIssue:
    """One syntax problem, located as precisely as CONTRL can report it."""

    code: SyntaxErrorCode
    reason: str
    segment_index: int | None = None  # in the interchange, from 1
    tag: str | None = None
    position_in_message: int | None = None  # UCS 0096: UNH is 1; None above segment level
    element: int | None = None  # S011: data element position, from 1
    component: int | None = None

    def as_error(self, offset: int | None = None) -> EdifactSyntaxError:
        """This issue as the exception a reader raises."""
        return EdifactSyntaxError(
            self.reason,
            code=self.code,
            segment_index=self.segment_index,
            tag=self.tag,
            offset=offset,
        )


@dataclass(slots=True)
class MessageReport:
    """One UNH…UNT message and what is wrong with it (empty `issues`: accepted)."""

    reference: str
    identifier: Element  # S009: type, version, release, agency, association code
    first_index: int  # interchange index of its UNH
    last_index: int | None = None  # of its UNT (or of the last segment before the next UNH/UNZ)
    issues: list[SyntaxIssue] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.identifier[0] if self.identifier else ""


@dataclass(slots=True)
class SyntaxReport:
    """What the syntax check found; enough to address and fill a CONTRL."""

    chars: ServiceChars
    una_present: bool
    syntax_identifier: Element  # S001, e.g. ("UNOC", "3")
    sender: Element  # S002
    recipient: Element  # S003
    control_reference: str  # 0020
    interchange_issues: list[SyntaxIssue] = field(default_factory=list)
    messages: list[MessageReport] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.interchange_issues and not any(m.issues for m in self.messages)

    @property
    def issues(self) -> list[SyntaxIssue]:
        """Every issue, interchange level first, then by message."""
        found = list(self.interchange_issues)
        for message in self.messages:
            found.extend(message.issues)
        return sorted(found, key=lambda i: i.segment_index or 0)

    @property
    def message_types(self) -> set[str]:
        return {m.type for m in self.messages}


def _issue(
    code: SyntaxErrorCode, reason: str, segment: Segment | None, **where: int | None
) -> SyntaxIssue:
    return SyntaxIssue(
        code,
        reason,
        segment.number if segment else None,
        segment.tag if segment else None,
        **where,
    )


def _count(segment: Segment, element: int) -> int | None:
    value = segment.get(element)
    return int(value) if value.isdigit() else None


def check_structure(segments: Sequence[Segment], chars: ServiceChars, una: bool) -> SyntaxReport:
    """Check envelope pairing, control counts and references of already cut segments.

    Raises EdifactSyntaxError only when there is no UNB to address an acknowledgement to.
    """
    unb = next((s for s in segments if s.tag == "UNB"), None)
    if unb is None:
        first = segments[0] if segments else None
        raise EdifactSyntaxError(
            "interchange has no UNB header",
            code=SyntaxErrorCode.MISSING,
            segment_index=first.number if first else None,
            tag=first.tag if first else None,
        )
    report = SyntaxReport(
        chars=chars,
        una_present=una,
        syntax_identifier=unb.elements[0] if unb.elements else (),
        sender=unb.elements[1] if len(unb.elements) > 1 else (),
        recipient=unb.elements[2] if len(unb.elements) > 2 else (),
        control_reference=unb.get(5),
    )
    top = report.interchange_issues
    if segments[0] is not unb:
        top.append(_issue(SyntaxErrorCode.MISSING, "interchange must start with UNB", segments[0]))
    _check_unb(unb, report)

    message: MessageReport | None = None
    unz: Segment | None = None
    for segment in segments[segments.index(unb) + 1 :]:
        tag = segment.tag
        if unz is not None:
            top.append(_issue(SyntaxErrorCode.OUTSIDE_MESSAGE, "segment after UNZ", segment))
            continue
        if tag == "UNH":
            if message is not None:
                _missing_unt(message, segment)
            message = _open_message(segment)
            report.messages.append(message)
        elif tag == "UNT":
            if message is None:
                top.append(_issue(SyntaxErrorCode.OUTSIDE_MESSAGE, "UNT without UNH", segment))
            else:
                _close_message(message, segment)
                message = None
        elif tag == "UNZ":
            if message is not None:
                _missing_unt(message, segment)
                message = None
            unz = segment
        elif tag in ("UNB", "UNG", "UNE"):
            top.append(
                _issue(
                    SyntaxErrorCode.NOT_SUPPORTED_IN_POSITION,
                    f"{tag} is not supported here (functional groups are not read)",
                    segment,
                )
            )
        elif message is None:
            top.append(_issue(SyntaxErrorCode.OUTSIDE_MESSAGE, "segment outside UNH…UNT", segment))
        elif not _TAG.fullmatch(tag):
            code = (
                SyntaxErrorCode.INVALID_SERVICE_SEGMENT_TAG
                if tag.startswith("UN")
                else SyntaxErrorCode.INVALID_VALUE
            )
            message.issues.append(
                _issue(
                    code,
                    f"segment tag {tag!r} is not three capital letters",
                    segment,
                    position_in_message=segment.number - message.first_index + 1,
                )
            )
    if message is not None:
        _missing_unt(message, None)
    if unz is None:
        last = segments[-1]
        top.append(
            SyntaxIssue(SyntaxErrorCode.MISSING, "UNZ trailer is missing", last.number, "UNZ")
        )
    else:
        declared = _count(unz, 1)
        if declared is None:
            top.append(
                _issue(SyntaxErrorCode.INVALID_VALUE, "UNZ count is not a number", unz, element=1)
            )
        elif declared != len(report.messages):
            top.append(
                _issue(
                    SyntaxErrorCode.CONTROL_COUNT_MISMATCH,
                    f"UNZ declares {declared} messages, interchange has {len(report.messages)}",
                    unz,
                    element=1,
                )
            )
        if unz.get(2) != report.control_reference:
            top.append(
                _issue(
                    SyntaxErrorCode.REFERENCES_DO_NOT_MATCH,
                    f"UNZ reference {unz.get(2)!r} differs from UNB's {report.control_reference!r}",
                    unz,
                    element=2,
                )
            )
    if not report.messages:
        top.append(_issue(SyntaxErrorCode.LOWER_LEVEL_EMPTY, "interchange holds no message", unb))
    return report


def _check_unb(unb: Segment, report: SyntaxReport) -> None:
    top = report.interchange_issues
    level, version = unb.get(1, 0), unb.get(1, 1)
    if (level not in _FORBIDDEN and level not in _PRINTABLE_LEVELS) or version not in "1234":
        top.append(
            _issue(
                SyntaxErrorCode.SYNTAX_VERSION_NOT_SUPPORTED,
                f"syntax identifier {level}:{version} is not supported",
                unb,
                element=1,
            )
        )
    for element, name in ((2, "sender"), (3, "recipient"), (4, "date/time"), (5, "reference")):
        if not unb.get(element):
            top.append(
                _issue(SyntaxErrorCode.MISSING, f"UNB {name} is missing", unb, element=element)
            )


def _open_message(unh: Segment) -> MessageReport:
    identifier = unh.elements[1] if len(unh.elements) > 1 else ()
    message = MessageReport(unh.get(1), identifier, unh.number)
    if not message.reference:
        message.issues.append(
            _issue(SyntaxErrorCode.MISSING, "UNH reference is missing", unh, element=1)
        )
    if len(identifier) < 4 or not all(identifier[:4]):
        message.issues.append(
            _issue(
                SyntaxErrorCode.MISSING,
                "UNH message identifier needs type, version, release and agency",
                unh,
                element=2,
            )
        )
    return message


def _close_message(message: MessageReport, unt: Segment) -> None:
    message.last_index = unt.number
    counted = unt.number - message.first_index + 1
    declared = _count(unt, 1)
    if declared is None:
        message.issues.append(
            _issue(SyntaxErrorCode.INVALID_VALUE, "UNT segment count is not a number", unt)
        )
    elif declared != counted:
        message.issues.append(
            _issue(
                SyntaxErrorCode.CONTROL_COUNT_MISMATCH,
                f"UNT declares {declared} segments, message {message.reference!r} has {counted}",
                unt,
            )
        )
    if unt.get(2) != message.reference:
        message.issues.append(
            _issue(
                SyntaxErrorCode.REFERENCES_DO_NOT_MATCH,
                f"UNT reference {unt.get(2)!r} differs from UNH's {message.reference!r}",
                unt,
            )
        )


def _missing_unt(message: MessageReport, before: Segment | None) -> None:
    where = f"before {before.tag} at segment {before.number}" if before else "at end of text"
    message.last_index = before.number - 1 if before else None
    message.issues.append(
        SyntaxIssue(
            SyntaxErrorCode.MISSING,
            f"message {message.reference!r} has no UNT ({where})",
            before.number if before else None,
            "UNT",
        )
    )


def raise_first_issue(report: SyntaxReport, text: str | None = None) -> None:
    """Raise the earliest issue of `report` as EdifactSyntaxError (located in `text` if given)."""
    issues = report.issues
    if not issues:
        return
    first = issues[0]
    offset = None
    if text is not None and first.segment_index is not None:
        offset = offset_of(text, first.segment_index)
    raise first.as_error(offset)


def check_syntax(text: str) -> SyntaxReport:
    """Every syntax issue of `text`; raises EdifactSyntaxError only if it cannot be acknowledged.

    A CONTRL needs the UNB (sender, recipient, reference): a broken UNA, a text that does not
    reach a complete UNB or that has no UNB at all cannot be acknowledged and raises instead.
    """
    chars, _, una = read_service_string(text)
    segments: list[Segment] = []
    truncated: EdifactSyntaxError | None = None
    try:
        for segment in iter_segments(text):
            segments.append(segment)
    except EdifactSyntaxError as error:
        truncated = error
    if not segments and truncated is not None:
        raise truncated
    report = check_structure(segments, chars, una)
    if truncated is not None:
        report.interchange_issues.insert(
            0,
            SyntaxIssue(truncated.code, truncated.reason, truncated.segment_index, truncated.tag),
        )
    _check_characters(segments, report)
    return report


def _check_characters(segments: Sequence[Segment], report: SyntaxReport) -> None:
    level = report.syntax_identifier[0] if report.syntax_identifier else ""
    forbidden = _FORBIDDEN.get(level, _CONTROL)
    for segment in segments:
        hit = _first_forbidden(segment, forbidden)
        if hit is None:
            continue
        element, component, char = hit
        reason = f"character {char!r} is not allowed in syntax level {level or '?'}"
        message = _message_holding(report, segment.number)
        if message is not None:
            message.issues.append(
                _issue(
                    SyntaxErrorCode.INVALID_CHARACTERS,
                    reason,
                    segment,
                    position_in_message=segment.number - message.first_index + 1,
                    element=element or None,
                    component=component + 1 if element else None,
                )
            )
        else:
            report.interchange_issues.append(
                _issue(SyntaxErrorCode.INVALID_CHARACTERS, reason, segment, element=element)
            )


def _message_holding(report: SyntaxReport, index: int) -> MessageReport | None:
    for message in report.messages:
        last = message.last_index if message.last_index is not None else index
        if message.first_index <= index <= last:
            return message
    return None


def _first_forbidden(segment: Segment, forbidden: re.Pattern[str]) -> tuple[int, int, str] | None:
    found = forbidden.search(segment.tag)
    if found:
        return 0, 0, found.group()
    for e, element in enumerate(segment.elements, 1):
        for c, value in enumerate(element):
            found = forbidden.search(value)
            if found:
                return e, c, found.group()
    return None
