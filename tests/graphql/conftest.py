"""Fixtures of the GraphQL tests: the energy_community and rt_grid models, their schemas, a
repository on each database, a way to run a request and to count its SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from graphql_client import Client

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.graphql import ModelSchema, build_schema

HERE = Path(__file__).parent
REPO = HERE.parents[1]


@pytest.fixture(scope="session")
def ec_model() -> CompiledModel:
    return compile_model(REPO / "models" / "energy_community", library_paths=[REPO / "models"])


@pytest.fixture(scope="session")
def ec_schema(ec_model: CompiledModel) -> ModelSchema:
    return build_schema(ec_model)


@pytest.fixture(scope="session")
def grid_model() -> CompiledModel:
    path = REPO / "tests" / "runtime" / "models" / "rt_grid"
    return compile_model(path, library_paths=[REPO / "models"])


@pytest.fixture(scope="session")
def grid_schema(grid_model: CompiledModel) -> ModelSchema:
    return build_schema(grid_model)


def _repository(url: str, model: CompiledModel) -> Iterator[Repository]:
    engine = create_engine(url)
    repository = Repository(engine, model)
    repository.create_tables()
    yield repository
    engine.dispose()


@pytest.fixture
def ec_repo(database_url: str, ec_model: CompiledModel) -> Iterator[Repository]:
    yield from _repository(database_url, ec_model)


@pytest.fixture
def grid_repo(database_url: str, grid_model: CompiledModel) -> Iterator[Repository]:
    yield from _repository(database_url, grid_model)


@pytest.fixture
def general_path(ec_schema: ModelSchema, grid_schema: ModelSchema) -> Iterator[None]:
    """Requests run through graphql-core's execution and the batched reads, not compiled
    reads (which answer eligible queries on PostgreSQL): for tests of the batched reads."""
    saved = ec_schema.compiled_reads, grid_schema.compiled_reads
    ec_schema.compiled_reads = grid_schema.compiled_reads = None
    yield
    ec_schema.compiled_reads, grid_schema.compiled_reads = saved


@pytest.fixture
def ec(ec_schema: ModelSchema, ec_repo: Repository) -> Client:
    return Client(ec_schema, ec_repo)


@pytest.fixture
def grid(grid_schema: ModelSchema, grid_repo: Repository) -> Client:
    return Client(grid_schema, grid_repo)
