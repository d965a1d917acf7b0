"""Consumers: named readers of the outbox that resume from their stored position."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from meshkit.runtime import Repository


def _people(repo: Repository, *names: str) -> list[str]:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        return [uow.create("Person", {"name": n})["id"] for n in names]


def test_a_consumer_resumes_from_its_position_after_a_restart(
    repo: Repository, reopen: Callable[[], Repository]
) -> None:
    ids = _people(repo, "A", "B", "C")
    consumer = repo.events.consumer("mailer")
    assert consumer.position == 0
    first = consumer.poll(limit=2)
    assert [e.entity_id for e in first] == ids[:2]
    consumer.acknowledge()
    assert consumer.position == 2
    ids += _people(repo, "D")

    restarted = reopen().events.consumer("mailer")  # a new Repository: a new process
    assert restarted.position == 2
    rest = restarted.poll()
    assert [e.entity_id for e in rest] == ids[2:]
    assert restarted.poll() == []
    restarted.acknowledge()
    assert reopen().events.consumer("mailer").position == 4
    assert reopen().events.consumer("another").position == 0


def test_an_unacknowledged_event_comes_again_after_a_restart(
    repo: Repository, reopen: Callable[[], Repository]
) -> None:
    ids = _people(repo, "A", "B")
    consumer = repo.events.consumer("mailer")
    assert [e.entity_id for e in consumer.poll()] == ids
    consumer.acknowledge(1)  # handled the first only, then "crashed"
    again = reopen().events.consumer("mailer").poll()
    assert [e.entity_id for e in again] == ids[1:]


def test_follow_acknowledges_each_event_once_the_next_is_asked_for(
    repo: Repository, reopen: Callable[[], Repository]
) -> None:
    ids = _people(repo, "A", "B", "C")
    consumer = repo.events.consumer("indexer")
    handled = []
    for event in consumer.follow(idle_timeout=0.2):
        handled.append(event.entity_id)
        if len(handled) == 2:
            break  # stops while handling B: B is not acknowledged
    assert handled == ids[:2]
    assert reopen().events.consumer("indexer").position == 1
    resumed = reopen().events.consumer("indexer")
    assert [e.entity_id for e in resumed.follow(idle_timeout=0.2)] == ids[1:]
    assert reopen().events.consumer("indexer").position == 3


def test_a_position_stored_with_the_consumers_own_writes_rolls_back_with_them(
    repo: Repository, reopen: Callable[[], Repository]
) -> None:
    _people(repo, "A")
    consumer = repo.events.consumer("copier")
    events = consumer.poll()
    with pytest.raises(RuntimeError), repo.unit_of_work(tenant="t1", actor="copier") as uow:
        uow.create("Community", {"name": "Copy", "code": "C1"})
        consumer.acknowledge(events[-1].position, connection=uow.connection)
        raise RuntimeError("copy failed")
    assert reopen().events.consumer("copier").position == 0
    with repo.unit_of_work(tenant="t1", actor="copier") as uow:
        uow.create("Community", {"name": "Copy", "code": "C1"})
        consumer.acknowledge(events[-1].position, connection=uow.connection)
    assert reopen().events.consumer("copier").position == 1


def test_a_filtered_consumer_moves_past_events_it_does_not_want(repo: Repository) -> None:
    _people(repo, "A", "B")
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        community = uow.create("Community", {"name": "S", "code": "S1"})
    _people(repo, "C")
    consumer = repo.events.consumer("communities", repo.events.wanted(class_ref="Community"))
    assert [e.entity_id for e in consumer.poll()] == [community["id"]]
    consumer.acknowledge()
    assert consumer.position == 4  # read through the people after it, too
    with pytest.raises(ValueError, match="cannot go back"):
        consumer.acknowledge(1)
