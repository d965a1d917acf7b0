"""In-process subscribers: called after the commit, never inside the transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from meshkit.runtime import Event, EventKind, Repository


def test_subscribers_hear_each_commit_after_it_is_visible_to_others(
    repo: Repository, reopen: Callable[[], Repository]
) -> None:
    other = reopen()  # another connection pool: sees only committed data
    seen_by_others: list[tuple[int, int]] = []

    def check(event: Event) -> None:
        with other.unit_of_work(tenant="t1", actor="x") as uow:
            seen_by_others.append((event.position, uow.count("Community")))

    repo.events.subscribe(check)
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        uow.create("Community", {"name": "A", "code": "A1"})
        uow.create("Community", {"name": "B", "code": "B1"})
        assert seen_by_others == []  # nothing told while the transaction is open
    assert seen_by_others == [(1, 2), (2, 2)]


def test_a_subscriber_chooses_classes_kinds_and_tenants(repo: Repository) -> None:
    communities: list[Event] = []
    updates_in_t2: list[Event] = []
    repo.events.subscribe(communities.append, repo.events.wanted(class_ref="Community"))
    repo.events.subscribe(
        updates_in_t2.append, repo.events.wanted(tenant="t2", kinds=[EventKind.UPDATED])
    )
    for tenant in ("t1", "t2"):
        with repo.unit_of_work(tenant=tenant, actor="alice") as uow:
            local = uow.create("LocalCommunity", {"name": "L", "code": "L1"})
            uow.create("Person", {"name": "P"})
            uow.update("LocalCommunity", local["id"], {"score": 1}, 1)
    assert [(e.class_qid, e.kind, e.tenant) for e in communities] == [
        ("ev_grid/LocalCommunity", "created", "t1"),  # a subclass is a Community too
        ("ev_grid/LocalCommunity", "updated", "t1"),
        ("ev_grid/LocalCommunity", "created", "t2"),
        ("ev_grid/LocalCommunity", "updated", "t2"),
    ]
    assert [(e.kind, e.tenant) for e in updates_in_t2] == [("updated", "t2")]


def test_a_failing_subscriber_is_logged_and_the_commit_stands(
    repo: Repository, caplog: pytest.LogCaptureFixture
) -> None:
    heard: list[int] = []

    def broken(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    repo.events.subscribe(broken)
    repo.events.subscribe(lambda e: heard.append(e.position))
    with caplog.at_level(logging.ERROR), repo.unit_of_work(tenant="t1", actor="a") as uow:
        uow.create("Person", {"name": "P"})
    assert heard == [1]
    assert "subscriber bug" in caplog.text and "stays committed" in caplog.text
    with repo.unit_of_work(tenant="t1", actor="a") as uow:
        assert uow.count("Person") == 1


def test_a_closed_subscription_hears_nothing_more(repo: Repository) -> None:
    heard: list[int] = []
    subscription = repo.events.subscribe(lambda e: heard.append(e.position))
    with repo.unit_of_work(tenant="t1", actor="a") as uow:
        uow.create("Person", {"name": "P"})
    subscription.close()
    subscription.close()
    with repo.unit_of_work(tenant="t1", actor="a") as uow:
        uow.create("Person", {"name": "Q"})
    assert heard == [1]
