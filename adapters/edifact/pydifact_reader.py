"""The one module that talks to pydifact: its parse, turned into meshkit `Segment`s.

pydifact raises assorted exceptions on malformed text (its EDISyntaxError and ValidationError,
but also ValueError, IndexError, AssertionError …) and warns about missing directories; all of it
is contained here and surfaces as EdifactSyntaxError.
"""

from __future__ import annotations

import warnings
from typing import Any

from pydifact import Characters
from pydifact.parser import Parser
from pydifact.segmentcollection import Interchange

from meshkit.adapters.edifact.errors import EdifactSyntaxError, SyntaxErrorCode
from meshkit.adapters.edifact.tokenizer import (
    BETWEEN_SEGMENTS,
    Segment,
    ServiceChars,
    make_segment,
    read_service_string,
    split_segments,
)


def _characters(chars: ServiceChars) -> Any:
    return Characters(  # type: ignore[no-untyped-call]
        component_separator=chars.component,
        data_separator=chars.data,
        decimal_point=chars.decimal,
        escape_character=chars.release,
        reserved=chars.reserved,
        segment_terminator=chars.terminator,
    )


def _element(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def pydifact_segments(text: str) -> tuple[ServiceChars, list[Segment]]:
    """Cut `text` with pydifact's Parser; the same segments meshkit's tokenizer gives."""
    chars, start, _ = read_service_string(text)
    # pydifact keeps reading past a missing final terminator; meshkit treats that as an error.
    if text[start:].rstrip(BETWEEN_SEGMENTS) and not _terminated(text[start:], chars):
        split_segments(text)  # raises the located "not terminated" error
    segments: list[Segment] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = Parser(characters=_characters(chars)).parse(text)
            index = 0
            for segment in parsed:
                if segment.tag == "UNA":
                    continue
                index += 1
                raw = [[str(segment.tag)], *(_element(e) for e in segment.elements)]
                segments.append(make_segment(raw, index, None))
    except Exception as error:
        raise EdifactSyntaxError(
            f"pydifact could not parse the text: {error}",
            code=SyntaxErrorCode.UNSPECIFIED,
            segment_index=len(segments) + 1,
        ) from error
    return chars, segments


def _terminated(body: str, chars: ServiceChars) -> bool:
    stripped = body.rstrip(BETWEEN_SEGMENTS)
    if not stripped.endswith(chars.terminator):
        return False
    # A terminator preceded by an odd number of release characters is itself released.
    releases = len(stripped[:-1]) - len(stripped[:-1].rstrip(chars.release))
    return releases % 2 == 0


def parse_interchange(text: str) -> Any:
    """pydifact's own `Interchange.from_str` (the benchmark's baseline), errors wrapped."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Interchange.from_str(text)
    except Exception as error:
        raise EdifactSyntaxError(f"pydifact could not parse the text: {error}") from error
