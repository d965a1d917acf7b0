"""Batched reads for the GraphQL layer: one SQL statement per association level, not per row.

The repository reads one class at a time (`UnitOfWork.find`). A GraphQL request reads trees:
the participants of 30 communities, the participations of all those participants. This module
reads such a level for *all* parents in one statement — a window function pages each parent's
rows separately (`ROW_NUMBER() OVER (PARTITION BY parent ...)`), a `GROUP BY parent` counts
them — using the runtime's own query compiler, so filters, order and cursors mean exactly what
they mean in `find`, and every statement is bound to the unit of work's tenant.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from meshkit.ck.model import AssociationEnd, EndSide, TypeKind
from meshkit.runtime import Entity, NotFoundError, UnitOfWork
from meshkit.runtime.errors import ErrorCollector, FieldError, ValidationError
from meshkit.runtime.query import Filter, OrderBy, QueryCompiler, raise_if_errors
from meshkit.runtime.storage import ClassStorage, ForeignKeyEnd, LinkEnd, Storage

if TYPE_CHECKING:
    from meshkit.runtime.graphql._security import Guard

DEFAULT_PAGE = 100
MAX_PAGE = 1000
ID_CHUNK = 5000  # parent ids per statement; a level larger than this takes more than one
_JSON_KINDS = frozenset({TypeKind.RECORD, TypeKind.LIST, TypeKind.JSON})
_ALWAYS = frozenset({"id", "type"})  # what every entity read carries: levels, type resolution
_NO_LINK: Mapping[str, Any] = MappingProxyType({})  # the link attributes of a row without any

#: The CK names (attributes and to-one ends) a read needs on its entities; None: all of them.
#: Only those columns are selected and decoded — the rest are absent from the entity dicts.
Names = frozenset[str] | None


class Way(Enum):
    """How an association end is stored, seen from the class that navigates it."""

    HELD = "held"  # a foreign key column on this class's table
    REVERSE = "reverse"  # a foreign key column on the other class's table, pointing here
    LINK = "link"  # a link table


@dataclass(frozen=True)
class Navigation:
    """One association end of one class, and how to follow it in SQL."""

    owner: str  # qid of the class the end belongs to
    end: AssociationEnd
    way: Way
    fk: ForeignKeyEnd | None = None
    link: LinkEnd | None = None
    owner_types: frozenset[str] = frozenset()  # concrete qids that have this end

    @property
    def name(self) -> str:
        return self.end.name

    @property
    def other(self) -> str:
        return self.end.other


def navigation(storage: Storage, owner: str, end_name: str) -> Navigation:
    """How `owner` navigates `end_name`; seen from the class that declares the end, so that
    subclasses sharing it (NaturalPerson, LegalPerson) share one batch."""
    end = storage.model.classes[owner].ends[end_name]
    assoc = storage.model.associations[end.association]
    owner = assoc.source if end.side is EndSide.SOURCE else assoc.target
    cls_storage = storage.of(owner)
    end = cls_storage.cls.ends[end_name]
    types = frozenset(cls_storage.concrete_types)
    if end_name in cls_storage.to_one:
        return Navigation(owner, end, Way.HELD, fk=cls_storage.to_one[end_name], owner_types=types)
    if end_name in cls_storage.links:
        return Navigation(owner, end, Way.LINK, link=cls_storage.links[end_name], owner_types=types)
    fk = storage.foreign_keys[end.association]
    return Navigation(owner, end, Way.REVERSE, fk=fk, owner_types=types)


@dataclass(frozen=True)
class Window:
    """Relay paging arguments: `first`/`after` forward or `last`/`before` backward."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def backward(self) -> bool:
        return self.last is not None or self.before is not None

    def check(self) -> int:
        """The page size; ValidationError for a mix of directions or a size out of range."""
        errors = ErrorCollector()
        if self.backward and (self.first is not None or self.after is not None):
            errors.add("paging", (), "page forward (first/after) or backward (last/before)")
        for name, size in (("first", self.first), ("last", self.last)):
            if size is not None and not 0 <= size <= MAX_PAGE:
                errors.add("paging", (name,), f"{name} is between 0 and {MAX_PAGE}")
        errors.raise_if_any("invalid paging arguments")
        size = self.last if self.backward else self.first
        return DEFAULT_PAGE if size is None else size


class Cursor:
    """An entity's cursor, encoded only when a client asks for it (most queries never do):
    until then it holds the row and the names of its sort columns."""

    __slots__ = ("encode", "keys", "row")

    def __init__(
        self, encode: Callable[[Sequence[Any]], str], row: Mapping[Any, Any], keys: Sequence[str]
    ) -> None:
        self.encode = encode
        self.row = row
        self.keys = keys

    def __str__(self) -> str:
        return self.encode([self.row[k] for k in self.keys])


@dataclass
class Slice:
    """One page of entities, with a cursor per entity and link attributes where there are."""

    entities: list[Entity] = field(default_factory=list)
    cursors: list[Cursor] = field(default_factory=list)
    links: list[Mapping[str, Any]] = field(default_factory=list)
    has_next: bool = False
    has_previous: bool = False


class EntityReader:
    """Reads of one unit of work (one tenant, one transaction), through the request's guard
    (if any): entities read by id are kept only when their class's row rule matches them, and
    every entity is masked. Filters of page/related reads are secured by the caller."""

    def __init__(self, uow: UnitOfWork, guard: Guard | None = None) -> None:
        self.uow = uow
        self.guard = guard
        self.storage: Storage = uow.repository.storage
        self.coercer = uow.repository.coercer
        self.tenant = uow.tenant
        self.postgresql = uow.connection.dialect.name == "postgresql"
        self._decoders: dict[tuple[str, Names], _Decoder] = {}
        self._selected: dict[tuple[str, Names], frozenset[str]] = {}  # column names

    # ------------------------------------------------------------------ single class
    def one(self, class_qid: str, entity_id: str, names: Names = None) -> Entity | None:
        if self.guard is not None:
            self.guard.policy.check(self.guard.principal, class_qid, "read")
        if names is not None:  # only some columns: the batched read of one id
            return self.by_ids(class_qid, [entity_id], names).get(entity_id)
        try:
            entity = self.uow.get(class_qid, entity_id)
        except NotFoundError:
            return None
        if self.guard is None:
            return entity
        visible = self._visible({entity_id: entity}).get(entity_id)
        return None if visible is None else self._masked(visible)

    def locate(self, entity_id: str) -> str | None:
        """The concrete class of the entity with this id in the tenant, whatever its table:
        one statement over every entity table (ids are UUIDs, unique across classes)."""
        selects = [
            sa.select(table.c.type).where(table.c.tenant == self.tenant, table.c.id == entity_id)
            for table in self.storage.tables.values()
        ]
        if not selects:
            return None
        statement = sa.union_all(*selects) if len(selects) > 1 else selects[0]
        found = self.uow.connection.execute(statement.limit(1)).scalar()
        return None if found is None else str(found)

    def count(self, class_qid: str, where: Filter | None) -> int:
        return self.uow.count(class_qid, where)

    def page(
        self,
        class_qid: str,
        where: Filter | None,
        order_by: OrderBy | None,
        window: Window,
        names: Names = None,
    ) -> Slice:
        size = window.check()
        plan = _Plan(self, self.storage.of(class_qid), where, order_by, window, names)
        statement = (
            sa.select(
                *self.columns(plan.scope.storage, plan.scope.table, names), *plan.sort_columns
            )
            .select_from(plan.compiler.from_clause(plan.scope))
            .where(*plan.conditions)
            .order_by(*plan.order_clauses)
            .limit(size + 1)
        )
        rows = self.uow.connection.execute(statement).mappings().all()
        return plan.slice(self, rows, size, window)

    def by_ids(
        self, class_qid: str, ids: Collection[str], names: Names = None
    ) -> dict[str, Entity]:
        """The entities with these ids (of the class or a subclass); missing ones left out."""
        storage = self.storage.of(class_qid)
        found: dict[str, Entity] = {}
        wanted = sorted(ids)
        for table in storage.tables:
            columns = self.columns(storage, table, names)
            for chunk in _chunks(wanted):
                statement = sa.select(*columns).where(
                    table.c.tenant == self.tenant,
                    self.among(table.c.id, chunk),
                    table.c.type.in_(storage.concrete_types),
                )
                for row in self.uow.connection.execute(statement).mappings().all():
                    found[row["id"]] = self.decode(row, masked=False, names=names)
        if self.guard is None:
            return found
        return {i: self._masked(e) for i, e in self._visible(found).items()}

    def _masked(self, entity: Entity) -> Entity:
        """`entity` as the guard's principal may see it (itself when nothing is hidden)."""
        type_qid = entity["type"]
        decoder = self._decoder(type_qid, None)
        if not decoder.masked and decoder.names.issuperset(entity):
            return entity
        assert self.guard is not None
        return self.guard.mask(type_qid, entity)

    def _visible(self, found: dict[str, Entity]) -> dict[str, Entity]:
        """The entities the guard's principal may read: per concrete class with a row rule,
        one statement that keeps the ids matching it; classes not readable are dropped."""
        assert self.guard is not None
        by_type: dict[str, list[str]] = {}
        for entity_id, entity in found.items():
            by_type.setdefault(entity["type"], []).append(entity_id)
        kept: dict[str, Entity] = {}
        for type_qid, ids in by_type.items():
            readable, rule = self.guard.row_rule(type_qid)
            if not readable:
                continue
            if rule is None:
                kept.update((i, found[i]) for i in ids)
                continue
            for chunk in _chunks(sorted(ids)):
                where = {"and": [{"attr": "id", "op": "in", "value": list(chunk)}, rule]}
                plan = _Plan(self, self.storage.of(type_qid), where, None, Window())
                statement = (
                    sa.select(plan.scope.table.c.id)
                    .select_from(plan.from_clause(plan.scope.table))
                    .where(*plan.conditions)
                )
                for (entity_id,) in self.uow.connection.execute(statement):
                    kept[entity_id] = found[entity_id]
        return kept

    # ------------------------------------------------------------------ one level of a tree
    def related(
        self,
        nav: Navigation,
        parent_ids: Sequence[str],
        where: Filter | None,
        order_by: OrderBy | None,
        window: Window,
        names: Names = None,
    ) -> dict[str, Slice]:
        """Each parent's page of entities at the other end of `nav` (REVERSE or LINK)."""
        size = window.check()
        result: dict[str, Slice] = {}
        plan = _Plan(self, self.storage.of(nav.other), where, order_by, window, names)
        columns = self.columns(plan.scope.storage, plan.scope.table, names)
        for chunk in _chunks(parent_ids):
            from_, parent, extra, links = self._through(nav, plan, chunk)
            if len(chunk) == 1:  # one parent (a detail view): a plain ORDER BY ... LIMIT
                single = (
                    sa.select(*columns, *plan.sort_columns, *links)
                    .select_from(from_)
                    .where(*plan.conditions, *extra)
                    .order_by(*plan.order_clauses)
                    .limit(size + 1)
                )
                found = self.uow.connection.execute(single).mappings().all()
                if found:
                    result[chunk[0]] = plan.slice(self, found, size, window, nav)
                continue
            number = (
                sa.func.row_number()
                .over(partition_by=parent, order_by=plan.order_clauses)
                .label("_rn")
            )
            inner = (
                sa.select(
                    *_plain_columns(columns),
                    *plan.sort_columns,
                    *links,
                    parent.label("_parent"),
                    number,
                )
                .select_from(from_)
                .where(*plan.conditions, *extra)
                .subquery("ranked")
            )
            statement = (
                sa.select(inner)
                .where(inner.c["_rn"] <= size + 1)
                .order_by(inner.c["_parent"], inner.c["_rn"])
            )
            grouped: dict[str, list[Mapping[Any, Any]]] = {}
            for row in self.uow.connection.execute(statement).mappings().all():
                grouped.setdefault(row["_parent"], []).append(row)
            for parent_id, rows in grouped.items():
                result[parent_id] = plan.slice(self, rows, size, window, nav)
        return result

    def related_counts(
        self, nav: Navigation, parent_ids: Sequence[str], where: Filter | None
    ) -> dict[str, int]:
        counts: dict[str, int] = {}
        plan = _Plan(self, self.storage.of(nav.other), where, None, Window())
        for chunk in _chunks(parent_ids):
            from_, parent, extra, _ = self._through(nav, plan, chunk)
            statement = (
                sa.select(parent, sa.func.count())
                .select_from(from_)
                .where(*plan.conditions, *extra)
                .group_by(parent)
            )
            counts.update({p: int(n) for p, n in self.uow.connection.execute(statement)})
        return counts

    def related_aggregate(
        self,
        nav: Navigation,
        parent_ids: Sequence[str],
        where: Filter | None,
        measures: Mapping[str, Mapping[str, Any]],
        group_by: Sequence[str],
    ) -> dict[str, list[dict[str, Any]]]:
        """Per parent, the groups of the entities at the other end of `nav` (REVERSE or LINK)
        as `UnitOfWork.aggregate` gives them, sorted by key: one `GROUP BY parent, <keys>`."""
        plan = _Plan(self, self.storage.of(nav.other), where, None, Window())
        errors = ErrorCollector()
        aggregation = plan.compiler.aggregation(plan.scope, measures, group_by, errors)
        raise_if_errors(errors, f"cannot aggregate {nav.other}")
        result: dict[str, list[dict[str, Any]]] = {}
        for chunk in _chunks(parent_ids):
            from_, parent, extra, _ = self._through(nav, plan, chunk)
            keys = [parent.label("_parent"), *aggregation.keys]
            statement = (
                sa.select(*keys, *aggregation.columns)
                .select_from(from_)
                .where(*plan.conditions, *extra)
                .group_by(*keys)
                .order_by(*(k.asc().nulls_last() for k in keys))
            )
            for row in self.uow.connection.execute(statement).mappings():
                result.setdefault(row["_parent"], []).append(aggregation.decode(row))
        return result

    def _through(
        self, nav: Navigation, plan: _Plan, parent_ids: Sequence[str]
    ) -> tuple[
        sa.FromClause,
        sa.ColumnElement[Any],
        list[sa.ColumnElement[bool]],
        list[sa.ColumnElement[Any]],
    ]:
        """FROM, the parent key column, extra conditions and link columns of a nested read."""
        table = plan.scope.table
        if nav.way is Way.REVERSE:
            assert nav.fk is not None
            parent: sa.ColumnElement[Any] = table.c[nav.fk.column]
            return plan.from_clause(table), parent, [self.among(parent, parent_ids)], []
        assert nav.link is not None and nav.way is Way.LINK
        link = nav.link.link.table.alias("link")
        own = link.c[nav.link.own.name]
        joined = link.join(
            table,
            sa.and_(
                table.c.tenant == link.c.tenant, table.c.id == link.c[nav.link.other_column.name]
            ),
        )
        links: list[sa.ColumnElement[Any]] = [
            link.c[name].label(f"_link_{name}") for name in nav.link.link.attributes
        ]
        extra = [link.c.tenant == self.tenant, self.among(own, parent_ids)]
        return plan.from_clause(joined), own, extra, links

    def among(self, column: sa.ColumnElement[Any], ids: Sequence[str]) -> sa.ColumnElement[bool]:
        """`column IN ids`: on PostgreSQL `= ANY(<one array parameter>)`, so the statement's
        text does not depend on how many ids there are (psycopg prepares it once, and the
        server does not parse a hundred parameters)."""
        if self.postgresql:
            values = sa.bindparam(None, list(ids), type_=postgresql.ARRAY(sa.String()))
            return column == sa.any_(values)
        return column.in_(ids)

    # ------------------------------------------------------------------ rows
    def columns(
        self, storage: ClassStorage, table: sa.FromClause, names: Names
    ) -> list[sa.ColumnElement[Any]]:
        """The columns of `table` (or an alias of it) that hold `names` for any concrete type
        of `storage`'s class, with `id` and `type`; every column when `names` is None."""
        if names is None:
            return list(table.c)
        key = (storage.cls.qid, names)
        wanted = self._selected.get(key)
        if wanted is None:
            found = set(_ALWAYS)
            for type_qid in storage.concrete_types:
                concrete = self.storage.of(type_qid)
                found.update(concrete.columns[n].name for n in names if n in concrete.columns)
                found.update(concrete.to_one[n].column for n in names if n in concrete.to_one)
            wanted = self._selected[key] = frozenset(found)
        return [c for c in table.c if c.name in wanted]

    def decode(self, row: Mapping[Any, Any], *, masked: bool = True, names: Names = None) -> Entity:
        """The entity dict of a row, as the repository returns it (masked by the guard, if
        there is one and `masked`) — restricted to `names` (with id and type) if given."""
        type_qid = row["type"]
        decoder = self._decoder(type_qid, names)
        entity: Entity = {name: row[column] for name, column in decoder.plain}
        for name, column, type_ in decoder.json:
            value = row[column]
            entity[name] = None if value is None else self.coercer.from_json(value, type_)
        if masked and decoder.masked:
            assert self.guard is not None
            return self.guard.mask(type_qid, entity)
        return entity

    def _decoder(self, type_qid: str, names: Names) -> _Decoder:
        decoder = self._decoders.get((type_qid, names))
        if decoder is None:
            decoder = self._decoders[type_qid, names] = _Decoder(self, type_qid, names)
        return decoder

    def decode_link(self, nav: Navigation | None, row: Mapping[Any, Any]) -> dict[str, Any]:
        if nav is None or nav.link is None:
            return {}
        values: dict[str, Any] = {}
        for name, attr in nav.link.link.attributes.items():
            value = row[f"_link_{name}"]
            if value is not None and attr.type.kind in _JSON_KINDS:
                value = self.coercer.from_json(value, attr.type)
            values[name] = value
        return values


class _Decoder:
    """How rows of one concrete class become entity dicts (of all names, or of `names` and id
    and type): which column is which name, which values are JSON, and whether the reader's
    principal needs them masked at all."""

    def __init__(self, reader: EntityReader, type_qid: str, names: Names = None) -> None:
        storage = reader.storage.of(type_qid)
        keep = None if names is None else names | _ALWAYS
        self.plain: list[tuple[str, str]] = []
        self.json: list[tuple[str, str, Any]] = []
        for name, column in storage.columns.items():
            if keep is not None and name not in keep:
                continue
            attr = storage.cls.attributes[name]
            if attr.type.kind in _JSON_KINDS:
                self.json.append((name, column.name, attr.type))
            else:
                self.plain.append((name, column.name))
        self.plain.extend(
            (end, fk.column) for end, fk in storage.to_one.items() if keep is None or end in keep
        )
        self.names = frozenset(name for name, *_ in (*self.plain, *self.json))
        guard = reader.guard
        self.masked = guard is not None and not guard.sees_in_full(type_qid, self.names)


class _Plan:
    """Filter, order and cursor of one read, compiled once for all of a level's parents."""

    def __init__(
        self,
        reader: EntityReader,
        storage: ClassStorage,
        where: Filter | None,
        order_by: OrderBy | None,
        window: Window,
        names: Names = None,
    ) -> None:
        self.names = names
        errors = ErrorCollector()
        self.compiler = QueryCompiler(reader.storage, reader.coercer, reader.tenant)
        self.scope = self.compiler.scope(storage)
        condition = self.compiler.condition(self.scope, where, errors, ("where",))
        keys = self.compiler.order(self.scope, order_by, errors)
        self.fingerprint = self.compiler.fingerprint(storage.cls.qid, keys)
        if window.backward:
            keys = [(path, target, not desc) for path, target, desc in keys]
        cursor = window.before if window.backward else window.after
        behind = None
        if cursor:
            behind = self.compiler.after(keys, self.fingerprint, cursor, errors)
        if window.backward:
            errors.errors = [_before(e) for e in errors.errors]
        raise_if_errors(errors, f"cannot query {storage.cls.qid}")
        self.keys = keys
        self.sort_columns = [t.column.label(f"_sort_{i}") for i, (_, t, _) in enumerate(keys)]
        self.sort_keys = [f"_sort_{i}" for i in range(len(keys))]
        self.order_clauses = self.compiler.order_clauses(keys)
        self.conditions = [self.compiler.base_condition(self.scope)]
        self.conditions.extend(c for c in (condition, behind) if c is not None)

    def encode_cursor(self, values: Sequence[Any]) -> str:
        return self.compiler.encode_cursor(self.fingerprint, values)

    def from_clause(self, start: sa.FromClause) -> sa.FromClause:
        result = start
        for joined in self.scope.all_joins():
            assert joined.on is not None
            result = result.outerjoin(joined.table, joined.on)
        return result

    def slice(
        self,
        reader: EntityReader,
        rows: Sequence[Mapping[Any, Any]],
        size: int,
        window: Window,
        nav: Navigation | None = None,
    ) -> Slice:
        more = len(rows) > size
        kept = list(rows[:size])
        if window.backward:
            kept.reverse()
        encode, sort_keys = self.encode_cursor, self.sort_keys
        linked = nav is not None and nav.link is not None
        return Slice(
            entities=[reader.decode(r, names=self.names) for r in kept],
            cursors=[Cursor(encode, r, sort_keys) for r in kept],
            links=[reader.decode_link(nav, r) for r in kept] if linked else [_NO_LINK] * len(kept),
            has_next=bool(window.before) if window.backward else more,
            has_previous=more if window.backward else bool(window.after),
        )


def _plain_columns(columns: Sequence[sa.ColumnElement[Any]]) -> list[sa.ColumnElement[Any]]:
    """Table columns for a subquery, wrapped so that the subquery's columns do not copy the
    table's foreign keys: SQLAlchemy would register event listeners for each copy, for every
    statement — the most expensive part of building a nested read. Types (and so the decoding
    of values) stay the same."""
    return [sa.type_coerce(c, c.type).label(c.name) for c in columns]


def _before(error: FieldError) -> FieldError:
    if error.path[:1] == ("after",):
        return FieldError(error.code, ("before", *error.path[1:]), error.message)
    return error


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[i : i + ID_CHUNK] for i in range(0, len(ids), ID_CHUNK)]


__all__ = [
    "DEFAULT_PAGE",
    "MAX_PAGE",
    "Cursor",
    "EntityReader",
    "Names",
    "Navigation",
    "Slice",
    "ValidationError",
    "Way",
    "Window",
    "navigation",
]
