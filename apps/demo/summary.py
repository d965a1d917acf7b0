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
from meshkit.apps.demo.settlement import Settlement, display_name
from meshkit.runtime import Repository

if TYPE_CHECKING:
    from meshkit.apps.demo import DemoResult

_KIND = {
    "invoice": "invoice",
    "credit_note": "credit note",
    "information_statement": "statement",
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
    for settlement in result.settlements:
        console.print(_energy(settlement, result))
    for settlement in result.settlements:
        console.print(_documents(settlement))
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
    """The command that serves the demo with its local accounts (a fresh session secret) and
    the notifier running (new events become notifications while you click through)."""
    return (
        "MESHKIT_NOTIFY=on "
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
    for settlement in result.settlements:
        c = settlement.community
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


def _energy(settlement: Settlement, result: DemoResult) -> Table:
    c = settlement.community.entity
    title = f"Energy {result.month:%B %Y}: {c['name']} ({c['allocation_model']} allocation)"
    table = Table(title=escape(title), title_justify="left")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    allocation, reconciliation, kpis = (
        settlement.allocation,
        settlement.reconciliation,
        settlement.kpis,
    )
    if allocation is None or reconciliation is None or kpis is None:
        return table
    t = allocation.totals
    table.add_row("consumption (G.01)", f"{kwh(t.consumption)} kWh")
    table.add_row(
        "consumption counted for the community (G.01T)", f"{kwh(t.counted_consumption)} kWh"
    )
    table.add_row("generation (G.01)", f"{kwh(t.generation)} kWh")
    table.add_row("community share (G.03)", f"{kwh(t.shared)} kWh")
    table.add_row("surplus to the grid (P.01T)", f"{kwh(t.surplus)} kWh")
    table.add_row("G.03 + P.01T = counted generation", "yes" if t.conserved else "[red]NO[/red]")
    table.add_row(
        "self-sufficiency / self-consumption",
        f"{_pct(kpis.self_sufficiency)} / {_pct(kpis.self_consumption_rate)}",
    )
    peak = (
        "—"
        if kpis.peak_residual_kw is None or kpis.peak_residual_at is None
        else f"{kpis.peak_residual_kw:,.2f} kW at {kpis.peak_residual_at:%d %b %H:%M}"
    )
    table.add_row("residual draw from the grid, peak", f"{kwh(kpis.residual_draw)} kWh, {peak}")
    table.add_row(
        "reconciled with the grid operator's values",
        f"{reconciliation.compared:,} day values, {reconciliation.within_tolerance:,} within "
        f"tolerance, {reconciliation.opened} findings",
    )
    return table


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value} %"


def _documents(settlement: Settlement) -> Table:
    c = settlement.community
    final, sepa = settlement.final, settlement.sepa
    table = Table(title=escape(f"Final billing run: {c.entity['name']}"), title_justify="left")
    for column in ("member", "document", "number", "PDF", "gross"):
        table.add_column(column, justify="right" if column == "gross" else "left")
    if final is None:
        return table
    names = {p["id"]: p for p in c.participants}
    for document in final.documents:
        member = names.get(document.recipient)
        who = f"{member.get('member_number', '')} {display_name(member)}" if member else ""
        table.add_row(
            escape(who),
            _KIND.get(document.kind, document.kind),
            document.number or "",
            "yes" if document.file else "—",
            euro(document.gross),
        )
    table.add_row(
        "total",
        f"to collect {euro(final.to_collect)}",
        f"to pay out {euro(final.to_pay_out)}",
        f"SEPA files: {len(sepa.files) if sepa else 0}",
        euro(final.gross),
        style="bold",
    )
    return table
