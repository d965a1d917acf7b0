"""Keep the worked example of docs/behaviours.md true: its package, its pyproject entry point
and its model are written out and run."""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from importlib import metadata
from pathlib import Path

import pytest

from meshkit.ck import compile_model
from meshkit.runtime import (
    BehaviourError,
    BehaviourRegistry,
    Repository,
    ValidationError,
    create_engine,
)

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "behaviours.md"
_BLOCK = re.compile(r'^```(\w+) title="([^"]+)"\n(.*?)^```$', re.M | re.S)


def _files() -> dict[str, str]:
    return {m[2]: m[3] for m in _BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))}


@pytest.fixture
def sunshare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The guide's files in a folder tree, its package importable."""
    for name, text in _files().items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (tmp_path / "sunshare" / "__init__.py").touch()
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for module in [m for m in sys.modules if m == "sunshare" or m.startswith("sunshare.")]:
        del sys.modules[module]


def _entry_points(pyproject: Path) -> metadata.EntryPoints:
    """The entry points pip would install from the guide's pyproject.toml."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    group = "meshkit.behaviours"
    declared = project["entry-points"][group]
    return metadata.EntryPoints(
        [metadata.EntryPoint(name, value, group) for name, value in declared.items()]
    )


def test_the_worked_example_runs(sunshare: Path, database_url: str) -> None:
    model = compile_model(sunshare / "models" / "sunshare", library_paths=[REPO / "models"])
    registry = BehaviourRegistry.for_model(
        model, entry_points=_entry_points(sunshare / "pyproject.toml")
    )
    engine = create_engine(database_url)
    try:
        repo = Repository(engine, model, behaviours=registry)
        repo.create_tables()
        with repo.unit_of_work(tenant="t1", actor="anna") as uow:
            community = uow.create("Community", {"name": "Sonnenweg", "code": "AT001"})
            assert community["label"] == "AT001 · Sonnenweg"
            notices = uow.find("Notice").items
            assert [n["text"] for n in notices] == ["Welcome, Sonnenweg!"]
            for i in range(3):
                uow.create("MeteringPoint", {"number": f"AT001-{i}", "community": community["id"]})
            result = uow.call("Community", community["id"], "allocate", period="2024-03-01")
            assert (result.points, result.share) == (3, Decimal("33.33"))
            with pytest.raises(BehaviourError) as refused:
                uow.call("Community", community["id"], "allocate", period="2024-03-02")
            assert refused.value.code == "period"
            with pytest.raises(ValidationError) as invalid:
                uow.create("Community", {"name": "X", "code": "DE1"})
            assert [str(e) for e in invalid.value.errors] == [
                "code: an Austrian code starts with AT [community-code]"
            ]
        allocate = repo.behaviours.commands("Community")["allocate"]
        assert allocate.parameters[0].description == "the first day of the month"
        assert allocate.behaviour == "sunshare.community"
    finally:
        engine.dispose()
