"""Erasing: compositions take their parts along; references refuse or are unset."""

from __future__ import annotations

import pytest
from runtime_grid import Grid

from meshkit.runtime import EraseRefusedError, NotFoundError, Repository


def test_erasing_an_owner_erases_its_parts_transitively(
    repo: Repository, grid_factory: type[Grid]
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        grid = grid_factory(uow)
        points = [grid.point(), grid.point()]
        registers = [
            uow.create("Register", {"code": f"{i}.8.0", "metering_point": p["id"]})
            for i, p in enumerate(points)
        ]
        other = uow.create("Community", {"name": "Other", "code": "OT1"})
        survivor = grid.point(community=other["id"])
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        erased = uow.erase("Community", grid.community["id"])
        assert set(erased) == {grid.community["id"], *(e["id"] for e in points + registers)}
        for entity in [grid.community, *points, *registers]:
            with pytest.raises(NotFoundError):
                uow.get(entity["type"], entity["id"])
        assert uow.get("MeteringPoint", survivor["id"]) == survivor
        assert uow.get("Tariff", grid.tariff["id"]) == grid.tariff  # referenced, not a part
    history = repo.history(registers[0]["id"], tenant="t1")
    assert [e.operation for e in history] == ["create", "erase"]
    assert history[-1].changes["code"] == {"before": "0.8.0", "after": None}


def test_erasing_a_part_alone_leaves_the_owner(repo: Repository, grid_factory: type[Grid]) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        grid = grid_factory(uow)
        point = grid.point()
        assert uow.erase("MeteringPoint", point["id"]) == [point["id"]]
        assert uow.get("Community", grid.community["id"]) == grid.community


def test_refuse_names_the_referencing_entities_and_changes_nothing(
    repo: Repository, grid_factory: type[Grid]
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        grid = grid_factory(uow)
        points = [grid.point(), grid.point()]
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        with pytest.raises(EraseRefusedError) as raised:
            uow.erase("Tariff", grid.tariff["id"])
        refusal = raised.value
        assert refusal.code == "erase-refused"
        assert {r.entity_id for r in refusal.references} == {p["id"] for p in points}
        assert {r.association for r in refusal.references} == {"rt_grid/MeteringPoint.tariff"}
        assert all(p["id"] in refusal.message for p in points)
        assert uow.get("Tariff", grid.tariff["id"]) == grid.tariff
        # A link with on_delete refuse (the default) protects its target as well.
        person = uow.create("Person", {"name": "Huber", "first_name": "Anna"})
        uow.link(
            "Community", grid.community["id"], "members", person["id"], {"joined_on": "2024-01-01"}
        )
        with pytest.raises(EraseRefusedError) as raised:
            uow.erase("Person", person["id"])
        assert [r.entity_id for r in raised.value.references] == [grid.community["id"]]
        uow.unlink("Community", grid.community["id"], "members", person["id"])
        assert uow.erase("Person", person["id"]) == [person["id"]]


def test_unset_clears_the_references(repo: Repository, grid_factory: type[Grid]) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        grid = grid_factory(uow)
        owner = uow.create("Person", {"name": "Huber", "first_name": "Anna"})
        contact = uow.create(
            "Person", {"name": "Maier", "first_name": "Max", "contact_of": owner["id"]}
        )
        point = grid.point(owner=owner["id"])
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        assert uow.erase("Person", owner["id"]) == [owner["id"]]
        after = uow.get("MeteringPoint", point["id"])
        assert after["owner"] is None
        assert after["version"] == point["version"] + 1
        assert after["changed_by"] == "bob"
        assert uow.get("Person", contact["id"])["contact_of"] is None
    last = repo.history(point["id"], tenant="t1")[-1]
    assert last.operation == "update"
    assert last.changes == {"owner": {"before": owner["id"], "after": None}}


def test_the_link_rows_of_an_erased_source_go_with_it(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        community = uow.create("Community", {"name": "A", "code": "A1"})
        person = uow.create("Person", {"name": "Huber", "first_name": "Anna"})
        uow.link("Community", community["id"], "members", person["id"], {"joined_on": "2024-01-01"})
        uow.erase("Community", community["id"])
        assert uow.links("Person", person["id"], "communities") == []
