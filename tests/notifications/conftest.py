"""Fixtures of the notification tests: the energy_community model and a seeded world on each
database (SQLite and PostgreSQL), an SMTP sink."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from notify_smtp import Sink, free_port, serving
from notify_world import World, build_world

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import Repository, create_engine

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def ec_model() -> CompiledModel:
    return compile_model(REPO / "models" / "energy_community", library_paths=[REPO / "models"])


@pytest.fixture
def ec_repo(database_url: str, ec_model: CompiledModel) -> Iterator[Repository]:
    engine = create_engine(database_url)
    repository = Repository(engine, ec_model)
    repository.create_tables()
    yield repository
    engine.dispose()


@pytest.fixture
def world(ec_repo: Repository) -> World:
    return build_world(ec_repo)


@pytest.fixture
def sink() -> Iterator[Sink]:
    """An SMTP server on 127.0.0.1 that keeps what it receives."""
    with serving(Sink(port=free_port())) as running:
        yield running
