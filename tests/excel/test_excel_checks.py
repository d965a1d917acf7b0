"""Checks of the rows: values, duplicates, factor sums; all-or-nothing vs valid rows only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fastexcel
from excel_sample import COMMUNITY_ID
from excel_support import TENANT, col, commented_cells, count, letter

from meshkit.adapters.excel import ImportReport, import_workbook, report_workbook
from meshkit.runtime import Repository

Rows = list[list[Any]]
POINT = "AT0030000000000000000000077777777"


def _run(repo: Repository, data: bytes, **options: Any) -> ImportReport:
    return import_workbook(repo, data, file="m.xlsx", tenant=TENANT, **options)


def _cells(report: ImportReport, code: str | None = None) -> set[str]:
    return {p.cell or "" for p in report.errors if code is None or p.code == code}


def _bad_values(rows: Rows) -> None:
    rows[0][col("Zählpunkt")] = rows[0][col("Zählpunkt")][:-1]  # 32 characters
    rows[1][col("IBAN")] = "AT611904300234573202"  # wrong check digits
    rows[2][col("E-Mail")] = "anna.huber(at)gmx.at"
    rows[3][col("Eintrittsdatum")] = "31.02.2024"
    rows[4][col("Teilnahmefaktor")] = 101
    rows[5][col("Richtung")] = "beides"
    rows[6][col("PLZ")] = "A-4020!"  # refused by the model's pattern (found by the runtime)


def test_excel_invalid_values_are_reported_at_their_cells_and_nothing_is_written(
    repo: Repository, workbook: Callable[..., bytes]
) -> None:
    data = workbook(10, _bad_values)
    report = _run(repo, data, commit=True)
    assert not report.committed
    expected = {
        f"{letter('Zählpunkt')}2",
        f"{letter('IBAN')}3",
        f"{letter('E-Mail')}4",
        f"{letter('Eintrittsdatum')}5",
        f"{letter('Teilnahmefaktor')}6",
        f"{letter('Richtung')}7",
        f"{letter('PLZ')}8",
    }
    assert _cells(report) == expected, [str(p) for p in report.errors]
    messages = {p.cell: p.message for p in report.errors}
    assert "33 characters, this one has 32" in messages[f"{letter('Zählpunkt')}2"]
    assert "checksum" in messages[f"{letter('IBAN')}3"].lower()
    assert "e-mail" in messages[f"{letter('E-Mail')}4"]
    assert "not a valid calendar date" in messages[f"{letter('Eintrittsdatum')}5"]
    assert "Bezug" in messages[f"{letter('Richtung')}7"]
    assert count(repo, "Participant") == 0
    assert count(repo, "Tariff") == 0

    # the report workbook marks exactly those cells and lists the problems
    marked = report_workbook(data, report)
    assert commented_cells(marked)["Mitglieder"] == expected
    reader = fastexcel.read_excel(marked)
    assert reader.sheet_names == ["Mitglieder", "Tarife", "Problems"]
    listing = reader.load_sheet("Problems", dtypes="string").to_polars()
    assert set(listing["cell"].drop_nulls()) == expected
    copy = reader.load_sheet("Mitglieder", dtypes="string").to_polars()
    assert copy["Mitgliedsnummer"].to_list()[:3] == ["M00001", "M00002", "M00003"]


def test_excel_valid_rows_only_imports_the_good_rows(
    repo: Repository, workbook: Callable[..., bytes]
) -> None:
    report = _run(repo, workbook(10, _bad_values), commit=True, valid_rows_only=True)
    assert report.committed
    assert len(report.errors) == 7
    assert report.skipped_rows == 7
    assert count(repo, "Participant") == 3
    assert count(repo, "Participation") == 3
    assert count(repo, "Tariff") == 2


def test_excel_duplicates_in_the_file(repo: Repository, workbook: Callable[..., bytes]) -> None:
    def duplicate(rows: Rows) -> None:
        rows[3][col("Zählpunkt")] = rows[1][col("Zählpunkt")]  # another member, same point
        twin = list(rows[0])
        twin[col("Zählpunkt")] = POINT
        twin[col("Nachname")] = "Anders"  # the same member number with another name
        rows.append(twin)

    report = _run(repo, workbook(5, duplicate), commit=True)
    assert _cells(report, "duplicate") == {f"{letter('Zählpunkt')}5"}
    assert _cells(report, "conflict") == {f"{letter('Nachname')}7"}
    conflict = next(p for p in report.errors if p.code == "conflict")
    assert "row 2" in conflict.message
    assert count(repo, "Participant") == 0


def test_excel_metering_point_of_another_member_in_the_database(
    repo: Repository, workbook: Callable[..., bytes]
) -> None:
    assert _run(repo, workbook(3), commit=True).ok

    def swap(rows: Rows) -> None:
        rows[2][col("Zählpunkt")] = rows[1][col("Zählpunkt")]
        del rows[1]  # member 2 is only in the database now

    report = _run(repo, workbook(3, swap), commit=True)
    problem = next(p for p in report.errors if p.code == "duplicate")
    assert problem.cell == f"{letter('Zählpunkt')}3"
    assert "already takes part for member M00002" in problem.message


def test_excel_factor_sum_over_communities_in_the_file(
    repo: Repository, workbook: Callable[..., bytes]
) -> None:
    def two_communities(rows: Rows) -> None:
        rows[0][col("Teilnahmefaktor")] = 60
        other = list(rows[0])
        other[col("Gemeinschaft")] = "CC100200"
        other[col("Tarif")] = None
        other[col("Teilnahmefaktor")] = 50
        rows.append(other)

    report = _run(repo, workbook(2, two_communities), commit=True)
    assert _cells(report, "factor-sum") == {
        f"{letter('Teilnahmefaktor')}2",
        f"{letter('Teilnahmefaktor')}4",
    }
    assert "add up to 110 %" in report.errors[0].message
    assert count(repo, "Participation") == 0

    def exactly_hundred(rows: Rows) -> None:
        two_communities(rows)
        rows[-1][col("Teilnahmefaktor")] = 40

    assert _run(repo, workbook(2, exactly_hundred), commit=True).ok
    assert count(repo, "Participation") == 3


def test_excel_factor_sum_together_with_the_database(
    repo: Repository, workbook: Callable[..., bytes]
) -> None:
    def sixty(rows: Rows) -> None:
        rows[0][col("Teilnahmefaktor")] = 60

    assert _run(repo, workbook(1, sixty), commit=True).ok

    def into_second_community(rows: Rows) -> None:
        rows[0][col("Gemeinschaft")] = "CC100200"
        rows[0][col("Tarif")] = None
        rows[0][col("Teilnahmefaktor")] = 50

    report = _run(repo, workbook(1, into_second_community), commit=True, valid_rows_only=True)
    problem = next(p for p in report.errors if p.code == "factor-sum")
    assert problem.cell == f"{letter('Teilnahmefaktor')}2"
    assert "60 % in RC100130 (database)" in problem.message
    assert count(repo, "Participation") == 1


def test_excel_unknown_tariff_and_community(
    repo: Repository, workbook: Callable[..., bytes]
) -> None:
    def unknown(rows: Rows) -> None:
        rows[0][col("Tarif")] = "Gratis"
        rows[1][col("Gemeinschaft")] = "RC999999"

    report = _run(repo, workbook(3, unknown))
    assert _cells(report, "unknown-tariff") == {f"{letter('Tarif')}2"}
    assert _cells(report, "unknown-community") == {f"{letter('Gemeinschaft')}3"}
    tariff = next(p for p in report.errors if p.code == "unknown-tariff")
    assert "known: Sozialtarif 2026, Standard 2026" in tariff.message


def test_excel_community_option_fills_empty_cells(
    repo: Repository, workbook: Callable[..., bytes]
) -> None:
    def no_community(rows: Rows) -> None:
        for row in rows:
            row[col("Gemeinschaft")] = None

    data = workbook(2, no_community, tariffs=[])
    without = _run(repo, data)
    assert _cells(without, "unknown-community")  # two communities: which one?
    report = _run(repo, data, community=COMMUNITY_ID, commit=False)
    assert _cells(report) == {f"{letter('Tarif')}2", f"{letter('Tarif')}3"}  # no tariffs given
