"""One exception hierarchy for everything EDIFACT, and the UN/EDIFACT syntax error codes.

Callers catch `EdifactError`; nothing from pydifact or the standard library escapes the readers.
A syntax error carries the code a CONTRL reports (data element 0085), a content error the code
an APERAK reports, so an acknowledgement can be built from the exception alone.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class SyntaxErrorCode(IntEnum):
    """UN/EDIFACT data element 0085 "Syntax error, coded" (ISO 9735), as used in CONTRL."""

    SYNTAX_VERSION_NOT_SUPPORTED = 2
    INVALID_VALUE = 12
    MISSING = 13
    VALUE_NOT_SUPPORTED_IN_POSITION = 14
    NOT_SUPPORTED_IN_POSITION = 15
    TOO_MANY_CONSTITUENTS = 16
    UNSPECIFIED = 18
    INVALID_DECIMAL_NOTATION = 19
    INVALID_SERVICE_CHARACTER = 20
    INVALID_CHARACTERS = 21
    INVALID_SERVICE_SEGMENT_TAG = 22
    REFERENCES_DO_NOT_MATCH = 28
    CONTROL_COUNT_MISMATCH = 29
    LOWER_LEVEL_EMPTY = 32
    OUTSIDE_MESSAGE = 33


class ApplicationErrorCode(StrEnum):
    """Why an MSCONS could not be processed, as reported in an APERAK `ERC` segment.

    meshkit's own codes: the BDEW error catalogue differs by APERAK version and partner
    agreement, so map these to the partner's catalogue at the boundary if it asks for its own.
    """

    UNKNOWN_METERING_POINT = "E01"
    INCONSISTENT_INTERVAL = "E02"
    INVALID_QUANTITY = "E03"
    MISSING_INTERVAL = "E04"
    INVALID_DATE = "E05"
    MISSING_REFERENCE = "E06"  # no metering point or meter code before a quantity
    UNSUPPORTED_CONTENT = "E07"  # a qualifier, format or message type meshkit does not read


class EdifactError(Exception):
    """Base of every error raised by meshkit.adapters.edifact."""


class EdifactSyntaxError(EdifactError):
    """The text is not a well-formed EDIFACT interchange.

    `segment_index` counts segments from 1 in the interchange (UNA not counted), `offset` is the
    character offset in the text where the offending segment starts, `code` is the CONTRL code.
    """

    def __init__(
        self,
        message: str,
        *,
        code: SyntaxErrorCode = SyntaxErrorCode.UNSPECIFIED,
        segment_index: int | None = None,
        tag: str | None = None,
        offset: int | None = None,
    ) -> None:
        self.reason = message
        self.code = code
        self.segment_index = segment_index
        self.tag = tag
        self.offset = offset
        super().__init__(self._describe())

    def _describe(self) -> str:
        where: list[str] = []
        if self.segment_index is not None:
            where.append(f"segment {self.segment_index}")
        if self.tag:
            where.append(self.tag)
        if self.offset is not None:
            where.append(f"offset {self.offset}")
        location = f" at {' '.join(where)}" if where else ""
        return f"{self.reason}{location} (syntax error {int(self.code)})"

    def with_offset(self, offset: int | None) -> EdifactSyntaxError:
        """The same error, located at `offset` (the bulk tokenizer finds offsets only on demand)."""
        return EdifactSyntaxError(
            self.reason,
            code=self.code,
            segment_index=self.segment_index,
            tag=self.tag,
            offset=offset,
        )


class MsconsContentError(EdifactError):
    """A well-formed MSCONS whose content cannot become readings (bad quantity, missing date…)."""

    def __init__(
        self,
        message: str,
        *,
        code: ApplicationErrorCode,
        segment_index: int | None = None,
        tag: str | None = None,
        message_ref: str | None = None,
    ) -> None:
        self.reason = message
        self.code = code
        self.segment_index = segment_index
        self.tag = tag
        self.message_ref = message_ref
        where = []
        if message_ref:
            where.append(f"message {message_ref}")
        if segment_index is not None:
            where.append(f"segment {segment_index}")
        if tag:
            where.append(tag)
        location = f" at {', '.join(where)}" if where else ""
        super().__init__(f"{message}{location} (application error {code.value})")
