"""Compiled reads: a whole query answered by one SQL statement that builds its JSON (PostgreSQL).

The general path (`_batches`, `_executor`) reads one statement per association level and lets
graphql-core complete every field in Python: for a page of 100 participants with their
participations and metering points that is ~1,000 field completions and ~600 decoded values,
most of a request's time. Here the selection set becomes one `SELECT json_build_object(...)`:
connections are correlated subqueries (`json_agg` over a page ordered and limited per parent),
to-one ends are scalar subqueries, leaves are formatted by the database exactly as the scalars
serialise them (decimals as plain text, datetimes in UTC ISO 8601, enums by their GraphQL name).
PostgreSQL builds the document; Python only parses it and encodes the cursors asked for.

Only what it can answer *exactly* as the general path would is compiled: queries (no mutation
or subscription) of root `<class>(id)` and `<classes>(...)` fields, plain attributes, to-one ends
stored on the row, to-many ends (reverse foreign keys and link tables, with link attributes),
connection fields (nodes, edges, cursors, pageInfo, totalCount), `__typename` and fragments on
entities — without directives. With a policy, the classes read must be readable, their row rules
simple and the selected attributes visible in full (nothing masked). Anything else — a record,
a series, an aggregate, a filter the compiler refuses, a bad cursor — raises `NotCompiled`
before any SQL runs, and the request takes the general path, which reports errors where they
belong. Filters, order and cursors go through the runtime's `QueryCompiler`, so they mean what
they mean everywhere else; tests/graphql/test_graphql_compiled.py runs queries both ways.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values

from meshkit.ck.model import TypeKind
from meshkit.runtime.auth import PermissionDenied
from meshkit.runtime.errors import ErrorCollector, ValidationError
from meshkit.runtime.graphql._batches import (
    NOTHING,
    Level,
    Row,
    attribute_of,
    compiled_read,
    freeze,
    secured,
)
from meshkit.runtime.graphql._context import RequestContext
from meshkit.runtime.graphql._names import camel
from meshkit.runtime.graphql._reader import Navigation, Way, Window
from meshkit.runtime.query import Filter, QueryCompiler
from meshkit.runtime.storage import ClassStorage
from meshkit.runtime.storage.types import DurationSeconds, EnumKey, ExactDecimal, UtcDateTime

#: PostgreSQL passes at most 100 arguments to a function: 50 keys and values per object.
_MAX_KEYS = 50
_SCALARS = frozenset({"ID", "String", "Int", "BigInt", "Float", "Boolean", "Decimal", "Date"})
_DATETIME = frozenset({"DateTime"})
_JSON_KINDS = frozenset({TypeKind.RECORD, TypeKind.LIST, TypeKind.JSON})


class NotCompiled(Exception):
    """The request is outside what compiled reads answer: take the general path."""


# ====================================================================== cursors afterwards
@dataclass(frozen=True)
class _Cursor:
    """A cursor in the result: the database gives its sort values, Python encodes them."""

    compiler: QueryCompiler
    fingerprint: str


#: Where the result needs work after the database: key -> a cursor, or a nested fix for the
#: object (or each object of the list) under that key.
_Fix = dict[str, "_Cursor | _Fix"]


def _apply(fix: _Fix, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _apply(fix, item)
        return
    if not isinstance(value, dict):
        return
    for key, todo in fix.items():
        found = value.get(key)
        if found is None:
            continue
        if isinstance(todo, _Cursor):
            value[key] = todo.compiler.encode_cursor(todo.fingerprint, found)
        else:
            _apply(todo, found)


# ====================================================================== the compiler
class _Plan(NamedTuple):
    statement: sa.Select[Any]
    fix: _Fix


#: Plans kept per schema (statements of a few hundred SQLAlchemy objects each).
PLANS = 256


class CompiledReads:
    """Compiles and runs eligible queries of one schema (PostgreSQL only).

    Building a statement costs more CPU than running it, so plans are kept (least recently
    used first out) by query text, operation, caller and variable values: everything a plan
    depends on — the caller's tenant, roles and claims decide the row rules in it. A query
    that is not eligible is remembered as such."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._typenames: dict[tuple[str, str], str] = {}  # (interface, concrete qid) -> name
        self._plans: OrderedDict[Hashable, _Plan | None] = OrderedDict()
        self._lock = threading.Lock()

    def run(
        self,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        raw_variables: Mapping[str, Any] | None,
        context: RequestContext,
    ) -> dict[str, Any]:
        """The query's `data`; NotCompiled (before any SQL) when it is not eligible."""
        if context.repository.engine.dialect.name != "postgresql":
            raise NotCompiled("not PostgreSQL")
        try:
            reader = context.reader  # begins the unit of work
        except PermissionDenied:
            raise NotCompiled("not signed in") from None  # the general path says so
        key = (query, operation_name, _caller(context), freeze(dict(raw_variables or {})))
        with self._lock:
            known = key in self._plans
            plan = self._plans.get(key)
            if known:
                self._plans.move_to_end(key)
        if not known:
            try:
                plan = self._plan(document, operation_name, raw_variables, context)
            except NotCompiled:
                plan = None
            with self._lock:
                self._plans[key] = plan
                while len(self._plans) > PLANS:
                    self._plans.popitem(last=False)
        if plan is None:
            raise NotCompiled("not eligible")
        data = orjson.loads(reader.uow.connection.execute(plan.statement).scalar_one())
        if plan.fix:
            _apply(plan.fix, data)
        return dict(data)

    def _plan(
        self,
        document: DocumentNode,
        operation_name: str | None,
        raw_variables: Mapping[str, Any] | None,
        context: RequestContext,
    ) -> _Plan:
        operation = _operation(document, operation_name)
        if operation.directives:
            raise NotCompiled("directives")
        variables = get_variable_values(
            self.schema, operation.variable_definitions or (), dict(raw_variables or {})
        )
        if not isinstance(variables, VariableValues):
            raise NotCompiled("variables")  # the general path reports them
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        request = _Request(self, context, variables, fragments)
        query_type = self.schema.query_type
        assert query_type is not None
        pairs: list[tuple[str, sa.ColumnElement[Any]]] = []
        fix: _Fix = {}
        for node in _fields(operation.selection_set):
            key = node.alias.value if node.alias else node.name.value
            expression, inner = request.root(query_type, node)
            pairs.append((key, expression))
            if inner is not None:
                fix[key] = inner
        # As text: parsed by orjson, not by the driver's json.loads (a third of the time)
        return _Plan(sa.select(sa.cast(_object(pairs), sa.Text)), fix)

    def typename(self, interface: GraphQLInterfaceType, concrete_qid: str) -> str:
        key = (interface.name, concrete_qid)
        found = self._typenames.get(key)
        if found is None:
            assert interface.resolve_type is not None
            name = interface.resolve_type(Row({"type": concrete_qid}, Level()), None, interface)  # type: ignore[arg-type]
            found = self._typenames[key] = str(name)
        return found


class _Request:
    """The SQL of one request: one QueryCompiler, so every alias in the statement is unique."""

    def __init__(
        self,
        owner: CompiledReads,
        context: RequestContext,
        variables: VariableValues,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> None:
        self.owner = owner
        self.context = context
        self.variables = variables
        self.reader = context.reader
        self.storage = self.reader.storage
        self.guard = context.guard
        self.translator = context.translator
        self.compiler = QueryCompiler(self.storage, self.reader.coercer, self.reader.tenant)
        self.fragments = fragments

    # ------------------------------------------------------------------ root fields
    def root(
        self, query_type: GraphQLObjectType, node: FieldNode
    ) -> tuple[sa.ColumnElement[Any], _Fix | None]:
        field = query_type.fields.get(node.name.value)
        if field is None:
            raise NotCompiled(node.name.value)
        kind, value = compiled_read(field.resolve) or ("", None)
        args = self._arguments(field, node)
        if kind == "root_one":
            return self._root_one(str(value), field, node, args)
        if kind == "root_connection":
            class_qid = str(value)
            if self.guard is not None:
                try:
                    self.guard.policy.check(self.guard.principal, class_qid, "read")
                except PermissionDenied:
                    raise NotCompiled("not readable") from None
            return self._connection(class_qid, None, None, field, node, args)
        raise NotCompiled(node.name.value)

    def _root_one(
        self, class_qid: str, field: GraphQLField, node: FieldNode, args: dict[str, Any]
    ) -> tuple[sa.ColumnElement[Any], _Fix | None]:
        if self.guard is not None and not self.guard.policy.allows(
            self.guard.principal, class_qid, "read"
        ):
            raise NotCompiled("not readable")
        storage = _one_table(self.storage.of(class_qid))
        scope = self.compiler.scope(storage)
        table = scope.table
        conditions = [self.compiler.base_condition(scope), table.c.id == str(args["id"])]
        conditions.extend(self._row_rules(scope))
        body, fix = self._entity(storage, get_named_type(field.type), table, node.selection_set)
        statement = sa.select(body).select_from(table).where(*conditions)
        return statement.scalar_subquery(), fix or None

    # ------------------------------------------------------------------ entities
    def _entity(
        self,
        storage: ClassStorage,
        kind: Any,
        table: sa.FromClause,
        selection_set: SelectionSetNode | None,
    ) -> tuple[sa.ColumnElement[Any], _Fix]:
        """The JSON object of one row of `table` (a `storage` class) for the selection. With
        fragments, each concrete class gets the fields it collects (graphql's field collection:
        a fragment applies when its type condition is the row's type or one it implements),
        chosen by the row's type."""
        if not isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            raise NotCompiled("not an entity type")
        if selection_set is None:
            raise NotCompiled("no selection")
        if all(isinstance(s, FieldNode) for s in selection_set.selections):
            return self._fields_object(storage, kind, table, _fields(selection_set))
        variants: list[tuple[str, sa.ColumnElement[Any]]] = []
        fix: _Fix = {}
        for qid in storage.concrete_types:
            runtime = kind
            if isinstance(kind, GraphQLInterfaceType):
                found = self.owner.schema.get_type(self.owner.typename(kind, qid))
                if not isinstance(found, GraphQLObjectType):
                    raise NotCompiled("no object type")
                runtime = found
            assert isinstance(runtime, GraphQLObjectType)
            nodes = self._collect(runtime, selection_set)
            body, inner = self._fields_object(self.storage.of(qid), runtime, table, nodes)
            variants.append((qid, body))
            for key, todo in inner.items():
                if fix.setdefault(key, todo) != todo:
                    raise NotCompiled("cursors differ by type")
        if len(variants) == 1:
            return variants[0][1], fix
        return sa.case(*((table.c.type == qid, body) for qid, body in variants)), fix

    def _collect(
        self, runtime: GraphQLObjectType, selection_set: SelectionSetNode
    ) -> list[FieldNode]:
        """The fields a selection set collects for rows of `runtime`, fields of the same
        response key merged (one node whose selection set holds all of theirs)."""
        grouped: dict[str, list[FieldNode]] = {}

        def walk(selections: SelectionSetNode) -> None:
            for selection in selections.selections:
                if selection.directives:
                    raise NotCompiled("directive")
                if isinstance(selection, FieldNode):
                    name = selection.name.value
                    if name.startswith("__") and name != "__typename":
                        raise NotCompiled("introspection")
                    key = selection.alias.value if selection.alias else name
                    grouped.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    if condition is None or self._applies(condition.name.value, runtime):
                        walk(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments.get(selection.name.value)
                    if fragment is None:
                        raise NotCompiled("unknown fragment")
                    if self._applies(fragment.type_condition.name.value, runtime):
                        walk(fragment.selection_set)
                else:
                    raise NotCompiled("selection")

        walk(selection_set)
        result: list[FieldNode] = []
        for nodes in grouped.values():
            first = nodes[0]
            if len(nodes) == 1 or first.selection_set is None:
                if any(n.name.value != first.name.value for n in nodes):
                    raise NotCompiled("different fields under one key")
                result.append(first)  # leaves of one key are the same field (validation)
                continue
            if any(n.selection_set is None or n.name.value != first.name.value for n in nodes):
                raise NotCompiled("different fields under one key")
            merged = tuple(s for n in nodes for s in n.selection_set.selections)  # type: ignore[union-attr]
            result.append(
                FieldNode(
                    alias=first.alias,
                    name=first.name,
                    arguments=first.arguments,
                    directives=(),
                    selection_set=SelectionSetNode(selections=merged),
                )
            )
        return result

    def _applies(self, type_name: str, runtime: GraphQLObjectType) -> bool:
        condition = self.owner.schema.get_type(type_name)
        if condition is runtime:
            return True
        if isinstance(condition, GraphQLInterfaceType | GraphQLUnionType):
            return self.owner.schema.is_sub_type(condition, runtime)
        return False

    def _fields_object(
        self,
        storage: ClassStorage,
        kind: GraphQLObjectType | GraphQLInterfaceType,
        table: sa.FromClause,
        nodes: Sequence[FieldNode],
    ) -> tuple[sa.ColumnElement[Any], _Fix]:
        pairs: list[tuple[str, sa.ColumnElement[Any]]] = []
        fix: _Fix = {}
        names: set[str] = set()
        for node in nodes:
            key = node.alias.value if node.alias else node.name.value
            name = node.name.value
            if name == "__typename":
                pairs.append((key, self._typename(storage, kind, table)))
                continue
            field = kind.fields.get(name)
            if field is None or (node.arguments and not compiled_read(field.resolve)):
                raise NotCompiled(name)
            attribute = attribute_of(field.resolve)
            if attribute is not None:
                names.add(attribute)
                pairs.append((key, self._attribute(storage, table, attribute, field)))
                continue
            kind_, nav = compiled_read(field.resolve) or ("", None)
            if not isinstance(nav, Navigation):
                raise NotCompiled(name)
            names.add(nav.name)
            if kind_ == "to_one_held":
                one, below = self._to_one(nav, field, table, node)
                pairs.append((key, one))
                if below:
                    fix[key] = below
            elif kind_ == "to_many":
                self._end_visible(storage, nav)
                args = self._arguments(field, node)
                expression, inner = self._connection(nav.other, nav, table, field, node, args)
                pairs.append((key, expression))
                if inner is not None:
                    fix[key] = inner
            else:
                raise NotCompiled(name)
        self._visible_in_full(storage, names)
        return _object(pairs), fix

    def _typename(
        self, storage: ClassStorage, kind: GraphQLObjectType | GraphQLInterfaceType, table: Any
    ) -> sa.ColumnElement[Any]:
        if isinstance(kind, GraphQLObjectType):
            return sa.literal_column(_quoted(kind.name))
        whens: list[tuple[sa.ColumnElement[bool], sa.ColumnElement[Any]]] = [
            (table.c.type == qid, sa.literal_column(_quoted(self.owner.typename(kind, qid))))
            for qid in storage.concrete_types
        ]
        return sa.case(*whens)

    def _attribute(
        self, storage: ClassStorage, table: Any, name: str, field: GraphQLField
    ) -> sa.ColumnElement[Any]:
        if name in storage.columns:
            column_name = storage.columns[name].name
            if storage.cls.attributes[name].type.kind in _JSON_KINDS:
                raise NotCompiled("record, list or JSON")
        elif name in storage.to_one:
            column_name = storage.to_one[name].column
        else:
            raise NotCompiled(f"{name}: no column")
        column = table.c[column_name]
        named = get_named_type(field.type)
        if _is_list(field.type):
            raise NotCompiled("list")
        if isinstance(named, GraphQLEnumType):
            return _enum(column, {v.value: n for n, v in named.values.items()})
        return _leaf(column, named.name)

    def _to_one(
        self, nav: Navigation, field: GraphQLField, parent: Any, node: FieldNode
    ) -> tuple[sa.ColumnElement[Any], _Fix]:
        assert nav.fk is not None
        storage = _one_table(self.storage.of(nav.other))
        scope = self.compiler.scope(storage)
        table = scope.table
        body, fix = self._entity(storage, get_named_type(field.type), table, node.selection_set)
        conditions = [
            self.compiler.base_condition(scope),
            table.c.id == parent.c[nav.fk.column],
            *self._row_rules(scope),
        ]
        return sa.select(body).select_from(table).where(*conditions).scalar_subquery(), fix

    # ------------------------------------------------------------------ connections
    def _connection(
        self,
        class_qid: str,
        nav: Navigation | None,
        parent: Any,
        field: GraphQLField,
        node: FieldNode,
        args: dict[str, Any],
    ) -> tuple[sa.ColumnElement[Any], _Fix | None]:
        where_ = self.translator.where(class_qid, args.get("filter"))
        order_by = self.translator.order(class_qid, args.get("order_by"))
        window = Window(
            first=args.get("first"),
            after=args.get("after"),
            last=args.get("last"),
            before=args.get("before"),
        )
        try:
            size = window.check()
            where = secured(self.context, class_qid, where_.where, order_by)
        except (ValidationError, PermissionDenied):
            raise NotCompiled("arguments") from None
        if where is NOTHING:
            raise NotCompiled("not readable")
        storage = _one_table(self.storage.of(class_qid))
        page = _Page(self, storage, where, order_by, window)
        kind = get_named_type(field.type)
        assert isinstance(kind, GraphQLObjectType)
        from_, parent_conditions, links = self._through(nav, page, parent)
        conditions = [*page.conditions, *parent_conditions]
        # The page first, as plain columns in sort order, at most `size` rows: PostgreSQL
        # evaluates a sorted, limited query's cheap expressions for every candidate row before
        # the sort, so the rows' JSON is built from this page, over the kept rows only.
        table = page.scope.table
        extra = [t.column.label(f"_s{i}") for i, (_, t, _) in enumerate(page.keys)]
        if links is not None and nav is not None and nav.link is not None:
            extra.extend(links.c[name].label(f"_link_{name}") for name in nav.link.link.attributes)
        kept_query = (
            sa.select(*table.c, *extra)
            .select_from(from_)
            .where(*conditions, *page.behind)
            .order_by(*page.order_clauses)
            .limit(size)
        )
        if parent is not None:
            kept_query = kept_query.correlate(parent)
        kept = kept_query.subquery()
        selected = _Selected(kept)
        for item in _fields(node.selection_set):
            key = item.alias.value if item.alias else item.name.value
            selected.add(self, page, kind, item, key, links, nav)
        sort = [kept.c[f"_s{i}"] for i in range(len(page.keys))]
        columns = [selected.node_column(page).label("node"), *sort]
        if selected.has_edges:
            columns.append(selected.edge_column(page, links).label("edge"))
        rows = sa.select(*columns).select_from(kept).subquery()  # in the page's order
        if window.backward:  # read from the end: turned back into the client's order
            order = [
                _direction(rows.c[f"_s{i}"], not desc) for i, (_, _, desc) in enumerate(page.keys)
            ]
            rows = sa.select(rows).order_by(*order).subquery()
        # The aggregates take the rows in the order of the subquery they read: a plain
        # aggregate over an ordered subquery (no join, no grouping) keeps it in PostgreSQL —
        # what PostGraphile 4 relied on too; an ORDER BY inside json_agg would sort every page
        # a second time (~15% of the statement). The tests page forward and backward.

        def listed(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
            return sa.func.coalesce(sa.func.json_agg(column), sa.literal_column("'[]'::json"))

        def more() -> sa.ColumnElement[Any]:
            """Whether rows follow the page (in its direction): one more row exists."""
            beyond = (
                sa.select(sa.literal(1))
                .select_from(from_)
                .where(*conditions, *page.behind)
                .limit(size + 1)
            )
            if parent is not None:
                beyond = beyond.correlate(parent)
            counted = sa.select(sa.func.count()).select_from(beyond.subquery())
            return counted.scalar_subquery() > size

        if selected.cursors:  # from the kept rows' sort values: built for `size` rows only
            # (a cursor column of the page would be built for every row before the sort)
            values = [_cursor_value(rows.c[f"_s{i}"]) for i in range(len(page.keys))]
            cursors = sa.func.json_agg(sa.func.json_build_array(*values))
        pairs: list[tuple[str, sa.ColumnElement[Any]]] = []
        for key, what, sub in selected.parts:
            if what == "nodes":
                pairs.append((key, listed(rows.c.node)))
            elif what == "edges":
                pairs.append((key, listed(rows.c.edge)))
            elif what == "totalCount":
                count = sa.select(sa.func.count()).select_from(from_).where(*conditions)
                if parent is not None:
                    count = count.correlate(parent)
                pairs.append((key, count.scalar_subquery()))
            elif what == "pageInfo":
                info: list[tuple[str, sa.ColumnElement[Any]]] = []
                for info_key, info_name in sub:
                    if info_name == "hasNextPage":
                        forward = sa.literal(bool(window.before))
                        info.append((info_key, forward if window.backward else more()))
                    elif info_name == "hasPreviousPage":
                        back = sa.literal(bool(window.after))
                        info.append((info_key, more() if window.backward else back))
                    elif info_name == "startCursor":
                        info.append((info_key, cursors.op("->")(0)))
                    elif info_name == "endCursor":
                        info.append((info_key, cursors.op("->")(-1)))
                    else:  # __typename
                        info.append((info_key, sa.literal_column(_quoted(info_name))))
                pairs.append((key, _object(info)))
            else:  # __typename of the connection
                pairs.append((key, sa.literal_column(_quoted(what))))
        # GROUP BY (): one row (of aggregates) even for an empty page or without any
        body = sa.select(_object(pairs)).select_from(rows).group_by(sa.text("()"))
        return body.scalar_subquery(), selected.fix(page)

    def _through(
        self, nav: Navigation | None, page: _Page, parent: Any
    ) -> tuple[sa.FromClause, list[sa.ColumnElement[bool]], Any]:
        """FROM, the conditions tying rows to the parent row, and the link table (if any)."""
        table = page.scope.table
        if nav is None:
            return page.from_clause(table), [], None
        if nav.way is Way.REVERSE:
            assert nav.fk is not None
            return page.from_clause(table), [table.c[nav.fk.column] == parent.c.id], None
        if nav.way is not Way.LINK or nav.link is None:
            raise NotCompiled("to-one end as a connection")
        link = nav.link.link.table.alias(f"l{id(page)}")
        joined = link.join(
            table,
            sa.and_(
                table.c.tenant == link.c.tenant, table.c.id == link.c[nav.link.other_column.name]
            ),
        )
        conditions = [
            link.c.tenant == self.reader.tenant,
            link.c[nav.link.own.name] == parent.c.id,
        ]
        return page.from_clause(joined), conditions, link

    # ------------------------------------------------------------------ security
    def _row_rules(self, scope: Any) -> list[sa.ColumnElement[bool]]:
        """What keeps an entity read by id visible: each concrete class readable, its row
        rule met (as `EntityReader._visible` decides, in SQL)."""
        if self.guard is None:
            return []
        storage: ClassStorage = scope.storage
        readable: list[str] = []
        rules: list[Filter] = []
        for qid in storage.concrete_types:
            allowed, rule = self.guard.row_rule(qid)
            if allowed:
                readable.append(qid)
                if rule is not None:
                    rules.append(rule)
        if not readable:
            return [sa.false()]
        conditions: list[sa.ColumnElement[bool]] = []
        if len(readable) < len(storage.concrete_types):
            conditions.append(scope.table.c.type.in_(readable))
        if rules:
            if len(rules) != len(readable) or any(r != rules[0] for r in rules):
                raise NotCompiled("different row rules per class")
            errors = ErrorCollector()
            condition = self.compiler.condition(scope, rules[0], errors, ("rule",))
            if errors.errors or condition is None or scope.joins:
                raise NotCompiled("row rule")
            conditions.append(condition)
        return conditions

    def _visible_in_full(self, storage: ClassStorage, names: set[str]) -> None:
        if self.guard is None:
            return
        for qid in storage.concrete_types:
            if not self.guard.sees_in_full(qid, names):
                raise NotCompiled("masked")

    def _end_visible(self, storage: ClassStorage, nav: Navigation) -> None:
        if self.guard is None:
            return
        for qid in storage.concrete_types:
            if qid in nav.owner_types and not self.guard.end_visible(qid, nav.name):
                raise NotCompiled("hidden end")

    def _arguments(self, field: GraphQLField, node: FieldNode) -> dict[str, Any]:
        try:
            return get_argument_values(field, node, self.variables)
        except Exception:
            raise NotCompiled("arguments") from None


class _Page:
    """Filter, order and cursor of one connection (as `_reader._Plan`, on the request's
    compiler so that its aliases are unique in the statement)."""

    def __init__(
        self,
        request: _Request,
        storage: ClassStorage,
        where: Filter | None,
        order_by: Any,
        window: Window,
    ) -> None:
        compiler = self.compiler = request.compiler
        errors = ErrorCollector()
        self.scope = compiler.scope(storage)
        condition = compiler.condition(self.scope, where, errors, ("where",))
        keys = compiler.order(self.scope, order_by, errors)
        self.fingerprint = compiler.fingerprint(storage.cls.qid, keys)
        if window.backward:
            keys = [(path, target, not desc) for path, target, desc in keys]
        cursor = window.before if window.backward else window.after
        behind = compiler.after(keys, self.fingerprint, cursor, errors) if cursor else None
        if errors.errors:
            raise NotCompiled("filter, order or cursor")
        self.keys = keys
        self.order_clauses = compiler.order_clauses(keys)
        self.conditions = [compiler.base_condition(self.scope)]
        if condition is not None:
            self.conditions.append(condition)
        self.behind = [] if behind is None else [behind]

    def from_clause(self, start: sa.FromClause) -> sa.FromClause:
        result = start
        for joined in self.scope.all_joins():
            assert joined.on is not None
            result = result.outerjoin(joined.table, joined.on)
        return result


class _Selected:
    """What a connection's selection asks for: nodes, edges, pageInfo, totalCount."""

    def __init__(self, table: sa.Subquery) -> None:
        self.table = table  # the page's rows: the table's columns, _s<i> and _link_<name>
        self.parts: list[tuple[str, str, list[tuple[str, str]]]] = []
        self._node: tuple[sa.ColumnElement[Any], _Fix] | None = None
        self._edge: list[tuple[str, str, Any]] = []  # (key, what, node expression or link attr)
        self._edge_fix: _Fix = {}
        self._page_cursors: list[str] = []  # pageInfo keys holding cursors

    def add(
        self,
        request: _Request,
        page: _Page,
        kind: GraphQLObjectType,
        item: FieldNode,
        key: str,
        links: Any,
        nav: Navigation | None,
    ) -> None:
        name = item.name.value
        if name == "__typename":
            self.parts.append((key, kind.name, []))
            return
        field = kind.fields.get(name)
        if field is None or item.arguments:
            raise NotCompiled(name)
        if name == "totalCount":
            self.parts.append((key, name, []))
        elif name == "pageInfo":
            sub: list[tuple[str, str]] = []
            info_type = get_named_type(field.type)
            for info in _fields(item.selection_set):
                info_key = info.alias.value if info.alias else info.name.value
                info_name = info.name.value
                if info_name == "__typename":
                    sub.append((info_key, info_type.name))
                    continue
                sub.append((info_key, info_name))
                if info_name in ("startCursor", "endCursor"):
                    self._page_cursors.append(key + "\x00" + info_key)
            self.parts.append((key, name, sub))
        elif name == "nodes":
            self._node_json(request, page, field, item)
            self.parts.append((key, name, []))
        elif name == "edges":
            self._edges(request, page, field, item, links, nav)
            self.parts.append((key, name, []))
        else:
            raise NotCompiled(name)

    def _node_json(
        self, request: _Request, page: _Page, field: GraphQLField, item: FieldNode
    ) -> tuple[sa.ColumnElement[Any], _Fix]:
        if self._node is not None:
            raise NotCompiled("nodes selected twice")
        kind = get_named_type(field.type)
        self._node = request._entity(page.scope.storage, kind, self.table, item.selection_set)
        return self._node

    def _edges(
        self,
        request: _Request,
        page: _Page,
        field: GraphQLField,
        item: FieldNode,
        links: Any,
        nav: Navigation | None,
    ) -> None:
        if self._edge:
            raise NotCompiled("edges selected twice")
        edge_type = get_named_type(field.type)
        assert isinstance(edge_type, GraphQLObjectType)
        for sub in _fields(item.selection_set):
            key = sub.alias.value if sub.alias else sub.name.value
            name = sub.name.value
            if name == "__typename":
                self._edge.append((key, "literal", edge_type.name))
            elif name == "cursor":
                self._edge.append((key, "cursor", None))
                self._edge_fix[key] = _Cursor(page.compiler, page.fingerprint)
            elif name == "node":
                kind = get_named_type(edge_type.fields["node"].type)
                if any(w == "node" for _, w, _ in self._edge):
                    raise NotCompiled("node selected twice")
                body, fix = request._entity(page.scope.storage, kind, self.table, sub.selection_set)
                self._edge.append((key, "node", body))
                if fix:
                    self._edge_fix[key] = fix
            else:  # a link attribute
                if links is None or nav is None or nav.link is None:
                    raise NotCompiled(name)
                attr = next(
                    (a for a in nav.link.link.attributes.values() if camel(a.name) == name), None
                )
                if attr is None or attr.type.kind in _JSON_KINDS:
                    raise NotCompiled(name)
                edge_field = edge_type.fields[name]
                named = get_named_type(edge_field.type)
                column = self.table.c[f"_link_{attr.name}"]
                if isinstance(named, GraphQLEnumType):
                    value = _enum(column, {v.value: n for n, v in named.values.items()})
                else:
                    value = _leaf(column, named.name)
                self._edge.append((key, "link", value))

    @property
    def has_edges(self) -> bool:
        return bool(self._edge)

    @property
    def cursors(self) -> bool:
        """Whether a cursor is selected: an edge's, or pageInfo's start or end."""
        return bool(self._page_cursors) or any(w == "cursor" for _, w, _ in self._edge)

    def node_column(self, page: _Page) -> sa.ColumnElement[Any]:
        return self._node[0] if self._node is not None else sa.null()

    def edge_column(self, page: _Page, links: Any) -> sa.ColumnElement[Any]:
        if not self._edge:
            return sa.null()
        pairs: list[tuple[str, sa.ColumnElement[Any]]] = []
        for key, what, value in self._edge:
            if what == "literal":
                pairs.append((key, sa.literal_column(_quoted(value))))
            elif what == "cursor":
                values = [_cursor_value(self.table.c[f"_s{i}"]) for i in range(len(page.keys))]
                pairs.append((key, sa.func.json_build_array(*values)))
            else:
                pairs.append((key, value))
        return _object(pairs)

    def fix(self, page: _Page) -> _Fix | None:
        result: _Fix = {}
        for key, what, sub in self.parts:
            if what == "nodes" and self._node is not None and self._node[1]:
                result[key] = self._node[1]
            elif what == "edges" and self._edge_fix:
                result[key] = dict(self._edge_fix)
            elif what == "pageInfo":
                cursors: _Fix = {
                    k: _Cursor(page.compiler, page.fingerprint)
                    for k, n in sub
                    if n in ("startCursor", "endCursor")
                }
                if cursors:
                    result[key] = cursors
        return result or None


# ====================================================================== SQL pieces
def _object(pairs: Sequence[tuple[str, sa.ColumnElement[Any]]]) -> sa.ColumnElement[Any]:
    if len(pairs) > _MAX_KEYS:
        raise NotCompiled("too many fields in one object")
    args: list[Any] = []
    for key, value in pairs:
        args.extend((sa.literal_column(_quoted(key)), value))
    return sa.func.json_build_object(*args)


def _quoted(text: str) -> str:
    """A GraphQL name (letters, digits, underscores) as an SQL string literal."""
    if not text.replace("_", "a").isalnum() or not text.isascii():
        raise NotCompiled(f"name {text!r}")
    return f"'{text}'"


def _leaf(column: Any, scalar: str) -> sa.ColumnElement[Any]:
    """A column's value as its scalar serialises it (the JSON the general path writes)."""
    type_ = getattr(column, "type", None)
    if isinstance(type_, DurationSeconds | EnumKey):
        raise NotCompiled("duration or enum as a scalar")
    if scalar in _DATETIME:
        return _datetime(column)
    if scalar not in _SCALARS:
        raise NotCompiled(f"scalar {scalar}")
    if scalar == "Decimal":
        return sa.cast(column, sa.Text)
    if scalar == "Date" and not isinstance(type_, sa.Date):
        raise NotCompiled("date")
    return column  # type: ignore[no-any-return]


def _direction(column: Any, desc: bool) -> Any:
    """As `QueryCompiler.order_clauses` orders (explicit NULL placement)."""
    return column.desc().nulls_first() if desc else column.asc().nulls_last()


def _datetime(column: Any) -> sa.ColumnElement[Any]:
    """`datetime.isoformat()` of the UTC value: seconds, microseconds only when not zero."""
    utc = sa.func.timezone("UTC", column)
    whole = sa.func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
    fraction = sa.case(
        (sa.func.date_trunc("second", column) == column, sa.literal("")),
        else_=sa.func.to_char(utc, ".US"),
    )
    return sa.case(
        (column.is_(None), sa.null()),
        else_=whole.op("||")(fraction).op("||")(sa.literal("+00:00")),
    )


def _enum(column: Any, names: Mapping[Any, str]) -> sa.ColumnElement[Any]:
    """An enum column (its integer key) as the GraphQL value name."""
    type_ = getattr(column, "type", None)
    if not isinstance(type_, EnumKey) or type_.flags:
        raise NotCompiled("enum column")
    by_name = dict(type_.keys)
    key = sa.type_coerce(column, sa.Integer)  # compared with the stored keys as they are
    whens = [(key == by_name[value], sa.literal(name)) for value, name in names.items()]
    return sa.case(*whens, else_=sa.null())


def _cursor_value(column: Any) -> sa.ColumnElement[Any]:
    """A sort value as `to_json` writes it into a cursor."""
    type_ = getattr(column, "type", None)
    if isinstance(type_, ExactDecimal):
        return sa.cast(column, sa.Text)
    if isinstance(type_, UtcDateTime):
        return _datetime(column)
    if isinstance(type_, DurationSeconds):
        raise NotCompiled("duration cursor")
    if isinstance(type_, EnumKey):
        if type_.flags:
            raise NotCompiled("flags cursor")
        key = sa.type_coerce(column, sa.Integer)
        return sa.case(*((key == k, sa.literal(n)) for n, k in type_.keys), else_=sa.null())
    return column  # type: ignore[no-any-return]


def _is_list(type_: Any) -> bool:
    while hasattr(type_, "of_type"):
        if isinstance(type_, GraphQLList):
            return True
        type_ = type_.of_type
    return False


def _one_table(storage: ClassStorage) -> ClassStorage:
    """`storage`, whose rows live in one table (an abstract class above several collection
    roots spans several: the general path reads it table by table)."""
    if len(storage.tables) != 1:
        raise NotCompiled("several tables")
    return storage


def _caller(context: RequestContext) -> Hashable:
    """What decides the row rules and the tenant of a plan: the whole principal."""
    principal = context.principal
    if principal is None or context.guard is None:
        return ("trusted", context.tenant)
    return (
        principal.subject,
        principal.tenant,
        principal.roles,
        principal.participant_id,
        principal.scopes,
        freeze(dict(principal.attributes)),
    )


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    found: OperationDefinitionNode | None = None
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            continue
        if not isinstance(definition, OperationDefinitionNode):
            raise NotCompiled("definition")
        if name is None or (definition.name is not None and definition.name.value == name):
            if found is not None:
                raise NotCompiled("several operations")
            found = definition
    if found is None or found.operation is not OperationType.QUERY:
        raise NotCompiled("not a query")
    return found


def _fields(selection_set: SelectionSetNode | None) -> list[FieldNode]:
    """The fields of a selection set; NotCompiled for fragments, directives and
    introspection (the general path answers those)."""
    if selection_set is None:
        raise NotCompiled("no selection")
    result: list[FieldNode] = []
    keys: set[str] = set()
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            raise NotCompiled("fragment or directive")
        if selection.name.value.startswith("__") and selection.name.value != "__typename":
            raise NotCompiled("introspection")
        key = selection.alias.value if selection.alias else selection.name.value
        if key in keys:
            raise NotCompiled("a response key selected twice (merged fields)")
        keys.add(key)
        result.append(selection)
    return result


__all__ = ["CompiledReads", "NotCompiled"]
