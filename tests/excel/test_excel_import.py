"""The 500-row sample: dry run, commit, re-import without changes, one changed cell, export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import fastexcel
from excel_sample import SAMPLE_COUNT, write_sample
from excel_support import TENANT, audit_entries, col, count

from meshkit.adapters.excel import export_workbook, import_workbook
from meshkit.runtime import Repository


def test_excel_committed_sample_is_what_the_generator_writes(
    sample_bytes: bytes, tmp_path: Path
) -> None:
    fresh = write_sample(tmp_path / "fresh.xlsx", SAMPLE_COUNT).read_bytes()
    assert _content(fresh) == _content(sample_bytes)


def test_excel_dry_run_commit_reimport_and_export_round_trip(
    repo: Repository, sample_bytes: bytes
) -> None:
    before = audit_entries(repo)
    dry = import_workbook(repo, sample_bytes, file="members_500.xlsx", tenant=TENANT)
    assert dry.problems == []
    assert not dry.committed and dry.dry_run
    assert dry.rows == 502  # 500 members and 2 tariffs
    assert dry.created["participant"] == 500
    assert count(repo, "Participant") == 0
    assert audit_entries(repo) == before

    done = import_workbook(repo, sample_bytes, file="members_500.xlsx", tenant=TENANT, commit=True)
    assert done.problems == [] and done.committed
    assert count(repo, "Participant") == 500
    assert count(repo, "NaturalPerson") + count(repo, "LegalPerson") == 500
    assert count(repo, "MeteringPoint") == 500
    assert count(repo, "Participation") == 500
    assert count(repo, "Tariff") == 2
    after_import = audit_entries(repo)
    assert after_import == before + 1502

    again = import_workbook(repo, sample_bytes, file="members_500.xlsx", tenant=TENANT, commit=True)
    assert again.problems == []
    assert again.changes == 0
    assert again.unchanged["participant"] == 500
    assert again.unchanged["participation"] == 500
    assert audit_entries(repo) == after_import

    # export writes the same layout back: the same content, and importing it changes nothing
    exported = export_workbook(repo, tenant=TENANT, community="RC100130")
    assert _content(exported) == _content(sample_bytes)
    round_trip = import_workbook(repo, exported, file="export.xlsx", tenant=TENANT, commit=True)
    assert round_trip.ok and round_trip.changes == 0
    assert audit_entries(repo) == after_import


def test_excel_changed_cell_updates_only_that_attribute(
    repo: Repository, workbook: Callable[..., bytes]
) -> None:
    original = workbook(20)
    assert import_workbook(repo, original, file="m.xlsx", tenant=TENANT, commit=True).ok

    def new_email(rows: list[list[object]]) -> None:
        rows[7][col("E-Mail")] = "neue.adresse@example.at"

    changed = workbook(20, new_email)
    before = audit_entries(repo)
    report = import_workbook(repo, changed, file="m.xlsx", tenant=TENANT, commit=True)
    assert report.ok, report.problems
    assert report.updated == {"participant": 1}
    assert report.created.total() == 0
    assert list(report.changed_attributes.values()) == [["email"]]
    assert audit_entries(repo) == before + 1
    with repo.unit_of_work(tenant=TENANT, actor="test") as uow:
        member = uow.find(
            "Participant", {"attr": "email", "op": "eq", "value": "neue.adresse@example.at"}
        ).items[0]
        history = uow.history(member["id"])
    assert [e.operation.value for e in history] == ["create", "update"]
    assert set(history[-1].changes) == {"email"}


def test_excel_address_change_keeps_unmapped_record_fields(
    repo: Repository, workbook: Callable[..., bytes]
) -> None:
    assert import_workbook(repo, workbook(3), file="m.xlsx", tenant=TENANT, commit=True).ok
    with repo.unit_of_work(tenant=TENANT, actor="test") as uow:
        member = uow.find("Participant", {"attr": "member_number", "op": "eq", "value": "M00001"})
        entity = member.items[0]
        address = {**entity["address"], "additional": "Hintereingang"}
        uow.update("Participant", entity["id"], {"address": address}, entity["version"])

    def move(rows: list[list[object]]) -> None:
        rows[0][col("Hausnummer")] = "99a"

    report = import_workbook(repo, workbook(3, move), file="m.xlsx", tenant=TENANT, commit=True)
    assert report.updated == {"participant": 1}
    with repo.unit_of_work(tenant=TENANT, actor="test") as uow:
        entity = uow.get("Participant", entity["id"])
    assert entity["address"]["house_number"] == "99a"
    assert entity["address"]["additional"] == "Hintereingang"  # no column: left alone


def test_excel_member_with_two_metering_points_is_one_participant(
    repo: Repository, workbook: Callable[..., bytes]
) -> None:
    def second_point(rows: list[list[object]]) -> None:
        extra = list(rows[0])
        extra[col("Zählpunkt")] = "AT0030000000000000000000099999999"
        extra[col("Richtung")] = "Einspeisung"
        for header in ("Straße", "IBAN", "E-Mail"):  # the repeated member cells may stay empty
            extra[col(header)] = None
        rows.insert(1, extra)

    report = import_workbook(repo, workbook(3, second_point), file="m.xlsx", tenant=TENANT,
                             commit=True)  # fmt: skip
    assert report.ok, report.problems
    assert report.created["participant"] == 3
    assert report.created["participation"] == 4
    with repo.unit_of_work(tenant=TENANT, actor="test") as uow:
        point = uow.find(
            "MeteringPoint",
            {"attr": "metering_point_id", "op": "eq", "value": "AT0030000000000000000000099999999"},
        ).items[0]
    assert point["direction"] == "generation"
    assert point["grid_operator_id"] == "AT003000"


def _content(data: bytes) -> dict[str, list[tuple[str | None, ...]]]:
    reader = fastexcel.read_excel(data)
    return {
        name: reader.load_sheet(name, header_row=None, dtypes="string").to_polars().rows()
        for name in reader.sheet_names
    }
