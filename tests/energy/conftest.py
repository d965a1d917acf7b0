"""Fixtures of the energy tests: the energy-community model, a repository with the series
tables on both databases, and the small community of `energy_world`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from meshkit.apps.cli.paths import builtin_library
from meshkit.ck import CompiledModel, check_model
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.series import SeriesStore


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
    yield repo
    repo.engine.dispose()


@pytest.fixture
def store(repository: Repository) -> SeriesStore:
    return SeriesStore(repository.engine, repository.model)
