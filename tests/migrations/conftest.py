"""Fixtures of the migration tests: a versions folder and the first model version applied."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from migration_models import V1, write_version
from sqlalchemy.engine import Engine

from meshkit.ck import CompiledModel
from meshkit.runtime import create_engine
from meshkit.runtime.migrations import Setup, upgrade, write_revision


@pytest.fixture
def v1(tmp_path: Path) -> CompiledModel:
    return write_version(tmp_path / "models", "1.0.0", V1)


@pytest.fixture
def versions(tmp_path: Path) -> Path:
    return tmp_path / "versions"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def applied_v1(database_url: str, v1: CompiledModel, versions: Path) -> Setup:
    """The database upgraded to v1 (first revision written and applied)."""
    setup = Setup(database_url, v1, versions=versions)
    assert write_revision(setup, "create tables") is not None
    upgrade(setup)
    return setup
