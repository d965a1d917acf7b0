"""Errors of the series store: every one names what was wrong and how to fix it."""

from __future__ import annotations


class SeriesError(ValueError):
    """A series operation that cannot be carried out (bad input, unknown series, bad range)."""


class UnknownSeriesError(SeriesError):
    """A series reference that names no series of the model, or more than one."""


class SeriesInputError(SeriesError):
    """A frame handed to the store that has the wrong columns, types or values."""
