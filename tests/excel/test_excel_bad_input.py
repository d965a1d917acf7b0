"""Bad workbooks: each gives a message naming the file, sheet and cell; nothing is written."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import xlsxwriter
from excel_sample import MEMBER_HEADERS, TARIFFS, sample_rows
from excel_support import TENANT, col, count, letter

from meshkit.adapters.excel import ImportReport, import_workbook
from meshkit.runtime import Repository

FILE = "mitglieder.xlsx"


def _book(
    sheets: dict[str, list[list[Any]]],
    merge: tuple[str, int, int, int, int] | None = None,
    formula: tuple[str, int, int] | None = None,
) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    dates = book.add_format({"num_format": "dd.mm.yyyy"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, date):
                    sheet.write_datetime(r, c, value, dates)  # type: ignore[arg-type]
                elif value is not None:
                    sheet.write(r, c, value)
        if merge is not None and merge[0] == name:
            sheet.merge_range(*merge[1:], "Adresse")
        if formula is not None and formula[0] == name:
            sheet.write_formula(formula[1], formula[2], "=1+1")
    book.close()
    data = buffer.getvalue()
    if formula is None:
        return data
    return _drop_cached_values(data)


def _drop_cached_values(data: bytes) -> bytes:
    """As openpyxl and other tools write formulas: without a stored result."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1", content)
            target.writestr(item, content)
    return out.getvalue()


def _members(count: int = 3, headers: list[str] | None = None) -> list[list[Any]]:
    headers = headers or MEMBER_HEADERS
    keep = [MEMBER_HEADERS.index(h) for h in headers]
    return [headers, *([row[i] for i in keep] for row in sample_rows(count))]


def _tariffs() -> list[list[Any]]:
    from excel_sample import TARIFF_HEADERS

    return [TARIFF_HEADERS, *TARIFFS]


def _encrypted() -> bytes:
    """The start of an OLE compound file holding an encrypted OOXML package."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return (
        header
        + "EncryptionInfo".encode("utf-16-le")
        + b"\x00" * 64
        + "EncryptedPackage".encode("utf-16-le")
    )


def _truncated() -> bytes:
    whole = _book({"Mitglieder": _members()})
    return whole[: len(whole) // 2]


CASES: dict[str, tuple[Callable[[], bytes], str, str | None, str | None, str]] = {
    # case: (workbook, code, sheet, cell, words in the message)
    "empty file": (lambda: b"", "empty-file", None, None, "empty"),
    "not a workbook": (
        lambda: b"Vorname;Nachname\nAnna;Huber\n",
        "corrupt",
        None,
        None,
        "not an Excel",
    ),
    "truncated xlsx": (_truncated, "corrupt", None, None, "damaged"),
    "password-protected": (_encrypted, "password-protected", None, None, "password"),
    "missing required column": (
        lambda: _book(
            {"Mitglieder": _members(headers=[h for h in MEMBER_HEADERS if h != "Zählpunkt"])}
        ),
        "missing-column",
        "Mitglieder",
        "1",
        "Zählpunkt",
    ),
    "merged header cells": (
        lambda: _book(
            {"Mitglieder": _members()}, merge=("Mitglieder", 0, col("Straße"), 0, col("Ort"))
        ),
        "merged-header",
        "Mitglieder",
        f"{letter('Straße')}1",
        "merged",
    ),
    "formula without a stored result": (
        lambda: _book(
            {"Mitglieder": _members(), "Tarife": _tariffs()},
            formula=("Mitglieder", 2, col("Teilnahmefaktor")),
        ),
        "formula",
        "Mitglieder",
        f"{letter('Teilnahmefaktor')}3",
        "formula",
    ),
    "unknown sheet": (
        lambda: _book(
            {"Mitglieder": _members(), "Tarife": _tariffs(), "Mitgleider alt": _members()}
        ),
        "unknown-sheet",
        "Mitgleider alt",
        None,
        "not in the mapping",
    ),
    "misspelt members sheet": (
        lambda: _book({"Mitgleider": _members()}),
        "missing-sheet",
        None,
        None,
        "no sheet 'Mitglieder'",
    ),
    "header without rows": (
        lambda: _book({"Mitglieder": [MEMBER_HEADERS]}),
        "empty-sheet",
        "Mitglieder",
        None,
        "no data rows",
    ),
    "empty sheet": (lambda: _book({"Mitglieder": []}), "empty-sheet", "Mitglieder", None, "empty"),
    "no header row": (
        lambda: _book({"Mitglieder": [["a", "b"], [1, 2]]}),
        "no-header",
        "Mitglieder",
        None,
        "no header row",
    ),
}


def test_excel_bad_workbooks_are_reported_at_their_place_and_nothing_is_written(
    repo: Repository,
) -> None:
    for case, (build, code, sheet, cell, words) in CASES.items():
        report = import_workbook(repo, build(), file=FILE, tenant=TENANT, commit=True)
        assert not report.committed, case
        found = [p for p in report.errors if p.code == code]
        assert found, f"{case}: expected {code}, got {[str(p) for p in report.problems]}"
        problem = found[0]
        assert problem.file == FILE, case
        assert problem.sheet == sheet, case
        assert problem.cell == cell, f"{case}: {problem}"
        assert words in problem.message, f"{case}: {problem.message}"
        assert FILE in str(problem) and (sheet is None or f"sheet '{sheet}'" in str(problem))
    assert count(repo, "Participant") == 0
    assert count(repo, "MeteringPoint") == 0


def test_excel_cached_formula_results_are_used(repo: Repository) -> None:
    rows = _members(2)
    tariffs = _tariffs()
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Mitglieder")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, book.add_format({"num_format": "dd.mm.yyyy"}))  # type: ignore[arg-type]
            elif value is not None:
                sheet.write(r, c, value)
    sheet.write_formula(1, col("Teilnahmefaktor"), "=50+25", None, 75)
    sheet.write_formula(2, col("Teilnahmefaktor"), "=50*2", None, 100)
    tariff_sheet = book.add_worksheet("Tarife")
    for r, row in enumerate(tariffs):
        for c, value in enumerate(row):
            if isinstance(value, date):
                tariff_sheet.write_datetime(r, c, value)  # type: ignore[arg-type]
            elif value is not None:
                tariff_sheet.write(r, c, value)
    book.close()
    report = import_workbook(repo, buffer.getvalue(), file=FILE, tenant=TENANT, commit=True)
    assert report.ok, report.problems
    with repo.unit_of_work(tenant=TENANT, actor="test") as uow:
        factors = sorted(p["participation_factor"] for p in uow.find("Participation").items)
    assert factors == [75, 100]


@pytest.mark.parametrize("name", ["members.XLSX", "Mitglieder Export (1).xlsx"])
def test_excel_problem_text_names_the_file(name: str, sqlite_repo: Repository) -> None:
    report: ImportReport = import_workbook(sqlite_repo, b"", file=name, tenant=TENANT)
    assert str(report.problems[0]).startswith(f"{name}: ")
