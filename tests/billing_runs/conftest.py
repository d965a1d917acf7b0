"""Fixtures of the billing-run tests: the energy-community model on both databases, the series
tables, the content table, and the small community of tests/energy/energy_world.py with a
tariff and bank data."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from meshkit.adapters.eda.processing.tables import create_processing_tables
from meshkit.apps.cli.paths import builtin_library
from meshkit.ck import CompiledModel, check_model
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.series import SeriesStore

sys.path.insert(0, str(Path(__file__).parent.parent / "energy"))


@pytest.fixture(scope="session")
def model() -> CompiledModel:
    library = builtin_library()
    compiled, problems = check_model(library / "energy_community", [library])
    assert compiled is not None, problems
    return compiled


@pytest.fixture
def repository(database_url: str, model: CompiledModel) -> Iterator[Repository]:
    repo = Repository(create_engine(database_url), model)
    repo.create_tables()
    SeriesStore(repo.engine, model).create_tables()
    create_processing_tables(repo.engine)
    yield repo
    repo.engine.dispose()
