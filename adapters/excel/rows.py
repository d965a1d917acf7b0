"""From a sheet's cells to converted rows: find the header, bind columns, convert each cell.

Every value keeps where it came from (sheet, Excel row, column), so any later problem — a
conflict between rows, a factor sum, a refusal by the runtime — is reported at its cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from meshkit.adapters.excel import checks
from meshkit.adapters.excel.conversions import (
    ConversionError,
    EnumWords,
    percent_value,
    scale_percent,
    to_bool,
    to_date,
    to_decimal,
    to_int,
)
from meshkit.adapters.excel.mapping import (
    ENTITY_CLASSES,
    ColumnSpec,
    Mapping,
    SheetSpec,
    header_key,
)
from meshkit.adapters.excel.problems import Problem, Severity, column_letter
from meshkit.adapters.excel.workbook import Sheet
from meshkit.ck.model import Attribute, CompiledModel, TypeKind

HEADER_SEARCH_ROWS = 20
#: Targets that name another entity rather than hold an attribute value.
REFERENCES = {("participant", ("tariff",)), ("community", ())}
_SPECIAL = {
    "Iban": checks.iban,
    "Bic": checks.bic,
    "Email": checks.email,
    "MeteringPointId": checks.metering_point_id,
}

Converter = Callable[[str], Any]


@dataclass(frozen=True)
class Binding:
    """A mapped column found in a sheet."""

    spec: ColumnSpec
    column: int  # absolute 0-based column index
    position: int  # index into the sheet's row tuples
    header: str  # the header text as written in the sheet
    attribute: Attribute | None  # None for references (tariff by name, community)
    convert: Converter

    @property
    def entity(self) -> str:
        return self.spec.entity

    @property
    def path(self) -> tuple[str, ...]:
        return self.spec.path


@dataclass
class SourceRow:
    """One data row, converted: (entity, path) -> value; None for an empty cell."""

    sheet: SheetSpec
    sheet_name: str
    row: int  # Excel row number
    cells: tuple[str | None, ...]
    values: dict[tuple[str, tuple[str, ...]], Any] = field(default_factory=dict)
    bad: bool = False

    def raw(self, binding: Binding | None) -> str | None:
        return None if binding is None else self.cells[binding.position]


@dataclass
class BoundSheet:
    spec: SheetSpec
    sheet: Sheet
    header_row: int
    bindings: dict[tuple[str, tuple[str, ...]], Binding]
    rows: list[SourceRow]


def target_attribute(model: CompiledModel, entity: str, path: tuple[str, ...]) -> Attribute | None:
    """The attribute a target path leads to (on the entity's class or one of its subclasses)."""
    if entity not in ENTITY_CLASSES or not path or len(path) > 2:
        return None
    cls = model.cls(ENTITY_CLASSES[entity])
    classes = [cls, *(model.classes[d] for d in cls.descendants)]
    attribute = next((c.attributes[path[0]] for c in classes if path[0] in c.attributes), None)
    if attribute is not None and len(path) == 2:
        if attribute.type.kind is not TypeKind.RECORD:
            return None
        attribute = model.records[attribute.type.record or ""].attributes.get(path[1])
    if attribute is None or attribute.computed:
        return None
    return attribute


class SheetReader:
    """Binds a sheet to its mapping and converts its rows; problems go to `problems`."""

    def __init__(
        self, model: CompiledModel, mapping: Mapping, file: str, problems: list[Problem]
    ) -> None:
        self.model = model
        self.mapping = mapping
        self.file = file
        self.problems = problems

    # ------------------------------------------------------------------ binding
    def bind(self, sheet: Sheet, spec: SheetSpec) -> BoundSheet | None:
        header_row = spec.header_row or self._find_header_row(sheet, spec)
        if header_row is None:
            expected = ", ".join(c.header for c in spec.columns[:6])
            self._add(
                "no-header",
                f"no header row found in the first {HEADER_SEARCH_ROWS} rows; "
                f"expected headers such as {expected}",
                sheet.name,
            )
            return None
        if not self._check_merged(sheet, header_row):
            return None
        by_key = {key: c for c in spec.columns for key in c.keys}
        bindings: dict[tuple[str, tuple[str, ...]], Binding] = {}
        header_cells = sheet.rows[header_row - 1] if header_row <= len(sheet.rows) else ()
        for position, text in enumerate(header_cells):
            column = sheet.columns[position]
            if text is None or not text.strip():
                if any(r[position] not in (None, "") for r in sheet.rows[header_row:]):
                    self._add(
                        "no-header",
                        "this column has values but no header; it is ignored",
                        sheet.name,
                        header_row,
                        column,
                        severity=Severity.WARNING,
                    )
                continue
            col_spec = by_key.get(header_key(text))
            if col_spec is None:
                self._add(
                    "unknown-column",
                    f"column '{text.strip()}' is not in the mapping "
                    f"'{self.mapping.name}'; it is ignored",
                    sheet.name,
                    header_row,
                    column,
                    header=text.strip(),
                    severity=Severity.WARNING,
                )
                continue
            target = (col_spec.entity, col_spec.path)
            if target in bindings:
                first = bindings[target]
                self._add(
                    "duplicate-column",
                    f"'{text.strip()}' is the same column as "
                    f"'{first.header}' in column {column_letter(first.column)}; remove one",
                    sheet.name,
                    header_row,
                    column,
                    header=text.strip(),
                )
                continue
            binding = self._binding(
                col_spec, column, position, text.strip(), sheet.name, header_row
            )
            if binding is not None:
                bindings[target] = binding
        found = {b.spec.header for b in bindings.values()}
        for col_spec in spec.columns:
            if col_spec.required and col_spec.header not in found:
                aliases = (
                    f" (also accepted: {', '.join(col_spec.aliases)})" if col_spec.aliases else ""
                )
                present = ", ".join(t.strip() for t in header_cells if t and t.strip())
                self._add(
                    "missing-column",
                    f"required column '{col_spec.header}'{aliases} is "
                    f"missing; the header row {header_row} has: {present}",
                    sheet.name,
                    header_row,
                )
        return BoundSheet(spec, sheet, header_row, bindings, [])

    def _find_header_row(self, sheet: Sheet, spec: SheetSpec) -> int | None:
        keys = {key for c in spec.columns for key in c.keys}
        best, best_row = 0, None
        for index, cells in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            hits = sum(1 for c in cells if c is not None and header_key(c) in keys)
            if hits > best:
                best, best_row = hits, index + 1
        return best_row

    def _check_merged(self, sheet: Sheet, header_row: int) -> bool:
        ok = True
        for merged in sheet.merged:
            if merged.first_row <= header_row <= merged.last_row:
                self._add(
                    "merged-header",
                    f"header cells {merged.ref} are merged; every column "
                    "needs its own header cell: unmerge them and name each column",
                    sheet.name,
                    merged.first_row,
                    merged.first_column,
                )
                ok = False
            elif merged.first_row > header_row:
                self._add(
                    "merged-cells",
                    f"cells {merged.ref} are merged; only the first cell "
                    "holds a value, the others count as empty",
                    sheet.name,
                    merged.first_row,
                    merged.first_column,
                    severity=Severity.WARNING,
                )
        return ok

    def _binding(
        self, spec: ColumnSpec, column: int, position: int, header: str, sheet: str, row: int
    ) -> Binding | None:
        entity, path = spec.entity, spec.path
        if (entity, path) in REFERENCES:
            return Binding(spec, column, position, header, None, str.strip)
        attribute = target_attribute(self.model, entity, path)
        if attribute is None:
            self._add(
                "mapping",
                f"mapping: target '{spec.target}' is not an attribute of "
                f"{ENTITY_CLASSES.get(entity, entity)}",
                sheet,
                row,
                column,
                header=header,
            )
            return None
        converter = self._converter(spec, attribute)
        if converter is None:
            self._add(
                "mapping",
                f"mapping: '{spec.target}' is a {attribute.type}, which a cell cannot hold",
                sheet,
                row,
                column,
                header=header,
            )
            return None
        return Binding(spec, column, position, header, attribute, converter)

    def _converter(self, spec: ColumnSpec, attribute: Attribute) -> Converter | None:
        shared = (attribute.shared or "").rsplit("/", 1)[-1]
        if shared in _SPECIAL:
            return _SPECIAL[shared]
        kind = attribute.type.kind
        if spec.percent is not None and kind in (TypeKind.INT, TypeKind.DECIMAL):
            return percent_value  # scaled per column once every row is read
        converters: dict[TypeKind, Converter] = {
            TypeKind.STRING: str.strip,
            TypeKind.TEXT: str.strip,
            TypeKind.INT: to_int,
            TypeKind.BIGINT: to_int,
            TypeKind.DECIMAL: to_decimal,
            TypeKind.FLOAT: lambda raw: float(to_decimal(raw)),
            TypeKind.DATE: to_date,
            TypeKind.BOOL: lambda raw: to_bool(raw, self.mapping.yes, self.mapping.no),
        }
        if kind is TypeKind.ENUM:
            return EnumWords(self.model.enums[attribute.type.enum or ""], spec.values)
        return converters.get(kind)

    # ------------------------------------------------------------------ rows
    def read_rows(self, bound: BoundSheet) -> list[SourceRow]:
        bindings = list(bound.bindings.values())
        sheet = bound.sheet
        rows: list[SourceRow] = []
        for index in range(bound.header_row, len(sheet.rows)):
            cells = sheet.rows[index]
            if all(c is None or not c.strip() for c in cells):
                continue
            source = SourceRow(bound.spec, sheet.name, index + 1, cells)
            for binding in bindings:
                raw = cells[binding.position]
                target = (binding.entity, binding.path)
                if raw is None or not raw.strip():
                    source.values[target] = None
                    continue
                try:
                    source.values[target] = binding.convert(raw.strip())
                except ConversionError as problem:
                    source.values[target] = None
                    self.cell_problem("invalid-value", str(problem), source, binding)
            rows.append(source)
        for row, column in sheet.formulas_without_value:
            if row > bound.header_row:
                self._add(
                    "formula",
                    "a formula without a stored result: open the file in "
                    "Excel and save it (or paste the values) so the result is stored",
                    sheet.name,
                    row,
                    column,
                )
                for source in rows:
                    if source.row == row:
                        source.bad = True
        self._scale_percentages(bindings, rows)
        bound.rows = rows
        return rows

    def _scale_percentages(self, bindings: list[Binding], rows: list[SourceRow]) -> None:
        for binding in bindings:
            if binding.spec.percent is None or binding.attribute is None:
                continue
            target = (binding.entity, binding.path)
            found = [(r, r.values[target]) for r in rows if r.values.get(target) is not None]
            scale = binding.spec.percent
            fraction = scale == "fraction" or (
                scale == "auto"
                and any(not signed and n != 0 for _, (n, signed) in found)
                and all(signed or n <= 1 for _, (n, signed) in found)
            )
            whole = binding.attribute.type.kind is TypeKind.INT
            for source, (number, signed) in found:
                value: Decimal = scale_percent(number, signed, fraction)
                if whole and value != value.to_integral_value():
                    source.values[target] = None
                    self.cell_problem(
                        "invalid-value", f"{value} % is not a whole percentage", source, binding
                    )
                    continue
                source.values[target] = int(value) if whole else value

    # ------------------------------------------------------------------ problems
    def cell_problem(
        self,
        code: str,
        message: str,
        source: SourceRow,
        binding: Binding | None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        if severity is Severity.ERROR:
            source.bad = True
        self.problems.append(
            Problem(
                code,
                message,
                self.file,
                source.sheet_name,
                source.row,
                binding.column if binding else None,
                binding.header if binding else None,
                source.raw(binding) if binding else None,
                severity,
            )
        )

    def _add(
        self,
        code: str,
        message: str,
        sheet: str,
        row: int | None = None,
        column: int | None = None,
        header: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.problems.append(
            Problem(code, message, self.file, sheet, row, column, header, None, severity)
        )
