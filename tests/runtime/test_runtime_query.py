"""Queries: filters as plain data, sorting, keyset paging, counts and aggregates."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from runtime_grid import Grid

from meshkit.runtime import Repository, ValidationError

KINDS = ("consumption", "generation", "storage")
START = datetime(2024, 1, 1, tzinfo=UTC)


def _seed(repo: Repository, grid_factory: type[Grid], n: int = 25) -> list[dict[str, Any]]:
    """n metering points with varied values; some without capacity, half with an owner."""
    with repo.unit_of_work(tenant="t1", actor="seed") as uow:
        grid = grid_factory(uow)
        cheap = grid.tariff
        dear = uow.create("Tariff", {"name": "Premium", "price": "0.3000", "category": "premium"})
        huber = uow.create("Person", {"name": "Huber", "first_name": "Anna"})
        maier = uow.create("Organisation", {"name": "Maier GmbH", "vat_id": "ATU9"})
        points = []
        for i in range(n):
            points.append(
                grid.point(
                    kind=KINDS[i % 3],
                    capacity=None if i % 5 == 0 else f"{i}.{i:03d}",
                    started_at=START + timedelta(days=i % 7),
                    readings=i,
                    tariff=(dear if i % 2 else cheap)["id"],
                    owner={0: huber["id"], 1: maier["id"]}.get(i % 4),
                    tags=["odd"] if i % 2 else [],
                )
            )
        uow.create("Register", {"code": "1.8.0", "metering_point": points[0]["id"]})
        uow.create("Register", {"code": "2.8.0", "metering_point": points[0]["id"]})
        uow.create("Register", {"code": "1.8.0", "metering_point": points[1]["id"]})
    return points


def _ids(items: list[dict[str, Any]]) -> set[str]:
    return {p["id"] for p in items}


def test_comparisons_and_boolean_combinations(repo: Repository, grid_factory: type[Grid]) -> None:
    points = _seed(repo, grid_factory)

    def expect(where: dict[str, Any], predicate: Any) -> None:
        with repo.unit_of_work(tenant="t1", actor="q") as uow:
            found = uow.find("MeteringPoint", where=where, first=1000).items
            assert _ids(found) == {p["id"] for p in points if predicate(p)}, where
            assert uow.count("MeteringPoint", where) == len(found)

    expect({"attr": "kind", "op": "eq", "value": "generation"}, lambda p: p["kind"] == "generation")
    expect({"attr": "kind", "op": "ne", "value": "generation"}, lambda p: p["kind"] != "generation")
    expect({"attr": "readings", "op": "lt", "value": 5}, lambda p: p["readings"] < 5)
    expect({"attr": "readings", "op": "lte", "value": 5}, lambda p: p["readings"] <= 5)
    expect(
        {"attr": "capacity", "op": "gt", "value": "10.5"},
        lambda p: p["capacity"] is not None and p["capacity"] > Decimal("10.5"),
    )
    expect(
        {"attr": "capacity", "op": "gte", "value": Decimal("10.010")},
        lambda p: p["capacity"] is not None and p["capacity"] >= Decimal("10.010"),
    )
    expect(
        {"attr": "kind", "op": "in", "value": ["storage", "generation"]},
        lambda p: p["kind"] in ("storage", "generation"),
    )
    expect(
        {"attr": "readings", "op": "not_in", "value": [1, 2, 3]},
        lambda p: p["readings"] not in (1, 2, 3),
    )
    expect(
        {"attr": "number", "op": "like", "value": "AT0001%"},
        lambda p: p["number"].startswith("AT0001"),
    )
    expect({"attr": "number", "op": "like", "value": "at0001%"}, lambda p: False)  # case counts
    expect(
        {"attr": "number", "op": "ilike", "value": "at0001%"},
        lambda p: p["number"].startswith("AT0001"),
    )
    expect({"attr": "capacity", "op": "is_null", "value": True}, lambda p: p["capacity"] is None)
    expect(
        {
            "attr": "started_at",
            "op": "between",
            "value": ["2024-01-02T00:00:00Z", START + timedelta(days=3)],
        },
        lambda p: START + timedelta(days=1) <= p["started_at"] <= START + timedelta(days=3),
    )
    expect(
        {
            "and": [
                {"attr": "kind", "value": "storage"},
                {"attr": "readings", "op": "gt", "value": 10},
            ]
        },
        lambda p: p["kind"] == "storage" and p["readings"] > 10,
    )
    expect(
        {
            "or": [
                {"attr": "kind", "value": "storage"},
                {"attr": "readings", "op": "eq", "value": 0},
            ]
        },
        lambda p: p["kind"] == "storage" or p["readings"] == 0,
    )
    expect({"not": {"attr": "kind", "value": "storage"}}, lambda p: p["kind"] != "storage")


def test_paths_across_to_one_associations(repo: Repository, grid_factory: type[Grid]) -> None:
    points = _seed(repo, grid_factory)
    with repo.unit_of_work(tenant="t1", actor="q") as uow:
        tariffs = {t["id"]: t for t in uow.find("Tariff").items}
        parties = {p["id"]: p for p in uow.find("Party").items}
        dear = uow.find("MeteringPoint", {"attr": "tariff.category", "value": "premium"}, first=100)
        assert _ids(dear.items) == {
            p["id"] for p in points if tariffs[p["tariff"]]["category"] == "premium"
        }
        by_owner = uow.find(
            "MeteringPoint", {"attr": "owner.name", "op": "ilike", "value": "%hub%"}
        )
        assert _ids(by_owner.items) == {
            p["id"] for p in points if p["owner"] and parties[p["owner"]]["name"] == "Huber"
        }
        no_owner = uow.find("MeteringPoint", {"attr": "owner", "op": "is_null", "value": True})
        assert _ids(no_owner.items) == {p["id"] for p in points if p["owner"] is None}
        two_hops = uow.find(
            "MeteringPoint", {"attr": "community.name", "value": "Sonnenweg"}, first=100
        )
        assert len(two_hops.items) == len(points)


def test_to_many_quantifiers(repo: Repository, grid_factory: type[Grid]) -> None:
    points = _seed(repo, grid_factory)
    with repo.unit_of_work(tenant="t1", actor="q") as uow:
        reg = {"attr": "code", "value": "1.8.0"}
        some = uow.find("MeteringPoint", {"attr": "registers", "op": "some", "where": reg})
        assert _ids(some.items) == {points[0]["id"], points[1]["id"]}
        every = uow.find(
            "MeteringPoint", {"attr": "registers", "op": "every", "where": reg}, first=100
        )
        # Every register matches for points 1 (one matching) and all without registers.
        assert points[0]["id"] not in _ids(every.items)
        assert points[1]["id"] in _ids(every.items)
        assert len(every.items) == len(points) - 1
        none = uow.find("MeteringPoint", {"attr": "registers", "op": "none"}, first=100)
        assert len(none.items) == len(points) - 2
        # Through a link table, from the other end.
        community = uow.find("Community").items[0]
        person = uow.find("Person").items[0]
        uow.link("Community", community["id"], "members", person["id"], {"joined_on": "2024-01-01"})
        members = {"attr": "members", "op": "some", "where": {"attr": "name", "value": "Huber"}}
        assert [c["id"] for c in uow.find("Community", members).items] == [community["id"]]
        back = {"attr": "communities", "op": "some"}
        assert [p["id"] for p in uow.find("Party", back).items] == [person["id"]]


def test_sorting_with_nulls_last_and_descending(repo: Repository, grid_factory: type[Grid]) -> None:
    points = _seed(repo, grid_factory)
    with repo.unit_of_work(tenant="t1", actor="q") as uow:
        found = uow.find("MeteringPoint", order_by=["capacity"], first=100).items
        capacities = [p["capacity"] for p in found]
        with_values = [c for c in capacities if c is not None]
        assert with_values == sorted(with_values)
        assert capacities[len(with_values) :] == [None] * (len(points) - len(with_values))
        found = uow.find(
            "MeteringPoint",
            order_by=[{"attr": "kind", "direction": "desc"}, "-readings"],
            first=100,
        ).items
        keys = [(p["kind"], p["readings"]) for p in found]
        order = {"consumption": 1, "generation": 2, "storage": 3}  # enum keys order
        assert keys == sorted(keys, key=lambda k: (-order[k[0]], -k[1]))
        by_tariff = uow.find("MeteringPoint", order_by=["tariff.price", "number"], first=100).items
        prices = [p["tariff"] for p in by_tariff]
        assert prices == sorted(prices, key=lambda t: t != points[0]["tariff"])


@pytest.mark.parametrize("order", [["number"], ["-capacity"], ["started_at", "-kind"]])
def test_keyset_pages_have_no_gaps_or_duplicates(
    repo: Repository, grid_factory: type[Grid], order: list[str]
) -> None:
    points = _seed(repo, grid_factory)
    seen: list[str] = []
    pages = 0
    with repo.unit_of_work(tenant="t1", actor="q") as uow:
        everything = [p["id"] for p in uow.find("MeteringPoint", order_by=order, first=100).items]
        after = None
        while True:
            page = uow.find("MeteringPoint", order_by=order, first=10, after=after)
            seen.extend(p["id"] for p in page.items)
            pages += 1
            if not page.has_next:
                break
            after = page.end_cursor
    assert pages == 3
    assert seen == everything  # same order as one big page: no gaps, no duplicates
    assert len(set(seen)) == len(points)


def test_bad_queries_report_every_problem(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="q") as uow:
        with pytest.raises(ValidationError) as raised:
            uow.find(
                "MeteringPoint",
                where={
                    "and": [
                        {"attr": "colour", "value": 1},
                        {"attr": "readings", "op": "gt", "value": "many"},
                        {"attr": "kind", "op": "approx", "value": 1},
                        {"attr": "tariff.nope", "value": 1},
                        {"attr": "address", "op": "eq", "value": {}},
                    ]
                },
                order_by=["address"],
            )
        paths = {e.path for e in raised.value.errors}
        assert paths == {
            ("where", "and", 0, "attr"),
            ("where", "and", 1, "value"),
            ("where", "and", 2, "op"),
            ("where", "and", 3, "attr"),
            ("where", "and", 4, "op"),
            ("order_by", 0),
        }
        with pytest.raises(ValidationError) as raised:
            uow.find("MeteringPoint", order_by=["number"], after="garbage!")
        assert raised.value.errors[0].code == "cursor"


def test_a_cursor_only_fits_its_own_order(repo: Repository, grid_factory: type[Grid]) -> None:
    _seed(repo, grid_factory, n=3)
    with repo.unit_of_work(tenant="t1", actor="q") as uow:
        cursor = uow.find("MeteringPoint", order_by=["number"], first=1).end_cursor
        assert cursor is not None
        with pytest.raises(ValidationError):
            uow.find("MeteringPoint", order_by=["-number"], after=cursor)


def test_polymorphic_find_returns_concrete_types(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="q") as uow:
        person = uow.create("Person", {"name": "Huber", "first_name": "Anna", "code": "P1"})
        org = uow.create("Organisation", {"name": "Huber GmbH", "vat_id": "ATU1", "code": 42})
        parties = uow.find("Party", {"attr": "name", "op": "like", "value": "Huber%"}).items
        assert {p["type"] for p in parties} == {"rt_grid/Person", "rt_grid/Organisation"}
        assert {p["id"]: p for p in parties} == {person["id"]: person, org["id"]: org}
        assert [p["id"] for p in uow.find("Person").items] == [person["id"]]
        assert uow.count("Organisation") == 1


def test_aggregates_with_group_by(repo: Repository, grid_factory: type[Grid]) -> None:
    points = _seed(repo, grid_factory)
    with repo.unit_of_work(tenant="t1", actor="q") as uow:
        rows = uow.aggregate(
            "MeteringPoint",
            {
                "n": {"fn": "count"},
                "with_capacity": {"fn": "count", "attr": "capacity"},
                "total": {"fn": "sum", "attr": "capacity"},
                "mean": {"fn": "avg", "attr": "capacity"},
                "low": {"fn": "min", "attr": "readings"},
                "high": {"fn": "max", "attr": "started_at"},
            },
            group_by=["kind"],
        )
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in points:
        groups[p["kind"]].append(p)
    assert [r["kind"] for r in rows] == sorted(groups, key=KINDS.index)
    for row in rows:
        members = groups[row["kind"]]
        capacities = [p["capacity"] for p in members if p["capacity"] is not None]
        assert row["n"] == len(members)
        assert row["with_capacity"] == len(capacities)
        assert row["total"] == sum(capacities) and isinstance(row["total"], Decimal)
        assert row["mean"] == sum(capacities) / len(capacities)
        assert row["low"] == min(p["readings"] for p in members)
        assert row["high"] == max(p["started_at"] for p in members)
    with repo.unit_of_work(tenant="t1", actor="q") as uow:
        by_tariff = uow.aggregate(
            "MeteringPoint",
            {"n": {"fn": "count"}},
            group_by=["tariff.category"],
            where={"attr": "readings", "op": "gte", "value": 10},
        )
    expected: dict[str, int] = defaultdict(int)
    for p in points:
        if p["readings"] >= 10:
            expected["premium" if p["readings"] % 2 else "basic"] += 1
    assert {r["tariff.category"]: r["n"] for r in by_tariff} == expected
