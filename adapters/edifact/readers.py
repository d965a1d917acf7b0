"""The two MSCONS readers; same checks, same interpretation, same frame.

`read_mscons` is the bulk path: meshkit's own tokenizer and column-wise conversion with polars,
falling back to `read_mscons_generic` (every segment cut and interpreted) for anything else.
`read_mscons_pydifact` lets pydifact cut the text and converts row by row. Both check the
envelope with `check_structure` and interpret segments with `collect_readings`.
"""

from __future__ import annotations

import polars as pl

from meshkit.adapters.edifact.bulk import frame_from_columns, read_bulk
from meshkit.adapters.edifact.errors import EdifactSyntaxError
from meshkit.adapters.edifact.mscons import collect_readings, frame_from_rows
from meshkit.adapters.edifact.pydifact_reader import pydifact_segments
from meshkit.adapters.edifact.syntax import check_structure, raise_first_issue
from meshkit.adapters.edifact.tokenizer import Segment, offset_of, split_segments


def _segments_checked(text: str, bulk: bool) -> tuple[str, list[Segment]]:
    if bulk:
        try:
            chars, segments = split_segments(text)
        except EdifactSyntaxError as error:
            if error.offset is None and error.segment_index is not None:
                raise error.with_offset(offset_of(text, error.segment_index)) from None
            raise
    else:
        chars, segments = pydifact_segments(text)
    report = check_structure(segments, chars, text.startswith("UNA"))
    raise_first_issue(report, text)
    return chars.decimal, segments


def read_mscons(text: str) -> pl.DataFrame:
    """Readings of an MSCONS interchange (bulk path); raises EdifactError subclasses only."""
    frame = read_bulk(text)
    if frame is not None:
        return frame
    return read_mscons_generic(text)


def read_mscons_generic(text: str) -> pl.DataFrame:
    """What `read_mscons` falls back to: every segment cut, checked and interpreted.

    Same result as `read_mscons` for every text (the bulk path only ever reads faster); tests
    and benchmarks use it as the reference.
    """
    decimal, segments = _segments_checked(text, bulk=True)
    return frame_from_columns(collect_readings(segments, decimal))


def read_mscons_pydifact(text: str) -> pl.DataFrame:
    """Readings of an MSCONS interchange, cut by pydifact; same frame as `read_mscons`."""
    decimal, segments = _segments_checked(text, bulk=False)
    return frame_from_rows(collect_readings(segments, decimal))
