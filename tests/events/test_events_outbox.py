"""The outbox: one event per committed change, in order, written in the change's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meshkit.runtime import Event, EventKind, Repository, ValidationError

POSTGRESQL = pytest.param("postgresql", marks=pytest.mark.postgres)

POSTGRESQL = pytest.param("postgresql", marks=pytest.mark.postgres)


def test_commit_publishes_exactly_one_event_per_change_in_order(repo: Repository) -> None:
    start = datetime.now(UTC)
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        community = uow.create("Community", {"name": "Sonnenweg", "code": "SW1"})
        meter = uow.create("Meter", {"number": "AT001", "community": community["id"]})
        person = uow.create("Person", {"name": "Huber", "email": "anna@example.org"})
        uow.update("Community", community["id"], {"score": 3}, 1)
        uow.update("Community", community["id"], {"score": 3}, 2)  # no change: no event
        uow.link("Community", community["id"], "members", person["id"], {"joined_on": "2024-01-01"})
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        uow.unlink("Community", community["id"], "members", person["id"])
        uow.archive("Person", person["id"])
        uow.erase("Community", community["id"])
    events = repo.events.read()
    assert [(e.position, e.kind, e.entity_id) for e in events] == [
        (1, EventKind.CREATED, community["id"]),
        (2, EventKind.CREATED, meter["id"]),
        (3, EventKind.CREATED, person["id"]),
        (4, EventKind.UPDATED, community["id"]),
        (5, EventKind.LINKED, community["id"]),
        (6, EventKind.UNLINKED, community["id"]),
        (7, EventKind.ARCHIVED, person["id"]),
        (8, EventKind.DELETED, meter["id"]),  # the part goes first, then its owner
        (9, EventKind.DELETED, community["id"]),
    ]
    assert [e.actor for e in events] == ["alice"] * 5 + ["bob"] * 4
    assert {e.tenant for e in events} == {"t1"}
    assert [e.class_qid for e in events[:3]] == [
        "ev_grid/Community",
        "ev_grid/Meter",
        "ev_grid/Person",
    ]
    assert all(start <= e.at <= datetime.now(UTC) for e in events)
    created, _, person_created, updated, linked, unlinked, archived, _, _ = events
    assert {"name", "code", "id", "type", "state"} <= set(created.changed)
    assert "email" in person_created.changed  # named, but its value is not in the event
    assert updated.changed == ("score",)
    assert (linked.changed, linked.related_id) == (("members",), person["id"])
    assert (unlinked.changed, unlinked.related_id) == (("members",), person["id"])
    assert archived.changed == ("state",)
    assert repo.events.head() == 9


def test_a_rolled_back_unit_of_work_publishes_nothing(repo: Repository) -> None:
    heard: list[Event] = []
    repo.events.subscribe(heard.append)
    with pytest.raises(RuntimeError), repo.unit_of_work(tenant="t1", actor="alice") as uow:
        uow.create("Community", {"name": "Sonnenweg", "code": "SW1"})
        raise RuntimeError("the caller changes its mind")
    assert repo.events.read() == [] and repo.events.head() == 0
    assert heard == []
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        uow.create("Community", {"name": "Sonnenweg", "code": "SW1"})
    assert [e.position for e in repo.events.read()] == [1]  # the rolled-back one left no gap
    assert [e.position for e in heard] == [1]


def test_a_refused_write_leaves_no_event_while_the_rest_commits(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        first = uow.create("Community", {"name": "A", "code": "SW1"})
        with pytest.raises(ValidationError):
            uow.create("Community", {"name": "B", "code": "SW1"})  # unique code
        second = uow.create("Community", {"name": "C", "code": "SW2"})
    assert [e.entity_id for e in repo.events.read()] == [first["id"], second["id"]]


def test_events_carry_the_tenant_of_their_unit_of_work(repo: Repository) -> None:
    for tenant in ("t1", "t2", "t1"):
        with repo.unit_of_work(tenant=tenant, actor="alice") as uow:
            uow.create("Person", {"name": tenant})
    assert [e.tenant for e in repo.events.read()] == ["t1", "t2", "t1"]
    assert [e.position for e in repo.events.read(wanted=repo.events.wanted(tenant="t1"))] == [1, 3]


@pytest.mark.parametrize("database_url", [POSTGRESQL], indirect=True)
def test_positions_follow_commit_order_not_write_order(repo: Repository) -> None:
    """A transaction that wrote first but commits last gets the later position, so a reader
    that has seen a position has seen everything before it. (SQLite runs one writer at a
    time: there a later writer cannot commit first.)"""
    with repo.unit_of_work(tenant="t1", actor="slow") as slow:
        early = slow.create("Person", {"name": "written first"})
        with repo.unit_of_work(tenant="t1", actor="fast") as fast:
            late = fast.create("Person", {"name": "written second"})
        assert [e.entity_id for e in repo.events.read()] == [late["id"]]
    assert [(e.position, e.entity_id) for e in repo.events.read()] == [
        (1, late["id"]),
        (2, early["id"]),
    ]
