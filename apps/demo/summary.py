"""Demo step: what the run produced, as rich tables (members, points, EDA, energy, documents),
then how to serve it: the command, the URLs of both apps and the demo sign-ins."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from meshkit.apps.demo.seed import DEMO_SIGN_INS
from meshkit.apps.demo.settlement import Allocation, display_name
from meshkit.models.energy_community import billing
from meshkit.runtime import Repository

if TYPE_CHECKING:
    from meshkit.apps.demo import DemoResult

_KIND = {
    billing.DocumentKind.INVOICE: "invoice",
    billing.DocumentKind.CREDIT_NOTE: "credit note",
    billing.DocumentKind.INFORMATION: "statement",
    billing.DocumentKind.CANCELLATION: "cancellation",
}


def eda_messages(repository: Repository, tenant: str) -> Counter[tuple[str, str]]:
    """(message code, direction) -> number of EdaMessage entities."""
    with repository.unit_of_work(tenant=tenant, actor="meshkit-demo") as uow:
        rows = uow.aggregate(
            "EdaMessage", {"n": {"fn": "count"}}, group_by=["message_code", "direction"]
        )
    return Counter({(r["message_code"], r["direction"]): int(r["n"]) for r in rows})


def kwh(value: Decimal) -> str:
    return f"{value:,.1f}"


def euro(value: Decimal) -> str:
    return f"{value:,.2f}"


def print_summary(console: Console, result: DemoResult) -> None:
    console.print()
    console.print(_members(result))
    console.print(_messages(result))
    for allocation in result.allocations:
        console.print(_energy(allocation, result))
    for allocation, run in zip(result.allocations, result.runs, strict=True):
        console.print(_documents(allocation, run))
    path = result.database.resolve()
    console.print(
        f"database: [bold]{escape(str(path))}[/bold] (tenant {result.tenant}); "
        f"raw EDA documents: {escape(str(result.payload_dir.resolve()))}",
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        "look at it: meshkit data dump --database-url "
        + escape(f"sqlite:///{path}")
        + f" --tenant {result.tenant} --class Participation",
        highlight=False,
        soft_wrap=True,
    )
    print_sign_ins(console, result)


#: Where `meshkit serve` listens by default.
SERVER = "http://127.0.0.1:8000"


def serve_command(database: str, tenant: str) -> str:
    """The command that serves the demo with its local accounts (a fresh session secret)."""
    return (
        "MESHKIT_SESSION_SECRET=\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\" "
        f".venv/bin/meshkit serve --database-url sqlite:///{database} --login-tenant {tenant}"
    )


def print_sign_ins(console: Console, result: DemoResult) -> None:
    """The URLs of both apps and the demo sign-ins (DEMO passwords, printed on purpose)."""
    console.print()
    console.print("[bold]serve it[/bold] (`make web` built the apps):", highlight=False)
    console.print(
        "  " + escape(serve_command(str(result.database.resolve()), result.tenant)),
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"  management application: [bold]{SERVER}/app/[/bold]", highlight=False)
    console.print(f"  participant portal:     [bold]{SERVER}/portal/[/bold]", highlight=False)
    table = Table(
        title=f"Demo sign-ins (tenant {result.tenant}; DEMO passwords, for this demo only)",
        title_justify="left",
    )
    for column in ("app", "user name", "password", "who"):
        table.add_column(column, no_wrap=column != "who")
    for sign_in in DEMO_SIGN_INS:
        table.add_row(
            f"/{sign_in.app}/",
            sign_in.username,
            escape(sign_in.password),
            escape(sign_in.who),
        )
    console.print(table)


def _members(result: DemoResult) -> Table:
    table = Table(title="Members and metering points", title_justify="left")
    table.add_column("community")
    table.add_column("EC number")
    for column in ("members", "consumption points", "generation points", "participations"):
        table.add_column(column, justify="right")
    for allocation in result.allocations:
        c = allocation.community
        directions = Counter(p["direction"] for p in c.points.values())
        table.add_row(
            escape(c.entity["name"]),
            c.entity["ec_number"],
            str(len(c.participants)),
            str(directions["consumption"]),
            str(directions["generation"]),
            str(len(c.participations)),
        )
    return table


def _messages(result: DemoResult) -> Table:
    table = Table(title="EDA messages by code", title_justify="left")
    table.add_column("message code")
    table.add_column("direction")
    table.add_column("count", justify="right")
    for (code, direction), count in sorted(result.messages.items()):
        table.add_row(code, direction, str(count))
    return table


def _energy(allocation: Allocation, result: DemoResult) -> Table:
    t = allocation.totals
    c = allocation.community.entity
    title = f"Energy {result.month:%B %Y}: {c['name']} ({c['allocation_model']} allocation)"
    table = Table(title=escape(title), title_justify="left")
    table.add_column("quantity")
    table.add_column("kWh", justify="right")
    share = t.community_share / t.counted_consumption * 100 if t.counted_consumption else 0
    used = t.community_share / t.counted_generation * 100 if t.counted_generation else 0
    table.add_row("consumption (G.01)", kwh(t.consumption))
    table.add_row("consumption counted for the community (G.01T)", kwh(t.counted_consumption))
    table.add_row("generation (G.01)", kwh(t.generation))
    table.add_row(
        f"community share (G.03), {share:.1f} % of the counted consumption",
        kwh(t.community_share),
    )
    table.add_row(f"surplus to the grid (P.01T), {100 - used:.1f} % of generation", kwh(t.surplus))
    conserved = "yes" if allocation.conserved else "[red]NO[/red]"
    table.add_row("G.03 + P.01T = counted generation", conserved)
    table.add_row(
        "values compared with the DSO's",
        f"{allocation.compared:,}: {allocation.differing:,} differ, by at most "
        f"{allocation.largest_difference * 1000:.0f} Wh (rounding)",
    )
    return table


def _documents(allocation: Allocation, run: billing.BillingRun) -> Table:
    c = allocation.community
    title = f"Billing preview {run.period}: {c.entity['name']}"
    table = Table(title=escape(title), title_justify="left")
    for column in ("member", "document", "top lines", "net", "gross"):
        table.add_column(column, justify="right" if column in ("net", "gross") else "left")
    names = {p["member_number"]: display_name(p) for p in c.participants}
    for document in run.documents:
        member = document.recipient.participant_id
        lines = sorted(document.lines, key=lambda line: abs(line.net), reverse=True)[:2]
        top = "\n".join(f"{_line_text(line)}: {euro(line.net)}" for line in lines)
        table.add_row(
            escape(f"{member} {names.get(member, '')}"),
            _KIND.get(document.kind, document.kind.value),
            escape(top),
            euro(document.net),
            euro(document.gross),
        )
    s = run.summary
    table.add_row(
        "total",
        f"{s.invoices} invoices, {s.credit_notes} credit notes",
        f"to collect {euro(s.to_collect)}, to pay out {euro(s.to_pay_out)}",
        euro(s.net),
        euro(s.gross),
        style="bold",
    )
    return table


def _line_text(line: billing.LineItem) -> str:
    what = line.kind.value.replace("_", " ")
    if line.unit.lower() == "kwh":
        return f"{what} {kwh(abs(line.quantity))} kWh"
    return what
