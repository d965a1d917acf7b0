"""Commands: named, typed operations on an entity that a behaviour provides."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from meshkit.runtime import (
    BehaviourError,
    Repository,
    UnknownElementError,
    ValidationError,
)


def _community_with_meters(repo: Repository, n: int, cls: str = "Community") -> dict[str, Any]:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        community = uow.create(cls, {"name": "Sonnenweg", "code": "SW1"})
        for i in range(n):
            uow.create("Meter", {"number": f"AT{i:05d}", "community": community["id"]})
    return community


def test_a_command_runs_with_converted_parameters_and_returns_its_result(
    repo: Repository,
) -> None:
    community = _community_with_meters(repo, 3)
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        result = uow.call("Community", community["id"], "allocate", period="2024-03-01", total=90)
        meters = uow.find("Meter").items
    assert result.period == date(2024, 3, 1)
    assert (result.meters, result.share_each) == (3, Decimal("30.00"))
    assert {m["share"] for m in meters} == {Decimal("30.00")}
    assert [e.kind for e in repo.events.read()][-3:] == ["updated"] * 3


def test_default_parameters_apply(repo: Repository) -> None:
    community = _community_with_meters(repo, 4)
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        result = uow.call("Community", community["id"], "allocate", period=date(2024, 3, 1))
    assert result.share_each == Decimal("25.00")


def test_arguments_are_checked_with_every_problem_reported(repo: Repository) -> None:
    community = _community_with_meters(repo, 1)
    with pytest.raises(ValidationError) as caught, repo.unit_of_work(tenant="t1", actor="b") as uow:
        uow.call("Community", community["id"], "allocate", total="lots", colour="red")
    assert sorted((e.code, e.path) for e in caught.value.errors) == [
        ("required", ("period",)),
        ("type", ("total",)),
        ("unknown-parameter", ("colour",)),
    ]


def test_a_commands_refusal_reaches_the_caller_and_undoes_its_writes(repo: Repository) -> None:
    community = _community_with_meters(repo, 0)
    with pytest.raises(BehaviourError) as caught, repo.unit_of_work(tenant="t1", actor="b") as uow:
        uow.call("Community", community["id"], "allocate", period="2024-03-05")
    assert (caught.value.code, caught.value.path) == ("period", ("period",))
    with (
        pytest.raises(BehaviourError, match="no meters"),
        repo.unit_of_work(tenant="t1", actor="b") as uow,
    ):
        uow.call("Community", community["id"], "allocate", period="2024-03-01")


def test_subclasses_have_their_parents_commands_and_their_own(repo: Repository) -> None:
    local = _community_with_meters(repo, 2, cls="LocalCommunity")
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        uow.call("Community", local["id"], "allocate", period="2024-03-01")
        assert uow.call("LocalCommunity", local["id"], "reset", score="7") == 2
        assert uow.get("LocalCommunity", local["id"])["score"] == 7
    plain = _community_with_meters(repo, 0)
    with (
        pytest.raises(UnknownElementError, match=r"no command 'reset' \(commands: allocate, cl"),
        repo.unit_of_work(tenant="t1", actor="bob") as uow,
    ):
        uow.call("Community", plain["id"], "reset")


def test_a_read_only_command_answers_and_changes_nothing(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        local = uow.create("LocalCommunity", {"name": "Au", "code": "AU1", "score": 3})
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        assert uow.call("LocalCommunity", local["id"], "try_reset", score=1) == 2
        assert uow.get("LocalCommunity", local["id"])["score"] == 3  # undone at once
        # A real write in the same unit of work after it stands.
        assert uow.call("LocalCommunity", local["id"], "reset", score=5) == 2
    with repo.unit_of_work(tenant="t1", actor="carol") as uow:
        after = uow.get("LocalCommunity", local["id"])
        assert (after["score"], after["version"]) == (5, 2)
        history = repo.audit.history(uow.connection, "t1", local["id"])
        assert [entry.actor for entry in history] == ["alice", "bob"]  # no trace of try_reset
        # A refused read-only command leaves the unit of work usable.
        with pytest.raises(ValidationError):
            uow.call("LocalCommunity", local["id"], "try_reset", score=11)
        assert uow.get("LocalCommunity", local["id"])["score"] == 5


def test_commands_describe_themselves_for_an_api(repo: Repository) -> None:
    commands = repo.behaviours.commands("LocalCommunity")
    assert sorted(commands) == ["allocate", "close", "reset", "try_reset"]
    assert [n for n, c in sorted(commands.items()) if c.read_only] == ["try_reset"]
    allocate = commands["allocate"]
    assert (
        allocate.description == "Share `total` evenly among the community's meters for one month."
    )
    assert allocate.behaviour == "bh.community" and allocate.class_qid == "bh_grid/Community"
    period, total = allocate.parameters
    assert (period.name, period.annotation, period.required) == ("period", date, True)
    assert period.description == "the first day of the month to allocate"
    assert (total.name, total.annotation, total.required, total.default) == (
        "total",
        Decimal,
        False,
        Decimal("100"),
    )
    assert allocate.result.__name__ == "Allocation"
    close = commands["close"]
    assert (close.description, close.parameters, close.result, close.method) == (
        "Close the community for good.",
        (),
        None,
        "close_community",
    )
    assert commands["reset"].result is int
