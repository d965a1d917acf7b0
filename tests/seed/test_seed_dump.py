"""Dump → load into an empty tenant → dump gives the same document; the `meshkit data` CLI."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from meshkit.apps.cli import app
from meshkit.apps.demo.seed import SEED_FILE
from meshkit.runtime import Repository
from meshkit.runtime.seed import dump, dump_text, load, load_file


def dumped(repository: Repository, tenant: str) -> str:
    with repository.unit_of_work(tenant=tenant, actor="test") as uow:
        return dump_text(dump(uow))


def test_dump_load_dump_is_the_same_document(repository: Repository) -> None:
    with repository.unit_of_work(tenant="a", actor="test") as uow:
        load_file(uow, SEED_FILE)
    first = dumped(repository, "a")
    with repository.unit_of_work(tenant="b", actor="test") as uow:  # an empty tenant
        result = load(uow, yaml.safe_load(first), source="dump.yaml")
    assert sum(result.created.values()) == 55
    assert dumped(repository, "b") == first


def test_a_dump_names_references_by_natural_key_only(repository: Repository) -> None:
    with repository.unit_of_work(tenant="a", actor="test") as uow:
        load_file(uow, SEED_FILE)
        document = dump(uow, ["Participation"])
    (participations,) = document["entities"].values()
    first = participations[0]
    assert set(first["participant"]) == {"community", "member_number"}
    assert set(first["community"]) == {"community_id"}
    assert "id" not in first and "version" not in first
    assert "status" not in first  # equal to the default: left out


def test_data_load_and_dump_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runner = CliRunner()
    loaded = runner.invoke(app, ["data", "load", str(SEED_FILE), "-d", url, "-t", "demo"])
    assert loaded.exit_code == 0, loaded.output
    assert "55 created" in " ".join(loaded.output.split())
    again = runner.invoke(app, ["data", "load", str(SEED_FILE), "-d", url, "-t", "demo"])
    assert "0 created, 0 updated, 55 unchanged" in " ".join(again.output.split())
    dumped = runner.invoke(app, ["data", "dump", "-d", url, "-t", "demo", "-c", "MeteringPoint"])
    assert dumped.exit_code == 0, dumped.output
    document = yaml.safe_load(dumped.stdout)
    assert list(document["entities"]) == ["MeteringPoint"]
    assert len(document["entities"]["MeteringPoint"]) == 17


def test_data_load_reports_problems_with_their_place(tmp_path: Path) -> None:
    seed = tmp_path / "bad.yaml"
    seed.write_text(
        "entities:\n  MeteringPoint:\n    - {metering_point_id: AT1, direction: up}\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    result = CliRunner().invoke(app, ["data", "load", str(seed), "-d", url])
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert f"{seed}: entities.MeteringPoint[0].direction" in output
    assert "nothing was written" in output
