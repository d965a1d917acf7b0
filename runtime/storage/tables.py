"""The storage mapping: SQLAlchemy Core tables derived from the compiled model, never by hand.

- one table per collection root; the classes below it share it, `type` holds the class qid;
- one typed column per attribute; NOT NULL only where every concrete class of the table
  requires the attribute;
- a to-one association without link attributes is a foreign key column `<end>_id` on the side
  that holds one; every other association is a link table (carrying the link attributes);
- every table, link tables included, carries `tenant`; primary and foreign keys include it, so
  the database itself refuses a reference across tenants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa

from meshkit.ck.model import (
    AssociationDef,
    Attribute,
    ClassDef,
    CompiledModel,
    EndSide,
    IndexDef,
    TypeKind,
    TypeRef,
)
from meshkit.runtime.errors import UnknownElementError
from meshkit.runtime.storage.naming import (
    constraint_name,
    link_table_name,
    shorten,
    snake,
    table_name,
)
from meshkit.runtime.storage.types import (
    DurationSeconds,
    EnumKey,
    ExactDecimal,
    UtcDateTime,
    json_type,
)

AUDIT_TABLE = "meshkit_audit"
ID_LENGTH = 36
TENANT_LENGTH = 64
ACTIVE = "active"
STATE = "state"
_DEFAULT_DECIMAL = (38, 10)


class StorageMappingError(Exception):
    """The model cannot be mapped to tables (a name collision the model allows but SQL does not)."""


@dataclass(frozen=True)
class ForeignKeyEnd:
    """A to-one association end stored as a column on the holder's table."""

    association: AssociationDef
    holder: str  # qid of the class at the end that holds one
    end: str  # navigation name from the holder
    other: str  # qid of the class the column points at
    column: str
    required: bool  # the holder must always point somewhere (multiplicity 1)
    holder_side: EndSide


@dataclass(frozen=True)
class LinkTable:
    """An association stored as rows (source_id, target_id, link attributes...)."""

    association: AssociationDef
    table: sa.Table
    attributes: Mapping[str, Attribute]  # link attribute name -> definition (column of same name)

    SOURCE = "source_id"
    TARGET = "target_id"

    def column_for(self, side: EndSide) -> sa.Column[str]:
        return self.table.c[self.SOURCE if side is EndSide.SOURCE else self.TARGET]


@dataclass(frozen=True)
class LinkEnd:
    """One class's view of a link table: its own id is in `own`, the other's in `other_column`."""

    link: LinkTable
    side: EndSide  # the side this class stands at

    @property
    def own(self) -> sa.Column[str]:
        return self.link.column_for(self.side)

    @property
    def other_column(self) -> sa.Column[str]:
        other = EndSide.TARGET if self.side is EndSide.SOURCE else EndSide.SOURCE
        return self.link.column_for(other)


@dataclass(frozen=True)
class ClassStorage:
    """Where one class lives: its table(s), attribute columns and association ends."""

    cls: ClassDef
    tables: tuple[sa.Table, ...]  # one, or several for an abstract class without a collection
    concrete_types: tuple[str, ...]  # qids stored in `type` for this class and its descendants
    columns: Mapping[str, sa.Column[object]] = field(default_factory=dict)  # attribute -> column
    to_one: Mapping[str, ForeignKeyEnd] = field(default_factory=dict)  # end -> foreign key
    links: Mapping[str, LinkEnd] = field(default_factory=dict)  # end -> link table end

    @property
    def table(self) -> sa.Table:
        if len(self.tables) != 1:
            names = ", ".join(t.name for t in self.tables) or "none"
            raise UnknownElementError(
                f"{self.cls.qid} has no single table (its subclasses live in {names}); "
                "query one of its subclasses instead"
            )
        return self.tables[0]


class Storage:
    """Every table of a compiled model, and how each class and association maps onto them."""

    def __init__(self, model: CompiledModel, metadata: sa.MetaData | None = None) -> None:
        self.model = model
        self.metadata = metadata if metadata is not None else sa.MetaData()
        self.tables: dict[str, sa.Table] = {}  # collection root qid -> table
        self.foreign_keys: dict[str, ForeignKeyEnd] = {}  # association qid -> fk
        self.link_tables: dict[str, LinkTable] = {}  # association qid -> link table
        self.columns: dict[str, dict[str, sa.Column[object]]] = {}  # class qid -> attr -> col
        # constraint name -> (class qid, attributes) to name the fields of a unique violation
        self.unique_constraints: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._classes: dict[str, ClassStorage] = {}
        self._aliases: dict[tuple[str, str], sa.FromClause] = {}
        self._build()

    def alias(self, table: sa.Table, name: str) -> sa.FromClause:
        """`table.alias(name)`, made once: an alias is immutable, so every query can share
        it (making one copies every column of the table)."""
        found = self._aliases.get((table.name, name))
        if found is None:
            found = self._aliases[(table.name, name)] = table.alias(name)
        return found

    # ------------------------------------------------------------------ lookup
    def of(self, ref: str) -> ClassStorage:
        """The storage of a class by qualified id or unique short name."""
        try:
            qid = self.model.cls(ref).qid
        except KeyError as exc:
            raise UnknownElementError(str(exc.args[0])) from None
        return self._classes[qid]

    def all_classes(self) -> Iterable[ClassStorage]:
        return self._classes.values()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        associations = self._plan_associations()
        for root in self.model.collection_roots():
            self.tables[root.qid] = self._root_table(root, associations)
        for assoc in self.model.associations.values():
            if assoc.qid not in self.foreign_keys:
                self.link_tables[assoc.qid] = self._link_table(assoc)
        self._add_foreign_key_constraints()
        self._audit_table()
        for cls in self.model.classes.values():
            self._classes[cls.qid] = self._class_storage(cls)

    def _plan_associations(self) -> dict[str, ForeignKeyEnd]:
        for assoc in self.model.associations.values():
            if assoc.attributes:
                continue  # link attributes need a row of their own
            if not assoc.multiplicity.many:
                fk = ForeignKeyEnd(
                    association=assoc,
                    holder=assoc.source,
                    end=assoc.name,
                    other=assoc.target,
                    column=f"{assoc.name}_id",
                    required=assoc.multiplicity.minimum > 0,
                    holder_side=EndSide.SOURCE,
                )
            elif not assoc.inverse_multiplicity.many:
                fk = ForeignKeyEnd(
                    association=assoc,
                    holder=assoc.target,
                    end=assoc.inverse,
                    other=assoc.source,
                    column=f"{assoc.inverse}_id",
                    required=assoc.inverse_multiplicity.minimum > 0,
                    holder_side=EndSide.TARGET,
                )
            else:
                continue
            self.foreign_keys[assoc.qid] = fk
        return self.foreign_keys

    def _roots_of(self, qid: str) -> tuple[str, ...]:
        """Collection roots whose tables hold instances of `qid` (itself or a descendant)."""
        cls = self.model.classes[qid]
        roots: dict[str, None] = {}
        for q in (qid, *cls.descendants):
            root = self.model.classes[q].collection_root
            if root is not None:
                roots.setdefault(root, None)
        return tuple(roots)

    def _root_table(self, root: ClassDef, fks: Mapping[str, ForeignKeyEnd]) -> sa.Table:
        name = table_name(root.qid)
        members = self.model.members_of_collection(root.qid)
        concrete = [c for c in members if not c.abstract] or [root]
        columns: dict[str, sa.Column[object]] = {}
        by_class: dict[str, dict[str, sa.Column[object]]] = {c.qid: {} for c in members}

        # Attributes of the same name with different storage types get a column each.
        grouped: dict[str, list[tuple[ClassDef, Attribute]]] = {}
        for cls in members:
            for attr in cls.attributes.values():
                grouped.setdefault(attr.name, []).append((cls, attr))
        for attr_name, uses in grouped.items():
            signatures = {_signature(a.type) for _, a in uses}
            split = len(signatures) > 1
            for signature in sorted(signatures):
                users = [(c, a) for c, a in uses if _signature(a.type) == signature]
                declared = sorted({a.declared_in for _, a in users})
                column_name = (
                    shorten(f"{attr_name}__{snake(declared[0].split('/', 1)[1])}")
                    if split
                    else attr_name
                )
                required_by = {c.qid for c, a in users if a.required}
                nullable = not all(c.qid in required_by for c in concrete)
                lengths = [a.constraints.max_length for _, a in users]
                column = sa.Column(
                    column_name,
                    self._column_type(users[0][1].type, lengths),
                    nullable=nullable,
                )
                if column_name in columns:
                    raise StorageMappingError(
                        f"{root.qid}: attribute '{attr_name}' maps to column '{column_name}', "
                        "which another attribute already uses; rename one of them"
                    )
                columns[column_name] = column
                for cls, _ in users:
                    by_class[cls.qid][attr_name] = column

        for fk in fks.values():
            if root.qid not in self._roots_of(fk.holder):
                continue
            if fk.column in columns:
                raise StorageMappingError(
                    f"{root.qid}: association end '{fk.end}' needs column '{fk.column}', which "
                    "an attribute already uses; rename the attribute or the end"
                )
            holders = [c for c in concrete if c.is_a(fk.holder)]
            nullable = not (fk.required and len(holders) == len(concrete))
            column = sa.Column(fk.column, sa.String(ID_LENGTH), nullable=nullable)
            columns[fk.column] = column

        table = sa.Table(name, self.metadata, *columns.values())
        table.append_constraint(
            sa.PrimaryKeyConstraint("tenant", "id", name=constraint_name("pk", name))
        )
        for fk in fks.values():
            if fk.column in columns and root.qid in self._roots_of(fk.holder):
                table.append_constraint(
                    sa.Index(
                        constraint_name("ix", name, fk.column),
                        table.c.tenant,
                        table.c[fk.column],
                    )
                )
        self._indexes(table, root, members, concrete, by_class)
        for cls in members:
            self.columns[cls.qid] = by_class[cls.qid]
        return table

    def _indexes(
        self,
        table: sa.Table,
        root: ClassDef,
        members: tuple[ClassDef, ...],
        concrete: list[ClassDef],
        by_class: Mapping[str, Mapping[str, sa.Column[object]]],
    ) -> None:
        seen: set[tuple[str, str]] = set()
        for cls in members:
            for index in cls.indexes:
                key = (index.declared_in, index.name)
                if key in seen or index.declared_in not in by_class:
                    continue
                seen.add(key)
                self._index(table, index, concrete, by_class[index.declared_in])

    def _index(
        self,
        table: sa.Table,
        index: IndexDef,
        concrete: list[ClassDef],
        columns: Mapping[str, sa.Column[object]],
    ) -> None:
        cols: list[sa.ColumnElement[object]] = [table.c.tenant]
        for attr in index.attributes:
            if attr in columns:
                cols.append(columns[attr])
            else:
                cols.append(table.c[f"{attr}_id"])  # a to-one association end
        conditions: list[sa.ColumnElement[bool] | sa.TextClause] = []
        if index.active_only:
            state = self.model.classes[index.declared_in].attributes[STATE]
            assert state.type.enum is not None
            key = self.model.enums[state.type.enum].values[ACTIVE].key
            conditions.append(sa.literal_column(STATE) == sa.literal_column(str(key)))
        declaring = [c.qid for c in concrete if c.is_a(index.declared_in)]
        if index.unique and len(declaring) < len(concrete):
            # Declared on a subclass: its siblings sharing the table must not collide with it.
            quoted = ", ".join("'" + q.replace("'", "''") + "'" for q in declaring)
            conditions.append(sa.text(f"type IN ({quoted})"))
        where = sa.and_(*conditions) if conditions else None
        name = constraint_name("uq" if index.unique else "ix", table.name, index.name)
        table.append_constraint(
            sa.Index(name, *cols, unique=index.unique, sqlite_where=where, postgresql_where=where)
        )
        if index.unique:
            self.unique_constraints[name] = (index.declared_in, index.attributes)

    def _link_table(self, assoc: AssociationDef) -> LinkTable:
        name = link_table_name(assoc.qid)
        columns: list[sa.Column[object]] = [
            sa.Column("tenant", sa.String(TENANT_LENGTH), nullable=False),
            sa.Column(LinkTable.SOURCE, sa.String(ID_LENGTH), nullable=False),
            sa.Column(LinkTable.TARGET, sa.String(ID_LENGTH), nullable=False),
        ]
        for attr in assoc.attributes.values():
            if attr.name in ("tenant", LinkTable.SOURCE, LinkTable.TARGET):
                raise StorageMappingError(
                    f"{assoc.qid}: link attribute '{attr.name}' collides with a link table "
                    "column; rename it"
                )
            columns.append(
                sa.Column(
                    attr.name,
                    self._column_type(attr.type, [attr.constraints.max_length]),
                    nullable=not attr.required,
                )
            )
        table = sa.Table(name, self.metadata, *columns)
        table.append_constraint(
            sa.PrimaryKeyConstraint(
                "tenant", LinkTable.SOURCE, LinkTable.TARGET, name=constraint_name("pk", name)
            )
        )
        # Reverse navigation (target -> sources) and erase checks look up by target.
        table.append_constraint(
            sa.Index(constraint_name("ix", name, LinkTable.TARGET), "tenant", LinkTable.TARGET)
        )
        # A to-one end with link attributes: at most one row per holder.
        if not assoc.multiplicity.many:
            uq = constraint_name("uq", name, LinkTable.SOURCE)
            table.append_constraint(sa.UniqueConstraint("tenant", LinkTable.SOURCE, name=uq))
            self.unique_constraints[uq] = (assoc.source, (assoc.name,))
        if not assoc.inverse_multiplicity.many:
            uq = constraint_name("uq", name, LinkTable.TARGET)
            table.append_constraint(sa.UniqueConstraint("tenant", LinkTable.TARGET, name=uq))
            self.unique_constraints[uq] = (assoc.target, (assoc.inverse,))
        return LinkTable(association=assoc, table=table, attributes=assoc.attributes)

    def _add_foreign_key_constraints(self) -> None:
        """Foreign keys wherever the referenced class lives in exactly one table."""
        for fk in self.foreign_keys.values():
            targets = self._roots_of(fk.other)
            if len(targets) != 1:
                continue  # a collection-less abstract target: checked by the repository
            target = self.tables[targets[0]]
            for root in self._roots_of(fk.holder):
                table = self.tables[root]
                table.append_constraint(
                    sa.ForeignKeyConstraint(
                        ["tenant", fk.column],
                        [target.c.tenant, target.c.id],
                        name=constraint_name("fk", table.name, fk.column),
                    )
                )
        for link in self.link_tables.values():
            for side, qid in (
                (EndSide.SOURCE, link.association.source),
                (EndSide.TARGET, link.association.target),
            ):
                roots = self._roots_of(qid)
                if len(roots) != 1:
                    continue
                target = self.tables[roots[0]]
                column = link.column_for(side)
                link.table.append_constraint(
                    sa.ForeignKeyConstraint(
                        ["tenant", column.name],
                        [target.c.tenant, target.c.id],
                        name=constraint_name("fk", link.table.name, column.name),
                    )
                )

    def _audit_table(self) -> None:
        big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite rowid alias
        sa.Table(
            AUDIT_TABLE,
            self.metadata,
            sa.Column("seq", big_id, primary_key=True, autoincrement=True),
            sa.Column("tenant", sa.String(TENANT_LENGTH), nullable=False),
            sa.Column("entity_id", sa.String(ID_LENGTH), nullable=False),
            sa.Column("class_qid", sa.String(200), nullable=False),
            sa.Column("operation", sa.String(20), nullable=False),
            sa.Column("actor", sa.String(200), nullable=False),
            sa.Column("at", UtcDateTime(), nullable=False),
            # JSON, not JSONB, on PostgreSQL: written far more often than queried, and parsing
            # into JSONB was a third of a bulk insert's audit cost (docs/architecture.md).
            sa.Column("changes", sa.JSON(none_as_null=True), nullable=False),
            sa.Index("ix_meshkit_audit__entity", "tenant", "entity_id", "seq"),
        )

    @property
    def audit(self) -> sa.Table:
        return self.metadata.tables[AUDIT_TABLE]

    def _class_storage(self, cls: ClassDef) -> ClassStorage:
        roots = self._roots_of(cls.qid)
        concrete = tuple(
            q for q in (cls.qid, *cls.descendants) if not self.model.classes[q].abstract
        )
        to_one: dict[str, ForeignKeyEnd] = {}
        links: dict[str, LinkEnd] = {}
        for end in cls.ends.values():
            fk = self.foreign_keys.get(end.association)
            if fk is not None:
                if fk.end == end.name and cls.is_a(fk.holder):
                    to_one[end.name] = fk
                continue
            link = self.link_tables.get(end.association)
            if link is not None:
                links[end.name] = LinkEnd(link=link, side=end.side)
        return ClassStorage(
            cls=cls,
            tables=tuple(self.tables[r] for r in roots),
            concrete_types=concrete,
            columns=MappingProxyType(self.columns.get(cls.qid, {})),
            to_one=MappingProxyType(to_one),
            links=MappingProxyType(links),
        )

    # ------------------------------------------------------------------ column types
    def _column_type(
        self, type_: TypeRef, max_lengths: list[int | None]
    ) -> sa.types.TypeEngine[Any]:
        kind = type_.kind
        if kind is TypeKind.STRING:
            if any(n is None for n in max_lengths):
                return sa.Text()
            return sa.String(max(n for n in max_lengths if n is not None))
        if kind is TypeKind.TEXT:
            return sa.Text()
        if kind is TypeKind.INT:
            return sa.Integer()
        if kind is TypeKind.BIGINT:
            return sa.BigInteger()
        if kind is TypeKind.DECIMAL:
            precision = type_.precision or _DEFAULT_DECIMAL[0]
            scale = type_.scale if type_.scale is not None else 0
            if type_.precision is None:
                precision, scale = _DEFAULT_DECIMAL
            return ExactDecimal(precision, scale)
        if kind is TypeKind.FLOAT:
            return sa.Double()
        if kind is TypeKind.BOOL:
            return sa.Boolean()
        if kind is TypeKind.DATE:
            return sa.Date()
        if kind is TypeKind.DATETIME:
            return UtcDateTime()
        if kind is TypeKind.DURATION:
            return DurationSeconds()
        if kind is TypeKind.ENUM:
            assert type_.enum is not None
            enum = self.model.enums[type_.enum]
            keys = tuple((v.name, v.key) for v in enum.values.values())
            return EnumKey(enum.qid, keys, enum.flags)
        if kind is TypeKind.BINARY:
            return sa.String(500)  # a reference to stored content (content store key / URL)
        return json_type()  # record, list, json


def _signature(type_: TypeRef) -> str:
    """What decides a column's SQL type (string lengths are merged, so they are left out)."""
    if type_.kind in (TypeKind.RECORD, TypeKind.LIST, TypeKind.JSON):
        return "json"
    if type_.kind is TypeKind.TEXT:
        return "string"
    return str(type_)
