"""The audit trail: every write leaves who, when, what and each value before and after."""

from __future__ import annotations

from datetime import UTC, datetime

from runtime_grid import Grid

from meshkit.runtime import Repository


def test_history_records_each_write_with_before_and_after(
    repo: Repository, grid_factory: type[Grid]
) -> None:
    start = datetime.now(UTC)
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        point = grid_factory(uow).point(capacity="1.500", readings=1)
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        uow.update("MeteringPoint", point["id"], {"capacity": "2.25", "readings": 1}, 1)
        uow.update("MeteringPoint", point["id"], {"readings": 1}, 2)  # no change: no entry
        uow.archive("MeteringPoint", point["id"])
        in_unit = uow.history(point["id"])
    history = repo.history(point["id"], tenant="t1")
    assert history == in_unit
    assert [e.operation for e in history] == ["create", "update", "archive"]
    assert [e.actor for e in history] == ["alice", "bob", "bob"]
    assert all(e.entity_id == point["id"] and e.tenant == "t1" for e in history)
    assert all(e.class_qid == "rt_grid/MeteringPoint" for e in history)
    assert all(start <= e.at <= datetime.now(UTC) for e in history)
    assert [e.seq for e in history] == sorted(e.seq for e in history)
    created, updated, archived = history
    assert created.changes["capacity"] == {"before": None, "after": str(point["capacity"])}
    assert created.changes["number"]["after"] == point["number"]
    assert updated.changes == {"capacity": {"before": "1.500", "after": "2.250"}}
    assert archived.changes == {"state": {"before": "active", "after": "archived"}}


def test_links_are_audited_on_the_entity_that_holds_them(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        community = uow.create("Community", {"name": "A", "code": "A1"})
        person = uow.create("Person", {"name": "Huber", "first_name": "Anna"})
        uow.link("Community", community["id"], "members", person["id"], {"joined_on": "2024-01-01"})
        uow.unlink("Community", community["id"], "members", person["id"])
    operations = [e.operation for e in repo.history(community["id"], tenant="t1")]
    assert operations == ["create", "link", "unlink"]
    link = repo.history(community["id"], tenant="t1")[1]
    key = f"members[{person['id']}]"
    assert link.changes[key]["after"] == {"joined_on": "2024-01-01"}
