"""Gapless document numbers per community and year, behind one small interface.

`NumberSequence` is the seam: the billing core asks for the next number and never knows where it
comes from. `InMemoryNumberSequence` is a real implementation for tests and previews. The
database-backed one (later) must allocate inside the transaction that finalises the document
(a counter row per community and year, locked with SELECT … FOR UPDATE), so a rolled-back
finalisation gives its number back and two concurrent runs can never take the same one.
"""

from __future__ import annotations

import threading
from typing import Protocol


class NumberSequence(Protocol):
    """Allocates the next document number of a community in a year."""

    def next(self, community: str, year: int) -> str: ...


class InMemoryNumberSequence:
    """Counters in a dict; `pattern` formats `year`, `number` and `community`.

    The default gives "2026-000123"; "R-{year}-{number:06d}" gives the model's prefixed form.
    """

    def __init__(self, pattern: str = "{year}-{number:06d}", start: int = 1) -> None:
        self.pattern = pattern
        self._start = start
        self._last: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def next(self, community: str, year: int) -> str:
        with self._lock:
            number = self._last.get((community, year), self._start - 1) + 1
            self._last[community, year] = number
        return self.pattern.format(year=year, number=number, community=community)
