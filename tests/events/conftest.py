"""Fixtures of the event tests: the ev_grid model and a repository on each database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import Repository, create_engine

HERE = Path(__file__).parent
REPO = HERE.parents[1]


@pytest.fixture(scope="session")
def ev_model() -> CompiledModel:
    return compile_model(HERE / "models" / "ev_grid", library_paths=[REPO / "models"])


@pytest.fixture
def repo(database_url: str, ev_model: CompiledModel) -> Iterator[Repository]:
    engine = create_engine(database_url)
    repository = Repository(engine, ev_model)
    repository.create_tables()
    yield repository
    engine.dispose()


@pytest.fixture
def reopen(database_url: str, ev_model: CompiledModel) -> Iterator[Callable[[], Repository]]:
    """Another Repository on the same database, as a restarted process would make it."""
    engines: list[Engine] = []

    def make() -> Repository:
        engine = create_engine(database_url)
        engines.append(engine)
        return Repository(engine, ev_model)

    yield make
    for engine in engines:
        engine.dispose()
