"""The bulk write path (COPY on PostgreSQL from 64 rows, executemany elsewhere) and the compiled
value checks: they must give exactly what the row-by-row path and the full checks give."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from meshkit.runtime import Repository, ValidationError
from meshkit.runtime.errors import ErrorCollector
from meshkit.runtime.jsonschema import compile_check, record_schema
from meshkit.runtime.storage.bulk import COPY_FROM

ROWS = COPY_FROM + 36


def _point(i: int, tariff: str, community: str) -> dict[str, Any]:
    return {
        "number": f"AT{i:08d}",
        "kind": ("consumption", "generation", "storage")[i % 3],
        "capacity": f"{i}.125",
        "started_at": "2024-03-01T10:00:00+02:00",
        "commissioned_on": "2024-02-29",
        "interval": "PT30M" if i % 2 else timedelta(minutes=15),
        "readings": i,
        "total": 2**40 + i,
        "factor": 0.5,
        "address": {"street": "Hauptstraße 1", "zip": "1010", "geo": {"lat": "48.2", "lon": 16}},
        "tags": ["a", "b"],
        "positions": [{"lat": 1, "lon": "2.5"}],
        "features": ["smart", "remote"],
        "extra": {"note": "x", "n": [1, 2]},
        "document": "store://doc",
        "tariff": tariff,
        "community": community,
    }


def _comparable(entity: dict[str, Any]) -> dict[str, Any]:
    skip = {"id", "created_at", "changed_at", "tenant", "tariff", "community"}
    return {k: v for k, v in entity.items() if k not in skip}


def test_bulk_create_equals_single_creates(repo: Repository) -> None:
    # The same values, created singly in one tenant and in bulk in another.
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        tariff = uow.create("Tariff", {"name": "Basic", "price": "0.1234"})["id"]
        community = uow.create("Community", {"name": "C", "code": "C1"})["id"]
        single = [uow.create("MeteringPoint", _point(i, tariff, community)) for i in (7, 8, 9)]
    with repo.unit_of_work(tenant="t2", actor="alice") as uow:
        tariff = uow.create("Tariff", {"name": "Basic", "price": "0.1234"})["id"]
        community = uow.create("Community", {"name": "C", "code": "C1"})["id"]
        bulk = uow.create_many("MeteringPoint", [_point(i, tariff, community) for i in range(ROWS)])
    assert len({e["id"] for e in bulk}) == ROWS
    for one, many in zip(single, bulk[7:10], strict=True):
        assert _comparable(one) == _comparable(many)
    with repo.unit_of_work(tenant="t2", actor="alice") as uow:
        for created in (bulk[0], bulk[-1]):
            assert uow.get("MeteringPoint", created["id"]) == created
        page = uow.find("MeteringPoint", order_by=["number"], first=ROWS)
        assert page.items == sorted(bulk, key=lambda e: e["number"])
    one_history = repo.history(single[1]["id"], tenant="t1")
    many_history = repo.history(bulk[8]["id"], tenant="t2")
    assert len(many_history) == 1
    ignore = {"id", "tariff", "community"}
    assert {k: v for k, v in one_history[0].changes.items() if k not in ignore} == {
        k: v for k, v in many_history[0].changes.items() if k not in ignore
    }
    events = repo.events.read(after=0, limit=1000)
    created_events = [e for e in events if e.entity_id == bulk[2]["id"]]
    assert len(created_events) == 1
    assert created_events[0].changed == tuple(sorted(many_history[0].changes))


def test_bulk_unique_violation_is_a_validation_error(repo: Repository) -> None:
    rows = [{"name": f"C{i}", "code": f"C{i}"} for i in range(ROWS)]
    rows[-1]["code"] = "C0"
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        with pytest.raises(ValidationError) as raised:
            uow.create_many("Community", rows)
        assert {e.code for e in raised.value.errors} == {"unique"}
        assert uow.count("Community") == 0
        uow.create_many("Community", rows[:-1])  # the unit of work goes on
        assert uow.count("Community") == ROWS - 1


VALUES: list[Any] = [
    None,
    "",
    "x",
    "AT0001",
    "1010",
    "10100",
    "abc\n",
    "1.5",
    " 2.25 ",
    "1e3",
    "NaN",
    "12345678901234567890.5",
    "-0.0001",
    0,
    1,
    -1,
    101,
    2**31,
    2**63,
    1.0,
    0.1,
    float("inf"),
    True,
    False,
    Decimal("1.10"),
    Decimal("1.1234567"),
    Decimal("-5"),
    "2024-02-29",
    "2024-02-30",
    "20240229",
    date(2024, 1, 1),
    datetime(2024, 1, 1, tzinfo=UTC),
    datetime(2024, 1, 1),
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00",
    "PT15M",
    timedelta(minutes=5),
    "consumption",
    "basic",
    "smart",
    ["smart"],
    ["a", 1],
    {"street": "s", "zip": "1234"},
    {"street": "s", "zip": "12345"},
    {"street": "s", "zip": "1234", "geo": {"lat": 91, "lon": 0}},
    {"street": "s", "zip": "1234", "extra": 1},
    {"street": "s"},
    [{"lat": "1.1234567", "lon": 0}],
    {"lat": 1, "lon": "2.5"},
    {"lat": "1.5", "lon": 2.25, "x": 1},
    [{"lat": True, "lon": 0}],
]


def test_compiled_checks_agree_with_the_full_path(repo: Repository) -> None:
    coercer = repo.coercer
    classes = ("MeteringPoint", "Community", "Tariff", "Person")
    attributes = [a for c in classes for a in repo.model.cls(c).attributes.values()]
    attributes += [a for r in repo.model.records.values() for a in r.attributes.values()]
    for attr in attributes:
        for value in VALUES:
            fast, full = ErrorCollector(), ErrorCollector()
            try:
                expected: Any = coercer._coerce(value, attr, (attr.name,), full)
            except Exception as exc:  # the full path raising: the fast one must raise alike
                with pytest.raises(type(exc)):
                    coercer.coerce(value, attr, (attr.name,), fast)
                continue
            got = coercer.coerce(value, attr, (attr.name,), fast)
            assert (got, fast.errors) == (expected, full.errors), (attr.name, value)
            assert type(got) is type(expected)


def test_compiled_record_schema_never_accepts_what_jsonschema_refuses(repo: Repository) -> None:
    for qid in repo.model.records:
        schema = record_schema(repo.model, qid)
        check = compile_check(schema)
        assert check is not None, qid
        validator = jsonschema.Draft202012Validator(schema)
        accepted = 0
        for value in VALUES:
            if check(value):
                accepted += 1
                assert not list(validator.iter_errors(value)), (qid, value)
        assert accepted > 0, qid
