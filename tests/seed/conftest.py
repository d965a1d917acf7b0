"""Fixtures of the seed tests: the energy-community model and a repository on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from meshkit.apps.cli.paths import builtin_library
from meshkit.ck import CompiledModel, check_model
from meshkit.runtime import Repository, create_engine


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
    yield repo
    repo.engine.dispose()
