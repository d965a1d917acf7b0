"""Fixtures of the EDA processing tests: a seeded world on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from eda_processing_support import World, build_world


class StepClock:
    """A fixed clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def world(database_url: str, clock: StepClock) -> Iterator[World]:
    built = build_world(database_url, clock=clock)
    yield built
    built.repository.engine.dispose()
