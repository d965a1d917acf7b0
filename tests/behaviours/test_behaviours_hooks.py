"""Hooks run inside the unit of work, in order, with the right data; a failing hook undoes
the whole write, its outbox event included."""

from __future__ import annotations

from typing import Any

import pytest
from bh_behaviours import FAIL, Call

from meshkit.runtime import (
    BehaviourError,
    BehaviourFailedError,
    Repository,
    Transition,
    ValidationError,
)


def _hooks(calls: list[Call], behaviour: str = "Recorder") -> list[str]:
    return [c.hook for c in calls if c.behaviour == behaviour]


def _community(repo: Repository, **values: Any) -> dict[str, Any]:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        return uow.create("Community", {"name": "Sonnenweg", "code": "SW1", **values})


def test_create_calls_validate_compute_before_and_after_in_order(
    repo: Repository, calls: list[Call]
) -> None:
    created = _community(repo, score=3)
    assert _hooks(calls) == ["validate", "compute", "before_create", "after_create"]
    assert all(c.class_qid == "bh_grid/Community" for c in calls)
    assert all(c.entity_id == created["id"] for c in calls)
    validate, _, before, after = calls
    assert validate.before is None and before.before is None
    assert validate.after is not None and validate.after["slug"] is None  # not computed yet
    assert before.after is not None and before.after["slug"] == "sonnenweg-sw1"
    assert before.after == after.after
    assert {"name", "code", "score", "status"} <= before.changed
    assert "slug" in before.changed and "description" not in before.changed


def test_a_computed_attribute_is_filled_and_stored(repo: Repository) -> None:
    created = _community(repo)
    assert created["slug"] == "sonnenweg-sw1"
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        assert uow.get("Community", created["id"])["slug"] == "sonnenweg-sw1"
        updated = uow.update("Community", created["id"], {"code": "SW2"}, 1)
        assert updated["slug"] == "sonnenweg-sw2"
        assert uow.get("Community", created["id"])["slug"] == "sonnenweg-sw2"
    history = repo.history(created["id"], tenant="t1")
    assert history[1].changes["slug"] == {"before": "sonnenweg-sw1", "after": "sonnenweg-sw2"}


def test_clients_still_cannot_set_a_computed_attribute(repo: Repository) -> None:
    with pytest.raises(ValidationError) as caught:
        _community(repo, slug="mine")
    assert [(e.code, e.path) for e in caught.value.errors] == [("computed", ("slug",))]


def test_update_passes_before_after_and_what_changed(repo: Repository, calls: list[Call]) -> None:
    created = _community(repo, score=3)
    calls.clear()
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        uow.update("Community", created["id"], {"score": 4, "name": "Sonnenweg"}, 1)
    assert _hooks(calls) == ["validate", "compute", "before_update", "after_update"]
    before = calls[2]
    assert before.before is not None and before.after is not None
    assert before.before["score"] == 3 and before.after["score"] == 4
    assert before.after["version"] == 2 and before.before["version"] == 1
    assert before.changed == {"score"}  # the name was given but did not change


def test_a_state_transition_is_told_before_it_is_written(
    repo: Repository, calls: list[Call]
) -> None:
    created = _community(repo)
    calls.clear()
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        uow.update("Community", created["id"], {"status": "open"}, 1)
        uow.archive("Community", created["id"])
    assert _hooks(calls) == [
        "validate",
        "compute",
        "on_transition",
        "before_update",
        "after_update",
        "on_transition",
        "before_archive",
        "after_archive",
    ]
    opened, archived = (c.extra for c in calls if c.hook == "on_transition")
    assert opened == Transition("status", "draft", "open")
    assert archived == Transition("state", "active", "archived")


def test_a_transition_hook_can_refuse_with_a_structured_error(repo: Repository) -> None:
    created = _community(repo)
    FAIL["on_transition"] = BehaviourError("not now", code="not-now", path=("status",))
    with pytest.raises(BehaviourError) as caught, repo.unit_of_work(tenant="t1", actor="b") as uow:
        uow.update("Community", created["id"], {"status": "open"}, 1)
    assert caught.value.as_dict() == {
        "code": "not-now",
        "message": "not now",
        "errors": [{"code": "not-now", "path": ["status"], "message": "not now"}],
    }
    FAIL.clear()
    with repo.unit_of_work(tenant="t1", actor="b") as uow:
        assert uow.get("Community", created["id"])["status"] == "draft"


def test_erase_calls_hooks_for_the_entity(repo: Repository, calls: list[Call]) -> None:
    created = _community(repo)
    calls.clear()
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        uow.erase("Community", created["id"])
    assert _hooks(calls) == ["before_erase", "after_erase"]
    assert calls[0].before is not None and calls[0].before["code"] == "SW1"
    assert calls[0].after is None


def test_validator_errors_join_the_models_field_errors(repo: Repository, calls: list[Call]) -> None:
    with pytest.raises(ValidationError) as caught:
        _community(repo, code="BAD", score=-1)
    assert sorted((e.code, e.path) for e in caught.value.errors) == [
        ("code-format", ("code",)),
        ("min", ("score",)),
    ]
    assert _hooks(calls) == ["validate"]  # refused before anything was computed or written
    with repo.unit_of_work(tenant="t1", actor="a") as uow:
        assert uow.count("Community") == 0


def test_validator_errors_of_a_batch_carry_the_row_index(repo: Repository) -> None:
    rows = [{"name": "A", "code": "A1"}, {"name": "B", "code": "BAD"}]
    with pytest.raises(ValidationError) as caught, repo.unit_of_work(tenant="t1", actor="a") as uow:
        uow.create_many("Community", rows)
    assert [(e.code, e.path) for e in caught.value.errors] == [("code-format", (1, "code"))]


def test_behaviours_of_a_class_apply_to_its_subclasses_general_first(
    repo: Repository, calls: list[Call]
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        local = uow.create("LocalCommunity", {"name": "Dorf", "code": "D1", "score": 2})
    assert [(c.behaviour, c.hook) for c in calls] == [
        ("Recorder", "validate"),
        ("LocalRules", "validate"),
        ("Recorder", "compute"),
        ("Recorder", "before_create"),
        ("Recorder", "after_create"),
        ("LocalRules", "after_create"),
    ]
    assert {c.class_qid for c in calls} == {"bh_grid/LocalCommunity"}
    assert local["slug"] == "dorf-d1"
    with pytest.raises(ValidationError) as caught, repo.unit_of_work(tenant="t1", actor="a") as uow:
        uow.update("LocalCommunity", local["id"], {"score": 11}, 1)
    assert [(e.code, e.path) for e in caught.value.errors] == [("too-high", ("score",))]


def test_a_failing_after_hook_rolls_back_the_write_and_its_event(
    repo: Repository, calls: list[Call]
) -> None:
    FAIL["after_create"] = RuntimeError("mail server down")
    with pytest.raises(BehaviourFailedError) as caught:
        _community(repo)
    error = caught.value
    assert error.behaviour == "bh_behaviours:Recorder" and error.hook == "after_create"
    assert isinstance(error.__cause__, RuntimeError)
    assert "mail server down" in str(error) and error.code == "behaviour-failed"
    with repo.unit_of_work(tenant="t1", actor="a") as uow:
        assert uow.count("Community") == 0
    assert repo.events.read() == []
    assert repo.history(calls[0].entity_id, tenant="t1") == []


def test_a_failing_hook_undoes_only_its_write_when_the_caller_goes_on(
    repo: Repository,
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        kept = uow.create("Community", {"name": "Kept", "code": "K1"})
        FAIL["after_create"] = RuntimeError("boom")
        with pytest.raises(BehaviourFailedError):
            uow.create("Community", {"name": "Lost", "code": "L1"})
        FAIL.clear()
        assert [c["code"] for c in uow.find("Community").items] == ["K1"]
    events = repo.events.read()
    assert [(e.kind, e.entity_id) for e in events] == [("created", kept["id"])]


def test_a_failing_before_hook_writes_nothing(repo: Repository) -> None:
    created = _community(repo)
    FAIL["before_update"] = KeyError("slug")
    with (
        pytest.raises(BehaviourFailedError, match="before_update"),
        repo.unit_of_work(tenant="t1", actor="bob") as uow,
    ):
        uow.update("Community", created["id"], {"score": 5}, 1)
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        assert uow.get("Community", created["id"])["version"] == 1
    assert [e.kind for e in repo.events.read()] == ["created"]


def test_a_command_writes_in_the_callers_unit_of_work(repo: Repository) -> None:
    """The plugin's `close` command updates through ctx.uow: same transaction, own event."""
    created = _community(repo)
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        assert uow.call("Community", created["id"], "close") is None
        assert uow.get("Community", created["id"])["status"] == "closed"
    kinds = [(e.kind, e.actor) for e in repo.events.read()]
    assert kinds == [("created", "alice"), ("updated", "bob")]
