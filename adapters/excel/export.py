"""Export: the master data back into the mapping's layout, so that export → import changes nothing.

Every sheet and column of the mapping is written, with the mapping's first header; a members
sheet has one row per current participation (a member without one gets a row of their own),
sorted by member number and metering point id; tariffs are sorted by community and name.
Dates are Excel dates, numbers are numbers, enums their labels, yes/no the mapping's first words.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter

from meshkit.adapters.excel.conversions import EnumWords
from meshkit.adapters.excel.lookups import ACTIVE, find_all, is_current, match_community, one_of
from meshkit.adapters.excel.mapping import ColumnSpec, Mapping, SheetSpec, load_mapping
from meshkit.adapters.excel.problems import ExcelImportError, Problem
from meshkit.adapters.excel.rows import target_attribute
from meshkit.ck.model import TypeKind
from meshkit.runtime import Entity, Repository, UnitOfWork

Row = dict[str, Entity | None]  # entity kind -> entity (community, participant, ...)


def export_workbook(
    repository: Repository,
    *,
    tenant: str,
    mapping: Mapping | None = None,
    community: str | None = None,
    today: date | None = None,
    file: str = "export.xlsx",
) -> bytes:
    """The tenant's (or one community's) master data as xlsx bytes in the mapping's layout."""
    mapping = mapping or load_mapping()
    with repository.unit_of_work(tenant=tenant, actor="excel-export") as uow:
        communities = find_all(uow, "EnergyCommunity", ACTIVE)
        if community is not None:
            found = match_community(community, communities)
            if found is None:
                known = ", ".join(c["ec_number"] for c in communities) or "none"
                raise ExcelImportError(
                    [
                        Problem(
                            "unknown-community",
                            f"no energy community '{community}' in tenant '{tenant}' (known: "
                            f"{known})",
                            file,
                        )
                    ]
                )
            communities = [found]
        writer = _SheetWriter(repository, mapping)
        data = _Data.load(uow, communities, today or date.today())
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    for spec in mapping.sheets:
        rows = data.member_rows() if "participant" in spec.entities else data.tariff_rows()
        if "participant" not in spec.entities and "tariff" not in spec.entities:
            continue
        writer.write(book, spec, rows)
    book.close()
    return buffer.getvalue()


class _Data:
    def __init__(self) -> None:
        self.communities: dict[str, Entity] = {}
        self.tariffs: list[Entity] = []
        self.participants: list[Entity] = []
        self.points: dict[str, Entity] = {}
        self.participations: dict[str, list[Entity]] = defaultdict(list)  # participant id -> ...

    @classmethod
    def load(cls, uow: UnitOfWork, communities: Sequence[Entity], today: date) -> _Data:
        data = cls()
        data.communities = {c["id"]: c for c in communities}
        if not communities:
            return data
        where = {"and": [ACTIVE, one_of("community", sorted(data.communities))]}
        data.tariffs = find_all(uow, "Tariff", where)
        data.participants = find_all(uow, "Participant", where)
        participations = [p for p in find_all(uow, "Participation", where) if is_current(p, today)]
        point_ids = sorted({p["metering_point"] for p in participations})
        for start in range(0, len(point_ids), 500):
            chunk = point_ids[start : start + 500]
            for point in find_all(uow, "MeteringPoint", one_of("id", chunk)):
                data.points[point["id"]] = point
        for participation in participations:
            data.participations[participation["participant"]].append(participation)
        return data

    def tariff_rows(self) -> list[Row]:
        rows: list[Row] = [
            {"tariff": t, "community": self.communities[t["community"]]} for t in self.tariffs
        ]
        return sorted(
            rows, key=lambda r: (_get(r, "community", "ec_number"), _get(r, "tariff", "name"))
        )

    def member_rows(self) -> list[Row]:
        tariffs = {t["id"]: t for t in self.tariffs}
        rows: list[Row] = []
        for participant in self.participants:
            base: Row = {
                "participant": participant,
                "community": self.communities[participant["community"]],
                "tariff": tariffs.get(participant["tariff"] or ""),
            }
            participations = self.participations.get(participant["id"], [])
            if not participations:
                rows.append({**base, "metering_point": None, "participation": None})
            for participation in participations:
                point = self.points.get(participation["metering_point"])
                rows.append({**base, "metering_point": point, "participation": participation})
        return sorted(
            rows,
            key=lambda r: (
                _get(r, "community", "ec_number"),
                _get(r, "participant", "member_number"),
                _get(r, "metering_point", "metering_point_id"),
            ),
        )


class _SheetWriter:
    def __init__(self, repository: Repository, mapping: Mapping) -> None:
        self.model = repository.model
        self.mapping = mapping

    def write(self, book: xlsxwriter.Workbook, spec: SheetSpec, rows: Sequence[Row]) -> None:
        sheet = book.add_worksheet(spec.name)
        bold = book.add_format({"bold": True})
        date_format = book.add_format({"num_format": self.mapping.date_format})
        sheet.write_row(0, 0, [c.header for c in spec.columns], bold)
        sheet.freeze_panes(1, 0)
        for c, column in enumerate(spec.columns):
            sheet.set_column(c, c, max(12, len(column.header) + 2))
            for r, row in enumerate(rows, start=1):
                value = self._value(column, row)
                if value is None or value == "":
                    continue
                if isinstance(value, date):
                    sheet.write_datetime(
                        r, c, datetime(value.year, value.month, value.day), date_format
                    )
                elif isinstance(value, bool):
                    sheet.write_string(r, c, self._word(value))
                elif isinstance(value, int | float | Decimal):
                    sheet.write_number(r, c, float(value))
                else:
                    sheet.write_string(r, c, str(value))

    def _value(self, column: ColumnSpec, row: Row) -> Any:
        if column.target == "community":
            return _get(row, "community", "ec_number")
        entity, path = column.entity, column.path
        if (entity, path) == ("participant", ("tariff",)):
            return _get(row, "tariff", "name")
        holder = row.get(entity)
        if holder is None:
            return None
        value = holder.get(path[0])
        if len(path) == 2:
            value = (value or {}).get(path[1])
        if value is None:
            return None
        attribute = target_attribute(self.model, entity, path)
        if attribute is not None and attribute.type.kind is TypeKind.ENUM:
            words = EnumWords(self.model.enums[attribute.type.enum or ""], column.values)
            return words.label(value, self.mapping.language)
        return value

    def _word(self, value: bool) -> str:
        return self.mapping.yes[0] if value else self.mapping.no[0]


def _get(row: Row, kind: str, attr: str) -> Any:
    entity = row.get(kind)
    return "" if entity is None else entity.get(attr) or ""
