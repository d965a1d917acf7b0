"""`meshkit eda ...`: the EDA message store, its processing and the gateway folder.

    meshkit eda inbox [--status quarantined]      inbound messages
    meshkit eda outbox                            outbound messages, attempts, gateway status
    meshkit eda processes [--lang de]             processes, phases, deadlines, response codes
    meshkit eda replay ID [--file fixed.xml]      process a quarantined message again
    meshkit eda retry ID [--folder DIR]           send a failed or waiting outbound message now
    meshkit eda send FILE --folder DIR            store a written document and send it
    meshkit eda poll --folder DIR                 receive, process, send what is due, deadlines

The transport is the gateway's file folder (`--folder` or $MESHKIT_EDA_FOLDER); see docs/eda.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from meshkit.adapters.eda.processing import (
    EdaContext,
    ProcessingConfig,
    ReplayError,
    RetryError,
    check_deadlines,
    create_processing_tables,
    describe_codes,
    process_pending,
    queue_outbound,
    receive,
    replay,
    retry_now,
    send_due,
)
from meshkit.adapters.eda.processing import tables as t
from meshkit.adapters.eda.transport import (
    FileFolderTransport,
    TransportError,
    outbound_from_document,
)
from meshkit.adapters.eda.xml import XSD_DIR_ENV, EdaXmlError
from meshkit.apps.cli.ck import compile_builtin
from meshkit.runtime import Repository, RepositoryError, create_engine, default_sqlite_url
from meshkit.runtime.series import SeriesError, SeriesStore

app = typer.Typer(
    help="The EDA message store: inbox, outbox, processes, replay, retry.", no_args_is_help=True
)
out = Console()
err = Console(stderr=True)

TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="The tenant.")]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        "-d",
        envvar="MESHKIT_DATABASE_URL",
        help=f"sqlite:///file or postgresql://... (default: {default_sqlite_url()}).",
        show_default=False,
    ),
]
FolderOpt = Annotated[
    Path | None,
    typer.Option(
        "--folder", envvar="MESHKIT_EDA_FOLDER", help="The gateway's folder (outbox/, inbox/)."
    ),
]
XsdOpt = Annotated[
    Path | None,
    typer.Option("--xsd-dir", envvar=XSD_DIR_ENV, help="The official EDA XSD folder."),
]
NoValidateOpt = Annotated[
    bool, typer.Option("--no-validate", help="Do not validate documents against the XSDs.")
]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", help="At most this many rows.")]

_EXPECTED = (
    RepositoryError,
    EdaXmlError,
    TransportError,
    ReplayError,
    RetryError,
    SeriesError,
    OSError,
    ValueError,
    sa.exc.SQLAlchemyError,
)


@contextmanager
def _errors_as_one_line() -> Iterator[None]:
    try:
        yield
    except _EXPECTED as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        err.print(f"[red]error[/red] {escape(first)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _context(
    database_url: str | None, tenant: str, xsd_dir: Path | None, no_validate: bool
) -> EdaContext:
    model = compile_builtin("energy_community")
    engine = create_engine(database_url)
    repository = Repository(engine, model)
    repository.create_tables()
    series = SeriesStore(engine, model)
    series.create_tables()
    create_processing_tables(engine)
    config = ProcessingConfig(
        xsd_dir=xsd_dir, validate=not no_validate, transport_name="ponton-folder"
    )
    return EdaContext(repository, series, tenant, config, actor="meshkit-eda-cli")


def _work(ctx: EdaContext, direction: str) -> dict[str, Any]:
    with ctx.repository.engine.connect() as connection:
        rows = connection.execute(
            sa.select(t.work).where(t.work.c.tenant == ctx.tenant, t.work.c.direction == direction)
        ).all()
    return {str(r.message): r for r in rows}


def _when(value: Any) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"


def _messages(ctx: EdaContext, direction: str, status: str | None, limit: int) -> list[Any]:
    where: dict[str, Any] = {"attr": "direction", "op": "eq", "value": direction}
    if status:
        where = {"and": [where, {"attr": "status", "op": "eq", "value": status}]}
    with ctx.unit_of_work() as uow:
        return list(
            uow.find(
                "EdaMessage",
                where=where,
                order_by=["-created_at"],
                first=limit,
            ).items
        )


@app.command("inbox")
def inbox(
    status: Annotated[str | None, typer.Option(help="Only this status, e.g. quarantined.")] = None,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    limit: LimitOpt = 50,
) -> None:
    """Inbound messages, newest first, with duplicates seen and the first problem."""
    with _errors_as_one_line():
        ctx = _context(database_url, tenant, None, True)
        work = _work(ctx, "inbound")
        table = Table(
            "id", "received", "code", "MessageId", "from → to", "status", "dup", "problem"
        )
        for m in _messages(ctx, "inbound", status, limit):
            row = work.get(str(m["id"]))
            errors = m.get("errors") or []
            table.add_row(
                str(m["id"]),
                _when(m.get("received_at")),
                m["message_code"],
                m["message_id"],
                f"{m.get('sender_id') or '?'} → {m.get('receiver_id') or '?'}",
                m["status"],
                str(row.duplicates if row is not None else ""),
                escape(str(errors[0]["message"])[:80]) if errors else "",
            )
        out.print(table)


@app.command("outbox")
def outbox(
    status: Annotated[str | None, typer.Option(help="Only this status, e.g. failed.")] = None,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    limit: LimitOpt = 50,
) -> None:
    """Outbound messages with their gateway status, send attempts and next attempt."""
    with _errors_as_one_line():
        ctx = _context(database_url, tenant, None, True)
        work = _work(ctx, "outbound")
        table = Table("id", "code", "MessageId", "to", "status", "attempts", "next", "last error")
        for m in _messages(ctx, "outbound", status, limit):
            row = work.get(str(m["id"]))
            table.add_row(
                str(m["id"]),
                m["message_code"],
                m["message_id"],
                m.get("receiver_id") or "",
                m["status"],
                str(row.attempts if row is not None else ""),
                _when(row.next_attempt_at if row is not None else None),
                escape(str(row.last_error or "")[:60]) if row is not None else "",
            )
        out.print(table)


@app.command("processes")
def processes(
    state: Annotated[str | None, typer.Option(help="Only this process state.")] = None,
    lang: Annotated[str, typer.Option(help="Response-code texts: en or de.")] = "en",
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    limit: LimitOpt = 50,
) -> None:
    """EDA processes with their phase, deadline and last response code."""
    with _errors_as_one_line():
        ctx = _context(database_url, tenant, None, True)
        with ctx.repository.engine.connect() as connection:
            phases = {
                str(r.process): r
                for r in connection.execute(
                    sa.select(t.phase).where(t.phase.c.tenant == ctx.tenant)
                ).all()
            }
        where = None if not state else {"attr": "process_state", "op": "eq", "value": state}
        with ctx.unit_of_work() as uow:
            items = uow.find("EdaProcess", where=where, order_by=["-created_at"], first=limit).items
        table = Table("process", "conversation", "state", "phase", "deadline", "response")
        for p in items:
            row = phases.get(str(p["id"]))
            code = None if row is None else row.last_response_code
            overdue = row is not None and row.overdue
            table.add_row(
                str(p["process_code"]).upper(),
                p["conversation_id"],
                p["process_state"],
                ("" if row is None else row.phase) + (" [red]overdue[/red]" if overdue else ""),
                _when(p.get("deadline")),
                "" if code is None else describe_codes([code], lang),
            )
        out.print(table)


@app.command("replay")
def replay_command(
    message: Annotated[str, typer.Argument(help="The EdaMessage id (see `meshkit eda inbox`).")],
    file: Annotated[
        Path | None, typer.Option("--file", help="A corrected document to process instead.")
    ] = None,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    xsd_dir: XsdOpt = None,
    no_validate: NoValidateOpt = False,
) -> None:
    """Process a quarantined message again (its stored payload, or a corrected one)."""
    with _errors_as_one_line():
        ctx = _context(database_url, tenant, xsd_dir, no_validate)
        corrected = file.read_bytes() if file is not None else None
        outcome = replay(ctx, message, corrected)
        out.print(f"{message}: {outcome}")
        if outcome != "processed":
            raise typer.Exit(1)


@app.command("retry")
def retry_command(
    message: Annotated[str, typer.Argument(help="The EdaMessage id (see `meshkit eda outbox`).")],
    folder: Annotated[
        Path | None,
        typer.Option(
            "--folder",
            envvar="MESHKIT_EDA_FOLDER",
            help="Also send what is due now through the gateway's folder.",
        ),
    ] = None,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
) -> None:
    """Make a failed outbound message, or one waiting in backoff, due now (and send it)."""
    with _errors_as_one_line():
        ctx = _context(database_url, tenant, None, True)
        scheduled = retry_now(ctx, message)
        note = "; its process waits for the answer again" if scheduled.process_reopened else ""
        out.print(f"{message}: due now ({scheduled.was}, {scheduled.attempts} failed sends){note}")
        if folder is not None:
            report = send_due(ctx, FileFolderTransport(folder))
            with ctx.unit_of_work() as uow:
                status = uow.get("EdaMessage", message)["status"]
            out.print(
                f"{message}: {status}; {report.sent} sent, {report.retrying} to retry, "
                f"{report.failed} failed"
            )
            if status in ("stored", "failed"):
                raise typer.Exit(1)


@app.command("send")
def send_command(
    file: Annotated[Path, typer.Argument(help="A written ebUtilities document.")],
    folder: FolderOpt = None,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
) -> None:
    """Store a document as an outbound message and send it through the gateway folder."""
    with _errors_as_one_line():
        if folder is None:
            raise ValueError("--folder (or $MESHKIT_EDA_FOLDER) names the gateway folder")
        ctx = _context(database_url, tenant, None, True)
        outbound = outbound_from_document(file.read_bytes())
        with ctx.unit_of_work() as uow:
            community = ctx.community_id(uow, outbound.envelope.sender)
        queue_outbound(ctx, outbound, community=community)
        report = send_due(ctx, FileFolderTransport(folder))
        out.print(
            f"{outbound.envelope.message_code} {outbound.envelope.message_id}: "
            f"{report.sent} sent, {report.retrying} to retry, {report.failed} failed"
        )


@app.command("poll")
def poll_command(
    folder: FolderOpt = None,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    xsd_dir: XsdOpt = None,
    no_validate: NoValidateOpt = False,
) -> None:
    """Receive from the gateway folder, process what is stored, send what is due, deadlines."""
    with _errors_as_one_line():
        if folder is None:
            raise ValueError("--folder (or $MESHKIT_EDA_FOLDER) names the gateway folder")
        ctx = _context(database_url, tenant, xsd_dir, no_validate)
        transport = FileFolderTransport(folder)
        received = receive(ctx, transport)
        processed = process_pending(ctx)
        sent = send_due(ctx, transport)
        overdue = check_deadlines(ctx)
        out.print(
            f"received {received.stored} ({received.duplicates} duplicates, "
            f"{received.statuses} statuses); processed {processed.processed}, "
            f"quarantined {processed.quarantined}; sent {sent.sent} "
            f"({sent.retrying} to retry, {sent.failed} failed); {len(overdue)} overdue"
        )
