"""Create, read, update, archive: values round-trip exactly; versions lock optimistically."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from runtime_grid import Grid

from meshkit.runtime import ConflictError, NotFoundError, Repository, ValidationError


def test_every_attribute_type_round_trips(repo: Repository, grid_factory: type[Grid]) -> None:
    vienna = timezone(timedelta(hours=1))
    values = {
        "capacity": Decimal("123456789.123"),  # 12 digits: more than a float keeps exactly
        "started_at": datetime(2024, 3, 1, 8, 30, 15, 123456, tzinfo=vienna),
        "commissioned_on": date(2024, 2, 29),
        "interval": "PT1H30M",
        "active": False,
        "readings": 2**31 - 1,
        "total": 2**62,
        "factor": 0.125,
        "address": {
            "street": "Hauptstraße 1",
            "zip": "1010",
            "since": "2020-01-31",
            "geo": {"lat": "48.208176", "lon": Decimal("16.373819")},
            "kind": "premium",
        },
        "tags": ["pv", "battery"],
        "positions": [{"lat": 1, "lon": "-2.5"}],
        "features": ["remote", "smart"],
        "extra": {"nested": [1, "two", None, {"three": 3.5}]},
        "document": "store://documents/contract.pdf",
    }
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        created = grid_factory(uow).point(**values)
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        loaded = uow.get("MeteringPoint", created["id"])
    assert loaded == created
    assert loaded["capacity"] == values["capacity"] and isinstance(loaded["capacity"], Decimal)
    assert loaded["started_at"] == values["started_at"]
    assert loaded["started_at"].tzinfo is not None
    assert loaded["started_at"].utcoffset() == timedelta(0)
    assert loaded["commissioned_on"] == values["commissioned_on"]
    assert loaded["interval"] == timedelta(hours=1, minutes=30)
    assert loaded["active"] is False
    assert loaded["readings"] == values["readings"]
    assert loaded["total"] == values["total"]
    assert loaded["factor"] == values["factor"]
    assert loaded["address"]["geo"]["lat"] == Decimal("48.208176")
    assert loaded["address"]["since"] == date(2020, 1, 31)
    assert loaded["address"]["kind"] == "premium"
    assert loaded["tags"] == values["tags"]
    assert loaded["positions"] == [{"lat": Decimal(1), "lon": Decimal("-2.5")}]
    assert sorted(loaded["features"]) == sorted(values["features"])  # type: ignore[arg-type]
    assert loaded["extra"] == values["extra"]
    assert loaded["document"] == values["document"]


def test_create_fills_identity_stamps_and_defaults(
    repo: Repository, grid_factory: type[Grid]
) -> None:
    before = datetime.now(UTC)
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        point = grid_factory(uow).point()
    assert uuid.UUID(point["id"]).version == 4
    assert point["type"] == "rt_grid/MeteringPoint"
    assert point["tenant"] == "t1"
    assert point["version"] == 1
    assert point["state"] == "active"
    assert point["created_by"] == point["changed_by"] == "alice"
    assert before <= point["created_at"] == point["changed_at"] <= datetime.now(UTC)
    assert point["interval"] == timedelta(minutes=15)  # the model's default
    assert point["active"] is True
    assert point["capacity"] is None


def test_update_is_partial_and_bumps_the_version(
    repo: Repository, grid_factory: type[Grid]
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        point = grid_factory(uow).point(capacity="5.5", readings=1)
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        updated = uow.update("MeteringPoint", point["id"], {"readings": 2}, expected_version=1)
        assert updated["version"] == 2
        assert updated["changed_by"] == "bob"
        assert updated["created_by"] == "alice"
        again = uow.get("MeteringPoint", point["id"])
    assert again == updated
    assert again["readings"] == 2
    assert again["capacity"] == Decimal("5.5")  # untouched
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        cleared = uow.update("MeteringPoint", point["id"], {"capacity": None}, expected_version=2)
    assert cleared["capacity"] is None and cleared["version"] == 3


def test_stale_version_is_refused_and_changes_nothing(
    repo: Repository, grid_factory: type[Grid]
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        point = grid_factory(uow).point(readings=1)
        uow.update("MeteringPoint", point["id"], {"readings": 2}, expected_version=1)
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        with pytest.raises(ConflictError) as raised:
            uow.update("MeteringPoint", point["id"], {"readings": 99}, expected_version=1)
        assert raised.value.code == "conflict"
        assert raised.value.expected == 1 and raised.value.actual == 2
        with pytest.raises(ConflictError):
            uow.archive("MeteringPoint", point["id"], expected_version=1)
        with pytest.raises(ConflictError):
            uow.erase("MeteringPoint", point["id"], expected_version=1)
    with repo.unit_of_work(tenant="t1", actor="carol") as uow:
        current = uow.get("MeteringPoint", point["id"])
    assert current["readings"] == 2 and current["version"] == 2
    assert current["state"] == "active"
    assert [e.operation for e in repo.history(point["id"], tenant="t1")] == ["create", "update"]


def test_archive_keeps_the_entity_with_state_archived(
    repo: Repository, grid_factory: type[Grid]
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        point = grid_factory(uow).point()
        archived = uow.archive("MeteringPoint", point["id"])
        assert archived["state"] == "archived"
        assert uow.get("MeteringPoint", point["id"])["state"] == "archived"
        assert archived["version"] == point["version"] + 1


def test_get_through_an_abstract_class_returns_the_concrete_entity(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        person = uow.create("Person", {"name": "Huber", "first_name": "Anna"})
        org = uow.create("Organisation", {"name": "Sonne GmbH", "vat_id": "ATU1", "code": 7})
        assert uow.get("Party", person["id"]) == person
        loaded = uow.get("system/NamedEntity", org["id"])  # no table of its own: searches all
        assert loaded["type"] == "rt_grid/Organisation"
        assert loaded["code"] == 7 and "first_name" not in loaded
        with pytest.raises(NotFoundError):
            uow.get("Organisation", person["id"])  # the right table, but not that class


def test_missing_ids_are_not_found(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        missing = str(uuid.uuid4())
        with pytest.raises(NotFoundError) as raised:
            uow.get("MeteringPoint", missing)
        assert missing in raised.value.message
        with pytest.raises(NotFoundError):
            uow.update("MeteringPoint", missing, {"readings": 1}, expected_version=1)
        with pytest.raises(NotFoundError):
            uow.erase("MeteringPoint", missing)


def test_a_refused_write_leaves_the_unit_of_work_usable(
    repo: Repository, grid_factory: type[Grid]
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        grid = grid_factory(uow)
        grid.point(number="AT-SAME")
        with pytest.raises(ValidationError):
            grid.point(number="AT-SAME")  # unique violation inside the database
        survivor = grid.point(number="AT-OTHER")
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        assert uow.get("MeteringPoint", survivor["id"])["number"] == "AT-OTHER"
        assert uow.count("MeteringPoint") == 2


def test_an_exception_rolls_the_unit_of_work_back(repo: Repository) -> None:
    with pytest.raises(RuntimeError), repo.unit_of_work(tenant="t1", actor="alice") as uow:
        uow.create("Tariff", {"name": "Gone", "price": 1})
        raise RuntimeError("boom")
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        assert uow.count("Tariff") == 0


def test_links_carry_attributes(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        community = uow.create("Community", {"name": "A", "code": "A1"})
        person = uow.create("Person", {"name": "Huber", "first_name": "Anna"})
        uow.link("Community", community["id"], "members", person["id"], {"joined_on": "2024-01-02"})
        uow.link(
            "Community",
            community["id"],
            "members",
            person["id"],
            {"joined_on": date(2024, 1, 3), "share": "12.5"},
        )  # linking again replaces the attributes
        links = uow.links("Community", community["id"], "members")
        assert links == [
            {"id": person["id"], "joined_on": date(2024, 1, 3), "share": Decimal("12.5")}
        ]
        # Navigable from the other end too.
        assert [x["id"] for x in uow.links("Person", person["id"], "communities")] == [
            community["id"]
        ]
        with pytest.raises(ValidationError) as raised:
            uow.link("Community", community["id"], "members", person["id"], {"share": "x"})
        assert {e.path for e in raised.value.errors} == {("share",), ("joined_on",)}
        assert uow.unlink("Community", community["id"], "members", person["id"])
        assert not uow.unlink("Community", community["id"], "members", person["id"])
        assert uow.links("Community", community["id"], "members") == []
