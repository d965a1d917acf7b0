"""Resolvers that read a whole tree level at once: lazy sibling batching.

Every entity handed to GraphQL is a `Row` that knows its `Level` — the rows that were read by
the same statement. When the first row of a level resolves an association field, the resolver
reads that association for *every* row of the level in one statement and caches the result on
the level under the field's arguments; the other rows then find their part in the cache. The
entities read that way form the next level. So a request costs one statement per association
level (plus one per `totalCount` level), whether it returns one row or thousands.

Unlike a DataLoader this needs no event loop and no look-ahead: only fields the client actually
selected (after fragments, aliases and @skip/@include) ever trigger a read.

A read selects only the columns its entities' selected fields need: each entity field's
resolver declares the CK names it reads from the entity (`reads_of`), and `selected_names`
collects them over the field's selection set (fragments included). A field that declares
nothing (series, history) makes the read select every column.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionNode,
    get_named_type,
)

from meshkit.runtime import Entity, ValidationError
from meshkit.runtime.graphql._context import Info, RequestContext
from meshkit.runtime.graphql._filters import TranslatedFilter, locate_query_errors
from meshkit.runtime.graphql._reader import Cursor, Names, Navigation, Slice, Window
from meshkit.runtime.query import Filter, OrderBy

NOTHING: Filter = {"or": []}  # matches no row

Resolver = Callable[..., Any]


class Level:
    """Rows read together; association reads for them are batched and cached here."""

    __slots__ = ("cache", "rows")

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.cache: dict[Hashable, Any] = {}

    def add(self, entity: Entity) -> Row:
        row = Row(entity, self)
        self.rows.append(row)
        return row

    def parent_ids(self, nav: Navigation) -> list[str]:
        """Ids of this level's rows that have `nav`'s end (a level may mix subclasses)."""
        seen: dict[str, None] = {}
        for row in self.rows:
            if row.entity.get("type") in nav.owner_types:
                seen.setdefault(row.entity["id"], None)
        return list(seen)


class Row:
    """One entity as GraphQL sees it (`entity` holds CK names, as the repository returns it)."""

    __slots__ = ("entity", "level")

    def __init__(self, entity: Entity, level: Level) -> None:
        self.entity = entity
        self.level = level


def rows_of(entities: list[Entity]) -> list[Row]:
    level = Level()
    return [level.add(e) for e in entities]


class Edge:
    """A node with its cursor (encoded when asked for) and link attributes."""

    __slots__ = ("_cursor", "link", "node")

    def __init__(self, node: Row, cursor: Cursor | str, link: Mapping[str, Any]) -> None:
        self.node = node
        self._cursor = cursor
        self.link = link

    @property
    def cursor(self) -> str:
        return str(self._cursor)


@dataclass
class Connection:
    edges: list[Edge]
    has_next: bool
    has_previous: bool
    total: Callable[[], int]

    @property
    def nodes(self) -> list[Row]:
        return [e.node for e in self.edges]

    @property
    def start_cursor(self) -> str | None:
        return self.edges[0].cursor if self.edges else None

    @property
    def end_cursor(self) -> str | None:
        return self.edges[-1].cursor if self.edges else None


def connection_of(page: Slice, level: Level, total: Callable[[], int]) -> Connection:
    edges = [
        Edge(level.add(entity), cursor, link)
        for entity, cursor, link in zip(page.entities, page.cursors, page.links, strict=False)
    ]
    return Connection(edges, page.has_next, page.has_previous, total)


def context_of(info: Info) -> RequestContext:
    return info.context


# ====================================================================== query arguments
@dataclass(frozen=True)
class QueryArgs:
    where: TranslatedFilter
    order_by: list[str] | None
    window: Window
    key: Hashable


def query_args(info: Info, class_qid: str, args: Mapping[str, Any]) -> QueryArgs:
    translator = context_of(info).translator
    return QueryArgs(
        where=translator.where(class_qid, args.get("filter")),
        order_by=translator.order(class_qid, args.get("order_by")),
        window=Window(
            first=args.get("first"),
            after=args.get("after"),
            last=args.get("last"),
            before=args.get("before"),
        ),
        key=freeze(args),
    )


def freeze(value: Any) -> Hashable:
    """A hashable, order-independent form of argument values (the cache key of a batch)."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    return value  # type: ignore[no-any-return]


def _located(
    exc: ValidationError, where: TranslatedFilter, run: Filter | None = None
) -> ValidationError:
    """The error located in the client's arguments; when the filter run is not the client's
    own (the policy's rules were added), at `filter` as a whole."""
    if run is where.where:
        return locate_query_errors(exc, where)
    return locate_query_errors(exc, TranslatedFilter(None, {}))


def secured(
    context: RequestContext, class_qid: str, where: Filter | None, order_by: OrderBy | None
) -> Filter | None:
    """The filter to run for the caller's `where` on `class_qid`: as given in a trusted
    context; otherwise with the row rules ANDed in (NOTHING when the class is not readable at
    all, as behind an association). PermissionDenied for hidden columns in filter or order."""
    guard = context.guard
    if guard is None:
        return where
    if not guard.policy.allows(guard.principal, class_qid, "read"):
        return NOTHING
    guard.check_order(class_qid, order_by)
    return guard.read_filter(class_qid, where)


def end_hidden(context: RequestContext, row: Row, nav: Navigation) -> bool:
    guard = context.guard
    return guard is not None and not guard.end_visible(row.entity["type"], nav.name)


# ====================================================================== selected columns
_READS = "meshkit_reads"  # the resolver attribute naming the entity names it reads
_ATTRIBUTE = "meshkit_attribute"  # on `attribute` resolvers: the one name they return
_COMPILED = "meshkit_compiled"  # on resolvers compiled reads answer: (what, class or end)


def reading(resolver: Resolver, names: Iterable[str]) -> Resolver:
    """`resolver`, marked as reading only `names` of its row's entity (besides id and type)."""
    setattr(resolver, _READS, frozenset(names))
    return resolver


def reads_of(resolver: Resolver | None) -> frozenset[str] | None:
    """The entity names a field's resolver reads; None when it does not say."""
    return getattr(resolver, _READS, None)


def compiled_read(resolver: Resolver | None) -> tuple[str, Any] | None:
    """(what, its class qid or navigation) of a resolver that compiled reads (`_compiled`)
    know how to answer in SQL: root_one, root_connection, to_one_held, to_many."""
    return getattr(resolver, _COMPILED, None)


def _compiled(resolver: Resolver, what: str, value: Any) -> Resolver:
    setattr(resolver, _COMPILED, (what, value))
    return resolver


def attribute_of(resolver: Resolver | None) -> str | None:
    """The entity name an `attribute` resolver returns as it is (None for other resolvers)."""
    return getattr(resolver, _ATTRIBUTE, None)


EntityType = GraphQLObjectType | GraphQLInterfaceType


def selected_names(info: Info, *, connection: bool) -> Names:
    """The CK names the entities returned by the current field need for its selection (an
    entity, or a connection's `nodes`/`edges.node`); None: every column (a selected field's
    resolver does not say what it reads)."""
    names: set[str] = set()
    kind = get_named_type(info.return_type)
    if not isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
        return None
    for node in info.field_nodes:
        if node.selection_set is None:
            continue
        selections = node.selection_set.selections
        walk = _connection_names if connection else _entity_names
        if not walk(info, kind, selections, names):
            return None
    return frozenset(names)


def _entity_names(
    info: Info, kind: EntityType, selections: Iterable[SelectionNode], names: set[str]
) -> bool:
    for selection in selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name.startswith("__"):
                continue
            field = kind.fields.get(name)
            reads = None if field is None else reads_of(field.resolve)
            if reads is None:
                return False
            names.update(reads)
        elif not _fragment(info, kind, selection, names, _entity_names):
            return False
    return True


def _connection_names(
    info: Info, kind: EntityType, selections: Iterable[SelectionNode], names: set[str]
) -> bool:
    for selection in selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            field = kind.fields.get(name)
            if field is None or selection.selection_set is None:
                continue  # pageInfo's leaves, totalCount, __typename
            inner = get_named_type(field.type)
            if not isinstance(inner, GraphQLObjectType | GraphQLInterfaceType):
                continue
            sub = selection.selection_set.selections
            if name == "nodes" and not _entity_names(info, inner, sub, names):
                return False
            if name == "edges" and not _edge_names(info, inner, sub, names):
                return False
        elif not _fragment(info, kind, selection, names, _connection_names):
            return False
    return True


def _edge_names(
    info: Info, kind: EntityType, selections: Iterable[SelectionNode], names: set[str]
) -> bool:
    for selection in selections:
        if isinstance(selection, FieldNode):
            field = kind.fields.get(selection.name.value)
            if selection.name.value != "node" or field is None or selection.selection_set is None:
                continue  # cursor and link attributes come with the edge, not the entity
            inner = get_named_type(field.type)
            if not isinstance(inner, GraphQLObjectType | GraphQLInterfaceType):
                return False
            if not _entity_names(info, inner, selection.selection_set.selections, names):
                return False
        elif not _fragment(info, kind, selection, names, _edge_names):
            return False
    return True


def _fragment(
    info: Info,
    kind: EntityType,
    selection: SelectionNode,
    names: set[str],
    walk: Callable[[Info, EntityType, Iterable[SelectionNode], set[str]], bool],
) -> bool:
    """Follow an inline fragment or a fragment spread, on the type it names."""
    if isinstance(selection, InlineFragmentNode):
        condition, selection_set = selection.type_condition, selection.selection_set
    elif isinstance(selection, FragmentSpreadNode):
        fragment = info.fragments.get(selection.name.value)
        if fragment is None:
            return False
        condition, selection_set = fragment.type_condition, fragment.selection_set
    else:
        return False
    if condition is not None:
        named = info.schema.get_type(condition.name.value)
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            return False
        kind = named
    return walk(info, kind, selection_set.selections, names)


def _selection(
    row: Row, info: Info, *, connection: bool, args: Mapping[str, Any] | None = None
) -> tuple[Hashable, Names]:
    """(the arguments as a cache key, `selected_names`) of the current field, worked out once
    per level and field node: every row of the level asks, and both depend only on the node
    (and the request's variables)."""
    key = ("selection", *map(id, info.field_nodes))
    found: tuple[Hashable, Names] | None = row.level.cache.get(key)
    if found is None:
        names = selected_names(info, connection=connection)
        found = row.level.cache[key] = (freeze(args or {}), names)
    return found


# ====================================================================== resolvers
def attribute(name: str) -> Resolver:
    def resolve(row: Row, _info: Info) -> Any:
        return row.entity.get(name)

    setattr(resolve, _ATTRIBUTE, name)  # RowExecutor reads such fields without the call
    return reading(resolve, {name})


def member(name: str) -> Resolver:
    """A record's value (a dict) or an edge's link attribute."""

    def resolve(source: Mapping[str, Any] | Edge, _info: Info) -> Any:
        values = source.link if isinstance(source, Edge) else source
        return values.get(name)

    return resolve


def root_one(class_qid: str) -> Resolver:
    def resolve(_root: Any, info: Info, id: str) -> Row | None:
        names = selected_names(info, connection=False)
        entity = context_of(info).reader.one(class_qid, id, names)
        return None if entity is None else Level().add(entity)

    return _compiled(resolve, "root_one", class_qid)


def root_node(_root: Any, info: Info, id: str) -> Row | None:
    """Relay `node(id)`: the entity of whichever class has this id in the tenant; null when
    there is none or the caller may not read it (as if it did not exist)."""
    context = context_of(info)
    type_qid = context.reader.locate(id)
    if type_qid is None:
        return None
    guard = context.guard
    if guard is not None and not guard.policy.allows(guard.principal, type_qid, "read"):
        return None
    entity = context.reader.one(type_qid, id)
    return None if entity is None else Level().add(entity)


def root_connection(class_qid: str) -> Resolver:
    def resolve(_root: Any, info: Info, **args: Any) -> Connection:
        context = context_of(info)
        q = query_args(info, class_qid, args)
        if context.guard is not None:
            context.guard.policy.check(context.guard.principal, class_qid, "read")
        where = secured(context, class_qid, q.where.where, q.order_by)
        reader = context.reader
        names = selected_names(info, connection=True)
        try:
            page = reader.page(class_qid, where, q.order_by, q.window, names)
        except ValidationError as exc:
            raise _located(exc, q.where, where) from None
        counted: list[int] = []

        def total() -> int:
            if not counted:
                counted.append(reader.count(class_qid, where))
            return counted[0]

        return connection_of(page, Level(), total)

    return _compiled(resolve, "root_connection", class_qid)


def to_one_held(nav: Navigation) -> Resolver:
    """A to-one end stored on this row: the ids are at hand, one `id IN (...)` per level."""

    def resolve(row: Row, info: Info) -> Row | None:
        target_id = row.entity.get(nav.name)
        if target_id is None:
            return None
        _, names = _selection(row, info, connection=False)
        key = ("held", nav.owner, nav.name, names)
        loaded: dict[str, Row] | None = row.level.cache.get(key)
        if loaded is None:
            ids = {r.entity.get(nav.name) for r in row.level.rows}
            ids.discard(None)
            entities = context_of(info).reader.by_ids(nav.other, [i for i in ids if i], names)
            child = Level()
            loaded = {i: child.add(e) for i, e in entities.items()}
            row.level.cache[key] = loaded
        return loaded.get(target_id)

    return _compiled(reading(resolve, {nav.name}), "to_one_held", nav)


def to_one_elsewhere(nav: Navigation) -> Resolver:
    """A to-one end stored on the other side (a reverse foreign key or a link row)."""

    def resolve(row: Row, info: Info) -> Row | None:
        context = context_of(info)
        if end_hidden(context, row, nav):
            return None
        _, names = _selection(row, info, connection=False)
        key = ("one", nav.owner, nav.name, names)
        loaded: dict[str, Row] | None = row.level.cache.get(key)
        if loaded is None:
            where = secured(context, nav.other, None, None)
            pages = context.reader.related(
                nav, row.level.parent_ids(nav), where, None, Window(first=1), names
            )
            child = Level()
            loaded = {p: child.add(s.entities[0]) for p, s in pages.items() if s.entities}
            row.level.cache[key] = loaded
        return loaded.get(row.entity["id"])

    return reading(resolve, ())


def to_many(nav: Navigation) -> Resolver:
    """A to-many end as a connection, paged per parent, read for the whole level at once."""

    def resolve(row: Row, info: Info, **args: Any) -> Connection:
        context = context_of(info)
        if end_hidden(context, row, nav):
            query_args(info, nav.other, args)  # bad arguments are an error all the same
            return Connection([], False, False, lambda: 0)
        arguments, names = _selection(row, info, connection=True, args=args)
        key = ("many", nav.owner, nav.name, arguments, names)
        batch: _ManyBatch | None = row.level.cache.get(key)
        if batch is None:  # the level's first row: translate the arguments once, read all
            q = query_args(info, nav.other, args)
            batch = _ManyBatch(context, nav, row.level.parent_ids(nav), q, names)
            row.level.cache[key] = batch
        return batch.connection(row.entity["id"])

    return _compiled(reading(resolve, ()), "to_many", nav)


class _ManyBatch:
    """One to-many read for all parents of a level; its counts come in one more statement."""

    def __init__(
        self,
        context: RequestContext,
        nav: Navigation,
        parent_ids: list[str],
        q: QueryArgs,
        names: Names,
    ) -> None:
        self.context = context
        self.nav = nav
        self.parent_ids = parent_ids
        self.q = q
        self.where = secured(context, nav.other, q.where.where, q.order_by)
        try:
            pages = context.reader.related(nav, parent_ids, self.where, q.order_by, q.window, names)
        except ValidationError as exc:
            raise _located(exc, q.where, self.where) from None
        level = Level()
        self.connections = {
            parent: connection_of(page, level, self._total(parent))
            for parent, page in pages.items()
        }
        self._counts: dict[str, int] | None = None

    def connection(self, parent_id: str) -> Connection:
        found = self.connections.get(parent_id)
        if found is None:
            found = Connection([], False, bool(self.q.window.after), self._total(parent_id))
            self.connections[parent_id] = found
        return found

    def _total(self, parent_id: str) -> Callable[[], int]:
        def total() -> int:
            if self._counts is None:
                self._counts = self.context.reader.related_counts(
                    self.nav, self.parent_ids, self.where
                )
            return self._counts.get(parent_id, 0)

        return total
