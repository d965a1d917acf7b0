"""From two versions of a model (and its migration file) to the steps of a revision.

The steps are derived by comparing the tables the runtime generates for the old and the new
model (`Storage(old).metadata` with `Storage(new).metadata`), not the database: both sides
carry meshkit's own column types, so a change of representation (a decimal's scale, an enum's
keys) is seen even where the SQL type stays the same, and the result does not depend on which
database the revision is written against. The migration file pairs removed and added elements
into renames and says how values convert; the rest follows from the two table sets.

Steps run in phases: drop changed indexes and foreign keys; rename tables and classes; create
tables; rename and add columns; move data (convert, derive, fill); drop columns (after the
data-loss check); require values (NOT NULL); drop tables; create indexes and foreign keys;
record the model version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from meshkit.ck.model import Attribute, ClassDef, CompiledModel
from meshkit.runtime.events.outbox import add_event_tables
from meshkit.runtime.migrations.errors import MigrationSpecError
from meshkit.runtime.migrations.rendering import (
    INDENT,
    index_columns,
    literal,
    render_column,
    render_create_index,
    render_create_table,
    render_type,
    where_text,
)
from meshkit.runtime.migrations.spec import MigrationSpec, split_ref
from meshkit.runtime.series.tables import series_metadata
from meshkit.runtime.storage.tables import Storage
from meshkit.runtime.storage.types import EnumKey
from meshkit.runtime.values import Invalid, ValueCoercer

DROP_CONSTRAINTS = 10
RENAME = 20
RENAME_CLASSES = 25
CREATE_TABLES = 30
COLUMNS = 40
CONVERT = 50
DERIVE = 55
FILL = 58
DROP_COLUMNS = 70
REQUIRE = 80
DROP_TABLES = 90
CREATE_CONSTRAINTS = 100

_SQLITE = sqlite.dialect()
_POSTGRESQL = postgresql.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Step:
    """One step of a revision: its phase, what it does in words, and its Python lines."""

    phase: int
    summary: str
    lines: tuple[str, ...]
    table: str | None = None  # set for batch steps: the lines go inside batch_alter_table
    data_loss: str | None = None  # the element whose data this step may lose (checked first)


def render_steps(steps: Sequence[Step]) -> str:
    """The body of upgrade() or downgrade(): steps in phase order, batch steps of one table
    grouped in one `with op.batch_alter_table(...)` block (one table rebuild on SQLite)."""
    ordered = sorted(steps, key=lambda s: s.phase)
    out: list[str] = []
    i = 0
    while i < len(ordered):
        step = ordered[i]
        if step.table is None:
            out.append(f"# {step.summary}")
            out.extend(step.lines)
            i += 1
            continue
        group = [step]
        while (
            i + len(group) < len(ordered)
            and ordered[i + len(group)].table == step.table
            and ordered[i + len(group)].phase == step.phase
        ):
            group.append(ordered[i + len(group)])
        out.extend(f"# {s.summary}" for s in group)
        out.append(f"with op.batch_alter_table({step.table!r}) as batch_op:")
        out.extend(INDENT + line for s in group for line in s.lines)
        i += len(group)
    return "\n".join(INDENT + line if line else "" for line in out) if out else INDENT + "pass"


def plan_steps(
    old: CompiledModel | None, new: CompiledModel | None, spec: MigrationSpec
) -> list[Step]:
    """The steps that turn the tables of `old` into those of `new` (None: no tables)."""
    if old is None and new is None:
        return []
    if old is None:
        assert new is not None
        storage = deployment_storage(new)
        return [
            Step(CREATE_TABLES, f"create table {t.name}", tuple(render_create_table(t)))
            for t in storage.metadata.sorted_tables
        ]
    if new is None:
        storage = deployment_storage(old)
        return [
            _drop_table_step(t.name, _table_element(storage, t.name), allowed=False)
            for t in reversed(storage.metadata.sorted_tables)
        ]
    return _Planner(old, new, spec).run()


#: Adds tables to a MetaData (and may return anything, e.g. the table or the MetaData).
TableBuilder = Callable[[sa.MetaData], object]

_platform_tables: list[TableBuilder] = []


def add_platform_tables(*builders: TableBuilder) -> None:
    """Register `builders` of platform tables that live in layers above the runtime (the
    runtime never imports adapters): the apps layer registers, e.g., the EDA processing
    tables, and every `deployment_storage` from then on has them (registering twice is a
    no-op). A first revision then creates them like any other table (`meshkit db revision`).
    Their columns must be of types the revision renderer knows, and defaults must be given
    client-side (`default=`) too: rendered columns carry no `server_default` yet."""
    for builder in builders:
        if builder not in _platform_tables:
            _platform_tables.append(builder)


def platform_tables() -> tuple[TableBuilder, ...]:
    """The registered builders (see `add_platform_tables`), in registration order."""
    return tuple(_platform_tables)


def deployment_storage(model: CompiledModel, extra: Sequence[TableBuilder] = ()) -> Storage:
    """The storage of `model` with the platform tables every deployment has next to it (audit,
    event outbox and consumers, series values and history), those registered with
    `add_platform_tables` and those `extra` adds."""
    storage = Storage(model)
    add_event_tables(storage.metadata)
    series_metadata(storage.metadata)
    for builder in (*_platform_tables, *extra):
        builder(storage.metadata)
    return storage


def _drop_table_step(table: str, element: str, *, allowed: bool) -> Step:
    return Step(
        DROP_TABLES,
        f"drop table {table} ({element})",
        (
            f"mk.check_loss_table({table!r}, {element!r}, allowed={allowed})",
            f"op.drop_table({table!r})",
        ),
        data_loss=element,
    )


def _table_element(storage: Storage, table: str) -> str:
    for qid, t in storage.tables.items():
        if t.name == table:
            return qid
    for qid, link in storage.link_tables.items():
        if link.table.name == table:
            return qid
    return table


def _short(qid: str) -> str:
    return qid.split("/", 1)[-1]


@dataclass
class _TableChange:
    old: sa.Table
    new: sa.Table
    renames: dict[str, str] = field(default_factory=dict)  # old column -> new column
    touched: set[str] = field(default_factory=set)  # old column names renamed/retyped/dropped


class _Planner:
    def __init__(self, old: CompiledModel, new: CompiledModel, spec: MigrationSpec) -> None:
        self.old, self.new, self.spec = old, new, spec
        self.so, self.sn = deployment_storage(old), deployment_storage(new)
        self.steps: list[Step] = []
        self.class_map: dict[str, str] = {}  # old class qid -> new class qid
        self.table_map: dict[str, str] = {}  # old table -> new table
        self.renames: dict[str, dict[str, str]] = {}  # old table -> old column -> new column
        self.consumed: set[tuple[str, str]] = set()  # (old table, old column) moved elsewhere
        self.old_elements = _elements(self.so)
        self.new_elements = _elements(self.sn)
        self.coercer = ValueCoercer(new)

    # ------------------------------------------------------------------ names
    def fail(self, section: str, message: str) -> MigrationSpecError:
        where = self.spec.source or "the migration file"
        return MigrationSpecError(f"{where}: {section}: {message}")

    def old_class(self, ref: str, section: str) -> ClassDef:
        try:
            return self.old.cls(ref)
        except KeyError as exc:
            raise self.fail(
                section, f"{exc.args[0]} in {self.old.root} {self.old.version}"
            ) from None

    def new_class(self, ref: str, section: str) -> ClassDef:
        try:
            return self.new.cls(ref)
        except KeyError as exc:
            raise self.fail(
                section, f"{exc.args[0]} in {self.new.root} {self.new.version}"
            ) from None

    def new_column(self, ref: str, section: str) -> tuple[sa.Column[Any], ClassDef, Attribute]:
        cls_ref, attr = self._split(ref, section)
        cls = self.new_class(cls_ref, section)
        column = self.sn.columns.get(cls.qid, {}).get(attr)
        if column is None:
            raise self.fail(section, f"{cls.qid} has no attribute '{attr}' stored in a column")
        return column, cls, cls.attributes[attr]

    def old_column(self, ref: str, section: str) -> sa.Column[Any]:
        """A column of the old model, named in the new model's class names (or the old ones)."""
        cls_ref, attr = self._split(ref, section)
        back = {n: o for o, n in self.class_map.items()}
        try:
            qid = back.get(self.new.cls(cls_ref).qid, self.new.cls(cls_ref).qid)
        except KeyError:
            qid = self.old_class(cls_ref, section).qid
        column = self.so.columns.get(qid, {}).get(attr)
        if column is None:
            raise self.fail(section, f"{qid} has no attribute '{attr}' in {self.old.version}")
        return column

    def _split(self, ref: str, section: str) -> tuple[str, str]:
        try:
            return split_ref(ref)
        except MigrationSpecError as exc:
            raise self.fail(section, str(exc)) from None

    def current_name(self, column: sa.Column[Any]) -> str:
        """An old column's name after the rename phase."""
        return self.renames.get(column.table.name, {}).get(column.name, column.name)

    def allowed(self, element: str, table: str, column: str | None = None) -> bool:
        names = {element, _short(element), table}
        if column is not None:
            names.add(f"{table}.{column}")
        return any(entry in names for entry in self.spec.allow_data_loss)

    # ------------------------------------------------------------------ run
    def run(self) -> list[Step]:
        self._map_classes()
        self._map_tables()
        self._map_columns()
        changes = [
            _TableChange(self.so.metadata.tables[o], self.sn.metadata.tables[n])
            for o, n in self.table_map.items()
        ]
        for change in changes:
            change.renames = self.renames.get(change.old.name, {})
        self._record_transforms()
        for change in changes:
            self._columns(change)
        for change in changes:
            self._constraints(change)
        self._tables()
        return self.steps

    def add(
        self,
        phase: int,
        summary: str,
        *lines: str,
        table: str | None = None,
        data_loss: str | None = None,
    ) -> None:
        self.steps.append(Step(phase, summary, tuple(lines), table, data_loss))

    def _map_classes(self) -> None:
        section = "rename_classes"
        for old_ref, new_ref in self.spec.rename_classes.items():
            old_cls = self.old_class(old_ref, section)
            new_cls = self.new_class(new_ref, section)
            self.class_map[old_cls.qid] = new_cls.qid
        for qid in self.old.classes:
            if qid not in self.class_map and qid in self.new.classes:
                self.class_map[qid] = qid
        for old_qid, new_qid in self.class_map.items():
            if old_qid == new_qid or self.old.classes[old_qid].abstract:
                continue
            storage = self.sn.of(new_qid)
            for table in storage.tables:
                self.add(
                    RENAME_CLASSES,
                    f"rename class {old_qid} -> {new_qid} in {table.name}",
                    f"mk.rename_class({table.name!r}, {old_qid!r}, {new_qid!r})",
                )

    def _map_tables(self) -> None:
        for root_qid, table in self.so.tables.items():
            target = self.sn.tables.get(self.class_map.get(root_qid, ""))
            if target is not None:
                self.table_map[table.name] = target.name
        for assoc_qid, link in self.so.link_tables.items():
            owner, _, role = assoc_qid.rpartition(".")
            target_link = self.sn.link_tables.get(f"{self.class_map.get(owner, owner)}.{role}")
            if target_link is not None:
                self.table_map[link.table.name] = target_link.table.name
        model_tables = {t.name for t in self.so.tables.values()} | {
            link.table.name for link in self.so.link_tables.values()
        }
        for name in self.so.metadata.tables:  # platform tables: the same in every version
            if name not in model_tables and name in self.sn.metadata.tables:
                self.table_map[name] = name
        for old_name, new_name in sorted(self.table_map.items()):
            if old_name == new_name:
                continue
            old_t, new_t = self.so.metadata.tables[old_name], self.sn.metadata.tables[new_name]
            lines = [f"op.rename_table({old_name!r}, {new_name!r})"]
            if old_t.primary_key.name and old_t.primary_key.name != new_t.primary_key.name:
                lines.append(
                    f"mk.rename_constraint({new_name!r}, {old_t.primary_key.name!r}, "
                    f"{new_t.primary_key.name!r})"
                )
            old_uq = _uniques(old_t)
            for cols, name in _uniques(new_t).items():
                if cols in old_uq and old_uq[cols] != name:
                    lines.append(f"mk.rename_constraint({new_name!r}, {old_uq[cols]!r}, {name!r})")
            self.add(RENAME, f"rename table {old_name} -> {new_name}", *lines)

    def _map_columns(self) -> None:
        section = "rename_attributes"
        for old_ref, new_attr in self.spec.rename_attributes.items():
            cls_ref, attr = self._split(old_ref, section)
            cls = self.old_class(cls_ref, section)
            old_col = self.so.columns.get(cls.qid, {}).get(attr)
            if old_col is None:
                raise self.fail(section, f"{cls.qid} has no attribute '{attr}' stored in a column")
            new_qid = self.class_map.get(cls.qid)
            new_col = self.sn.columns.get(new_qid or "", {}).get(new_attr)
            if new_qid is None or new_col is None:
                raise self.fail(
                    section,
                    f"{new_qid or cls.qid} has no attribute '{new_attr}' in {self.new.version}",
                )
            if self.table_map.get(old_col.table.name) != new_col.table.name:
                raise self.fail(section, f"{old_ref} and its new name live in different tables")
            self.renames.setdefault(old_col.table.name, {})[old_col.name] = new_col.name

    # ------------------------------------------------------------------ data transforms
    def _key(self, table: sa.Table) -> tuple[str, ...]:
        return tuple(c.name for c in table.primary_key.columns)

    def _record_transforms(self) -> None:
        spec = self.spec
        for ref, fields in spec.move_into_record.items():
            section = f"move_into_record.{ref}"
            record_col, _, _ = self.new_column(ref, section)
            parts = []
            for record_field, attr in fields.items():
                cls_ref, _ = self._split(ref, section)
                source = self.old_column(f"{cls_ref}.{attr}", section)
                self.consumed.add((source.table.name, source.name))
                parts.append(
                    f"{record_field!r}: ({self.current_name(source)!r}, {render_type(source.type)})"
                )
            table = record_col.table
            self.add(
                DERIVE,
                f"move {', '.join(fields.values())} into {ref}",
                f"mk.move_into_record({table.name!r}, {self._key(table)!r}, "
                f"{record_col.name!r}, {{{', '.join(parts)}}})",
            )
        for ref, path in spec.extract_from_record.items():
            section = f"extract_from_record.{ref}"
            column, cls, _ = self.new_column(ref, section)
            record_attr, dot, record_field = path.partition(".")
            if not dot:
                raise self.fail(section, f"'{path}' is not record_attribute.field")
            source = self.old_column(f"{cls.qid}.{record_attr}", section)
            self.add(
                DERIVE,
                f"move {path} out of its record into {ref}",
                f"mk.extract_from_record({column.table.name!r}, {self._key(column.table)!r}, "
                f"{self.current_name(source)!r}, {record_field!r}, {column.name!r}, "
                f"{render_type(column.type)})",
            )
        for ref, split in spec.split.items():
            section = f"split.{ref}"
            source = self.old_column(ref, section)
            self.consumed.add((source.table.name, source.name))
            cls_ref, _ = self._split(ref, section)
            expressions = {}
            for attr, sql in split.into.items():
                column, _, _ = self.new_column(f"{cls_ref}.{attr}", section)
                expressions[column.name] = sql
            self.add(
                DERIVE,
                f"split {ref} into {', '.join(split.into)}",
                f"mk.derive({self.table_map.get(source.table.name, source.table.name)!r}, "
                f"{expressions!r})",
            )
        for ref, merge in spec.merge.items():
            section = f"merge.{ref}"
            column, _, _ = self.new_column(ref, section)
            cls_ref, _ = self._split(ref, section)
            for attr in merge.sources:
                source = self.old_column(f"{cls_ref}.{attr}", section)
                self.consumed.add((source.table.name, source.name))
            self.add(
                DERIVE,
                f"merge {', '.join(merge.sources)} into {ref}",
                f"mk.derive({column.table.name!r}, {{{column.name!r}: {merge.sql!r}}})",
            )

    def _conversions(self) -> dict[tuple[str, str], Any]:
        found: dict[tuple[str, str], Any] = {}
        for ref, conversion in self.spec.convert.items():
            column, _, _ = self.new_column(ref, f"convert.{ref}")
            found[(column.table.name, column.name)] = conversion
        return found

    def _mappings(self) -> dict[tuple[str, str], dict[str, str]]:
        found: dict[tuple[str, str], dict[str, str]] = {}
        for ref, mapping in self.spec.map_values.items():
            column, _, _ = self.new_column(ref, f"map_values.{ref}")
            found[(column.table.name, column.name)] = mapping
        return found

    def _fills(self) -> dict[tuple[str, str], tuple[str, Any, ClassDef, Attribute]]:
        found: dict[tuple[str, str], tuple[str, Any, ClassDef, Attribute]] = {}
        for ref, fill in self.spec.fill.items():
            column, cls, attr = self.new_column(ref, f"fill.{ref}")
            found[(column.table.name, column.name)] = (ref, fill, cls, attr)
        return found

    # ------------------------------------------------------------------ columns
    def _columns(self, change: _TableChange) -> None:
        old_t, new_t = change.old, change.new
        name = new_t.name
        conversions, mappings, fills = self._conversions(), self._mappings(), self._fills()
        paired: list[tuple[sa.Column[Any], sa.Column[Any]]] = []
        for column in old_t.columns:
            new_name = change.renames.get(column.name, column.name)
            if new_name in new_t.c:
                paired.append((column, new_t.c[new_name]))
            else:
                change.touched.add(column.name)
                self._drop_column(change, column)
        kept = {n.name for _, n in paired}
        for oc, nc in paired:
            element = self.new_elements.get((name, nc.name), f"{name}.{nc.name}")
            if oc.name != nc.name:
                change.touched.add(oc.name)
                self.add(
                    COLUMNS,
                    f"rename column {name}.{oc.name} -> {nc.name}",
                    f"batch_op.alter_column({oc.name!r}, new_column_name={nc.name!r})",
                    table=name,
                )
            if not oc.nullable and nc.nullable:
                self.add(
                    COLUMNS,
                    f"{name}.{nc.name} may be empty now",
                    f"batch_op.alter_column({nc.name!r}, existing_type={render_type(nc.type)}, "
                    "nullable=True)",
                    table=name,
                )
            rebuilt = self._retype(
                change,
                oc,
                nc,
                element,
                conversions.get((name, nc.name)),
                mappings.get((name, nc.name)),
            )
            if rebuilt:
                change.touched.add(oc.name)
            if not nc.nullable and (oc.nullable or rebuilt):
                self._require(name, nc, element)
            if (name, nc.name) in fills:
                self._fill(name, nc, fills[(name, nc.name)])
        for nc in new_t.columns:
            if nc.name in kept:
                continue
            element = self.new_elements.get((name, nc.name), f"{name}.{nc.name}")
            self.add(
                COLUMNS,
                f"add column {name}.{nc.name} ({element})",
                f"batch_op.add_column({render_column(nc, nullable=True)})",
                table=name,
            )
            if (name, nc.name) in fills:
                self._fill(name, nc, fills[(name, nc.name)])
            elif not nc.nullable:
                self._default_fill(name, nc, element)
            if not nc.nullable:
                self._require(name, nc, element)

    def _drop_column(self, change: _TableChange, column: sa.Column[Any]) -> None:
        table = change.new.name
        element = self.old_elements.get((change.old.name, column.name), f"{table}.{column.name}")
        lines = []
        consumed = (change.old.name, column.name) in self.consumed
        if not consumed:
            allowed = self.allowed(element, table, column.name)
            lines.append(
                f"mk.check_loss_column({table!r}, {column.name!r}, {element!r}, allowed={allowed})"
            )
        lines.append(f"with op.batch_alter_table({table!r}) as batch_op:")
        lines.append(f"{INDENT}batch_op.drop_column({column.name!r})")
        self.add(
            DROP_COLUMNS,
            f"drop column {table}.{column.name} ({element}"
            + (", its values moved" if consumed else "")
            + ")",
            *lines,
            data_loss=None if consumed else element,
        )

    def _retype(
        self,
        change: _TableChange,
        oc: sa.Column[Any],
        nc: sa.Column[Any],
        element: str,
        conversion: Any,
        mapping: dict[str, str] | None,
    ) -> bool:
        """Steps for a type change; True when the column is rebuilt (dropped and re-added)."""
        table = nc.table.name
        allowed = self.allowed(element, table, nc.name)
        new_type, old_type = render_type(nc.type), render_type(oc.type)
        key = self._key(nc.table)

        def recode(summary: str, extra: str = "") -> bool:
            self.add(
                CONVERT,
                f"{summary} {table}.{nc.name} ({element}): {old_type} -> {new_type}",
                f"mk.recode({table!r}, {nc.name!r}, {key!r}, {old_type}, {new_type}, "
                f"{element!r}{extra}, allowed={allowed})",
                data_loss=element,
            )
            return True

        if conversion is not None:
            if conversion.sql is not None:
                self.add(
                    CONVERT,
                    f"convert {table}.{nc.name} ({element}) by SQL: {old_type} -> {new_type}",
                    f"mk.convert_sql({table!r}, {nc.name!r}, {new_type}, {conversion.sql!r})",
                )
                return True
            return recode("convert", f", function={conversion.python!r}")
        if mapping is not None:
            return recode("map values of", f", mapping={mapping!r}")
        if old_type == new_type:
            return False
        alter = (
            f"batch_op.alter_column({nc.name!r}, existing_type={old_type}, type_={new_type}, "
            f"existing_nullable={oc.nullable})"
        )
        if isinstance(oc.type, EnumKey) and isinstance(nc.type, EnumKey):
            new_keys = sorted(k for _, k in nc.type.keys)
            if not {k for _, k in oc.type.keys} <= set(new_keys):
                self.add(
                    CONVERT,
                    f"enum values removed from {table}.{nc.name} ({element})",
                    f"mk.check_enum_keys({table!r}, {nc.name!r}, {new_keys!r}, {element!r}, "
                    f"allowed={allowed})",
                    data_loss=element,
                )
            if _ddl(oc.type) != _ddl(nc.type):
                self.add(COLUMNS, f"retype {table}.{nc.name}", alter, table=table)
            return False
        if isinstance(oc.type, sa.String) and isinstance(nc.type, sa.String):
            old_len, new_len = oc.type.length, nc.type.length
            if new_len is not None and (old_len is None or old_len > new_len):
                self.add(
                    CONVERT,
                    f"narrow {table}.{nc.name} ({element}) to {new_len} characters",
                    f"mk.check_length({table!r}, {nc.name!r}, {new_len}, {element!r}, "
                    f"allowed={allowed})",
                    data_loss=element,
                )
            self.add(
                CONVERT + 1,
                f"retype {table}.{nc.name}: {old_type} -> {new_type}",
                alter,
                table=table,
            )
            return False
        if type(oc.type) is sa.Integer and type(nc.type) is sa.BigInteger:
            self.add(COLUMNS, f"widen {table}.{nc.name} to bigint", alter, table=table)
            return False
        return recode("convert")

    def _require(self, table: str, column: sa.Column[Any], element: str) -> None:
        self.add(
            REQUIRE,
            f"{table}.{column.name} must have a value ({element})",
            f"mk.check_required({table!r}, {column.name!r}, {element!r})",
            f"with op.batch_alter_table({table!r}) as batch_op:",
            f"{INDENT}batch_op.alter_column({column.name!r}, "
            f"existing_type={render_type(column.type)}, nullable=False)",
        )

    def _fill(
        self, table: str, column: sa.Column[Any], entry: tuple[str, Any, ClassDef, Attribute]
    ) -> None:
        ref, fill, cls, attr = entry
        types = self.sn.of(cls.qid).concrete_types if "type" in column.table.c else None
        source = (
            f"sql={fill.sql!r}"
            if fill.sql is not None
            else (f"value={literal(self._value(attr, fill.value, f'fill.{ref}'))}")
        )
        self.add(
            FILL,
            f"fill {table}.{column.name} ({ref})",
            f"mk.fill({table!r}, {column.name!r}, {render_type(column.type)}, {source}, "
            f"types={tuple(types) if types is not None else None!r})",
        )

    def _default_fill(self, table: str, column: sa.Column[Any], element: str) -> None:
        """A new required attribute with a default: existing rows get the default."""
        owner, _, attr_name = element.rpartition(".")
        cls = self.new.classes.get(owner)
        attr = cls.attributes.get(attr_name) if cls is not None else None
        if attr is None or not attr.has_default or attr.default is None:
            return
        value = self._value(attr, attr.default, element)
        self.add(
            FILL,
            f"fill {table}.{column.name} with its default ({element})",
            f"mk.fill({table!r}, {column.name!r}, {render_type(column.type)}, "
            f"value={literal(value)}, types=None)",
        )

    def _value(self, attr: Attribute, value: Any, section: str) -> Any:
        try:
            return self.coercer.coerce_scalar(value, attr.type)
        except Invalid as exc:
            raise self.fail(section, f"{value!r} is not a value of {attr.type}: {exc}") from None

    # ------------------------------------------------------------------ indexes and keys
    def _constraints(self, change: _TableChange) -> None:
        old_t, new_t = change.old, change.new

        def mapped(col: str) -> str:
            return change.renames.get(col, col)

        new_indexes = {i.name: i for i in new_t.indexes}
        kept: set[str | None] = set()
        for index in sorted(old_t.indexes, key=lambda i: str(i.name)):
            target = new_indexes.get(index.name)
            same = (
                target is not None
                and index.unique == target.unique
                and [mapped(c) for c in index_columns(index)] == index_columns(target)
                and where_text(index) == where_text(target)
                and not change.touched & set(index_columns(index))
            )
            if same:
                kept.add(index.name)
                continue
            self.add(
                DROP_CONSTRAINTS,
                f"drop index {index.name}",
                f"op.drop_index({index.name!r}, table_name={old_t.name!r})",
            )
        for index in sorted(new_t.indexes, key=lambda i: str(i.name)):
            if index.name not in kept:
                self.add(
                    CREATE_CONSTRAINTS, f"create index {index.name}", render_create_index(index)
                )
        old_fks = {str(fk.name): fk for fk in old_t.foreign_key_constraints}
        new_fks = {str(fk.name): fk for fk in new_t.foreign_key_constraints}
        kept_fks: set[str] = set()
        for name, fk in sorted(old_fks.items(), key=lambda kv: str(kv[0])):
            target_fk = new_fks.get(name)
            same = (
                target_fk is not None
                and [mapped(c.name) for c in fk.columns] == [c.name for c in target_fk.columns]
                and self.table_map.get(fk.referred_table.name) == target_fk.referred_table.name
                and not change.touched & {c.name for c in fk.columns}
            )
            if same:
                kept_fks.add(name)
                continue
            self.add(
                DROP_CONSTRAINTS,
                f"drop foreign key {name}",
                f"batch_op.drop_constraint({name!r}, type_='foreignkey')",
                table=old_t.name,
            )
        for name, fk in sorted(new_fks.items(), key=lambda kv: str(kv[0])):
            if name in kept_fks:
                continue
            local = [c.name for c in fk.columns]
            remote = [e.column.name for e in fk.elements]
            self.add(
                CREATE_CONSTRAINTS,
                f"create foreign key {name}",
                f"batch_op.create_foreign_key({name!r}, {fk.referred_table.name!r}, "
                f"{local!r}, {remote!r})",
                table=new_t.name,
            )

    # ------------------------------------------------------------------ tables
    def _tables(self) -> None:
        targets = set(self.table_map.values())
        for table in self.sn.metadata.sorted_tables:
            if table.name not in targets:
                self.add(CREATE_TABLES, f"create table {table.name}", *render_create_table(table))
        for table in reversed(self.so.metadata.sorted_tables):
            if table.name not in self.table_map:
                element = _table_element(self.so, table.name)
                self.steps.append(
                    _drop_table_step(table.name, element, allowed=self.allowed(element, table.name))
                )


def _ddl(type_: sa.types.TypeEngine[Any]) -> tuple[str, str]:
    """The column type as each database spells it."""
    return (
        str(type_.compile(dialect=_SQLITE)),
        str(type_.compile(dialect=_POSTGRESQL)),
    )


def _uniques(table: sa.Table) -> dict[tuple[str, ...], str]:
    return {
        tuple(c.name for c in con.columns): str(con.name)
        for con in table.constraints
        if isinstance(con, sa.UniqueConstraint) and con.name is not None
    }


def _elements(storage: Storage) -> dict[tuple[str, str], str]:
    """(table, column) -> the model element stored there (`model/Class.attr`)."""
    found: dict[tuple[str, str], str] = {}
    for cls_qid, columns in storage.columns.items():
        cls = storage.model.classes[cls_qid]
        for attr_name, column in columns.items():
            declared = cls.attributes[attr_name].declared_in
            found.setdefault((column.table.name, column.name), f"{declared}.{attr_name}")
    for fk in storage.foreign_keys.values():
        for table in storage.of(fk.holder).tables:
            found.setdefault((table.name, fk.column), fk.association.qid)
    for link in storage.link_tables.values():
        for column in link.table.columns:
            found.setdefault(
                (link.table.name, column.name), f"{link.association.qid}.{column.name}"
            )
    return found
