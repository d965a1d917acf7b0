"""`meshkit billing run|documents|pdf|sepa`: billing runs of a community, stored in the database.

    meshkit billing run RC100130 2026-03                      # preview (repeatable)
    meshkit billing run RC100130 2026-03 --final --issue-date 2026-04-05
    meshkit billing documents RC100130 --run <run id>
    meshkit billing pdf RC100130 --run <run id> --out invoices/
    meshkit billing sepa RC100130 <run id> 2026-04-20 --out sepa/
    meshkit billing mark-sent RC100130 R-2026-000001
    meshkit billing mark-paid RC100130 R-2026-000001 --amount 20.00 --date 2026-04-10
    meshkit billing camt RC100130 statement.xml

Each command calls the EnergyCommunity command `bill`, `sepa`, `mark_sent`, `mark_paid` or
`import_statement` (docs/billing.md, "Runs in the database" and "Payments") in one unit of work
on a migrated database; a refusal is one line on stderr and exit code 1.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from meshkit.apps.cli.energy import (
    DEFAULT_MODEL,
    DatabaseOpt,
    ModelOpt,
    TenantOpt,
    err,
    find_community,
    out,
    unit_of_work,
)
from meshkit.models.energy_community.behaviours.billing import (
    BillingRunResult,
    DocumentStateResult,
    PaymentResult,
    SepaResult,
    StatementResult,
    file_bytes,
)
from meshkit.models.energy_community.behaviours.billing_store import load_content
from meshkit.models.energy_community.billing.camt import StatementError, statement_text

app = typer.Typer(help="Billing runs, their documents, PDFs and SEPA files.", no_args_is_help=True)

CommunityArg = Annotated[str, typer.Argument(help="EC number, community id or entity id.")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder to write the files to.")]
RunOpt = Annotated[str | None, typer.Option("--run", help="Only the documents of this run.")]
DocumentArg = Annotated[str, typer.Argument(help="Document number (e.g. R-2026-000001) or id.")]


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01" if len(text) == 7 else text)
    except ValueError:
        err.print(f"[red]error[/red]: period {text!r}: write the first month, e.g. 2026-03")
        raise typer.Exit(1) from None


@app.command("run")
def run_command(
    community: CommunityArg,
    period: Annotated[str, typer.Argument(help="First month of the period, e.g. 2026-03.")],
    final: Annotated[bool, typer.Option("--final", help="Issue numbered documents.")] = False,
    basis: Annotated[str, typer.Option(help="operator or calculated energy data.")] = "operator",
    issue_date: Annotated[str | None, typer.Option(help="Issue date (YYYY-MM-DD).")] = None,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """Bill every member for the period and store the run (preview unless --final)."""
    with unit_of_work(database_url, model, tenant) as uow:
        entity = find_community(uow, community)
        result: BillingRunResult = uow.call(
            "EnergyCommunity",
            entity["id"],
            "bill",
            period=_month(period),
            kind="final" if final else "preview",
            basis=basis,
            issue_date=issue_date,
        )
    table = Table(
        title=f"{result.kind} run {result.run} ({result.period_start}–{result.period_end})"
    )
    for column in ("document", "kind", "number", "gross"):
        table.add_column(column)
    for d in result.documents:
        table.add_row(d.id, d.kind, d.number or "(draft)", f"{d.gross:,.2f}")
    out.print(table)
    out.print(f"to collect {result.to_collect:,.2f} EUR, to pay out {result.to_pay_out:,.2f} EUR")
    for problem in result.problems:
        out.print(f"[yellow]problem[/yellow]: {problem}", highlight=False)


@app.command("documents")
def documents_command(
    community: CommunityArg,
    run: RunOpt = None,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """List the community's billing documents."""
    with unit_of_work(database_url, model, tenant, writing=False) as uow:
        entity = find_community(uow, community)
        where: list[dict[str, object]] = [{"attr": "community", "value": entity["id"]}]
        if run:
            where.append({"attr": "billing_run", "value": run})
        docs = uow.find("BillingDocument", {"and": where}, order_by=["number"], first=1000).items
    table = Table()
    for column in ("id", "class", "number", "state", "gross"):
        table.add_column(column)
    for d in docs:
        table.add_row(
            d["id"],
            str(d["type"]).split("/")[-1],
            d["number"] or "(draft)",
            d["document_state"],
            f"{d['gross_amount'] or 0:,.2f}",
        )
    out.print(table)


@app.command("pdf")
def pdf_command(
    community: CommunityArg,
    out_dir: OutOpt = Path("."),
    run: RunOpt = None,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """Write the stored PDFs of the community's final documents (of one run with --run)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with unit_of_work(database_url, model, tenant) as uow:
        entity = find_community(uow, community)
        where: list[dict[str, object]] = [
            {"attr": "community", "value": entity["id"]},
            {"attr": "media_type", "value": "application/pdf"},
        ]
        if run:
            where.append({"attr": "billing_run", "value": run})
        files = uow.find("Document", {"and": where}, first=10_000).items
        for f in files:
            path = out_dir / str(f["file_name"])
            path.write_bytes(load_content(uow.connection, uow.tenant, str(f["content"])))
            out.print(str(path), highlight=False)


@app.command("sepa")
def sepa_command(
    community: CommunityArg,
    run: Annotated[str, typer.Argument(help="The final run's id.")],
    collection_date: Annotated[str, typer.Argument(help="Collection/execution date.")],
    out_dir: OutOpt = Path("."),
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """Store and write the pain.008 and pain.001 files of a final run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with unit_of_work(database_url, model, tenant) as uow:
        entity = find_community(uow, community)
        result: SepaResult = uow.call(
            "EnergyCommunity", entity["id"], "sepa", run=run, collection_date=collection_date
        )
        for file_id in result.files:
            path = out_dir / str(uow.get("Document", file_id)["file_name"])
            path.write_bytes(file_bytes(uow, file_id))
            out.print(str(path), highlight=False)
    for left in result.left_out:
        out.print(f"[yellow]left out[/yellow]: {left}", highlight=False)


@app.command("mark-sent")
def mark_sent_command(
    community: CommunityArg,
    document: DocumentArg,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """Record that a final document was sent to the member (final → sent)."""
    with unit_of_work(database_url, model, tenant) as uow:
        entity = find_community(uow, community)
        result: DocumentStateResult = uow.call(
            "EnergyCommunity", entity["id"], "mark_sent", document=document
        )
    out.print(f"{result.number}: {result.state}", highlight=False)


@app.command("mark-paid")
def mark_paid_command(
    community: CommunityArg,
    document: DocumentArg,
    amount: Annotated[
        str | None, typer.Option(help="Amount paid (e.g. 20.00); default all that is open.")
    ] = None,
    paid_on: Annotated[
        str | None, typer.Option("--date", help="Value date (YYYY-MM-DD); default today.")
    ] = None,
    reference: Annotated[str | None, typer.Option(help="Remittance information, a note.")] = None,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """Book a payment of a document by hand; a part payment leaves the rest open."""
    value = None
    if amount is not None:
        try:
            value = Decimal(amount.replace(",", "."))
        except InvalidOperation:
            err.print(f"[red]error[/red]: amount {amount!r} is not a number, e.g. 20.00")
            raise typer.Exit(1) from None
    day = None
    if paid_on is not None:
        try:
            day = date.fromisoformat(paid_on)
        except ValueError:
            err.print(f"[red]error[/red]: date {paid_on!r}: write it as YYYY-MM-DD")
            raise typer.Exit(1) from None
    with unit_of_work(database_url, model, tenant) as uow:
        entity = find_community(uow, community)
        result: PaymentResult = uow.call(
            "EnergyCommunity",
            entity["id"],
            "mark_paid",
            document=document,
            amount=value,
            paid_on=day,
            reference=reference,
        )
    out.print(
        f"{result.number}: {result.amount:,.2f} EUR booked, {result.paid:,.2f} EUR paid, "
        f"{result.open:,.2f} EUR open — {result.state}",
        highlight=False,
    )


@app.command("camt")
def camt_command(
    community: CommunityArg,
    statement: Annotated[Path, typer.Argument(help="A camt.053 bank statement (XML).")],
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """Mark documents paid from a camt.053 bank statement; lists what could not be matched."""
    try:
        text = statement_text(statement.read_bytes())
    except OSError as exc:
        err.print(f"[red]error[/red]: {statement}: {exc.strerror or exc}")
        raise typer.Exit(1) from None
    except StatementError as exc:
        err.print(f"[red]error[/red]: {statement}: {exc}", highlight=False)
        raise typer.Exit(1) from None
    with unit_of_work(database_url, model, tenant) as uow:
        entity = find_community(uow, community)
        result: StatementResult = uow.call(
            "EnergyCommunity", entity["id"], "import_statement", statement=text
        )
    out.print(
        f"{result.entries} transactions: {len(result.matched)} matched, "
        f"{len(result.unmatched)} not matched; paid in full: {', '.join(result.paid) or '—'}",
        highlight=False,
    )
    if result.unmatched:
        table = Table(title="not matched (book these by hand)")
        for column in ("line", "amount", "direction", "reference", "reason"):
            table.add_column(column)
        for line in result.unmatched:
            table.add_row(
                str(line.line),
                f"{line.amount:,.2f}",
                "in" if line.credit else "out",
                line.text[:40],
                line.reason,
            )
        out.print(table)
