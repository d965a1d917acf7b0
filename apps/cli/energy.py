"""`meshkit energy allocate|reconcile|findings|kpis`: a community's own allocation, its
reconciliation with the grid operator's values, the findings and the key figures.

    meshkit energy allocate RC100130 2026-03
    meshkit energy reconcile RC100130 2026-03 --tolerance-kwh 0.1 --tolerance-percent 2
    meshkit energy findings RC100130 --state open --intervals
    meshkit energy kpis RC100130 2026-03-01..2026-03-15 --basis operator
    meshkit energy assets RC100130 2026-03 --min-outage 8
    meshkit energy report RC100130 2026 --out reports/
    meshkit energy generate data/synthetic.parquet --consumers 900 --producers 100 --days 365

`generate` writes synthetic values to a file (no database). Each other command calls the
EnergyCommunity command of the same name (docs/allocation.md) in one
unit of work on a migrated database (`meshkit db upgrade`); a refusal is one line on stderr
and exit code 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import OperationalError

from meshkit.apps.cli.ck import compile_builtin
from meshkit.models.energy_community.behaviours.allocation import AllocationSummary, EnergyTotals
from meshkit.models.energy_community.behaviours.annual_report import AnnualReport
from meshkit.models.energy_community.behaviours.assets import AssetReport
from meshkit.models.energy_community.behaviours.billing_store import load_content
from meshkit.models.energy_community.behaviours.kpis import KpiReport
from meshkit.models.energy_community.behaviours.reconciliation import (
    ReconciliationSummary,
    Tolerance,
)
from meshkit.models.energy_community.synthetic import generate
from meshkit.runtime import Entity, Repository, RepositoryError, UnitOfWork, create_engine
from meshkit.runtime import default_sqlite_url as _default_url
from meshkit.runtime.migrations import DatabaseMismatchError, check_database

app = typer.Typer(
    help="A community's own allocation, its reconciliation with the grid operator, findings "
    "and key figures.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)

DEFAULT_MODEL = "energy_community"
ACTOR = "meshkit-energy"
COMMUNITY = "EnergyCommunity"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

CommunityArg = Annotated[
    str,
    typer.Argument(
        help="The community: its EC number (RC100130), community id or entity id.",
        show_default=False,
    ),
]
PeriodArg = Annotated[
    str,
    typer.Argument(
        help="A month (2026-03), a day (2026-03-05) or days (2026-03-01..2026-03-15).",
        show_default=False,
    ),
]
TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="The tenant of the community.")]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        "-d",
        envvar="MESHKIT_DATABASE_URL",
        help="sqlite:///path/file.sqlite or postgresql://user@host/db "
        f"(default: {_default_url()}).",
        show_default=False,
    ),
]
ModelOpt = Annotated[str, typer.Option("--model", "-m", help="The built-in model.")]


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error[/red]: {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def parse_period(text: str) -> tuple[date, date]:
    """`2026-03` → the month; `2026-03-05` → that day; `2026-03-01..2026-03-15` → those days."""
    try:
        if month := _MONTH.match(text.strip()):
            first = date(int(month[1]), int(month[2]), 1)
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return first, following - timedelta(days=1)
        low, _, high = text.strip().partition("..")
        first = date.fromisoformat(low)
        last = date.fromisoformat(high) if high else first
    except ValueError:
        _fail(f"period {text!r}: write a month (2026-03), a day (2026-03-05) or days (A..B)")
    if last < first:
        _fail(f"period {text!r} ends before it starts")
    return first, last


@contextmanager
def unit_of_work(
    database_url: str | None, model: str, tenant: str, *, writing: bool = True
) -> Iterator[UnitOfWork]:
    """A unit of work on a database that holds exactly the model's versions; `writing` (the
    default: most commands read and then write) takes SQLite's write lock when it begins, so a
    server committing meanwhile makes the command wait instead of fail."""
    compiled = compile_builtin(model)
    engine = create_engine(database_url)
    try:
        check_database(engine, compiled)
    except DatabaseMismatchError as exc:
        _fail(str(exc))
    try:
        repository = Repository(engine, compiled)
        with repository.unit_of_work(tenant=tenant, actor=ACTOR, writing=writing) as uow:
            yield uow
    except RepositoryError as exc:
        _fail(str(exc))
    except OperationalError as exc:  # e.g. SQLite's "database is locked" after the busy wait
        _fail(f"the database refused: {str(exc.orig).strip() or type(exc.orig).__name__}")
    finally:
        engine.dispose()


def find_community(uow: UnitOfWork, ref: str) -> Entity:
    for attr in ("ec_number", "community_id", "id"):
        found = uow.find(
            COMMUNITY,
            {"and": [{"attr": attr, "value": ref}, {"attr": "state", "value": "active"}]},
            first=1,
        ).items
        if found:
            return found[0]
    _fail(f"no community {ref!r} (give its EC number, community id or entity id)")


def _kwh(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.3f}"


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value} %"


def _totals_table(title: str, totals: EnergyTotals) -> Table:
    table = Table(title=title)
    table.add_column("quantity")
    table.add_column("meter code")
    table.add_column("kWh", justify="right")
    for label, code, value in (
        ("consumption", "1-1:1.9.0 G.01", totals.consumption),
        ("counted consumption", "1-1:1.9.0 G.01T", totals.counted_consumption),
        ("generation", "1-1:2.9.0 G.01", totals.generation),
        ("counted generation", "1-1:2.9.0 G.01T", totals.counted_generation),
        ("received from the community", "1-1:2.9.0 G.03", totals.shared),
        ("surplus to the grid", "1-1:2.9.0 P.01T", totals.surplus),
    ):
        table.add_row(label, code, _kwh(value))
    return table


@app.command("allocate")
def allocate_command(
    community: CommunityArg,
    period: PeriodArg,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """Allocate the period's measured energy and store it beside the grid operator's values."""
    first, last = parse_period(period)
    with unit_of_work(database_url, model, tenant) as uow:
        entity = find_community(uow, community)
        result: AllocationSummary = uow.call(
            COMMUNITY, entity["id"], "allocate", period=first, last_day=last
        )
    title = f"{result.community} {result.first_day}..{result.last_day} ({result.model})"
    out.print(_totals_table(f"Allocation {title}", result.totals))
    conserved = "[green]yes[/green]" if result.conserved else "[red]NO[/red]"
    out.print(
        f"{result.metering_points} metering points, {result.quarter_hours:,} quarter hours; "
        f"conserved (G.03 + P.01T = counted generation): {conserved}"
    )
    out.print(
        f"stored: {result.inserted:,} new, {result.replaced:,} replaced (old values kept as "
        f"history), {result.unchanged:,} unchanged; source {escape(result.source)}"
    )
    if result.stale:
        out.print(
            f"[yellow]{result.stale:,} stored values of the period were not produced again "
            "(no counting participation any more); they stay as they are[/yellow]"
        )


@app.command("reconcile")
def reconcile_command(
    community: CommunityArg,
    period: PeriodArg,
    tolerance_kwh: Annotated[
        str, typer.Option(help="A day is a finding when it differs by more kWh than this ...")
    ] = str(Tolerance.kwh),
    tolerance_percent: Annotated[
        str, typer.Option(help="... and by more than this percent of the grid operator's value.")
    ] = str(Tolerance.percent),
    interval_kwh: Annotated[
        str, typer.Option(help="A finding lists the quarter hours differing by more kWh.")
    ] = str(Tolerance.interval_kwh),
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """Compare the community's allocation with the grid operator's and record the findings."""
    first, last = parse_period(period)
    try:
        tolerance = Tolerance(
            Decimal(tolerance_kwh), Decimal(tolerance_percent), Decimal(interval_kwh)
        )
    except (ArithmeticError, ValueError) as exc:
        _fail(f"tolerance: {exc}")
    with unit_of_work(database_url, model, tenant) as uow:
        entity = find_community(uow, community)
        result: ReconciliationSummary = uow.call(
            COMMUNITY, entity["id"], "reconcile", period=first, last_day=last, tolerance=tolerance
        )
    table = Table(title=f"Findings {result.community} {result.first_day}..{result.last_day}")
    for column in ("day", "metering point", "meter code", "ours", "theirs", "deviation"):
        table.add_column(column, justify="right" if column in ("ours", "theirs") else "left")
    table.add_column("intervals", justify="right")
    table.add_column("state")
    table.add_column("this run")
    for f in result.findings:
        table.add_row(
            str(f.day),
            f.metering_point_number,
            f.meter_code,
            _kwh(f.ours),
            _kwh(f.theirs),
            _kwh(f.deviation),
            str(f.intervals),
            f.finding_state,
            f.change,
        )
    if result.findings:
        out.print(table)
    out.print(
        f"{result.compared:,} day values compared, {result.within_tolerance:,} within "
        f"{result.tolerance.kwh} kWh / {result.tolerance.percent} %; findings: "
        f"{result.opened} new, {result.reopened} reopened, {result.updated} updated, "
        f"{result.resolved} resolved; {result.open_findings} open in the period"
    )
    if result.outdated:
        out.print(
            f"[yellow]{result.outdated} days: the measured G.01 changed since the allocation; "
            "run `meshkit energy allocate` again[/yellow]"
        )
    if result.days_without_operator_data:
        out.print(f"{result.days_without_operator_data} calculated days not reported yet")


@app.command("findings")
def findings_command(
    community: Annotated[
        str | None, typer.Argument(help="Only this community (default: all).", show_default=False)
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="Only these days (2026-03, 2026-03-05, A..B).")
    ] = None,
    state: Annotated[str, typer.Option(help="open, acknowledged, resolved or all.")] = "open",
    intervals: Annotated[bool, typer.Option(help="List each finding's quarter hours.")] = False,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """List reconciliation findings."""
    if state not in ("open", "acknowledged", "resolved", "all"):
        _fail(f"--state is open, acknowledged, resolved or all, not {state!r}")
    where: list[dict[str, Any]] = [{"attr": "state", "value": "active"}]
    if state != "all":
        where.append({"attr": "finding_state", "value": state})
    if period is not None:
        first, last = parse_period(period)
        where.append({"attr": "day", "op": "between", "value": [first, last]})
    with unit_of_work(database_url, model, tenant) as uow:
        if community is not None:
            where.append({"attr": "community", "value": find_community(uow, community)["id"]})
        names = {c["id"]: c["ec_number"] for c in uow.find(COMMUNITY, first=10_000).items}
        found = uow.find(
            "ReconciliationFinding",
            {"and": where},
            order_by=["day", "metering_point_number", "meter_code"],
            first=10_000,
        ).items
    table = Table(title=f"Reconciliation findings ({state})")
    for column in ("community", "day", "metering point", "meter code"):
        table.add_column(column)
    for column in ("ours", "theirs", "deviation", "intervals"):
        table.add_column(column, justify="right")
    table.add_column("state")
    table.add_column("note")
    for f in found:
        table.add_row(
            str(names.get(f["community"], f["community"])),
            str(f["day"]),
            str(f["metering_point_number"]),
            str(f["meter_code"]),
            _kwh(f["ours"]),
            _kwh(f["theirs"]),
            _kwh(f["deviation"]),
            str(len(f["intervals"] or [])),
            str(f["finding_state"]),
            escape(str(f["note"] or "")),
        )
    out.print(table)
    out.print(f"{len(found)} finding{'s' if len(found) != 1 else ''}")
    if intervals:
        for f in found:
            detail = Table(title=f"{f['metering_point_number']} {f['meter_code']} {f['day']}")
            detail.add_column("start (UTC)")
            detail.add_column("ours", justify="right")
            detail.add_column("theirs", justify="right")
            for i in f["intervals"] or []:
                detail.add_row(str(i["start"]), _kwh(i.get("ours")), _kwh(i.get("theirs")))
            out.print(detail)


@app.command("kpis")
def kpis_command(
    community: CommunityArg,
    period: PeriodArg,
    basis: Annotated[
        str, typer.Option(help="calculated (own allocation) or operator (grid operator's).")
    ] = "calculated",
    co2_factor: Annotated[
        str | None,
        typer.Option(
            "--co2-factor",
            help="kg CO2 per kWh of the grid energy the shared energy replaced, e.g. 0.2.",
            show_default=False,
        ),
    ] = None,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """Key figures: self-consumption, self-sufficiency, community share, surplus, residual draw
    and its peak, avoided CO2, members."""
    first, last = parse_period(period)
    if basis not in ("calculated", "operator"):
        _fail(f"--basis is calculated or operator, not {basis!r}")
    factor = None
    if co2_factor is not None:
        try:
            factor = Decimal(co2_factor.replace(",", "."))
        except ArithmeticError:
            _fail(f"--co2-factor {co2_factor!r}: write kg per kWh as a number, e.g. 0.2")
    with unit_of_work(database_url, model, tenant, writing=False) as uow:
        entity = find_community(uow, community)
        report: KpiReport = uow.call(
            COMMUNITY,
            entity["id"],
            "kpis",
            period=first,
            last_day=last,
            basis=basis,
            co2_factor=factor,
        )
    title = f"{report.community} {report.first_day}..{report.last_day} ({report.basis})"
    out.print(_totals_table(f"Energy {title}", report.totals))
    figures = Table(title=f"Key figures {title}")
    figures.add_column("figure")
    figures.add_column("value", justify="right")
    for label, value in (
        ("self-consumption rate (G.03 / counted generation)", _pct(report.self_consumption_rate)),
        ("self-sufficiency (G.03 / counted consumption)", _pct(report.self_sufficiency)),
        ("community share of consumption (G.03 / G.01)", _pct(report.community_share)),
        ("surplus (P.01T)", f"{_kwh(report.surplus)} kWh"),
        ("surplus rate (P.01T / counted generation)", _pct(report.surplus_rate)),
        ("active participants", str(report.active_participants)),
        (
            "residual draw from the grid (counted consumption − G.03)",
            f"{_kwh(report.residual_draw)} kWh",
        ),
        (
            "peak residual load",
            "—"
            if report.peak_residual_kw is None or report.peak_residual_at is None
            else f"{report.peak_residual_kw:,.2f} kW at {report.peak_residual_at:%Y-%m-%d %H:%M}",
        ),
        (
            "avoided CO2",
            "— (give --co2-factor)"
            if report.avoided_co2_kg is None
            else f"{report.avoided_co2_kg:,.1f} kg at {report.co2_factor} kg/kWh",
        ),
    ):
        figures.add_row(label, value)
    out.print(figures)
    members = Table(title="Members")
    members.add_column("member")
    members.add_column("name")
    for column in ("consumption", "received", "share of received", "self-sufficiency"):
        members.add_column(column, justify="right")
    for column in ("generation", "delivered", "share of delivered"):
        members.add_column(column, justify="right")
    for m in report.members:
        members.add_row(
            escape(m.member_number or ""),
            escape(m.name),
            _kwh(m.consumption),
            _kwh(m.received),
            _pct(m.share_of_received),
            _pct(m.self_sufficiency),
            _kwh(m.generation),
            _kwh(m.delivered),
            _pct(m.share_of_delivered),
        )
    out.print(members)


@app.command("assets")
def assets_command(
    community: CommunityArg,
    period: PeriodArg,
    min_outage: Annotated[
        int,
        typer.Option(
            "--min-outage", min=1, help="Quarter hours without generation that make an outage."
        ),
    ] = 4,
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """Generation points: specific yield against last year and peers, and outages, which are
    stored as asset findings (one per generation unit and day; running again updates them)."""
    first, last = parse_period(period)
    with unit_of_work(database_url, model, tenant) as uow:
        entity = find_community(uow, community)
        report: AssetReport = uow.call(
            COMMUNITY,
            entity["id"],
            "assets",
            period=first,
            last_day=last,
            min_outage_quarter_hours=min_outage,
        )
    title = f"{report.community} {report.first_day}..{report.last_day}"
    table = Table(title=f"Generation {title}")
    table.add_column("metering point")
    table.add_column("technology")
    for column in ("kWp", "kWh", "kWh/kWp", "last year", "peers", "vs peers", "outage QH"):
        table.add_column(column, justify="right")
    for a in report.assets:
        table.add_row(
            a.metering_point,
            a.technology or "—",
            "—" if a.peak_power_kwp is None else f"{a.peak_power_kwp:,.1f}",
            _kwh(a.generation),
            "—" if a.specific_yield is None else f"{a.specific_yield}",
            "—" if a.specific_yield_last_year is None else f"{a.specific_yield_last_year}",
            "—" if a.peer_median is None else f"{a.peer_median}",
            _pct(a.relative_to_peers),
            str(a.outage_quarter_hours),
        )
    out.print(table)
    if not report.outages:
        out.print("no outages", highlight=False)
    for o in report.outages:
        out.print(
            f"outage {o.metering_point} {o.day}: {o.quarter_hours} quarter hours without "
            f"generation while peers produced ({o.first:%H:%M}–{o.last:%H:%M})",
            highlight=False,
            soft_wrap=True,
        )
    stored = report.findings
    out.print(
        f"asset findings: {stored.opened} new, {stored.reopened} reopened, "
        f"{stored.updated} updated, {stored.unchanged} unchanged, {stored.resolved} resolved; "
        f"{stored.open_findings} open in the period",
        highlight=False,
    )
    if stored.without_unit:
        out.print(
            f"[yellow]{stored.without_unit} outages at points without a generation unit: not "
            "stored as findings (add the unit to the metering point)[/yellow]"
        )


@app.command("report")
def report_command(
    community: CommunityArg,
    year: Annotated[int, typer.Argument(help="The calendar year.", show_default=False)],
    folder: Annotated[
        Path | None,
        typer.Option("--out", help="Also write the xlsx and the PDF into this folder."),
    ] = None,
    basis: Annotated[
        str, typer.Option(help="operator (the grid operator's values) or calculated.")
    ] = "operator",
    tenant: TenantOpt = "default",
    database_url: DatabaseOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
) -> None:
    """The annual report (members, metering points, energy per month, generation by source),
    stored as an xlsx and a PDF Document of the community."""
    if basis not in ("calculated", "operator"):
        _fail(f"--basis is calculated or operator, not {basis!r}")
    files: list[tuple[str, bytes]] = []
    with unit_of_work(database_url, model, tenant, writing=False) as uow:
        entity = find_community(uow, community)
        report: AnnualReport = uow.call(
            COMMUNITY, entity["id"], "annual_report", year=year, basis=basis
        )
        for document_id in (report.xlsx, report.pdf):
            document = uow.get("Document", document_id)
            files.append(
                (
                    str(document["file_name"]),
                    load_content(uow.connection, uow.tenant, str(document["content"])),
                )
            )
    out.print(_totals_table(f"Energy {report.community} {report.year}", report.totals))
    out.print(
        f"members at the year's end {report.members_at_year_end} (joined "
        f"{report.members_joined}, left {report.members_left}); metering points "
        f"{report.consumption_points} consumption, {report.generation_points} generation; "
        f"stored as Documents {report.xlsx} (xlsx) and {report.pdf} (PDF)",
        highlight=False,
        soft_wrap=True,
    )
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in files:
                (folder / name).write_bytes(data)
        except OSError as exc:
            _fail(f"{folder}: {exc.strerror or exc}")
        out_names = ", ".join(str(folder / name) for name, _ in files)
        out.print(f"written: {out_names}", highlight=False, soft_wrap=True)


_FORMATS = {".parquet": "parquet", ".csv": "csv"}


@app.command("generate")
def generate_command(
    out_file: Annotated[
        Path,
        typer.Argument(
            help="The file to write: .parquet or .csv (a readings frame).", show_default=False
        ),
    ],
    consumers: Annotated[int, typer.Option(min=0, help="Consuming metering points.")] = 90,
    producers: Annotated[int, typer.Option(min=0, help="PV metering points.")] = 10,
    first_day: Annotated[
        str, typer.Option("--from", help="First local day (YYYY-MM-DD).")
    ] = "2026-01-01",
    days: Annotated[int, typer.Option(min=1, help="Number of days.")] = 31,
    business_share: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Fraction of consumers that are businesses.")
    ] = 0.2,
    seed: Annotated[int, typer.Option(help="Same seed, same data.")] = 1,
) -> None:
    """Make realistic synthetic 15-minute values (households, businesses, PV; Europe/Vienna)."""
    kind = _FORMATS.get(out_file.suffix.lower())
    if kind is None:
        _fail(f"{out_file}: write .parquet or .csv")
    try:
        first = date.fromisoformat(first_day)
    except ValueError:
        _fail(f"--from {first_day!r}: write a day as YYYY-MM-DD")
    try:
        data = generate(consumers, producers, first, days, seed=seed, business_share=business_share)
    except ValueError as exc:
        _fail(str(exc))
    readings = data.readings()
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        if kind == "parquet":
            readings.write_parquet(out_file)
        else:
            readings.write_csv(out_file)
    except OSError as exc:
        _fail(f"{out_file}: {exc.strerror or exc}")
    consumed = data.wh[~data.producer].sum() / 1000
    generated = data.wh[data.producer].sum() / 1000
    out.print(
        f"{out_file}: {len(data.points):,} metering points x {len(data.starts):,} quarter hours "
        f"= {readings.height:,} values; consumption {consumed:,.0f} kWh, generation "
        f"{generated:,.0f} kWh ({data.peak_power_kw.sum():,.1f} kWp)",
        highlight=False,
        soft_wrap=True,
    )
