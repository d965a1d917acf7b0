"""Reading a workbook: bytes in, sheets of cell text out, or a problem that names the file.

fastexcel (calamine) reads the cells, as text, with formulas' cached results. What it cannot
tell — a password (an encrypted workbook is an OLE container, not a zip), merged cells and
formulas without a stored result — is read from the xlsx parts directly.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from xml.etree import ElementTree

import fastexcel

from meshkit.adapters.excel.problems import ExcelImportError, Problem

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARKERS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


def column_index(letters: str) -> int:
    """0-based index of an Excel column name: A → 0, AA → 26."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - ord("A") + 1
    return index - 1


def _cell(ref: str) -> tuple[int, int]:
    """(1-based row, 0-based column) of a reference such as G17."""
    match = _CELL_REF.match(ref.replace("$", ""))
    if not match:
        return 0, 0
    return int(match[2]), column_index(match[1])


@dataclass(frozen=True)
class MergedRange:
    first_row: int  # 1-based rows, 0-based columns, inclusive
    first_column: int
    last_row: int
    last_column: int
    ref: str


@dataclass
class Sheet:
    """One sheet's cells as text: `rows[i][j]` is Excel row i + 1, column `columns[j]`."""

    name: str
    columns: list[int]
    rows: list[tuple[str | None, ...]]
    merged: list[MergedRange] = field(default_factory=list)
    formulas_without_value: list[tuple[int, int]] = field(default_factory=list)

    def value(self, row: int, column: int) -> str | None:
        """The text at Excel row `row` (1-based) and column index `column` (0-based)."""
        if column not in self.columns or not 1 <= row <= len(self.rows):
            return None
        return self.rows[row - 1][self.columns.index(column)]


class Workbook:
    """A workbook read from bytes; sheets are loaded when first asked for."""

    def __init__(self, data: bytes, file: str) -> None:
        self.file = file
        self.data = data
        self._check_container()
        try:
            self._reader = fastexcel.read_excel(data)
        except Exception as exc:  # fastexcel raises its own errors, from Rust: all are "unreadable"
            raise self._error(
                "corrupt", f"not a readable Excel workbook ({_first_line(exc)})"
            ) from None
        self.sheet_names: list[str] = list(self._reader.sheet_names)
        self._sheets: dict[str, Sheet] = {}

    def sheet(self, name: str) -> Sheet:
        if name not in self._sheets:
            self._sheets[name] = self._load(name)
        return self._sheets[name]

    # ------------------------------------------------------------------ checks
    def _check_container(self) -> None:
        if not self.data:
            raise self._error("empty-file", "the file is empty (0 bytes)")
        if self.data.startswith(_OLE_SIGNATURE):
            if any(marker in self.data for marker in _ENCRYPTED_MARKERS):
                raise self._error(
                    "password-protected",
                    "the workbook is password-protected: open it in Excel, remove the password "
                    "(File > Info > Protect Workbook) and save it again",
                )
            return  # an old binary .xls workbook: calamine reads it
        if self.data.startswith(b"PK"):
            try:
                with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
                    names = set(archive.namelist())
            except zipfile.BadZipFile:
                raise self._error(
                    "corrupt", "the xlsx file is damaged (not a complete zip archive)"
                ) from None
            if "xl/workbook.xml" not in names:
                raise self._error(
                    "corrupt", "this zip file is not an Excel workbook (no xl/workbook.xml)"
                )
            return
        raise self._error(
            "corrupt", "not an Excel workbook (.xlsx or .xls); save the file in Excel format"
        )

    def _load(self, name: str) -> Sheet:
        try:
            loaded = self._reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            frame = loaded.to_polars()
            columns = [c.absolute_index for c in loaded.available_columns()]
        except Exception as exc:
            raise self._error(
                "corrupt", f"sheet '{name}' cannot be read ({_first_line(exc)})", sheet=name
            ) from None
        rows = frame.rows()
        merged, formulas = self._xml_findings(name)
        return Sheet(name, columns, rows, merged, formulas)

    @cached_property
    def _sheet_parts(self) -> dict[str, str]:
        """Sheet name -> path of its XML part inside the xlsx (empty for .xls)."""
        if not self.data.startswith(b"PK"):
            return {}
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
            workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
        parts: dict[str, str] = {}
        for sheet in workbook.iter(f"{_MAIN}sheet"):
            target = targets.get(sheet.get(f"{_REL}id"), "")
            path = target.lstrip("/") if target.startswith("/") else "xl/" + target
            parts[sheet.get("name", "")] = path
        return parts

    def _xml_findings(self, name: str) -> tuple[list[MergedRange], list[tuple[int, int]]]:
        """Merged ranges and formula cells without a cached result, from the sheet's XML."""
        part = self._sheet_parts.get(name)
        if part is None:
            return [], []
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
            try:
                xml = archive.read(part)
            except KeyError:
                return [], []
        merged: list[MergedRange] = []
        formulas: list[tuple[int, int]] = []
        if b"mergeCell " not in xml and b"<f" not in xml:
            return merged, formulas  # the common case: nothing to parse
        for _, element in ElementTree.iterparse(io.BytesIO(xml)):
            if element.tag == f"{_MAIN}mergeCell":
                ref = element.get("ref", "")
                start, _, end = ref.partition(":")
                (r1, c1), (r2, c2) = _cell(start), _cell(end or start)
                merged.append(MergedRange(r1, c1, r2, c2, ref))
            elif element.tag == f"{_MAIN}c":
                formula = element.find(f"{_MAIN}f")
                cached = element.find(f"{_MAIN}v")
                if formula is not None and (cached is None or cached.text is None):
                    formulas.append(_cell(element.get("r", "")))
                element.clear()
        return merged, formulas

    def _error(self, code: str, message: str, sheet: str | None = None) -> ExcelImportError:
        return ExcelImportError([Problem(code, message, self.file, sheet=sheet)])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
