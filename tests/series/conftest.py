"""Fixtures of the series-store tests: the energy-community model and a store per database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from meshkit.ck import compile_model
from meshkit.ck.model import CompiledModel
from meshkit.runtime import create_engine
from meshkit.runtime.series import SeriesStore

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture(scope="session")
def energy_model() -> CompiledModel:
    return compile_model(MODELS / "energy_community")


@pytest.fixture
def store(database_url: str, energy_model: CompiledModel) -> Iterator[SeriesStore]:
    """An empty series store on SQLite or PostgreSQL (its own schema)."""
    engine = create_engine(database_url)
    result = SeriesStore(engine, energy_model)
    result.create_tables()
    yield result
    engine.dispose()
