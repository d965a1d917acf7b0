"""Showing a report: a rich table in the terminal, and an xlsx copy of the input with the
problem cells filled red (warnings yellow), a comment on each, and a "Problems" sheet.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from datetime import datetime

import xlsxwriter
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from meshkit.adapters.excel.problems import ExcelImportError, ImportReport, Problem, Severity
from meshkit.adapters.excel.workbook import Workbook

PROBLEMS_SHEET = "Problems"
_NUMBER = re.compile(r"^-?\d{1,15}(\.\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} 00:00:00$")


def print_report(report: ImportReport, console: Console, limit: int = 50) -> None:
    """The problems as a table (the same message in one column once, with its cells), then
    the summary."""
    groups: dict[tuple[str, str, str, str], list[Problem]] = defaultdict(list)
    for problem in report.problems:
        key = (problem.severity.value, problem.sheet or "", problem.header or "", problem.message)
        groups[key].append(problem)
    if groups:
        table = Table(title=f"Problems in {report.file}", show_lines=False)
        for column in ("sheet", "cell", "column", "value", "problem"):
            table.add_column(column, overflow="fold")
        for (severity, sheet, header, message), found in list(groups.items())[:limit]:
            style = "red" if severity == Severity.ERROR.value else "yellow"
            cells = found[0].cell or ""
            if len(found) > 1:
                cells = f"{cells} … {found[-1].cell or ''} ({len(found)} cells)"
            table.add_row(
                escape(sheet),
                cells,
                escape(header),
                escape(found[0].value or ""),
                f"[{style}]{escape(message)}[/{style}]",
            )
        console.print(table)
        if len(groups) > limit:
            console.print(f"… and {len(groups) - limit} more (see the report workbook)")
    style = "green" if report.ok else "red"
    console.print(f"[{style}]{escape(report.summary())}[/{style}]")


def report_workbook(data: bytes, report: ImportReport) -> bytes:
    """The input's sheets with the problem cells marked, plus a sheet listing every problem."""
    try:
        source: Workbook | None = Workbook(data, report.file)
    except ExcelImportError:
        source = None  # unreadable input: the report holds only the problems sheet
    by_sheet: dict[str, list[Problem]] = defaultdict(list)
    for problem in report.problems:
        if problem.sheet is not None:
            by_sheet[problem.sheet].append(problem)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    red = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    yellow = book.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
    date_formats = {
        None: book.add_format({"num_format": "dd.mm.yyyy"}),
        red: book.add_format({"num_format": "dd.mm.yyyy", "bg_color": "#FFC7CE"}),
        yellow: book.add_format({"num_format": "dd.mm.yyyy", "bg_color": "#FFEB9C"}),
    }
    bold = book.add_format({"bold": True})
    if source is not None:
        for name in source.sheet_names:
            if name == PROBLEMS_SHEET:
                continue
            sheet = source.sheet(name)
            out = book.add_worksheet(name[:31])
            marks: dict[tuple[int, int], list[Problem]] = defaultdict(list)
            for problem in by_sheet.get(name, []):
                if problem.row is not None:
                    column = (
                        problem.column
                        if problem.column is not None
                        else (sheet.columns[0] if sheet.columns else 0)
                    )
                    marks[(problem.row - 1, column)].append(problem)
            for r, cells in enumerate(sheet.rows):
                for position, text in enumerate(cells):
                    column = sheet.columns[position]
                    found = marks.pop((r, column), None)
                    fmt = None
                    if found:
                        worst = any(p.severity is Severity.ERROR for p in found)
                        fmt = red if worst else yellow
                        out.write_comment(
                            r,
                            column,
                            "\n".join(p.message for p in found),
                            {"x_scale": 3, "y_scale": 2},
                        )
                    _write_cell(out, r, column, text, fmt, date_formats[fmt])
            for (r, column), found in marks.items():  # problems at cells that hold nothing
                worst = any(p.severity is Severity.ERROR for p in found)
                out.write_blank(r, column, None, red if worst else yellow)
                out.write_comment(
                    r, column, "\n".join(p.message for p in found), {"x_scale": 3, "y_scale": 2}
                )
    listing = book.add_worksheet(PROBLEMS_SHEET)
    headers = ("severity", "sheet", "cell", "row", "column", "value", "problem", "code")
    listing.write_row(0, 0, headers, bold)
    for i, problem in enumerate(report.problems, start=1):
        listing.write_row(
            i,
            0,
            (
                problem.severity.value,
                problem.sheet or "",
                problem.cell or "",
                problem.row if problem.row is not None else "",
                problem.header or "",
                problem.value or "",
                problem.message,
                problem.code,
            ),
        )
    listing.set_column(6, 6, 100)
    listing.write(len(report.problems) + 2, 0, report.summary())
    book.close()
    return buffer.getvalue()


def _write_cell(
    out: xlsxwriter.worksheet.Worksheet,
    row: int,
    column: int,
    text: str | None,
    fmt: xlsxwriter.format.Format | None,
    date_format: xlsxwriter.format.Format,
) -> None:
    if text is None:
        if fmt is not None:
            out.write_blank(row, column, None, fmt)
        return
    if _DATE.match(text):
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
        out.write_datetime(row, column, moment, fmt or date_format)
    elif _NUMBER.match(text) and not (len(text) > 1 and text.startswith("0") and "." not in text):
        out.write_number(row, column, float(text), fmt)
    else:
        out.write_string(row, column, text, fmt)
