"""The Excel import over HTTP, for the management app's import wizard (docs/excel-import.md).

    POST /import/xlsx?file=mitglieder.xlsx[&community=RC100130][&valid_rows_only=1]
         body: the workbook's bytes            -> 200 the dry-run report (JSON), writes nothing
    GET  /import/{report_id}/report.xlsx       -> the workbook with the problem cells marked
    POST /import/{report_id}/commit            -> 200 the import's report; 422 when it refused

Who may import: a signed-in caller whose roles may create and update every class the import
writes (Participant, MeteringPoint, Participation, Tariff) — the operator's admins; the policy
decides, as for GraphQL. Everything happens in the caller's tenant. Uploads are kept in memory
per tenant (`ImportService`), so a report id from another tenant is unknown. Bodies above
`MAX_UPLOAD` bytes are refused before they are read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from meshkit.adapters.excel.problems import ExcelImportError, ImportReport, Problem
from meshkit.adapters.excel.service import ImportService, UnknownUploadError
from meshkit.runtime.auth import Principal
from meshkit.runtime.auth.starlette import principal_of

MAX_UPLOAD = 20 * 1024 * 1024
#: The classes an import writes; the caller needs create and update on each.
WRITTEN = ("Participant", "MeteringPoint", "Participation", "Tariff")
_NO_STORE = {"Cache-Control": "private, no-store"}
_FILE = re.compile(r"^[^/\\\x00-\x1f]{1,200}$")
_REPORT_ID = re.compile(r"^[0-9a-f]{32}$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _error(status: int, error: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(
        {"error": error, "message": message, **extra}, status_code=status, headers=_NO_STORE
    )


async def _caller(request: Request) -> tuple[Principal, Any] | JSONResponse:
    """The principal and the live schema (repository, policy), or the refusal to send."""
    principal = principal_of(request)
    if principal.is_anonymous or not principal.tenant:
        return _error(401, "unauthenticated", "sign in: send Authorization: Bearer <token>")
    live = await request.app.state.live.refresh()
    policy = live.policy
    if policy is not None:
        missing = [
            f"{operation} {cls}"
            for cls in WRITTEN
            for operation in ("create", "update")
            if not policy.allows(principal, cls, operation)
        ]
        if missing:
            return _error(
                403,
                "forbidden",
                "importing master data needs create and update on "
                + ", ".join(WRITTEN)
                + f"; your roles lack: {', '.join(missing)}",
            )
    return principal, live


def _service(request: Request, live: Any, tenant: str) -> ImportService:
    """One import service per tenant (and per model version: an upgrade starts afresh)."""
    state = request.app.state
    services: dict[tuple[str, str], ImportService] = getattr(state, "import_services", None) or {}
    state.import_services = services
    key = (tenant, f"{live.repository.model.root} {live.repository.model.version}")
    if key not in services:
        services[key] = ImportService(live.repository, tenant=tenant)
    return services[key]


def report_json(report: ImportReport) -> dict[str, Any]:
    """The report as the wizard shows it: counts per kind and every problem with its cell."""
    return {
        "reportId": report.report_id,
        "file": report.file,
        "ok": report.ok,
        "committed": report.committed,
        "dryRun": report.dry_run,
        "validRowsOnly": report.valid_rows_only,
        "rows": report.rows,
        "skippedRows": report.skipped_rows,
        "created": dict(report.created),
        "updated": dict(report.updated),
        "unchanged": dict(report.unchanged),
        "changedAttributes": report.changed_attributes,
        "summary": report.summary(),
        "problems": _problems(report.problems),
    }


def _problems(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    return [
        {
            "severity": str(p.severity),
            "code": p.code,
            "message": p.message,
            "sheet": p.sheet,
            "row": p.row,
            "cell": p.cell,
            "header": p.header,
            "value": p.value,
            "where": p.where,
        }
        for p in problems
    ]


async def upload(request: Request) -> Response:
    caller = await _caller(request)
    if isinstance(caller, JSONResponse):
        return caller
    principal, live = caller
    file = request.query_params.get("file") or "upload.xlsx"
    if not _FILE.match(file):
        return _error(400, "bad-file-name", "file: a plain file name, e.g. mitglieder.xlsx")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD:
        return _error(413, "too-large", f"{file}: larger than {MAX_UPLOAD // 2**20} MiB")
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > MAX_UPLOAD:
            return _error(413, "too-large", f"{file}: larger than {MAX_UPLOAD // 2**20} MiB")
    if not data:
        return _error(400, "empty", f"{file}: the upload is empty; send the workbook as the body")
    service = _service(request, live, str(principal.tenant))
    community = request.query_params.get("community") or None
    valid_rows_only = request.query_params.get("valid_rows_only") in ("1", "true")
    try:
        report = await anyio.to_thread.run_sync(
            lambda: service.upload(
                bytes(data), file, community=community, valid_rows_only=valid_rows_only
            )
        )
    except ExcelImportError as exc:
        return _error(
            422,
            "unreadable",
            "; ".join(str(p) for p in exc.problems),
            problems=_problems(exc.problems),
        )
    return JSONResponse(report_json(report), headers=_NO_STORE)


def _report_id(request: Request) -> str | None:
    found = str(request.path_params["report_id"])
    return found if _REPORT_ID.match(found) else None


async def marked_workbook(request: Request) -> Response:
    caller = await _caller(request)
    if isinstance(caller, JSONResponse):
        return caller
    principal, live = caller
    report_id = _report_id(request)
    if report_id is None:
        return _error(404, "not-found", "no such upload")
    service = _service(request, live, str(principal.tenant))
    try:
        data = await anyio.to_thread.run_sync(service.report_workbook, report_id)
        file = service.report(report_id).file
    except UnknownUploadError as exc:
        return _error(404, "not-found", str(exc.args[0]))
    name = re.sub(r"\.xlsx$", "", file, flags=re.IGNORECASE) + "-report.xlsx"
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"', **_NO_STORE},
    )


async def commit(request: Request) -> Response:
    caller = await _caller(request)
    if isinstance(caller, JSONResponse):
        return caller
    principal, live = caller
    report_id = _report_id(request)
    if report_id is None:
        return _error(404, "not-found", "no such upload")
    service = _service(request, live, str(principal.tenant))
    try:
        report = await anyio.to_thread.run_sync(
            lambda: service.commit(report_id, actor=principal.actor)
        )
    except UnknownUploadError as exc:
        return _error(404, "not-found", str(exc.args[0]))
    return JSONResponse(
        report_json(report), status_code=200 if report.committed else 422, headers=_NO_STORE
    )


def import_routes() -> list[Route]:
    """The routes `meshkit serve` adds next to the API (they read `app.state.live`)."""
    return [
        Route("/import/xlsx", upload, methods=["POST"]),
        Route("/import/{report_id}/report.xlsx", marked_workbook, methods=["GET"]),
        Route("/import/{report_id}/commit", commit, methods=["POST"]),
    ]


__all__ = ["MAX_UPLOAD", "import_routes", "report_json"]
