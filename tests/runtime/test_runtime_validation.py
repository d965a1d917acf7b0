"""Validation from the model: every problem reported at once, with its path; nothing changed."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from runtime_grid import Grid

from meshkit.runtime import Repository, UnknownElementError, ValidationError, record_schema


def _problems(raised: pytest.ExceptionInfo[ValidationError]) -> dict[tuple[Any, ...], str]:
    return {e.path: e.code for e in raised.value.errors}


def test_create_reports_all_problems_with_paths(repo: Repository, grid_factory: type[Grid]) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        grid = grid_factory(uow)
        with pytest.raises(ValidationError) as raised:
            uow.create(
                "MeteringPoint",
                {
                    "number": "AT1",  # too short
                    "kind": "wind",  # not a value of the enum
                    "capacity": "1.23456",  # more decimals than the scale
                    "started_at": "2024-01-01T10:00:00",  # no time zone
                    "readings": -1,  # below min
                    "active": "yes",  # not a bool
                    "colour": "red",  # unknown attribute
                    "meter_code": "X",  # computed
                    "version": 7,  # system attribute
                    "tariff": grid.community["id"],  # not in the tariffs' table
                    "owner": str(uuid.uuid4()),  # no such entity
                    "registers": [],  # a to-many end
                    "address": {"street": "x" * 101, "zip": "AB", "geo": {"lat": 91}, "x": 1},
                    "tags": ["ok", 5],
                    "positions": [{"lat": 1, "lon": 2}, {"lat": "north"}],
                    "features": ["smart", "teleport"],
                },
            )
    problems = _problems(raised)
    assert problems == {
        ("number",): "min-length",
        ("kind",): "enum",
        ("capacity",): "scale",
        ("started_at",): "timezone",
        ("readings",): "min",
        ("active",): "type",
        ("colour",): "unknown-attribute",
        ("meter_code",): "computed",
        ("version",): "computed",
        ("tariff",): "broken-reference",
        ("owner",): "broken-reference",
        ("community",): "required",
        ("registers",): "link-end",
        ("address", "street"): "max-length",
        ("address", "zip"): "pattern",
        ("address", "geo", "lat"): "max",
        ("address", "geo", "lon"): "required",
        ("address", "x"): "unknown-attribute",
        ("tags", 1): "type",
        ("positions", 1, "lat"): "type",  # a decimal, not any text
        ("positions", 1, "lon"): "required",
        ("features",): "enum",
    }
    assert all(e.message for e in raised.value.errors)
    assert raised.value.as_dict()["code"] == "invalid"
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        assert uow.count("MeteringPoint") == 0  # nothing was written


def test_required_attributes_and_ends(repo: Repository) -> None:
    with (
        repo.unit_of_work(tenant="t1", actor="alice") as uow,
        pytest.raises(ValidationError) as raised,
    ):
        uow.create("MeteringPoint", {})
    assert _problems(raised) == {
        ("number",): "required",
        ("kind",): "required",
        ("tariff",): "required",
        ("community",): "required",
    }


def test_update_validates_the_concrete_class_and_changes_nothing(
    repo: Repository, grid_factory: type[Grid]
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        point = grid_factory(uow).point(readings=3)
        person = uow.create("Person", {"name": "Huber", "first_name": "Anna"})
        with pytest.raises(ValidationError) as raised:
            uow.update(
                "MeteringPoint",
                point["id"],
                {"readings": "many", "number": None, "tariff": None, "id": "x", "owner": 5},
                expected_version=1,
            )
        assert _problems(raised) == {
            ("readings",): "type",
            ("number",): "required",
            ("tariff",): "required",
            ("id",): "computed",
            ("owner",): "type",
        }
        assert uow.get("MeteringPoint", point["id"]) == point
        # Through the abstract class, the subclass's attributes are checked and applied.
        with pytest.raises(ValidationError) as raised:
            uow.update("Party", person["id"], {"vat_id": "ATU1"}, expected_version=1)
        assert _problems(raised) == {("vat_id",): "unknown-attribute"}  # an Organisation's
        updated = uow.update(
            "Party", person["id"], {"birth_date": "1980-02-29"}, expected_version=1
        )
        assert str(updated["birth_date"]) == "1980-02-29"


def test_a_reference_to_the_wrong_subclass_is_refused(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        org = uow.create("Organisation", {"name": "Sonne GmbH", "vat_id": "ATU1"})
        other = uow.create("Organisation", {"name": "Wind AG", "vat_id": "ATU2"})
        with pytest.raises(ValidationError) as raised:
            uow.update("Organisation", org["id"], {"director": other["id"]}, expected_version=1)
        assert _problems(raised) == {("director",): "wrong-class"}
        assert "rt_grid/Organisation" in raised.value.errors[0].message
        person = uow.create("Person", {"name": "Huber", "first_name": "Anna"})
        updated = uow.update("Organisation", org["id"], {"director": person["id"]}, 1)
        assert updated["director"] == person["id"]


def test_abstract_classes_cannot_be_created(repo: Repository) -> None:
    with (
        repo.unit_of_work(tenant="t1", actor="alice") as uow,
        pytest.raises(ValidationError) as raised,
    ):
        uow.create("Party", {"name": "x"})
    assert raised.value.errors[0].code == "abstract-class"
    assert "rt_grid/Person" in raised.value.errors[0].message


def test_unknown_classes_and_ends_are_named(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        with pytest.raises(UnknownElementError, match="Meter"):
            uow.create("Meter", {})
        with pytest.raises(UnknownElementError, match="members"):
            uow.links("Community", str(uuid.uuid4()), "memberz")


def test_create_many_reports_rows_by_index_and_creates_none(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        with pytest.raises(ValidationError) as raised:
            uow.create_many(
                "Tariff",
                [
                    {"name": "ok", "price": "1"},
                    {"name": "", "price": "-1"},
                    {"name": "ok", "price": "1", "category": "gold"},
                ],
            )
        assert _problems(raised) == {
            (1, "name"): "min-length",
            (1, "price"): "min",
            (2, "category"): "enum",
        }
        assert uow.count("Tariff") == 0


def test_record_json_schema_is_generated_from_the_model(repo: Repository) -> None:
    schema = record_schema(repo.model, "rt_grid/Address")
    top = schema["$defs"]["rt_grid.Address"]
    assert top["additionalProperties"] is False
    assert set(top["required"]) == {"street", "zip"}
    assert top["properties"]["street"]["maxLength"] == 100
    assert top["properties"]["geo"] == {"$ref": "#/$defs/rt_grid.GeoPoint"}
    assert top["properties"]["kind"]["enum"] == list(repo.model.enums["rt_grid/Category"].values)
    assert "rt_grid.GeoPoint" in schema["$defs"]
