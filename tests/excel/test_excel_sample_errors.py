"""The issue's 'done when': the 500-member sample with deliberate errors gets a useful report."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from excel_sample import DELIBERATE_ERRORS, MEMBER_HEADERS, write_sample_with_errors
from excel_support import TENANT, count

from meshkit.adapters.excel import import_workbook
from meshkit.adapters.excel.problems import column_letter
from meshkit.runtime import Repository

SAMPLE = (
    Path(__file__).resolve().parents[2] / "tests" / "data" / "excel" / "members_500_errors.xlsx"
)


def test_the_committed_file_is_what_the_generator_writes(tmp_path: Path) -> None:
    fresh = write_sample_with_errors(tmp_path / "fresh.xlsx")
    for sheet in ("Mitglieder", "Tarife"):
        ours = pl.read_excel(fresh, sheet_name=sheet)
        committed = pl.read_excel(SAMPLE, sheet_name=sheet)
        assert ours.equals(committed), sheet


def test_every_deliberate_error_is_reported_at_its_cell_and_nothing_is_written(
    repo: Repository,
) -> None:
    report = import_workbook(
        repo, SAMPLE.read_bytes(), file=SAMPLE.name, tenant=TENANT, commit=True
    )
    assert not report.committed
    assert count(repo, "Participant") == 0  # all-or-nothing: five bad rows stop the import
    cells = {(p.sheet, p.cell, p.header) for p in report.errors}
    expected = {
        ("Mitglieder", f"{column_letter(MEMBER_HEADERS.index(header))}{row}", header)
        for row, (header, _value, _why) in DELIBERATE_ERRORS.items()
    }
    assert cells == expected
    assert len(report.errors) == len(DELIBERATE_ERRORS) and report.warnings == []
    assert report.rows == 502 and report.created["participant"] == 495


def test_valid_rows_only_imports_the_other_495(repo: Repository) -> None:
    report = import_workbook(
        repo,
        SAMPLE.read_bytes(),
        file=SAMPLE.name,
        tenant=TENANT,
        commit=True,
        valid_rows_only=True,
    )
    assert report.committed and report.skipped_rows == 5
    assert count(repo, "Participant") == 495
