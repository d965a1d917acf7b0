"""Fixtures of the auth tests: the energy-community model and policy, a seeded repository."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from auth_world import MODEL_DIR, World, seed

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.auth import Policy


@pytest.fixture(scope="session")
def ec_model() -> CompiledModel:
    return compile_model(MODEL_DIR)


@pytest.fixture(scope="session")
def ec_policy(ec_model: CompiledModel) -> Policy:
    return Policy.for_model(ec_model, MODEL_DIR)


@pytest.fixture
def fast_hasher() -> PasswordHasher:
    """Cheap argon2 parameters: the tests check behaviour, not cost."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def world(database_url: str, ec_model: CompiledModel) -> Iterator[World]:
    engine = create_engine(database_url)
    repo = Repository(engine, ec_model)
    repo.create_tables()
    yield World(repo, seed(repo))
    engine.dispose()
