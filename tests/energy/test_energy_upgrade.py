"""The shipped revisions move a populated database from energy_community 1.0.0 to 1.1.0
(ReconciliationFinding, the `calculated` series, the EnergyCommunity behaviours)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from energy_world import C1, CONS_G01, GEN_G01, P1, TENANT, build, readings, write_operator

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.migrations import (
    DatabaseMismatchError,
    Setup,
    check_database,
    load_snapshot,
    status,
    upgrade,
)
from meshkit.runtime.migrations.environment import DEFAULT_SCRIPT_LOCATION
from meshkit.runtime.series import SeriesStore

VERSIONS = DEFAULT_SCRIPT_LOCATION / "versions"
FIRST_REVISION = "5ac5fb8dbdba"  # create tables, energy_community 1.0.0


def version_1_0_0() -> CompiledModel:
    return load_snapshot((VERSIONS / f"{FIRST_REVISION}.model.json").read_text())


def test_the_new_revision_chains_after_the_shipped_one(model: CompiledModel) -> None:
    revisions = sorted(Path(VERSIONS).glob("*.py"))
    texts = {p.name: p.read_text() for p in revisions}
    newest = [n for n, t in texts.items() if f"down_revision = '{FIRST_REVISION}'" in t]
    assert len(newest) == 1 and "meshkit_version = '1.1.0'" in texts[newest[0]]
    # The newest revision applies the model as it is now (later ones chain after 1.1.0).
    head = ScriptDirectory(str(DEFAULT_SCRIPT_LOCATION)).get_current_head()
    version = model.models["energy_community"].version
    (head_file,) = [n for n in texts if n.startswith(f"{head}_")]
    assert f"meshkit_version = '{version}'" in texts[head_file]
    assert version_1_0_0().models["energy_community"].version == "1.0.0"


def test_upgrade_from_1_0_0_keeps_the_data_and_the_new_commands_work(
    database_url: str, model: CompiledModel
) -> None:
    setup = Setup(database_url, model, versions=VERSIONS)
    upgrade(setup, FIRST_REVISION)
    engine = create_engine(database_url)
    try:
        old = Repository(engine, version_1_0_0())
        with pytest.raises(DatabaseMismatchError):
            check_database(engine, model)
        world = build(old)  # members, metering points, participations written by 1.0.0
        store = SeriesStore(engine, version_1_0_0())
        write_operator(store, readings({(C1, CONS_G01): ["1.5"], (P1, GEN_G01): ["1.0"]}))

        upgrade(setup)

        check_database(engine, model)
        assert not status(setup).pending
        new = Repository(engine, model)
        with new.unit_of_work(tenant=TENANT, actor="test") as uow:
            assert uow.count("Participation") == 3
            summary = uow.call(
                "EnergyCommunity", world.community, "allocate", period=date(2026, 3, 1)
            )
            assert summary.conserved and summary.totals.shared == 1
            finding = uow.create(
                "ReconciliationFinding",
                {
                    "community": world.community,
                    "metering_point": world.points[C1],
                    "metering_point_number": C1,
                    "meter_code": "1-1:2.9.0 G.03",
                    "day": date(2026, 3, 10),
                    "ours": 1,
                    "theirs": 2,
                    "deviation": -1,
                    "intervals": [],
                },
            )
            assert finding["finding_state"] == "open"
    finally:
        engine.dispose()
