"""`meshkit.runtime.seed`: loading seed documents by natural key, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from meshkit.apps.demo.seed import SEED_FILE
from meshkit.runtime import Repository
from meshkit.runtime.seed import SeedError, load, load_file, read_document

TENANT = "t1"
COMMUNITY = {
    "ref": "eeg",
    "name": "EEG Test",
    "community_id": "AT00300000000RC100130000000000000",
    "ec_number": "RC100130",
    "kind": "eeg_local",
    "grid_operator_id": "AT003000",
    "address": {"street": "Hauptplatz", "postal_code": "2130", "city": "Mistelbach"},
}
POINT = "AT0030000000000000000000000000001"


def small_document() -> dict[str, Any]:
    """Given in reverse order of dependency on purpose: references resolve in any order."""
    return {
        "entities": {
            "Participation": [
                {
                    "metering_point": {"metering_point_id": POINT},
                    "community": {"ec_number": "RC100130"},
                    "participant": {"community": {"ec_number": "RC100130"}, "member_number": "7"},
                    "valid_from": "2026-03-01",
                    "participation_factor": 60,
                }
            ],
            "NaturalPerson": [
                {
                    "community": {"ref": "eeg"},
                    "member_number": "7",
                    "first_name": "Eva",
                    "last_name": "Muster",
                    "address": {"street": "Gasse 1", "postal_code": "2130", "city": "Mistelbach"},
                    "joined_on": "2026-01-01",
                }
            ],
            "MeteringPoint": [
                {
                    "metering_point_id": POINT,
                    "direction": "consumption",
                    "grid_operator_id": "AT003000",
                }
            ],
            "EnergyCommunity": [dict(COMMUNITY)],
        }
    }


def counts(repository: Repository, tenant: str = TENANT) -> dict[str, int]:
    with repository.unit_of_work(tenant=tenant, actor="test") as uow:
        return {
            name: uow.count(name)
            for name in (
                "EnergyCommunity",
                "Tariff",
                "Participant",
                "MeteringPoint",
                "GenerationUnit",
                "Participation",
            )
        }


def audit_rows(repository: Repository) -> int:
    with repository.engine.connect() as connection:
        table = repository.storage.audit
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_the_demo_seed_loads(repository: Repository) -> None:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        result = load_file(uow, SEED_FILE)
    assert counts(repository) == {
        "EnergyCommunity": 2,
        "Tariff": 2,
        "Participant": 13,
        "MeteringPoint": 17,
        "GenerationUnit": 3,
        "Participation": 18,
    }
    assert sum(result.created.values()) == 55
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        points = uow.find("MeteringPoint", first=100).items
        shared = next(p for p in points if p["metering_point_id"].endswith("100202001"))
        factors = sorted(
            p["participation_factor"]
            for p in uow.find(
                "Participation", where={"attr": "metering_point", "op": "eq", "value": shared["id"]}
            ).items
        )
    assert factors == [40, 60]  # one metering point in two communities
    assert sum(1 for p in points if p["direction"] == "generation") == 3


def test_loading_twice_changes_nothing(repository: Repository) -> None:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        load_file(uow, SEED_FILE)
    before = (counts(repository), audit_rows(repository))
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        again = load_file(uow, SEED_FILE)
    assert not again.changed
    assert sum(again.unchanged.values()) == 55
    assert (counts(repository), audit_rows(repository)) == before


def test_a_changed_value_updates_the_entity_found_by_its_key(repository: Repository) -> None:
    document = small_document()
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        load(uow, document)
    document["entities"]["NaturalPerson"][0]["first_name"] = "Eva-Maria"
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        result = load(uow, document)
        (person,) = uow.find("NaturalPerson").items
    assert result.updated == {"energy_community/NaturalPerson": 1}
    assert (person["first_name"], person["version"]) == ("Eva-Maria", 2)
    assert counts(repository)["Participant"] == 1


def test_references_by_natural_key_and_ref_are_resolved(repository: Repository) -> None:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        load(uow, small_document())
        (community,) = uow.find("EnergyCommunity").items
        (person,) = uow.find("Participant").items
        (point,) = uow.find("MeteringPoint").items
        (participation,) = uow.find("Participation").items
    assert person["community"] == community["id"]  # {ref: eeg}
    assert participation["community"] == community["id"]  # {ec_number: ...}
    assert participation["participant"] == person["id"]  # a key holding a reference
    assert participation["metering_point"] == point["id"]


def test_references_reach_entities_already_in_the_database(repository: Repository) -> None:
    document = small_document()
    entities = document["entities"]
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        load(uow, {"entities": {"EnergyCommunity": entities.pop("EnergyCommunity")}})
    entities["NaturalPerson"][0]["community"] = {"ec_number": "RC100130"}
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        result = load(uow, document)
    assert sum(result.created.values()) == 3


def test_link_ends_are_linked_once(repository: Repository) -> None:
    document = small_document()
    document["entities"]["EdaProcess"] = [
        {
            "process_code": "ec_req_onl",
            "conversation_id": "RC100130C1",
            "initiator": "outbound",
            "grid_operator_id": "AT003000",
            "community": {"ec_number": "RC100130"},
            "metering_points": [{"metering_point_id": POINT}],
        }
    ]
    for _ in range(2):
        with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
            result = load(uow, document)
    assert result.linked == 0
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        (process,) = uow.find("EdaProcess").items
        links = uow.links("EdaProcess", process["id"], "metering_points")
    assert len(links) == 1


def problems_of(repository: Repository, document: Any, source: str = "seed.yaml") -> list[str]:
    with (
        pytest.raises(SeedError) as caught,
        repository.unit_of_work(tenant=TENANT, actor="test") as uow,
    ):
        load(uow, document, source=source)
    assert all(count == 0 for count in counts(repository).values()), "something was written"
    return [str(p) for p in caught.value.problems]


def test_an_unknown_class_is_located(repository: Repository) -> None:
    document = small_document()
    document["entities"]["MeterPoint"] = [{"metering_point_id": POINT}]
    (problem,) = problems_of(repository, document)
    assert problem.startswith("seed.yaml: entities.MeterPoint: the model has no class")
    assert "did you mean 'MeteringPoint'?" in problem


def test_an_unknown_attribute_is_located(repository: Repository) -> None:
    document = small_document()
    document["entities"]["MeteringPoint"][0]["directon"] = "consumption"
    (problem,) = problems_of(repository, document)
    assert problem.startswith("seed.yaml: entities.MeteringPoint[0].directon:")
    assert "did you mean 'direction'?" in problem
    assert problem.endswith("[unknown-attribute]")


def test_a_dangling_reference_is_located(repository: Repository) -> None:
    document = small_document()
    participation = document["entities"]["Participation"][0]
    participation["metering_point"] = {"metering_point_id": "AT0030000000000000000000000000999"}
    problems = problems_of(repository, document)
    assert problems == [
        "seed.yaml: entities.Participation[0].metering_point: no energy_community/MeteringPoint "
        'matching {"metering_point_id": "AT0030000000000000000000000000999"} in the document or '
        "the database [broken-reference]"
    ]


def test_an_unknown_local_name_is_located(repository: Repository) -> None:
    document = small_document()
    document["entities"]["NaturalPerson"][0]["community"] = {"ref": "eeg2"}
    problems = problems_of(repository, document)
    assert (
        "seed.yaml: entities.NaturalPerson[0].community: no entity in the document has ref "
        "'eeg2'; did you mean 'eeg'? [broken-reference]"
    ) in problems


def test_invalid_values_are_all_reported_and_nothing_is_written(repository: Repository) -> None:
    document = small_document()
    document["entities"]["MeteringPoint"][0]["direction"] = "sideways"
    document["entities"]["EnergyCommunity"][0]["address"] = {"street": "x", "city": "y"}
    document["entities"]["Participation"][0]["participation_factor"] = 120
    problems = problems_of(repository, document)
    assert any(p.startswith("seed.yaml: entities.MeteringPoint[0].direction:") for p in problems)
    assert any(
        p.startswith("seed.yaml: entities.EnergyCommunity[0].address.postal_code:")
        for p in problems
    )
    assert any(
        p.startswith("seed.yaml: entities.Participation[0].participation_factor:")
        and "maximum 100" in p
        for p in problems
    )


def test_a_problem_found_while_writing_undoes_everything(repository: Repository) -> None:
    document = small_document()
    # Valid on its own, refused by the repository after others were written: a required end.
    del document["entities"]["Participation"][0]["participant"]
    problems = problems_of(repository, document)
    assert any("Participation[0]" in p and "[required]" in p for p in problems)


def test_a_duplicate_natural_key_in_the_document_is_refused(repository: Repository) -> None:
    document = small_document()
    document["entities"]["MeteringPoint"].append(
        copy.deepcopy(document["entities"]["MeteringPoint"][0])
    )
    problems = problems_of(repository, document)
    assert any(
        p.startswith("seed.yaml: entities.MeteringPoint[1]: the natural key")
        and "entities.MeteringPoint[0]" in p
        for p in problems
    )


def test_a_file_that_is_not_yaml_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("entities: [unclosed\n", encoding="utf-8")
    with pytest.raises(SeedError) as caught:
        read_document(broken)
    (problem,) = caught.value.problems
    assert problem.file == str(broken) and problem.code == "syntax"
