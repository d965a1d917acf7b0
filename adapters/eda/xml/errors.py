"""The one exception hierarchy of the ebUtilities XML adapter.

Every problem with an inbound document is an `EdaDocumentError`, so a transport can catch one type,
answer with a rejection and log `str(error)`, which always says what was wrong and, where lxml
knows it, on which line.
"""

from __future__ import annotations

from dataclasses import dataclass


class EdaXmlError(Exception):
    """Root of everything this package raises on purpose."""


class XsdNotFoundError(EdaXmlError):
    """Validation is on but the folder with the official XSDs (or one XSD in it) is missing."""


class EdaWriteError(EdaXmlError):
    """A message cannot be written in the requested schema version."""


class EdaDocumentError(EdaXmlError):
    """An inbound document was refused. `line` is the 1-based source line when known."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


class MalformedXmlError(EdaDocumentError):
    """Not well-formed XML (truncated, bad bytes, wrong encoding)."""


class HostileXmlError(EdaDocumentError):
    """A DOCTYPE or entity declaration: refused outright, EDA messages never carry one."""


class UnknownNamespaceError(EdaDocumentError):
    """The root element is not a supported ebUtilities schema and version."""


class UnknownMessageCodeError(EdaDocumentError):
    """The MessageCode is not one this schema carries in a supported process."""


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    """One XSD validation error, as libxml2 reports it."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class SchemaViolationError(EdaDocumentError):
    """Well-formed, but not valid against the official XSD of its namespace."""

    def __init__(self, schema: str, issues: tuple[SchemaIssue, ...]) -> None:
        self.schema = schema
        self.issues = issues
        first = issues[0] if issues else SchemaIssue(0, "invalid")
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(f"not valid against {schema}: {first.message}{more}", line=first.line)


class ContentError(EdaDocumentError):
    """A value or element the typed reader needs is missing or unreadable.

    Only reachable with validation off (or for rules the XSD does not express).
    """
