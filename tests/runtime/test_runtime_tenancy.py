"""Tenancy: a unit of work sees and touches only its own tenant's entities."""

from __future__ import annotations

import pytest
from runtime_grid import Grid

from meshkit.runtime import NotFoundError, Repository, ValidationError


def test_another_tenants_entity_behaves_as_not_found(
    repo: Repository, grid_factory: type[Grid]
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        grid = grid_factory(uow)
        point = grid.point(readings=1)
        community_id = grid.community["id"]
    with repo.unit_of_work(tenant="t2", actor="mallory") as uow:
        with pytest.raises(NotFoundError):
            uow.get("MeteringPoint", point["id"])
        with pytest.raises(NotFoundError):
            uow.get("system/Entity", point["id"])
        assert uow.find("MeteringPoint").items == []
        assert uow.find("MeteringPoint", where={"attr": "id", "value": point["id"]}).items == []
        assert uow.count("MeteringPoint") == 0
        assert uow.aggregate("MeteringPoint", {"n": {"fn": "count"}}) == [{"n": 0}]
        with pytest.raises(NotFoundError):
            uow.update("MeteringPoint", point["id"], {"readings": 2}, expected_version=1)
        with pytest.raises(NotFoundError):
            uow.archive("MeteringPoint", point["id"])
        with pytest.raises(NotFoundError):
            uow.erase("MeteringPoint", point["id"])
        with pytest.raises(NotFoundError):
            uow.links("Community", community_id, "members")
        assert uow.history(point["id"]) == []
    assert repo.history(point["id"], tenant="t2") == []
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        unchanged = uow.get("MeteringPoint", point["id"])
    assert unchanged == point


def test_another_tenants_entity_is_refused_as_a_target(
    repo: Repository, grid_factory: type[Grid]
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        foreign = grid_factory(uow)
        foreign_person = uow.create("Person", {"name": "Huber", "first_name": "Anna"})
    with repo.unit_of_work(tenant="t2", actor="bob") as uow:
        own = grid_factory(uow)
        with pytest.raises(ValidationError) as raised:
            own.point(tariff=foreign.tariff["id"], owner=foreign_person["id"])
        assert {(e.path, e.code) for e in raised.value.errors} == {
            (("tariff",), "broken-reference"),
            (("owner",), "broken-reference"),
        }
        point = own.point()
        with pytest.raises(ValidationError) as raised:
            uow.update("MeteringPoint", point["id"], {"owner": foreign_person["id"]}, 1)
        assert raised.value.errors[0].code == "broken-reference"
        with pytest.raises(ValidationError) as raised:
            uow.link(
                "Community",
                own.community["id"],
                "members",
                foreign_person["id"],
                {"joined_on": "2024-01-01"},
            )
        assert raised.value.errors[0].path == ("members",)
        assert uow.links("Community", own.community["id"], "members") == []


def test_unique_values_are_unique_per_tenant(repo: Repository) -> None:
    for tenant in ("t1", "t2"):
        with repo.unit_of_work(tenant=tenant, actor="alice") as uow:
            uow.create("system/Tenant", {"name": tenant, "key": "same"})
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        assert uow.count("system/Tenant") == 1
