"""The import as a service for the management app: upload → dry-run report, commit by report id.

    service = ImportService(repository, tenant="eeg-musterdorf")
    report = service.upload(data, "mitglieder.xlsx")      # checks, writes nothing
    marked = service.report_workbook(report.report_id)     # the xlsx with problem cells marked
    result = service.commit(report.report_id, actor="alice")

An upload is kept in memory (the last `keep` uploads) until it is committed or pushed out. A
commit runs the import again on the uploaded bytes: if the database changed in between, the
commit's own report is what counts, and an all-or-nothing commit with errors writes nothing.
Several app processes need a shared upload store — a later step.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from meshkit.adapters.excel.importer import import_workbook
from meshkit.adapters.excel.mapping import Mapping, load_mapping
from meshkit.adapters.excel.problems import ImportReport
from meshkit.adapters.excel.report import report_workbook
from meshkit.runtime import Repository


class UnknownUploadError(KeyError):
    """No upload with that report id (never uploaded, already committed, or pushed out)."""


@dataclass(frozen=True)
class _Upload:
    data: bytes
    file: str
    community: str | None
    valid_rows_only: bool
    report: ImportReport


class ImportService:
    """Excel master-data import for one tenant, in two steps."""

    def __init__(
        self,
        repository: Repository,
        *,
        tenant: str,
        mapping: Mapping | None = None,
        keep: int = 20,
    ) -> None:
        self.repository = repository
        self.tenant = tenant
        self.mapping = mapping or load_mapping()
        self.keep = keep
        self._uploads: OrderedDict[str, _Upload] = OrderedDict()
        self._lock = Lock()

    def upload(
        self,
        data: bytes,
        file: str = "upload.xlsx",
        *,
        community: str | None = None,
        valid_rows_only: bool = False,
    ) -> ImportReport:
        """Check the workbook (a dry run); the report's `report_id` names it for `commit`."""
        report = import_workbook(
            self.repository,
            data,
            file=file,
            tenant=self.tenant,
            mapping=self.mapping,
            community=community,
            valid_rows_only=valid_rows_only,
        )
        report.report_id = uuid.uuid4().hex
        with self._lock:
            self._uploads[report.report_id] = _Upload(
                data, file, community, valid_rows_only, report
            )
            while len(self._uploads) > self.keep:
                self._uploads.popitem(last=False)
        return report

    def report(self, report_id: str) -> ImportReport:
        return self._get(report_id).report

    def report_workbook(self, report_id: str) -> bytes:
        """The uploaded workbook with its problem cells marked and a problems sheet."""
        upload = self._get(report_id)
        return report_workbook(upload.data, upload.report)

    def commit(self, report_id: str, *, actor: str = "excel-import") -> ImportReport:
        """Write the upload (all-or-nothing, or its valid rows if uploaded so)."""
        upload = self._get(report_id)
        report = import_workbook(
            self.repository,
            upload.data,
            file=upload.file,
            tenant=self.tenant,
            mapping=self.mapping,
            community=upload.community,
            commit=True,
            valid_rows_only=upload.valid_rows_only,
            actor=actor,
        )
        report.report_id = report_id
        if report.committed:
            with self._lock:
                self._uploads.pop(report_id, None)
        return report

    def _get(self, report_id: str) -> _Upload:
        with self._lock:
            upload = self._uploads.get(report_id)
        if upload is None:
            raise UnknownUploadError(
                f"no upload '{report_id}': it was committed already or is too old; upload again"
            )
        return upload
