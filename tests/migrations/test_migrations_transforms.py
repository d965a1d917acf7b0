"""Upgrade and downgrade a populated database: rows survive renames, type changes with a
conversion, enum mappings and a new required attribute filled from the migration file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from migration_models import elements, write_version
from sqlalchemy.engine import Engine

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.migrations import (
    DataLossError,
    Setup,
    check_database,
    downgrade,
    plan,
    upgrade,
    write_revision,
)

V2_MIGRATION = {
    "rename_classes": {"Order": "Purchase"},
    "rename_attributes": {"Customer.name": "full_name"},
    "convert": {
        "Customer.points": {
            "sql": "CAST(points AS INTEGER)",
            "reverse_sql": "CAST(points AS VARCHAR(20))",
        }
    },
    "map_values": {"Customer.kind": {"private": "person", "company": "organisation"}},
    "fill": {"Customer.vat": {"value": "ATU00000000"}},
}


def v2_elements() -> dict[str, object]:
    content = elements()
    customer = content["classes"]["Customer"]
    attributes = customer["attributes"]
    attributes["full_name"] = attributes.pop("name")
    attributes["points"] = "int"
    attributes["vat"] = {"type": "string", "required": True, "max_length": 20}
    attributes["price"] = {"type": "decimal", "precision": 12, "scale": 3}
    customer["indexes"] = [{"attributes": ["full_name"]}]
    content["enums"]["Kind"]["values"] = {"person": {"key": 3}, "organisation": {"key": 4}}
    content["classes"]["Purchase"] = content["classes"].pop("Order")
    return content


@pytest.fixture
def populated(applied_v1: Setup, engine: Engine, v1: CompiledModel) -> dict[str, str]:
    repo = Repository(engine, v1)
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        ann = uow.create(
            "Customer", {"name": "Ann", "points": "12", "kind": "company", "price": "10.50"}
        )
        bob = uow.create("Customer", {"name": "Bob", "kind": "private"})
        order = uow.create("Order", {"number": "A-1", "customer": ann["id"]})
    return {"ann": ann["id"], "bob": bob["id"], "order": order["id"]}


def test_upgrade_and_downgrade_keep_the_data(
    populated: dict[str, str],
    applied_v1: Setup,
    engine: Engine,
    v1: CompiledModel,
    tmp_path: Path,
) -> None:
    v2 = write_version(tmp_path / "models", "2.0.0", v2_elements(), V2_MIGRATION, "1.0.0")
    setup = Setup(applied_v1.database_url, v2, versions=applied_v1.versions)
    preview = plan(setup)
    assert preview.refused is None
    assert preview.unwritten is not None
    assert any("ALTER TABLE" in s or "CREATE TABLE" in s for s in preview.sql)
    check_database(engine, v1)  # the plan changed nothing

    path = write_revision(setup, "rename and convert")
    assert path is not None
    source = path.read_text()
    assert "mk.convert_sql('shop__customer', 'points'" in source
    assert "op.rename_table('shop__order', 'shop__purchase')" in source
    upgrade(setup)
    check_database(engine, v2)

    repo = Repository(engine, v2)
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        ann = uow.get("Customer", populated["ann"])
        bob = uow.get("Customer", populated["bob"])
        order = uow.get("Purchase", populated["order"])
        assert uow.count("Purchase") == 1
    assert ann["full_name"] == "Ann" and ann["points"] == 12
    assert ann["kind"] == "organisation" and bob["kind"] == "person"
    assert ann["vat"] == bob["vat"] == "ATU00000000"
    assert ann["price"] == Decimal("10.500")
    assert order["type"] == "shop/Purchase" and order["customer"] == populated["ann"]

    # the way back drops `vat`, which holds values now: refused unless allowed
    with pytest.raises(DataLossError, match=r"2 rows \(shop/Customer\.vat\)"):
        downgrade(setup, "-1")
    check_database(engine, v2)
    downgrade(setup, "-1", allow_data_loss=True)
    check_database(engine, v1)
    repo = Repository(engine, v1)
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        ann = uow.get("Customer", populated["ann"])
        bob = uow.get("Customer", populated["bob"])
        order = uow.get("Order", populated["order"])
    assert ann["name"] == "Ann" and ann["points"] == "12"
    assert ann["kind"] == "company" and bob["kind"] == "private"
    assert ann["price"] == Decimal("10.50")
    assert order["type"] == "shop/Order"


def test_a_new_required_attribute_without_a_fill_is_refused_with_rows(
    populated: dict[str, str], applied_v1: Setup, engine: Engine, tmp_path: Path
) -> None:
    content = elements()
    content["classes"]["Customer"]["attributes"]["vat"] = {"type": "string", "required": True}
    v2 = write_version(tmp_path / "models", "2.0.0", content)
    setup = Setup(applied_v1.database_url, v2, versions=applied_v1.versions)
    assert "fill" in str(plan(setup).refused)
    write_revision(setup, "vat")
    with pytest.raises(Exception, match=r"shop/Customer\.vat is required now, but 2 rows"):
        upgrade(setup)


def test_move_into_a_record_and_split(
    populated: dict[str, str], applied_v1: Setup, engine: Engine, tmp_path: Path
) -> None:
    content = elements()
    content["records"] = {"Contact": {"attributes": {"fax": "string", "points": "string"}}}
    attributes = content["classes"]["Customer"]["attributes"]
    del attributes["fax"], attributes["points"]
    attributes["contact"] = {"type": "record", "record": "Contact"}
    attributes["initial"] = {"type": "string"}
    migration = {
        "move_into_record": {"Customer.contact": {"fax": "fax", "points": "points"}},
        "merge": {"Customer.initial": {"from": ["name"], "sql": "substr(name, 1, 1)"}},
    }
    v2 = write_version(tmp_path / "models", "1.1.0", content, migration, "1.0.0")
    setup = Setup(applied_v1.database_url, v2, versions=applied_v1.versions)
    write_revision(setup, "contact record")
    upgrade(setup)
    repo = Repository(engine, v2)
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        ann = uow.get("Customer", populated["ann"])
    assert ann["contact"] == {"points": "12"}
    assert ann["initial"] == "A" and ann["name"] == "Ann"
    downgrade(setup, "-1", allow_data_loss=True)
    repo = Repository(engine, applied_v1.model)
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        assert uow.get("Customer", populated["ann"])["points"] == "12"
