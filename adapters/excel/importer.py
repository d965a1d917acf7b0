"""The import: converted rows → entities by natural key → checks → upsert in one unit of work.

Natural keys: a tariff by (community, name), a participant by (community, member number), a
metering point by its id, a participation by (metering point, community). An entity found in
the database is updated with what changed in the mapped columns only; one not found is
created. Nothing is deleted.

Dry runs do exactly what a commit does — including the runtime's own validation of every
entity — and then roll the unit of work back, so a dry run's report is the commit's report.
All-or-nothing rolls back when any error was found; `valid_rows_only` keeps the good rows: a
row is skipped when it, or a row of the same member, metering point or tariff, has an error.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from meshkit.adapters.excel import checks
from meshkit.adapters.excel.lookups import (
    ACTIVE,
    chunks,
    find_all,
    is_current,
    match_community,
    one_of,
)
from meshkit.adapters.excel.mapping import ENTITY_CLASSES, Mapping, load_mapping
from meshkit.adapters.excel.problems import ExcelImportError, ImportReport, Problem, Severity
from meshkit.adapters.excel.rows import Binding, BoundSheet, SheetReader, SourceRow
from meshkit.adapters.excel.workbook import Workbook
from meshkit.runtime import Entity, Filter, Repository, UnitOfWork, ValidationError

#: progress(stage, done, total): called while reading, checking and writing.
Progress = Callable[[str, int, int], None]
Path_ = tuple[str, ...]

KINDS = ("tariff", "participant", "metering_point", "participation")
MAX_COMMUNITIES_PER_METERING_POINT = 5
_WRITE_CHUNK = 1000  # entities per create_many, so progress moves


class _RollBack(Exception):
    """Raised inside the unit of work to undo a dry run (or a refused all-or-nothing import)."""


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass(eq=False)
class Item:
    """One entity the file describes, gathered from one or more rows."""

    kind: str
    key: tuple[str, ...]
    label: str
    community: Entity | None = None
    rows: list[SourceRow] = field(default_factory=list)
    values: dict[Path_, Any] = field(default_factory=dict)  # given (non-empty) values
    mapped: set[Path_] = field(default_factory=set)  # paths a feeding sheet maps
    origin: dict[Path_, SourceRow] = field(default_factory=dict)
    depends: list[Item] = field(default_factory=list)
    cls: str = ""
    existing: Entity | None = None
    entity_id: str | None = None
    bad: bool = False


class ExcelImport:
    """One run over one workbook; `run()` returns the report."""

    def __init__(
        self,
        repository: Repository,
        data: bytes,
        *,
        file: str,
        tenant: str,
        mapping: Mapping | None = None,
        community: str | None = None,
        commit: bool = False,
        valid_rows_only: bool = False,
        actor: str = "excel-import",
        progress: Progress | None = None,
        today: date | None = None,
    ) -> None:
        self.repository = repository
        self.model = repository.model
        self.data = data
        self.file = file
        self.tenant = tenant
        self.mapping = mapping or load_mapping()
        self.community_option = community
        self.commit = commit
        self.valid_rows_only = valid_rows_only
        self.actor = actor
        self.progress = progress or _no_progress
        self.today = today or date.today()
        self.report = ImportReport(file, dry_run=not commit, valid_rows_only=valid_rows_only)
        self.problems = self.report.problems
        self.reader = SheetReader(self.model, self.mapping, file, self.problems)
        self.bound: list[BoundSheet] = []
        self.items: dict[str, dict[tuple[str, ...], Item]] = {k: {} for k in KINDS}
        self.timings: dict[str, float] = {}
        self.db_tariffs: dict[tuple[str, str], Entity] = {}
        self.db_participations: dict[str, list[Entity]] = defaultdict(list)
        self.participant_ids: dict[str, Entity] = {}

    # ================================================================== the run
    def run(self) -> ImportReport:
        started = time.perf_counter()
        try:
            self._read()
        except ExcelImportError as exc:
            self.problems.extend(exc.problems)
            return self.report
        self.timings["read"] = time.perf_counter() - started
        if self.report.errors and not any(r for b in self.bound for r in b.rows):
            return self.report
        if any(p.severity is Severity.ERROR and p.row is None for p in self.problems):
            return self.report  # the workbook's structure is wrong: rows cannot be trusted
        try:
            # it reads, then writes (rolled back in a dry run): on SQLite the write lock first
            with self.repository.unit_of_work(
                tenant=self.tenant, actor=self.actor, writing=True
            ) as uow:
                self._plan(uow)
                self.timings["check"] = time.perf_counter() - started
                self._write(uow)
                self.timings["write"] = time.perf_counter() - started
                self._mark_skipped_rows()
                keep = self.commit and (
                    self.report.ok or (self.valid_rows_only and self.report.changes > 0)
                )
                if not keep:
                    raise _RollBack
                self.report.committed = True
        except _RollBack:
            pass
        except ExcelImportError as exc:
            self.problems.extend(exc.problems)
        return self.report

    # ================================================================== reading
    def _read(self) -> None:
        workbook = Workbook(self.data, self.file)
        found: dict[str, str] = {}
        for name in workbook.sheet_names:
            spec = self.mapping.sheet_for(name)
            if spec is None:
                if not self.mapping.ignores(name):
                    known = ", ".join(s.name for s in self.mapping.sheets)
                    self._problem(
                        "unknown-sheet",
                        f"sheet '{name}' is not in the mapping '{self.mapping.name}' (its sheets: "
                        f"{known}); rename it, remove it, or add it to the mapping",
                        sheet=name,
                    )
                continue
            if spec.name in found:
                self._problem(
                    "duplicate-sheet",
                    f"sheets '{found[spec.name]}' and '{name}' both stand for '{spec.name}'",
                    sheet=name,
                )
                continue
            found[spec.name] = name
        for spec in self.mapping.sheets:
            if spec.required and spec.name not in found:
                aliases = f" (or {', '.join(spec.aliases)})" if spec.aliases else ""
                self._problem(
                    "missing-sheet",
                    f"the workbook has no sheet '{spec.name}'{aliases}; its sheets are: "
                    f"{', '.join(workbook.sheet_names) or 'none'}",
                )
        total = 0
        for spec in self.mapping.sheets:
            if spec.name not in found:
                continue
            sheet = workbook.sheet(found[spec.name])
            if not any(any(c not in (None, "") for c in row) for row in sheet.rows):
                if spec.required:
                    self._problem("empty-sheet", "the sheet is empty", sheet=sheet.name)
                continue
            bound = self.reader.bind(sheet, spec)
            if bound is None:
                continue
            self.bound.append(bound)
            total += max(0, len(sheet.rows) - bound.header_row)
        if any(p.severity is Severity.ERROR for p in self.problems):
            return
        done = 0
        for bound in self.bound:
            self.progress("read", done, total)
            rows = self.reader.read_rows(bound)
            done += max(0, len(bound.sheet.rows) - bound.header_row)
            if not rows and bound.spec.required:
                self._problem(
                    "empty-sheet",
                    f"the sheet has a header (row {bound.header_row}) but no data rows",
                    sheet=bound.sheet.name,
                )
            self.report.rows += len(rows)
        self.progress("read", total, total)

    # ================================================================== planning
    def _plan(self, uow: UnitOfWork) -> None:
        communities = find_all(uow, "EnergyCommunity", ACTIVE)
        default = self._default_community(communities)
        rows = [r for b in self.bound for r in b.rows]
        for i, row in enumerate(rows):
            if i % 2000 == 0:
                self.progress("check", i, len(rows))
            community = self._row_community(row, communities, default)
            if community is None:
                continue
            self._gather(row, community)
        self._link_dependencies()
        self._load_existing(uow)
        self._check_against_database()
        self._check_factor_sums()
        self.progress("check", len(rows), len(rows))

    def _default_community(self, communities: list[Entity]) -> Entity | None:
        if self.community_option:
            found = match_community(self.community_option, communities)
            if found is None:
                known = ", ".join(f"{c['ec_number']} ({c['name']})" for c in communities)
                raise ExcelImportError(
                    [
                        Problem(
                            "unknown-community",
                            f"no energy community '{self.community_option}' in tenant "
                            f"'{self.tenant}' (known: {known or 'none'})",
                            self.file,
                        )
                    ]
                )
            return found
        return communities[0] if len(communities) == 1 else None

    def _row_community(
        self, row: SourceRow, communities: list[Entity], default: Entity | None
    ) -> Entity | None:
        text = row.values.get(("community", ()))
        binding = self._binding(row, "community", ())
        if text:
            found = match_community(text, communities)
            if found is None:
                known = ", ".join(c["ec_number"] for c in communities) or "none"
                self.reader.cell_problem(
                    "unknown-community",
                    f"no energy community '{text}' in tenant '{self.tenant}' (known: {known})",
                    row,
                    binding,
                )
            return found
        if default is None:
            message = (
                f"no energy community in tenant '{self.tenant}': create the community first"
                if not communities
                else "which community? fill the community column or pass --community"
            )
            self.reader.cell_problem("unknown-community", message, row, binding)
        return default

    def _gather(self, row: SourceRow, community: Entity) -> None:
        entities = row.sheet.entities
        ec = community["ec_number"]
        participant: Item | None = None
        point: Item | None = None
        if "tariff" in entities:
            name = row.values.get(("tariff", ("name",)))
            if name:
                self._merge(
                    "tariff", (community["id"], name), f"tariff '{name}' of {ec}", row, community
                )
            else:
                self._missing(row, "tariff", ("name",))
        member = row.values.get(("participant", ("member_number",)))
        if member:
            key = (community["id"], member)
            if "participant" in entities:
                participant = self._merge(
                    "participant", key, f"member {member} of {ec}", row, community
                )
            else:
                participant = self.items["participant"].get(key) or self._reference(
                    "participant", key, f"member {member} of {ec}", row, community
                )
        elif "participant" in entities:
            self._missing(row, "participant", ("member_number",))
        point_id = row.values.get(("metering_point", ("metering_point_id",)))
        duplicate = self.items["participation"].get((point_id or "", community["id"]))
        if duplicate is not None and "participation" in entities:
            first = duplicate.rows[0]
            self.reader.cell_problem(
                "duplicate",
                f"metering point {point_id} is listed twice for community {ec} "
                f"(first in {first.sheet_name} row {first.row})",
                row,
                self._binding(row, "metering_point", ("metering_point_id",)),
            )
            return
        if point_id and "metering_point" in entities:
            point = self._merge(
                "metering_point", (point_id,), f"metering point {point_id}", row, None
            )
        elif (
            not point_id
            and "metering_point" in entities
            and not self._has_text(row, "metering_point", ("metering_point_id",))
        ):
            filled = [
                b.header
                for b in self._bindings(row)
                if b.entity in ("metering_point", "participation")
                and row.values.get((b.entity, b.path)) is not None
            ]
            if filled:
                self.reader.cell_problem(
                    "missing-value",
                    f"no metering point id, but {', '.join(filled)} given",
                    row,
                    self._binding(row, "metering_point", ("metering_point_id",)),
                )
        if "participation" in entities and point_id and participant is not None:
            key = (point_id, community["id"])
            item = self._merge("participation", key, f"{point_id} in {ec}", row, community)
            item.depends = [participant, *([point] if point else [])]

    def _merge(
        self, kind: str, key: tuple[str, ...], label: str, row: SourceRow, community: Entity | None
    ) -> Item:
        item = self.items[kind].get(key)
        if item is None:
            item = Item(kind, key, label, community)
            self.items[kind][key] = item
        item.rows.append(row)
        for (entity, path), value in row.values.items():
            if entity != kind:
                continue
            item.mapped.add(path)
            if value is None:
                continue
            if path in item.values and item.values[path] != value:
                first = item.origin[path]
                self.reader.cell_problem(
                    "conflict",
                    f"{label}: {first.sheet_name} row {first.row} has "
                    f"'{_show(first.raw(self._binding(first, kind, path)))}' here; the rows of "
                    "one entity must agree",
                    row,
                    self._binding(row, kind, path),
                )
                continue
            if path not in item.values:
                item.values[path] = value
                item.origin[path] = row
        return item

    def _reference(
        self, kind: str, key: tuple[str, ...], label: str, row: SourceRow, community: Entity
    ) -> Item:
        """An entity the sheet only names (to be found in the file or the database)."""
        item = Item(kind, key, label, community, rows=[row])
        item.values = {("member_number",): key[1]}
        self.items[kind][key] = item
        return item

    def _link_dependencies(self) -> None:
        for item in self.items["participant"].values():
            name = item.values.get(("tariff",))
            if name and item.community is not None:
                tariff = self.items["tariff"].get((item.community["id"], name))
                if tariff is not None:
                    item.depends.append(tariff)
            company = item.values.get(("company_name",))
            item.cls = "LegalPerson" if company else "NaturalPerson"
            foreign: tuple[str, ...] = (
                ("first_name", "last_name", "title", "birth_date")
                if company
                else ("contact_person", "register_number")
            )
            for path in [p for p in item.values if p[0] in foreign]:
                row = item.origin[path]
                self.reader.cell_problem(
                    "ignored",
                    f"{item.label} is a company (company name given): this person's field is "
                    "ignored; put a contact person into its own column"
                    if company
                    else f"{item.label} is a person (no company name): this company field is "
                    "ignored",
                    row,
                    self._binding(row, "participant", path),
                    Severity.WARNING,
                )
                del item.values[path]
            item.mapped -= {p for p in item.mapped if p[0] in foreign}
        for kind in ("tariff", "metering_point", "participation"):
            for item in self.items[kind].values():
                item.cls = ENTITY_CLASSES[kind]

    # ================================================================== the database
    def _load_existing(self, uow: UnitOfWork) -> None:
        by_community: dict[str, list[str]] = defaultdict(list)
        for community_id, name in self.items["tariff"]:
            by_community[community_id].append(name)
        communities = {
            i.community["id"]
            for k in KINDS
            for i in self.items[k].values()
            if i.community is not None
        }
        if communities:
            where: Filter = {"and": [ACTIVE, one_of("community", sorted(communities))]}
            for tariff in find_all(uow, "Tariff", where):
                self.db_tariffs[(tariff["community"], tariff["name"])] = tariff
        for key, item in self.items["tariff"].items():
            item.existing = self.db_tariffs.get((key[0], key[1]))
        members = defaultdict(list)
        for community_id, member in self.items["participant"]:
            members[community_id].append(member)
        for community_id, numbers in members.items():
            for chunk in chunks(numbers):
                where = {
                    "and": [
                        ACTIVE,
                        {"attr": "community", "op": "eq", "value": community_id},
                        one_of("member_number", chunk),
                    ]
                }
                for entity in find_all(uow, "Participant", where):
                    item = self.items["participant"][(community_id, entity["member_number"])]
                    item.existing = entity
        points = {k[0] for k in self.items["metering_point"]}
        points |= {k[0] for k in self.items["participation"]}
        point_ids: dict[str, str] = {}
        for chunk in chunks(sorted(points)):
            where = {"and": [ACTIVE, one_of("metering_point_id", chunk)]}
            for entity in find_all(uow, "MeteringPoint", where):
                point_ids[entity["id"]] = entity["metering_point_id"]
                point = self.items["metering_point"].get((entity["metering_point_id"],))
                if point is not None:
                    point.existing = entity
        for chunk in chunks(sorted(point_ids)):
            for entity in find_all(
                uow, "Participation", {"and": [ACTIVE, one_of("metering_point", chunk)]}
            ):
                if not is_current(entity, self.today):
                    continue
                self.db_participations[point_ids[entity["metering_point"]]].append(entity)
        for (point_id, community_id), item in self.items["participation"].items():
            current = [
                p for p in self.db_participations[point_id] if p["community"] == community_id
            ]
            if current:
                item.existing = max(current, key=lambda p: p["valid_from"])
        for item in self.items["participant"].values():
            if item.existing is not None:
                self.participant_ids[item.existing["id"]] = item.existing
        owners = {p["participant"] for ps in self.db_participations.values() for p in ps}
        for chunk in chunks(sorted(owners - set(self.participant_ids))):
            for entity in find_all(uow, "Participant", one_of("id", chunk)):
                self.participant_ids[entity["id"]] = entity

    def _check_against_database(self) -> None:
        for item in self.items["participant"].values():
            if not self._defines(item):
                if item.existing is None:
                    self._item_problem(
                        item,
                        ("member_number",),
                        "not-found",
                        "neither in the file nor in the database",
                    )
                continue
            if item.existing is not None:
                existing_cls = item.existing["type"].rsplit("/", 1)[-1]
                if existing_cls != item.cls:
                    what = {"NaturalPerson": "a person", "LegalPerson": "a company"}
                    self._item_problem(
                        item,
                        ("member_number",),
                        "duplicate",
                        f"{what[existing_cls]} in the database, the file makes it "
                        f"{what[item.cls]}; a member cannot change between person and company "
                        "(give it a new member number)",
                    )
            name = item.values.get(("tariff",))
            if name and item.community is not None:
                in_file = (item.community["id"], name) in self.items["tariff"]
                if not in_file and (item.community["id"], name) not in self.db_tariffs:
                    known = sorted(
                        {
                            n
                            for c, n in [*self.items["tariff"], *self.db_tariffs]
                            if c == item.community["id"]
                        }
                    )
                    self._item_problem(
                        item,
                        ("tariff",),
                        "unknown-tariff",
                        f"community {item.community['ec_number']} has no tariff '{name}' "
                        f"(known: {', '.join(known) or 'none'})",
                    )
        for item in self.items["participation"].values():
            existing = item.existing
            participant = item.depends[0]
            participant_id = (participant.existing or {}).get("id")
            if existing is not None and existing["participant"] != participant_id:
                other = self.participant_ids.get(existing["participant"])
                owner = f"member {other['member_number']}" if other else "another member"
                self._item_problem(
                    item,
                    None,
                    "duplicate",
                    f"the metering point already takes part for {owner}; end that "
                    "participation first or correct the member number",
                    at=("metering_point", ("metering_point_id",)),
                )

    def _check_factor_sums(self) -> None:
        by_point: dict[str, list[Item]] = defaultdict(list)
        for item in self.items["participation"].values():
            by_point[item.key[0]].append(item)
        names = {}
        for kind in KINDS:
            for item in self.items[kind].values():
                if item.community is not None:
                    names[item.community["id"]] = item.community["ec_number"]
        for point_id, items in by_point.items():
            in_file = {i.key[1] for i in items}
            parts: list[tuple[int, str]] = []
            for item in items:
                factor = item.values.get(("participation_factor",))
                if factor is None:
                    existing = item.existing or {}
                    factor = existing.get("participation_factor", 100)
                parts.append((int(factor), f"{factor} % in {names.get(item.key[1], '?')}"))
            for entity in self.db_participations.get(point_id, []):
                if entity["community"] not in in_file:
                    label = names.get(entity["community"], "another community")
                    parts.append(
                        (
                            entity["participation_factor"],
                            f"{entity['participation_factor']} % in {label} (database)",
                        )
                    )
            total = sum(f for f, _ in parts)
            if total > 100:
                for item in items:
                    self._item_problem(
                        item,
                        ("participation_factor",),
                        "factor-sum",
                        f"participation factors add up to {total} % "
                        f"({', '.join(t for _, t in parts)}); the sum over all communities must "
                        "not exceed 100 %",
                    )
            if len(parts) > MAX_COMMUNITIES_PER_METERING_POINT:
                for item in items:
                    self._item_problem(
                        item,
                        None,
                        "too-many-communities",
                        f"the metering point would take part in {len(parts)} communities; "
                        f"at most {MAX_COMMUNITIES_PER_METERING_POINT} are allowed",
                        at=("metering_point", ("metering_point_id",)),
                    )

    # ================================================================== writing
    def _write(self, uow: UnitOfWork) -> None:
        total = sum(len(v) for v in self.items.values())
        done = 0
        for kind in KINDS:
            self._propagate()
            items = [i for i in self.items[kind].values() if i.rows and self._defines(i)]
            creates = [i for i in items if not i.bad and i.existing is None]
            updates = [i for i in items if not i.bad and i.existing is not None]
            for cls in sorted({i.cls for i in creates}):
                batch = [i for i in creates if i.cls == cls]
                for start in range(0, len(batch), _WRITE_CHUNK):
                    self._create(uow, cls, batch[start : start + _WRITE_CHUNK])
                    done += len(batch[start : start + _WRITE_CHUNK])
                    self.progress("write", done, total)
            for i, item in enumerate(updates):
                self._update(uow, item)
                if i % 500 == 0:
                    self.progress("write", done + i, total)
            done += len(updates)
            for item in self.items[kind].values():
                if item.existing is not None and item.entity_id is None:
                    item.entity_id = item.existing["id"]
        self._propagate()
        self.progress("write", total, total)

    def _defines(self, item: Item) -> bool:
        return item.kind in item.rows[0].sheet.entities

    def _create(self, uow: UnitOfWork, cls: str, items: Sequence[Item]) -> None:
        pending = list(items)
        for attempt in range(3):
            payloads = []
            for item in pending:
                payloads.append(self._payload(item))
            if not pending:
                return
            try:
                created = uow.create_many(cls, payloads)
            except ValidationError as exc:
                failed = self._refusals(exc, pending, indexed=len(pending) > 1)
                if failed is None:
                    if attempt == 0 and len(pending) > 1:
                        # A refusal without a row index (a database constraint): one at a time.
                        for item in pending:
                            self._create(uow, cls, [item])
                        return
                    for item in pending:
                        self._refusal_problem(item, exc)
                    return
                pending = [i for i in pending if i not in failed]
                continue
            for item, entity in zip(pending, created, strict=True):
                item.entity_id = entity["id"]
                self.report.created[item.kind] += 1
            return

    def _update(self, uow: UnitOfWork, item: Item) -> None:
        assert item.existing is not None
        changes = self._changes(item)
        if not changes:
            self.report.unchanged[item.kind] += 1
            return
        try:
            uow.update(
                item.cls, item.existing["id"], changes, expected_version=item.existing["version"]
            )
        except ValidationError as exc:
            self._refusal_problem(item, exc)
            return
        self.report.updated[item.kind] += 1
        self.report.changed_attributes[f"{item.kind} {item.label}"] = sorted(changes)

    # ------------------------------------------------------------------ values
    def _attribute_values(self, item: Item, for_update: bool) -> dict[str, Any]:
        """Mapped values as attribute -> value (records as dicts of their mapped fields)."""
        cls = self.model.cls(item.cls)
        result: dict[str, Any] = {}
        records: dict[str, dict[str, Any]] = defaultdict(dict)
        for path in sorted(item.mapped):
            name = path[0]
            if (item.kind, path) == ("participant", ("tariff",)):
                continue
            attribute = cls.attributes.get(name)
            if attribute is None:
                continue
            value = item.values.get(path)
            if len(path) == 2:
                record = self.model.records[attribute.type.record or ""]
                sub = record.attributes[path[1]]
                if value is None and sub.has_default:
                    continue
                records[name][path[1]] = value
                continue
            if value is None and (attribute.has_default or not for_update):
                continue
            result[name] = value
        for name, fields in records.items():
            if for_update:
                base = dict((item.existing or {}).get(name) or {})
                base.update(fields)
                fields = base
            clean = {k: v for k, v in fields.items() if v is not None}
            if clean or for_update:
                result[name] = clean or None
        return result

    def _payload(self, item: Item) -> dict[str, Any]:
        values = self._attribute_values(item, for_update=False)
        values.update(self._references(item, for_update=False))
        return values

    def _changes(self, item: Item) -> dict[str, Any]:
        assert item.existing is not None
        wanted = self._attribute_values(item, for_update=True)
        wanted.update(self._references(item, for_update=True))
        return {k: v for k, v in wanted.items() if not _same(v, item.existing.get(k))}

    def _references(self, item: Item, for_update: bool) -> dict[str, Any]:
        community = item.community["id"] if item.community else None
        if item.kind == "tariff":
            return {} if for_update else {"community": community}
        if item.kind == "metering_point":
            point = item.values.get(("metering_point_id",))
            return {"grid_operator_id": checks.grid_operator_of(point)} if point else {}
        if item.kind == "participant":
            refs: dict[str, Any] = {} if for_update else {"community": community}
            if ("tariff",) in item.mapped:
                name = item.values.get(("tariff",))
                refs["tariff"] = self._tariff_id(community, name) if name else None
            return refs
        participant, point = item.depends[0], self._point_item(item)
        refs = {}
        if not for_update:
            refs = {
                "community": community,
                "participant": participant.entity_id,
                "metering_point": point.entity_id if point else None,
            }
            if ("valid_from",) not in item.values:
                joined = participant.values.get(("joined_on",)) or (participant.existing or {}).get(
                    "joined_on"
                )
                refs["valid_from"] = joined
        return refs

    def _point_item(self, item: Item) -> Item | None:
        point = next((d for d in item.depends if d.kind == "metering_point"), None)
        if point is None:
            return self.items["metering_point"].get((item.key[0],))
        return point

    def _tariff_id(self, community: str | None, name: str) -> str | None:
        item = self.items["tariff"].get((community or "", name))
        if item is not None:
            return item.entity_id
        existing = self.db_tariffs.get((community or "", name))
        return existing["id"] if existing else None

    # ================================================================== problems
    def _refusals(
        self, exc: ValidationError, items: Sequence[Item], indexed: bool
    ) -> set[Item] | None:
        """Problems for the items the runtime refused; None when it named no row."""
        failed: set[Item] = set()
        for error in exc.errors:
            path = error.path
            if indexed:
                if not path or not isinstance(path[0], int):
                    return None
                item, path = items[path[0]], path[1:]
            else:
                item = items[0]
            failed.add(item)
            names = tuple(str(p) for p in path)
            self._item_problem(item, names or None, error.code, error.message)
        return failed

    def _refusal_problem(self, item: Item, exc: ValidationError) -> None:
        if not exc.errors:
            self._item_problem(item, None, exc.code, exc.message)
        for error in exc.errors:
            names = tuple(str(p) for p in error.path)
            self._item_problem(item, names or None, error.code, f"{error.message}")

    def _item_problem(
        self,
        item: Item,
        path: Path_ | None,
        code: str,
        message: str,
        at: tuple[str, Path_] | None = None,
    ) -> None:
        """A problem at the cell that holds `path` of `item` (or its first row)."""
        item.bad = True
        target = at
        if target is None and path is not None:
            kind = item.kind
            if path in (("community",),) and kind != "participation":
                target = ("community", ())
            elif kind == "metering_point" and path == ("grid_operator_id",):
                target = ("metering_point", ("metering_point_id",))
            elif kind == "participation" and path[0] in ("participant", "metering_point"):
                target = (
                    ("participant", ("member_number",))
                    if path[0] == "participant"
                    else ("metering_point", ("metering_point_id",))
                )
            else:
                target = (kind, path[:2])
        row = item.rows[0] if item.rows else None
        binding = None
        if target is not None:
            for candidate in [item.origin.get(target[1]), *item.rows]:
                if candidate is None:
                    continue
                binding = self._binding(candidate, *target) or (
                    self._binding(candidate, target[0], target[1][:1]) if target[1] else None
                )
                if binding is not None:
                    row = candidate
                    break
        if row is None:
            self._problem(code, f"{item.label}: {message}")
            return
        where = "" if binding is not None or path is None else f" ({'.'.join(path)})"
        self.reader.cell_problem(code, f"{item.label}{where}: {message}", row, binding)

    def _problem(self, code: str, message: str, sheet: str | None = None) -> None:
        self.problems.append(Problem(code, message, self.file, sheet))

    def _has_text(self, row: SourceRow, kind: str, path: Path_) -> bool:
        """Whether the cell holds text (that may have failed to convert)."""
        binding = self._binding(row, kind, path)
        raw = row.raw(binding) if binding else None
        return raw is not None and bool(raw.strip())

    def _missing(self, row: SourceRow, kind: str, path: Path_) -> None:
        if self._has_text(row, kind, path):
            return  # its conversion problem is reported already
        binding = self._binding(row, kind, path)
        header = binding.header if binding else ".".join(path)
        self.reader.cell_problem("missing-value", f"'{header}' is empty", row, binding)

    def _propagate(self) -> None:
        """Errors spread: a bad row makes its entities bad, a bad entity its rows and dependents."""
        changed = True
        all_items = [i for k in KINDS for i in self.items[k].values()]
        while changed:
            changed = False
            for item in all_items:
                if item.bad:
                    continue
                if any(r.bad for r in item.rows) or any(d.bad for d in item.depends):
                    item.bad = True
                    changed = True
            for item in all_items:
                if item.bad:
                    for row in item.rows:
                        if not row.bad:
                            row.bad = True
                            changed = True

    def _mark_skipped_rows(self) -> None:
        rows = [r for b in self.bound for r in b.rows]
        with_errors = {(p.sheet, p.row) for p in self.report.errors}
        self.report.skipped_rows = sum(1 for r in rows if r.bad)
        if not self.valid_rows_only:
            return
        for row in rows:
            if row.bad and (row.sheet_name, row.row) not in with_errors:
                self.reader.cell_problem(
                    "skipped",
                    "not imported: a row of the same member, metering point or tariff has errors",
                    row,
                    None,
                    Severity.WARNING,
                )

    # ================================================================== helpers
    def _bindings(self, row: SourceRow) -> Iterable[Binding]:
        bound = next(b for b in self.bound if b.spec is row.sheet)
        return bound.bindings.values()

    def _binding(self, row: SourceRow, entity: str, path: Path_) -> Binding | None:
        for bound in self.bound:
            if bound.spec is row.sheet:
                return bound.bindings.get((entity, path))
        return None


def import_workbook(
    repository: Repository,
    data: bytes,
    *,
    file: str,
    tenant: str,
    mapping: Mapping | None = None,
    community: str | None = None,
    commit: bool = False,
    valid_rows_only: bool = False,
    actor: str = "excel-import",
    progress: Progress | None = None,
) -> ImportReport:
    """Check (and with `commit`, write) the master data in an xlsx workbook's bytes."""
    return ExcelImport(
        repository,
        data,
        file=file,
        tenant=tenant,
        mapping=mapping,
        community=community,
        commit=commit,
        valid_rows_only=valid_rows_only,
        actor=actor,
        progress=progress,
    ).run()


# ====================================================================== module helpers
def _same(new: Any, old: Any) -> bool:
    if isinstance(new, dict) or isinstance(old, dict):
        clean_new = {k: v for k, v in (new or {}).items() if v is not None}
        clean_old = {k: v for k, v in (old or {}).items() if v is not None}
        return clean_new == clean_old
    return bool(new == old)


def _show(value: str | None) -> str:
    return "" if value is None else value.strip()
