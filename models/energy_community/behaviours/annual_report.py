"""The annual report of a community: members, metering points, energy shared per month and
generation by source — as figures, as an xlsx workbook and as a PDF, both stored as Documents
(kind `energy_report`) of the community.

What a community reports each year to its members' assembly and, in substance, to the
regulator (E-Control's annual survey of energy communities asks for members, metering points,
energy shared and generation by technology). Figures come from the grid operator's values
(`basis="operator"`, the default: what the community is billed on) or its own calculation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

import polars as pl
import xlsxwriter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from meshkit.models.energy_community.allocation import CONSUMPTION, GENERATION, MeterCode
from meshkit.runtime import UnitOfWork

from .allocation import EnergyTotals, percent, totals_of
from .billing_store import store_content
from .energy_data import Participations, daily, find_all, kwh, store_of
from .periods import Period

DOCUMENT = "energy_community/Document"
MONTHS_DE = (
    "Jänner", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip


@dataclass(frozen=True)
class MonthFigures:
    month: int
    totals: EnergyTotals


@dataclass(frozen=True)
class SourceFigures:
    """Generation of one technology: its units, their peak power and what their points made."""

    technology: str
    units: int
    peak_power_kwp: Decimal
    generation: Decimal  # kWh, 2.9.0 G.01 of the points whose units have this technology


@dataclass(frozen=True)
class AnnualReport:
    community: str  # EC number
    name: str
    year: int
    basis: str
    members_at_year_end: int
    members_joined: int
    members_left: int
    consumption_points: int  # with a participation that counted on a day of the year
    generation_points: int
    totals: EnergyTotals
    self_sufficiency: Decimal | None
    self_consumption_rate: Decimal | None
    months: tuple[MonthFigures, ...]
    sources: tuple[SourceFigures, ...]
    xlsx: str  # Document entity id
    pdf: str  # Document entity id


def annual_report(
    uow: UnitOfWork,
    community: Mapping[str, Any],
    members: Participations,
    year: int,
    series: str,
    basis: str,
) -> AnnualReport:
    span = Period(date(year, 1, 1), date(year, 12, 31))
    values = daily(uow, store_of(uow), series, members.ec_number, span, members.time_zone)
    months = tuple(
        MonthFigures(m, totals_of(values.filter(pl.col("day").dt.month() == m)))
        for m in range(1, 13)
    )
    totals = totals_of(values)
    people = find_all(uow, "Participant", {"attr": "community", "value": str(community["id"])})
    directions = members.frame.select("metering_point", "direction").unique()
    figures = {
        "members_at_year_end": sum(
            1
            for p in people
            if (p.get("joined_on") or date.min) <= span.last
            and (p.get("left_on") is None or p["left_on"] > span.last)
        ),
        "members_joined": sum(1 for p in people if _in(p.get("joined_on"), year)),
        "members_left": sum(1 for p in people if _in(p.get("left_on"), year)),
        "consumption_points": directions.filter(pl.col("direction") == CONSUMPTION).height,
        "generation_points": directions.filter(pl.col("direction") == GENERATION).height,
    }
    sources = _sources(uow, members, values)
    report = AnnualReport(
        community=members.ec_number,
        name=str(community.get("name") or members.ec_number),
        year=year,
        basis=basis,
        totals=totals,
        self_sufficiency=percent(totals.shared, totals.counted_consumption),
        self_consumption_rate=percent(totals.shared, totals.counted_generation),
        months=months,
        sources=sources,
        xlsx="",
        pdf="",
        **figures,
    )
    stem = f"Jahresbericht-{members.ec_number}-{year}"
    xlsx_id = _store(uow, community, stem + ".xlsx", XLSX, workbook(report), report)
    pdf_id = _store(uow, community, stem + ".pdf", "application/pdf", pdf(report), report)
    return AnnualReport(**{**report.__dict__, "xlsx": xlsx_id, "pdf": pdf_id})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _in(day: object, year: int) -> bool:
    return isinstance(day, date) and day.year == year


def _sources(
    uow: UnitOfWork, members: Participations, values: pl.DataFrame
) -> tuple[SourceFigures, ...]:
    generation_points = {
        str(members.points[p]["id"]): p
        for p in members.frame.filter(pl.col("direction") == GENERATION)["metering_point"]
    }
    if not generation_points:
        return ()
    units = find_all(
        uow,
        "GenerationUnit",
        {"attr": "metering_point", "op": "in", "value": sorted(generation_points)},
    )
    made = dict(
        values.filter(pl.col("meter_code") == MeterCode.GENERATION.value)
        .group_by("metering_point")
        .agg(pl.col("value").sum())
        .iter_rows()
    )
    by_technology: dict[str, tuple[int, Decimal, set[str]]] = {}
    for unit in units:
        count, kwp, points = by_technology.get(str(unit["technology"]), (0, Decimal(0), set()))
        points.add(generation_points[str(unit["metering_point"])])
        by_technology[str(unit["technology"])] = (
            count + 1,
            kwp + Decimal(unit["peak_power"]),
            points,
        )
    return tuple(
        SourceFigures(
            technology=technology,
            units=count,
            peak_power_kwp=kwp,
            generation=kwh(sum((Decimal(made.get(p) or 0) for p in points), Decimal(0))),
        )
        for technology, (count, kwp, points) in sorted(by_technology.items())
    )


def _store(
    uow: UnitOfWork,
    community: Mapping[str, Any],
    name: str,
    media_type: str,
    data: bytes,
    report: AnnualReport,
) -> str:
    reference = store_content(uow, data, media_type, name)
    entity = uow.create(
        DOCUMENT,
        {
            "kind": "energy_report",
            "origin": "generated",
            "title": f"Jahresbericht {report.year}",
            "file_name": name,
            "media_type": media_type,
            "content": reference,
            "community": community["id"],
        },
    )
    return str(entity["id"])


_ROWS = (
    ("Verbrauch (G.01) kWh", "consumption"),
    ("Verbrauch für die Gemeinschaft (G.01T) kWh", "counted_consumption"),
    ("Bezug aus der Gemeinschaft (G.03) kWh", "shared"),
    ("Erzeugung (G.01) kWh", "generation"),
    ("Erzeugung für die Gemeinschaft (G.01T) kWh", "counted_generation"),
    ("Überschuss ins Netz (P.01T) kWh", "surplus"),
)


def workbook(report: AnnualReport) -> bytes:
    """Sheets 'Übersicht', 'Monate' and 'Erzeugung'; numbers as numbers (kWh, 3 places)."""
    buffer = BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    number = book.add_format({"num_format": "#,##0.000"})
    overview = book.add_worksheet("Übersicht")
    overview.set_column(0, 0, 48)
    overview.set_column(1, 1, 18)
    rows: list[tuple[str, object]] = [
        ("Gemeinschaft", f"{report.name} ({report.community})"),
        ("Jahr", report.year),
        ("Datengrundlage", "Netzbetreiber" if report.basis == "operator" else "eigene Berechnung"),
        ("Mitglieder zum Jahresende", report.members_at_year_end),
        ("Beigetreten", report.members_joined),
        ("Ausgetreten", report.members_left),
        ("Zählpunkte Verbrauch", report.consumption_points),
        ("Zählpunkte Erzeugung", report.generation_points),
        *((label, float(getattr(report.totals, field))) for label, field in _ROWS),
        ("Autarkiegrad %", _float(report.self_sufficiency)),
        ("Eigenverbrauchsquote %", _float(report.self_consumption_rate)),
    ]
    for r, (label, value) in enumerate(rows):
        overview.write(r, 0, label, bold)
        overview.write(r, 1, value, number if isinstance(value, float) else None)
    months = book.add_worksheet("Monate")
    months.write_row(0, 0, ["Monat", *(label for label, _ in _ROWS)], bold)
    for r, month in enumerate(report.months, start=1):
        months.write(r, 0, MONTHS_DE[month.month - 1])
        for c, (_, field) in enumerate(_ROWS, start=1):
            months.write_number(r, c, float(getattr(month.totals, field)), number)
    sources = book.add_worksheet("Erzeugung")
    sources.write_row(
        0, 0, ["Technologie", "Anlagen", "Engpassleistung kWp", "Erzeugung kWh"], bold
    )
    for r, source in enumerate(report.sources, start=1):
        sources.write_row(r, 0, [source.technology, source.units, float(source.peak_power_kwp)])
        sources.write_number(r, 3, float(source.generation), number)
    book.close()
    return buffer.getvalue()


def _float(value: Decimal | None) -> object:
    return "" if value is None else float(value)


def _de(value: Decimal, places: int = 1) -> str:
    return f"{value:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def pdf(report: AnnualReport) -> bytes:
    """One or two A4 pages: the overview, the months and generation by source (German)."""
    buffer = BytesIO()
    styles = getSampleStyleSheet()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Jahresbericht {report.year} {report.name}",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        invariant=1,
    )
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f5e9")),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
        ]
    )
    t = report.totals
    overview = [
        ["Kennzahl", "Wert"],
        ["Mitglieder zum Jahresende", str(report.members_at_year_end)],
        ["beigetreten / ausgetreten", f"{report.members_joined} / {report.members_left}"],
        [
            "Zählpunkte Verbrauch / Erzeugung",
            f"{report.consumption_points} / {report.generation_points}",
        ],
        *([label, _de(getattr(t, field))] for label, field in _ROWS),
        [
            "Autarkiegrad",
            "—" if report.self_sufficiency is None else f"{_de(report.self_sufficiency, 2)} %",
        ],
        [
            "Eigenverbrauchsquote",
            "—"
            if report.self_consumption_rate is None
            else f"{_de(report.self_consumption_rate, 2)} %",
        ],
    ]
    months = [["Monat", "Verbrauch kWh", "G.03 kWh", "Erzeugung kWh", "Überschuss kWh"]] + [
        [
            MONTHS_DE[m.month - 1],
            _de(m.totals.consumption),
            _de(m.totals.shared),
            _de(m.totals.generation),
            _de(m.totals.surplus),
        ]
        for m in report.months
    ]
    sources = [["Technologie", "Anlagen", "kWp", "Erzeugung kWh"]] + [
        [s.technology, str(s.units), _de(s.peak_power_kwp), _de(s.generation)]
        for s in report.sources
    ]
    basis = "Werte des Netzbetreibers" if report.basis == "operator" else "eigene Berechnung"
    story = [
        Paragraph(
            f"Jahresbericht {report.year}: {report.name} ({report.community})", styles["Title"]
        ),
        Paragraph(f"Datengrundlage: {basis}", styles["Normal"]),
        Spacer(1, 6 * mm),
        Table(overview, colWidths=[110 * mm, 50 * mm], style=grid),
        Spacer(1, 6 * mm),
        Paragraph("Monate", styles["Heading2"]),
        Table(months, style=grid),
        Spacer(1, 6 * mm),
        Paragraph("Erzeugung nach Technologie", styles["Heading2"]),
        Table(sources, style=grid)
        if report.sources
        else Paragraph("keine Erzeugungsanlagen", styles["Normal"]),
    ]
    document.build(story)
    return buffer.getvalue()
