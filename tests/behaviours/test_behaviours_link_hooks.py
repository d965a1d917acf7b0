"""link / unlink run before_/after_ hooks of both ends' classes; a refusing hook undoes the
link, its audit row and its event."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from bh_behaviours import FAIL, Call

from meshkit.runtime import BehaviourError, BehaviourFailedError, Repository

_LINK_HOOKS = {"before_link", "after_link", "before_unlink", "after_unlink"}


def _communities(repo: Repository) -> tuple[dict[str, Any], dict[str, Any]]:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        return (
            uow.create("Community", {"name": "Sonnenweg", "code": "SW1"}),
            uow.create("LocalCommunity", {"name": "Bergblick", "code": "BB1"}),
        )


def _link_calls(calls: list[Call]) -> list[tuple[str, str, str, Any]]:
    """(hook, class, entity id, (end, other class, other id, changed)) of the Recorder."""
    return [
        (c.hook, c.class_qid, c.entity_id, c.extra)
        for c in calls
        if c.behaviour == "Recorder" and c.hook in _LINK_HOOKS
    ]


def test_link_runs_the_hooks_of_both_ends_around_the_write(
    repo: Repository, calls: list[Call]
) -> None:
    sun, berg = _communities(repo)
    calls.clear()
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        uow.link("Community", sun["id"], "partners", berg["id"], {"since": "2024-05-01"})
    from_sun = ("partners", "bh_grid/LocalCommunity", berg["id"], frozenset({"since"}))
    from_berg = ("partner_of", "bh_grid/Community", sun["id"], frozenset({"since"}))
    assert _link_calls(calls) == [
        ("before_link", "bh_grid/Community", sun["id"], from_sun),
        ("before_link", "bh_grid/LocalCommunity", berg["id"], from_berg),
        ("after_link", "bh_grid/Community", sun["id"], from_sun),
        ("after_link", "bh_grid/LocalCommunity", berg["id"], from_berg),
    ]
    first = calls[0]
    assert first.before is None  # a new link
    assert first.after == {"since": datetime.date(2024, 5, 1)}


def test_relinking_shows_the_attributes_before_and_after(
    repo: Repository, calls: list[Call]
) -> None:
    sun, berg = _communities(repo)
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        uow.link("Community", sun["id"], "partners", berg["id"], {"since": "2024-05-01"})
        calls.clear()
        # From the other end: the same link, the hooks told from each side.
        uow.link("LocalCommunity", berg["id"], "partner_of", sun["id"], {"since": "2024-06-01"})
    before = [c for c in calls if c.hook == "before_link"]
    assert [c.class_qid for c in before] == ["bh_grid/LocalCommunity", "bh_grid/Community"]
    assert all(c.before == {"since": datetime.date(2024, 5, 1)} for c in before)
    assert all(c.after == {"since": datetime.date(2024, 6, 1)} for c in before)
    assert all(c.changed == {"since"} for c in before)


def test_unlink_runs_the_hooks_only_when_there_was_a_link(
    repo: Repository, calls: list[Call]
) -> None:
    sun, berg = _communities(repo)
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        assert not uow.unlink("Community", sun["id"], "partners", berg["id"])
        assert _link_calls(calls) == []
        uow.link("Community", sun["id"], "partners", berg["id"], {"since": "2024-05-01"})
        calls.clear()
        assert uow.unlink("Community", sun["id"], "partners", berg["id"])
    assert [(h, cls) for h, cls, _, _ in _link_calls(calls)] == [
        ("before_unlink", "bh_grid/Community"),
        ("before_unlink", "bh_grid/LocalCommunity"),
        ("after_unlink", "bh_grid/Community"),
        ("after_unlink", "bh_grid/LocalCommunity"),
    ]
    assert all(c.before == {"since": datetime.date(2024, 5, 1)} for c in calls)
    assert all(c.after is None and c.changed == frozenset() for c in calls)


@pytest.mark.parametrize("hook", ["before_link", "after_link"])
def test_a_hook_that_refuses_a_link_rolls_it_back(
    repo: Repository, calls: list[Call], hook: str
) -> None:
    sun, berg = _communities(repo)
    head = repo.events.head()
    FAIL[hook] = BehaviourError("partners must share a grid area")
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        with pytest.raises(BehaviourError, match="must share a grid area"):
            uow.link("Community", sun["id"], "partners", berg["id"], {"since": "2024-05-01"})
        assert uow.links("Community", sun["id"], "partners") == []  # the unit of work goes on
    assert repo.events.head() == head  # no event
    assert [e.operation.value for e in repo.history(sun["id"], tenant="t1")] == ["create"]


def test_a_hook_that_refuses_an_unlink_keeps_the_link(repo: Repository, calls: list[Call]) -> None:
    sun, berg = _communities(repo)
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        uow.link("Community", sun["id"], "partners", berg["id"], {"since": "2024-05-01"})
    FAIL["after_unlink"] = ValueError("boom")
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        with pytest.raises(BehaviourFailedError) as caught:
            uow.unlink("Community", sun["id"], "partners", berg["id"])
        assert "after_unlink" in str(caught.value)
        assert [x["id"] for x in uow.links("Community", sun["id"], "partners")] == [berg["id"]]
