"""A change that would lose stored data is refused unless allowed, naming what and how many."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from migration_models import elements, write_version
from sqlalchemy.engine import Engine

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.migrations import (
    DataLossError,
    Setup,
    check_database,
    plan,
    upgrade,
    write_revision,
)


@pytest.fixture
def with_fax(applied_v1: Setup, engine: Engine, v1: CompiledModel) -> None:
    repo = Repository(engine, v1)
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        uow.create("Customer", {"name": "Ann", "fax": "+43 1 234"})
        uow.create("Customer", {"name": "Bob"})
        uow.create("Order", {"number": "A-1"})


def _without_fax_and_orders(root: Path, migration: dict[str, object] | None) -> CompiledModel:
    content = elements()
    del content["classes"]["Customer"]["attributes"]["fax"]
    del content["classes"]["Order"]
    return write_version(root / "models", "2.0.0", content, migration, "1.0.0")


def test_dropping_data_is_refused_with_what_and_how_many(
    with_fax: None, applied_v1: Setup, engine: Engine, v1: CompiledModel, tmp_path: Path
) -> None:
    v2 = _without_fax_and_orders(tmp_path, None)
    setup = Setup(applied_v1.database_url, v2, versions=applied_v1.versions)
    refused = plan(setup).refused
    assert refused is not None and "1 row (shop/Customer.fax)" in refused
    write_revision(setup, "drop fax and orders")
    with pytest.raises(DataLossError) as raised:
        upgrade(setup)
    message = str(raised.value)
    assert "shop__customer.fax" in message and "1 row" in message
    assert "allow_data_loss: [Customer.fax]" in message and "--allow-data-loss" in message
    check_database(engine, v1)  # nothing changed
    assert "fax" in {c["name"] for c in sa.inspect(engine).get_columns("shop__customer")}
    upgrade(setup, allow_data_loss=True)
    check_database(engine, v2)
    assert "shop__order" not in sa.inspect(engine).get_table_names()


def test_the_migration_file_allows_named_losses(
    with_fax: None, applied_v1: Setup, engine: Engine, tmp_path: Path
) -> None:
    only_fax = _without_fax_and_orders(tmp_path / "a", {"allow_data_loss": ["Customer.fax"]})
    setup = Setup(applied_v1.database_url, only_fax, versions=applied_v1.versions)
    write_revision(setup, "drop fax and orders")
    with pytest.raises(DataLossError, match=r"shop__order would delete 1 row \(shop/Order\)"):
        upgrade(setup)

    both = _without_fax_and_orders(tmp_path / "b", {"allow_data_loss": ["Customer.fax", "Order"]})
    setup = Setup(applied_v1.database_url, both, versions=tmp_path / "other_versions")
    write_revision(Setup(setup.database_url, applied_v1.model, versions=setup.versions), "v1")
    write_revision(setup, "drop fax and orders")
    upgrade(setup)  # the database is at the same first revision id: the lineage is the same
    check_database(engine, both)
