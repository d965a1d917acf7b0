"""What an import found: problems with their place in the workbook, and the import's outcome.

A problem names the file, the sheet, the Excel row (1-based, as Excel shows it) and the column
letter, so a user can go straight to the cell. Errors stop an all-or-nothing import; warnings
never stop anything.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


def column_letter(index: int) -> str:
    """Excel's column name of a 0-based column index: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    """One finding; `row` and `column` are None when it concerns a whole sheet or file."""

    code: str
    message: str
    file: str
    sheet: str | None = None
    row: int | None = None  # Excel row number, 1-based
    column: int | None = None  # 0-based column index
    header: str | None = None
    value: str | None = None
    severity: Severity = Severity.ERROR

    @property
    def cell(self) -> str | None:
        """The cell reference (e.g. G17), the row (e.g. 17) or None."""
        if self.row is None:
            return None
        if self.column is None:
            return str(self.row)
        return f"{column_letter(self.column)}{self.row}"

    @property
    def where(self) -> str:
        """Where, in words: file, sheet and cell as far as known."""
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"cell {self.cell}" if self.column is not None else f"row {self.row}")
        if self.header:
            parts.append(f"column '{self.header}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        shown = f" (value {self.value!r})" if self.value not in (None, "") else ""
        return f"{self.where}: {self.message}{shown} [{self.code}]"


@dataclass
class ImportReport:
    """The outcome of one import run, dry or committed."""

    file: str
    committed: bool = False
    dry_run: bool = True
    valid_rows_only: bool = False
    rows: int = 0  # data rows read, over all sheets
    skipped_rows: int = 0  # rows not imported because of their (or a related row's) errors
    problems: list[Problem] = field(default_factory=list)
    created: Counter[str] = field(default_factory=Counter)  # per kind: participant, ...
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    changed_attributes: dict[str, list[str]] = field(default_factory=dict)  # key -> attributes
    report_id: str | None = None  # set by ImportService

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def summary(self) -> str:
        verb = "imported" if self.committed else "would import" if self.ok else "not imported"
        if self.dry_run and not self.ok and self.valid_rows_only:
            verb = "would import the valid rows"
        kinds = sorted({*self.created, *self.updated, *self.unchanged})
        counts = ", ".join(
            f"{kind}: {self.created[kind]} new, {self.updated[kind]} changed, "
            f"{self.unchanged[kind]} unchanged"
            for kind in kinds
        )
        head = (
            f"{self.file}: {self.rows} rows, {len(self.errors)} errors, "
            f"{len(self.warnings)} warnings; {verb}"
        )
        if self.skipped_rows:
            head += f" ({self.skipped_rows} rows skipped)"
        return head + (f"\n{counts}" if counts else "")


class ExcelImportError(Exception):
    """The import cannot even start (unreadable file, bad mapping); carries its problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
