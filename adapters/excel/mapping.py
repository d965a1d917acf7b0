"""Mapping files: which sheet and column of a workbook feeds which model attribute.

A mapping is YAML (see docs/excel-import.md). Headers and sheet names are matched tolerantly:
case, spaces, punctuation and umlaut spelling do not matter ("E-Mail" = "e mail" = "EMAIL",
"Zählpunkt" = "Zaehlpunkt", "Straße" = "Strasse").

Targets name an entity kind and an attribute path: `participant.address.street`,
`metering_point.metering_point_id`, `participation.participation_factor`, `tariff.name`;
`participant.tariff` is a tariff by name and `community` a community by EC number, community id
or name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from meshkit.adapters.excel.problems import ExcelImportError, Problem

MAPPINGS_DIR = Path(__file__).parent / "mappings"
DEFAULT_MAPPING = MAPPINGS_DIR / "default.yaml"

#: The entity kinds an import knows, and the model class of each.
ENTITY_CLASSES: dict[str, str] = {
    "participant": "Participant",
    "metering_point": "MeteringPoint",
    "participation": "Participation",
    "tariff": "Tariff",
}

PercentScale = Literal["auto", "fraction", "whole"]
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(text: str) -> str:
    """The form headers and sheet names are compared in."""
    folded = unicodedata.normalize("NFC", text).casefold().translate(_UMLAUTS)
    return _NOT_ALNUM.sub("", folded)


@dataclass(frozen=True)
class ColumnSpec:
    header: str  # the header the export writes
    target: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    percent: PercentScale | None = None  # set for percentages: 0-1 or 0-100 in the cells
    values: MappingABC[str, str] = field(default_factory=dict)  # header_key(word) -> enum value

    @property
    def entity(self) -> str:
        return self.target.split(".", 1)[0]

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.target.split(".")[1:])

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(header_key(h) for h in (self.header, *self.aliases))


@dataclass(frozen=True)
class SheetSpec:
    name: str  # the sheet name the export writes
    entities: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    aliases: tuple[str, ...] = ()
    header_row: int | None = None  # 1-based; None: found automatically
    required: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(header_key(h) for h in (self.name, *self.aliases))


@dataclass(frozen=True)
class Mapping:
    name: str
    sheets: tuple[SheetSpec, ...]
    source: str
    description: str = ""
    ignore_sheets: tuple[str, ...] = ()
    yes: tuple[str, ...] = ("ja", "j", "yes", "y", "x", "true", "wahr", "1")
    no: tuple[str, ...] = ("nein", "n", "no", "false", "falsch", "0", "-")
    language: str = "de"  # enum labels the export writes
    date_format: str = "dd.mm.yyyy"  # Excel number format of dates in the export

    def sheet_for(self, sheet_name: str) -> SheetSpec | None:
        key = header_key(sheet_name)
        return next((s for s in self.sheets if key in s.keys), None)

    def ignores(self, sheet_name: str) -> bool:
        return header_key(sheet_name) in {header_key(s) for s in self.ignore_sheets}


def load_mapping(path: Path | None = None) -> Mapping:
    """The mapping in `path` (the default Austrian template when None); ExcelImportError if bad."""
    path = path or DEFAULT_MAPPING
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _error(path, f"cannot read the mapping file: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise _error(path, f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    return parse_mapping(document, str(path))


def parse_mapping(document: Any, source: str) -> Mapping:
    problems: list[str] = []
    if not isinstance(document, dict):
        raise _error(source, "a mapping file is a YAML mapping with 'sheets'")
    known = {"format", "name", "description", "sheets", "ignore_sheets", "yes", "no", "language"}
    known |= {"date_format"}
    for key in document:
        if key not in known:
            problems.append(f"unknown key '{key}' (known: {', '.join(sorted(known))})")
    if document.get("format", 1) != 1:
        problems.append(f"format {document.get('format')!r} is not supported (use 1)")
    raw_sheets = document.get("sheets")
    if not isinstance(raw_sheets, list) or not raw_sheets:
        problems.append("'sheets' must be a non-empty list")
        raw_sheets = []
    sheets = [_sheet(raw, f"sheets[{i}]", problems) for i, raw in enumerate(raw_sheets)]
    seen: dict[str, str] = {}
    for sheet in sheets:
        for key in sheet.keys:
            if key in seen and seen[key] != sheet.name:
                problems.append(f"sheet name '{key}' is used by '{seen[key]}' and '{sheet.name}'")
            seen[key] = sheet.name
    if problems:
        raise ExcelImportError(
            [Problem("mapping", f"mapping: {message}", source) for message in problems]
        )
    return Mapping(
        name=str(document.get("name", Path(source).stem)),
        description=str(document.get("description", "")),
        sheets=tuple(sheets),
        source=source,
        ignore_sheets=tuple(str(s) for s in document.get("ignore_sheets", ())),
        yes=tuple(header_key(str(w)) for w in document.get("yes", Mapping.yes)),
        no=tuple(header_key(str(w)) for w in document.get("no", Mapping.no)),
        language=str(document.get("language", "de")),
        date_format=str(document.get("date_format", "dd.mm.yyyy")),
    )


def _sheet(raw: Any, where: str, problems: list[str]) -> SheetSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        problems.append(f"{where}: a sheet needs a 'name'")
        return SheetSpec("?", (), ())
    for key in raw:
        if key not in {"name", "aliases", "entities", "columns", "header_row", "required"}:
            problems.append(f"{where}: unknown key '{key}'")
    entities = tuple(str(e) for e in raw.get("entities", ()))
    for entity in entities:
        if entity not in ENTITY_CLASSES:
            problems.append(
                f"{where}: unknown entity '{entity}' (known: {', '.join(ENTITY_CLASSES)})"
            )
    if not entities:
        problems.append(f"{where}: name the 'entities' its rows create or update")
    columns = [
        _column(c, f"{where}.columns[{i}]", problems) for i, c in enumerate(raw.get("columns", ()))
    ]
    if not columns:
        problems.append(f"{where}: a sheet needs 'columns'")
    seen: dict[str, str] = {}
    for column in columns:
        for key in column.keys:
            if key in seen and seen[key] != column.header:
                problems.append(
                    f"{where}: header '{key}' would match both '{seen[key]}' and '{column.header}'"
                )
            seen[key] = column.header
    header_row = raw.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        problems.append(f"{where}: header_row is a row number (1, 2, ...) or left out")
        header_row = None
    return SheetSpec(
        name=raw["name"],
        entities=entities,
        columns=tuple(columns),
        aliases=tuple(str(a) for a in raw.get("aliases", ())),
        header_row=header_row,
        required=bool(raw.get("required", False)),
    )


def _column(raw: Any, where: str, problems: list[str]) -> ColumnSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("header"), str):
        problems.append(f"{where}: a column needs a 'header'")
        return ColumnSpec("?", "?")
    for key in raw:
        if key not in {"header", "aliases", "target", "required", "percent", "values"}:
            problems.append(f"{where}: unknown key '{key}'")
    target = raw.get("target")
    if not isinstance(target, str) or not target:
        problems.append(f"{where} ('{raw['header']}'): a column needs a 'target'")
        target = "?"
    elif target != "community" and target.split(".", 1)[0] not in ENTITY_CLASSES:
        problems.append(
            f"{where} ('{raw['header']}'): target '{target}' must start with one of "
            f"{', '.join(ENTITY_CLASSES)} (or be 'community')"
        )
    percent = raw.get("percent")
    if percent is not None and percent not in ("auto", "fraction", "whole"):
        problems.append(f"{where}: percent is auto, fraction or whole")
        percent = None
    values = raw.get("values", {})
    if not isinstance(values, dict):
        problems.append(f"{where}: 'values' maps cell words to enum value names")
        values = {}
    return ColumnSpec(
        header=raw["header"],
        target=target,
        aliases=tuple(str(a) for a in raw.get("aliases", ())),
        required=bool(raw.get("required", False)),
        percent=percent,
        values={header_key(str(k)): str(v) for k, v in values.items()},
    )


def _error(source: Path | str, message: str) -> ExcelImportError:
    return ExcelImportError([Problem("mapping", f"mapping: {message}", str(source))])
