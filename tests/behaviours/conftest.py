"""Fixtures of the behaviour tests: the bh_grid model, its behaviours and a repository.

`bh_behaviours` (this folder, on sys.path through pytest's rootdir-relative import) is named
by dotted path; `plugin_site/` holds a fake installed distribution, `bh-plugin`, whose entry
point `bh.community` names `bh_plugin:CommunityRules` — the way a separate package plugs in.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import bh_behaviours
import pytest

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import Repository, create_engine

HERE = Path(__file__).parent
REPO = HERE.parents[1]
PLUGIN_SITE = HERE / "plugin_site"

# "Installs" the fake distribution: importlib.metadata finds its entry points on sys.path.
if str(PLUGIN_SITE) not in sys.path:
    sys.path.insert(0, str(PLUGIN_SITE))


@pytest.fixture(autouse=True)
def calls() -> Iterator[list[bh_behaviours.Call]]:
    """The hook calls of one test (and no failures left over from another)."""
    bh_behaviours.CALLS.clear()
    bh_behaviours.FAIL.clear()
    yield bh_behaviours.CALLS
    bh_behaviours.FAIL.clear()


@pytest.fixture(scope="session")
def bh_model() -> CompiledModel:
    return compile_model(HERE / "models" / "bh_grid", library_paths=[REPO / "models"])


@pytest.fixture
def repo(database_url: str, bh_model: CompiledModel) -> Iterator[Repository]:
    engine = create_engine(database_url)
    repository = Repository(engine, bh_model)
    repository.create_tables()
    yield repository
    engine.dispose()
