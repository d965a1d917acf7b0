"""Mutated interchanges: readers and syntax check return or raise EdifactError, nothing else.

When both readers return, their frames are equal; CONTRL is built for whatever the syntax check
accepts to acknowledge.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from edifact_mutations import mutations
from hypothesis import HealthCheck, given, settings
from polars.testing import assert_frame_equal

from meshkit.adapters.edifact import (
    EdifactError,
    check_syntax,
    read_mscons,
    read_mscons_pydifact,
)
from meshkit.adapters.edifact.contrl import build_contrl

DATA = Path(__file__).parents[2] / "data" / "edifact"
VALID = (DATA / "mscons_tricky.edi").read_text(encoding="utf-8")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations([VALID]))
def test_mutations_return_or_raise_edifact_error(text: str) -> None:
    frames = []
    for reader in (read_mscons, read_mscons_pydifact):
        with contextlib.suppress(EdifactError):
            frames.append(reader(text))
    if len(frames) == 2:
        assert_frame_equal(frames[0], frames[1])
    try:
        report = check_syntax(text)
    except EdifactError:
        return
    with contextlib.suppress(EdifactError):
        build_contrl(report, reference="FUZZ")
