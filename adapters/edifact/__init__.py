"""EDIFACT for the German market communication: MSCONS readings, syntax check, CONTRL, APERAK.

Import from here, not from the modules: `read_mscons` (bulk) and `read_mscons_pydifact` give the
same readings frame; `check_syntax` reports what a CONTRL acknowledges; `build_contrl` and
`build_aperak` write the answers. Every error is an `EdifactError`.
"""

from meshkit.adapters.edifact.errors import (
    ApplicationErrorCode,
    EdifactError,
    EdifactSyntaxError,
    MsconsContentError,
    SyntaxErrorCode,
)
from meshkit.adapters.edifact.readers import read_mscons, read_mscons_pydifact
from meshkit.adapters.edifact.syntax import MessageReport, SyntaxIssue, SyntaxReport, check_syntax
from meshkit.adapters.edifact.tokenizer import (
    DEFAULT_SERVICE_CHARS,
    Segment,
    ServiceChars,
    iter_segments,
    split_segments,
)

__all__ = [
    "DEFAULT_SERVICE_CHARS",
    "ApplicationErrorCode",
    "EdifactError",
    "EdifactSyntaxError",
    "MessageReport",
    "MsconsContentError",
    "Segment",
    "ServiceChars",
    "SyntaxErrorCode",
    "SyntaxIssue",
    "SyntaxReport",
    "check_syntax",
    "iter_segments",
    "read_mscons",
    "read_mscons_pydifact",
    "split_segments",
]
