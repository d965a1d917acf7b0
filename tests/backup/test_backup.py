"""`meshkit db backup` / `restore`: a backup holds the whole database and puts it back as it
was; what it holds is read from the copy; nothing is overwritten without being asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from meshkit.apps.cli import app
from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.backup import BackupError, backup, describe, restore
from meshkit.runtime.migrations import Setup, status, upgrade
from meshkit.runtime.migrations.environment import DEFAULT_SCRIPT_LOCATION

MODELS = Path(__file__).resolve().parents[2] / "models"
COMMUNITY: dict[str, Any] = {
    "name": "Sonnenstrom Au",
    "community_id": "AT00300000000RC100130000000000001",
    "ec_number": "RC100130",
    "kind": "eeg_local",
    "grid_operator_id": "AT003000",
    "address": {"street": "Auweg 1", "postal_code": "4020", "city": "Linz"},
}


@pytest.fixture(scope="module")
def ec_model() -> CompiledModel:
    return compile_model(MODELS / "energy_community")


def _populated(url: str, model: CompiledModel) -> tuple[Repository, str, str]:
    setup = Setup(url, model, versions=DEFAULT_SCRIPT_LOCATION / "versions")
    upgrade(setup)
    repo = Repository(create_engine(url), model)
    with repo.unit_of_work(tenant="t1", actor="ops") as uow:
        community = uow.create("EnergyCommunity", COMMUNITY)
    head = status(setup).current
    assert head is not None
    return repo, str(community["id"]), head


def test_a_backup_puts_back_what_was_there(
    database_url: str, ec_model: CompiledModel, tmp_path: Path
) -> None:
    repo, community_id, head = _populated(database_url, ec_model)
    target = tmp_path / "meshkit.backup"
    try:
        info = backup(database_url, target)
        versions = {name: m.version for name, m in ec_model.models.items()}
        assert info.models == (
            ("energy_community", versions["energy_community"]),
            ("system", versions["system"]),
        )
        assert info.revision == head and info.size == target.stat().st_size > 0
        assert describe(target) == info
        assert not list(tmp_path.glob("*.partial"))

        with repo.unit_of_work(tenant="t1", actor="ops") as uow:
            uow.update("EnergyCommunity", community_id, {"name": "Renamed"}, 1)
            second = {**COMMUNITY, "ec_number": "RC100131", "name": "B"}
            second["community_id"] = "AT00300000000RC100131000000000001"
            uow.create("EnergyCommunity", second)

        # The database holds a model: replacing it must be asked for; nothing changed meanwhile.
        with pytest.raises(BackupError, match="--replace"):
            restore(database_url, target)
        with repo.unit_of_work(tenant="t1", actor="ops") as uow:
            assert uow.get("EnergyCommunity", community_id)["name"] == "Renamed"

        assert restore(database_url, target, replace=True) == info
    finally:
        repo.engine.dispose()
    again = Repository(create_engine(database_url), ec_model)
    try:
        with again.unit_of_work(tenant="t1", actor="ops") as uow:
            community = uow.get("EnergyCommunity", community_id)
            assert (community["name"], community["version"]) == ("Sonnenstrom Au", 1)
            assert [c["ec_number"] for c in uow.find("EnergyCommunity").items] == ["RC100130"]
            history = again.audit.history(uow.connection, "t1", community_id)
            assert [entry.operation for entry in history] == ["create"]  # the update is gone
    finally:
        again.engine.dispose()


def test_nothing_is_overwritten_unasked_and_bad_files_are_named(
    database_url: str, ec_model: CompiledModel, tmp_path: Path
) -> None:
    repo, _, _ = _populated(database_url, ec_model)
    repo.engine.dispose()
    target = tmp_path / "meshkit.backup"
    target.write_bytes(b"keep me")
    with pytest.raises(BackupError, match="exists"):
        backup(database_url, target)
    assert target.read_bytes() == b"keep me"
    info = backup(database_url, target, overwrite=True)
    assert info.models and target.read_bytes() != b"keep me"

    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    with pytest.raises(BackupError, match="neither a SQLite database nor a pg_dump"):
        restore(database_url, junk, replace=True)
    with pytest.raises(BackupError, match="cannot read"):
        describe(tmp_path / "missing.backup")
    other = "postgresql://postgres@127.0.0.1:5432/test" if info.kind == "sqlite" else "sqlite:///x"
    with pytest.raises(BackupError, match=f"is a {info.kind} backup"):
        restore(other, target, replace=True)


def test_a_sqlite_backup_into_a_new_file_and_the_cli(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'live.sqlite'}"
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade", "--database-url", source]).exit_code == 0
    made = runner.invoke(
        app, ["db", "backup", str(tmp_path / "b.sqlite"), "--database-url", source]
    )
    assert made.exit_code == 0, made.output
    assert "backed up" in made.output and "energy_community" in made.output

    refused = runner.invoke(
        app, ["db", "restore", str(tmp_path / "b.sqlite"), "--database-url", source]
    )
    assert refused.exit_code == 1 and "--replace" in refused.output
    assert "Traceback" not in refused.output

    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    done = runner.invoke(
        app, ["db", "restore", str(tmp_path / "b.sqlite"), "--database-url", fresh]
    )
    assert done.exit_code == 0, done.output
    engine = create_engine(fresh)
    try:
        with engine.connect() as connection:
            assert sa.inspect(connection).has_table("meshkit_model_version")
    finally:
        engine.dispose()

    check = runner.invoke(app, ["db", "restore", "--check", str(tmp_path / "b.sqlite")])
    assert check.exit_code == 0 and "sqlite" in check.output
