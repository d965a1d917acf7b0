"""ImportService: upload → dry-run report, commit by report id."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from excel_support import TENANT, col, count

from meshkit.adapters.excel import ImportService
from meshkit.adapters.excel.service import UnknownUploadError
from meshkit.runtime import Repository


def test_excel_service_upload_then_commit(repo: Repository, workbook: Callable[..., bytes]) -> None:
    service = ImportService(repo, tenant=TENANT)
    report = service.upload(workbook(4), "mitglieder.xlsx")
    assert report.ok and report.report_id
    assert report.created["participant"] == 4
    assert count(repo, "Participant") == 0
    assert service.report_workbook(report.report_id).startswith(b"PK")

    done = service.commit(report.report_id, actor="alice")
    assert done.committed and done.report_id == report.report_id
    assert count(repo, "Participant") == 4
    with pytest.raises(UnknownUploadError):
        service.commit(report.report_id)


def test_excel_service_refuses_a_bad_upload_on_commit(
    repo: Repository, workbook: Callable[..., bytes]
) -> None:
    def bad(rows: list[list[object]]) -> None:
        rows[0][col("IBAN")] = "AT00 0000"

    service = ImportService(repo, tenant=TENANT)
    report = service.upload(workbook(3, bad))
    assert not report.ok
    result = service.commit(report.report_id or "")
    assert not result.committed
    assert count(repo, "Participant") == 0
    valid = service.upload(workbook(3, bad), valid_rows_only=True)
    assert service.commit(valid.report_id or "").committed
    assert count(repo, "Participant") == 2
