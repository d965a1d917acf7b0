"""Fixtures of the migration tests: a versions folder and the first model version applied."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from migration_models import V1, write_version
from sqlalchemy.engine import Engine

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import create_engine
from meshkit.runtime.migrations import Setup, upgrade, write_revision
from meshkit.runtime.migrations.environment import DEFAULT_SCRIPT_LOCATION

MODELS = Path(__file__).resolve().parents[2] / "models"


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


@pytest.fixture(scope="session")
def ec_model() -> CompiledModel:
    """The shipped energy_community model (its revisions are migrations/versions)."""
    return compile_model(MODELS / "energy_community")


@pytest.fixture
def setup(database_url: str, ec_model: CompiledModel) -> Setup:
    """The shipped model and the project's own revisions, on the test database."""
    return Setup(database_url, ec_model, versions=DEFAULT_SCRIPT_LOCATION / "versions")
