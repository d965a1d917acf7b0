"""Fixtures of the runtime tests: the rt_grid test model and a repository on each database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from runtime_grid import Grid

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import Repository, create_engine

HERE = Path(__file__).parent
REPO = HERE.parents[1]


@pytest.fixture(scope="session")
def grid_model() -> CompiledModel:
    return compile_model(HERE / "models" / "rt_grid", library_paths=[REPO / "models"])


@pytest.fixture
def repo(database_url: str, grid_model: CompiledModel) -> Iterator[Repository]:
    engine = create_engine(database_url)
    repository = Repository(engine, grid_model)
    repository.create_tables()
    yield repository
    engine.dispose()


@pytest.fixture
def grid_factory() -> type[Grid]:
    return Grid
