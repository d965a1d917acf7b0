"""Queries as plain data: filters, sorting, keyset pages and aggregates, compiled to SQL.

A filter is a dict, so an API layer can translate its own input into one:

    {"and": [{"attr": "name", "op": "ilike", "value": "%huber%"},
             {"attr": "tariff.category", "op": "in", "value": ["basic", "premium"]},
             {"not": {"attr": "owner", "op": "is_null", "value": True}},
             {"attr": "registers", "op": "some",
              "where": {"attr": "code", "op": "eq", "value": "1.8.0"}}]}

`attr` is a path: attribute names, to-one association ends (followed by a join) and, last, an
attribute or a to-one end (compared by id). To-many ends take `some` / `every` / `none` with a
nested `where` about the entities at the other end, also behind to-one ends
(`{"attr": "metering_point.participations", "op": "some", "where": ...}`). Values are given
as for create(). Order is a list of paths, `-` in front for descending; ties are broken by id,
so keyset paging (`after` an opaque cursor) never skips or repeats a row.
"""

from __future__ import annotations

import base64
import hashlib
import json
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from typing import Any, cast

import sqlalchemy as sa

from meshkit.ck.model import Attribute, TypeKind
from meshkit.runtime.errors import ErrorCollector, PathItem, ValidationError
from meshkit.runtime.storage.tables import ClassStorage, Storage
from meshkit.runtime.values import Invalid, ValueCoercer, to_json

Filter = Mapping[str, Any]
OrderBy = Sequence[str | Mapping[str, str]]

COMPARISONS = ("eq", "ne", "lt", "lte", "gt", "gte")
OPERATORS = (*COMPARISONS, "in", "not_in", "like", "ilike", "is_null", "between")
QUANTIFIERS = ("some", "every", "none")
AGGREGATES = ("count", "sum", "avg", "min", "max")
_COMPARE = {
    "eq": operator.eq,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
_UNORDERABLE = frozenset({TypeKind.RECORD, TypeKind.LIST, TypeKind.JSON})
_SUMMABLE = frozenset(
    {TypeKind.INT, TypeKind.BIGINT, TypeKind.DECIMAL, TypeKind.FLOAT, TypeKind.DURATION}
)


@dataclass(frozen=True)
class Page:
    """One page of a keyset-paginated query."""

    items: list[dict[str, Any]]
    cursors: list[str]  # one per item: pass as `after` to continue behind that item
    has_next: bool

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


@dataclass(frozen=True)
class Aggregation:
    """The select list of an aggregate query (group keys, then measures) and how one of its
    rows becomes a result dict: each group path's value and each measure's result."""

    groups: list[tuple[str, sa.ColumnElement[Any]]]  # (path, labelled column)
    measures: list[tuple[str, str, Attribute | None, list[str]]]  # (name, fn, attr, labels)
    columns: list[sa.ColumnElement[Any]]  # the measures' labelled expressions

    @property
    def keys(self) -> list[sa.ColumnElement[Any]]:
        return [column for _, column in self.groups]

    def decode(self, row: Mapping[Any, Any]) -> dict[str, Any]:
        item: dict[str, Any] = {path: row[column.name] for path, column in self.groups}
        for name, fn, attr, labels in self.measures:
            item[name] = measure_value(fn, attr.type.kind if attr else None, row, labels)
        return item


@dataclass
class _Target:
    """What a path leads to: a column and the attribute (None for an association id)."""

    column: sa.ColumnElement[Any]
    attribute: Attribute | None


@dataclass
class _Scope:
    """One class's rows in a query: its aliased table and the to-one joins made from it."""

    storage: ClassStorage
    table: sa.FromClause
    tenant: str
    joins: dict[str, _Scope] = field(default_factory=dict)
    on: sa.ColumnElement[bool] | None = None  # join condition from the parent scope

    def all_joins(self) -> list[_Scope]:
        result: list[_Scope] = []
        for scope in self.joins.values():
            result.append(scope)
            result.extend(scope.all_joins())
        return result


class QueryCompiler:
    """Turns filter, order and aggregate specifications into SQL for one tenant."""

    def __init__(self, storage: Storage, coercer: ValueCoercer, tenant: str) -> None:
        self.storage = storage
        self.coercer = coercer
        self.tenant = tenant
        self._aliases = 0

    # ------------------------------------------------------------------ scopes
    def scope(self, storage: ClassStorage) -> _Scope:
        self._aliases += 1
        return _Scope(storage, self.storage.alias(storage.table, f"e{self._aliases}"), self.tenant)

    def base_condition(self, scope: _Scope) -> sa.ColumnElement[bool]:
        table = scope.table
        condition = table.c.tenant == self.tenant
        members = [
            c.qid
            for c in self.storage.model.members_of_collection(
                scope.storage.cls.collection_root or ""
            )
            if not c.abstract
        ]
        if set(scope.storage.concrete_types) != set(members):
            condition = sa.and_(condition, table.c.type.in_(scope.storage.concrete_types))
        return condition

    def from_clause(self, scope: _Scope) -> sa.FromClause:
        result: sa.FromClause = scope.table
        for joined in scope.all_joins():
            assert joined.on is not None
            result = result.outerjoin(joined.table, joined.on)
        return result

    # ------------------------------------------------------------------ paths
    def resolve(
        self, scope: _Scope, path: str, where: Sequence[PathItem], errors: ErrorCollector
    ) -> _Target | None:
        parts = path.split(".") if isinstance(path, str) and path else []
        if not parts:
            errors.add("path", where, f"expected an attribute path, got {path!r}")
            return None
        current = scope
        for i, part in enumerate(parts):
            cls_storage = current.storage
            last = i == len(parts) - 1
            if part in cls_storage.columns and last:
                attr = cls_storage.cls.attributes[part]
                column = current.table.c[cls_storage.columns[part].name]
                return _Target(column, attr)
            fk = cls_storage.to_one.get(part)
            if fk is not None:
                if last:
                    return _Target(current.table.c[fk.column], None)
                joined = self._join(current, part, fk.column, fk.other, where, errors)
                if joined is None:
                    return None
                current = joined
                continue
            what = "attribute" if last else "to-one association end"
            known = [*cls_storage.columns, *cls_storage.to_one]
            errors.add(
                "path",
                where,
                f"{cls_storage.cls.qid} has no {what} '{part}' (in '{path}'); "
                f"known: {', '.join(known)}",
            )
            return None
        return None

    def _join(
        self,
        scope: _Scope,
        end: str,
        column: str,
        other: str,
        where: Sequence[PathItem],
        errors: ErrorCollector,
    ) -> _Scope | None:
        if end in scope.joins:
            return scope.joins[end]
        target = self.storage.of(other)
        if len(target.tables) != 1:
            errors.add("path", where, f"'{end}' leads to {other}, which spans several tables")
            return None
        joined = self.scope(target)
        joined.on = sa.and_(
            joined.table.c.tenant == scope.table.c.tenant,
            joined.table.c.id == scope.table.c[column],
        )
        scope.joins[end] = joined
        return joined

    # ------------------------------------------------------------------ filters
    def condition(
        self,
        scope: _Scope,
        spec: Filter | None,
        errors: ErrorCollector,
        where: tuple[PathItem, ...],
    ) -> sa.ColumnElement[bool] | None:
        if spec is None:
            return None
        if not isinstance(spec, Mapping):
            errors.add("filter", where, f"a filter is a mapping, got {spec!r}")
            return None
        if "and" in spec or "or" in spec:
            key = "and" if "and" in spec else "or"
            items = spec[key]
            if not isinstance(items, list | tuple):
                errors.add("filter", (*where, key), f"'{key}' takes a list of filters")
                return None
            parts = [
                self.condition(scope, item, errors, (*where, key, i))
                for i, item in enumerate(items)
            ]
            valid = [p for p in parts if p is not None]
            if not valid:
                return sa.true() if key == "and" else sa.false()
            return sa.and_(*valid) if key == "and" else sa.or_(*valid)
        if "not" in spec:
            inner = self.condition(scope, spec["not"], errors, (*where, "not"))
            return None if inner is None else sa.not_(inner)
        return self._predicate(scope, spec, errors, where)

    def _predicate(
        self, scope: _Scope, spec: Filter, errors: ErrorCollector, where: tuple[PathItem, ...]
    ) -> sa.ColumnElement[bool] | None:
        path, op = spec.get("attr"), spec.get("op", "eq")
        if not isinstance(path, str):
            errors.add(
                "filter",
                where,
                f"a filter needs 'attr' (or 'and' / 'or' / 'not'), got {sorted(spec)}",
            )
            return None
        head, _, rest = path.partition(".")
        if rest and head in scope.storage.to_one:  # also `end.many_end` with a quantifier
            return self._through(scope, head, rest, spec, errors, where)
        if op in QUANTIFIERS:
            return self._quantified(scope, path, op, spec.get("where"), errors, where)
        if op not in OPERATORS:
            errors.add(
                "operator",
                (*where, "op"),
                f"unknown operator {op!r}; use one of {', '.join((*OPERATORS, *QUANTIFIERS))}",
            )
            return None
        target = self.resolve(scope, path, (*where, "attr"), errors)
        if target is None:
            return None
        column, value = target.column, spec.get("value")
        vpath = (*where, "value")
        if op == "is_null":
            if not isinstance(value, bool):
                errors.add("type", vpath, "is_null takes true or false")
                return None
            return column.is_(None) if value else column.is_not(None)
        kind = target.attribute.type.kind if target.attribute else None
        if kind in _UNORDERABLE:
            errors.add("operator", (*where, "op"), f"'{path}' is a {kind}; only is_null applies")
            return None
        if op in ("like", "ilike"):
            if kind not in (TypeKind.STRING, TypeKind.TEXT, None) or not isinstance(value, str):
                errors.add("type", vpath, f"{op} needs a text attribute and a text pattern")
                return None
            return column.like(value) if op == "like" else column.ilike(value)
        if op in ("in", "not_in"):
            if not isinstance(value, list | tuple):
                errors.add("type", vpath, f"{op} takes a list of values")
                return None
            before = len(errors.errors)
            values = [self._value(target, v, (*vpath, i), errors) for i, v in enumerate(value)]
            if len(errors.errors) > before:
                return None
            return column.in_(values) if op == "in" else column.not_in(values)
        if op == "between":
            if not isinstance(value, list | tuple) or len(value) != 2:
                errors.add("type", vpath, "between takes [low, high]")
                return None
            before = len(errors.errors)
            low = self._value(target, value[0], (*vpath, 0), errors)
            high = self._value(target, value[1], (*vpath, 1), errors)
            return None if len(errors.errors) > before else column.between(low, high)
        if value is None:
            if op in ("eq", "ne"):
                return column.is_(None) if op == "eq" else column.is_not(None)
            errors.add("type", vpath, f"{op} needs a value; use is_null for missing values")
            return None
        before = len(errors.errors)
        bound = self._value(target, value, vpath, errors)
        if len(errors.errors) > before:
            return None
        if op == "ne":
            # "not equal" includes entities without a value, as a user reading it expects.
            return sa.or_(column != bound, column.is_(None))
        compare = _COMPARE[op]
        return cast("sa.ColumnElement[bool]", compare(column, bound))

    def _through(
        self,
        scope: _Scope,
        end: str,
        rest: str,
        spec: Filter,
        errors: ErrorCollector,
        where: tuple[PathItem, ...],
    ) -> sa.ColumnElement[bool] | None:
        """A condition on a to-one end's target as `end_id IN (SELECT id ... WHERE ...)`; a
        row without a target matches only `is_null: true` (a quantifier included).

        Not a join: a semi-join lets both databases start from the (few) matching targets,
        where a LEFT JOIN would force a scan of this class's rows first.
        """
        fk = scope.storage.to_one[end]
        target = self.storage.of(fk.other)
        if len(target.tables) != 1:
            errors.add("path", (*where, "attr"), f"'{end}' leads to {fk.other}, spanning tables")
            return None
        inner_scope = self.scope(target)
        inner = self._predicate(inner_scope, {**spec, "attr": rest}, errors, where)
        if inner is None:
            return None
        column = scope.table.c[fk.column]
        matching = column.in_(
            sa.select(inner_scope.table.c.id).where(
                inner_scope.table.c.tenant == self.tenant, inner
            )
        )
        if spec.get("op") == "is_null" and spec.get("value") is True:
            return sa.or_(column.is_(None), matching)  # no target: its attributes are null too
        return matching

    def _value(
        self, target: _Target, value: Any, where: Sequence[PathItem], errors: ErrorCollector
    ) -> Any:
        if target.attribute is None:
            if not isinstance(value, str):
                errors.add("type", where, f"expected an id, got {value!r}")
            return value
        try:
            return self.coercer.coerce_scalar(value, target.attribute.type)
        except Invalid as problem:
            errors.add(problem.code, where, problem.message)
            return None

    def _quantified(
        self,
        scope: _Scope,
        path: str,
        op: str,
        inner: Filter | None,
        errors: ErrorCollector,
        where: tuple[PathItem, ...],
    ) -> sa.ColumnElement[bool] | None:
        cls = scope.storage.cls
        end = cls.ends.get(path)
        if end is None or not end.many:
            errors.add("path", (*where, "attr"), f"{cls.qid} has no to-many association '{path}'")
            return None
        other = self.scope(self.storage.of(end.other))
        link_end = scope.storage.links.get(path)
        if link_end is not None:
            link = link_end.link.table.alias()
            own = link.c[link_end.own.name]
            other_col = link.c[link_end.other_column.name]
            from_: sa.FromClause = link.join(
                other.table,
                sa.and_(other.table.c.tenant == link.c.tenant, other.table.c.id == other_col),
            )
            correlate = sa.and_(link.c.tenant == scope.table.c.tenant, own == scope.table.c.id)
        else:
            fk = self.storage.foreign_keys.get(end.association)
            if fk is None:
                errors.add("path", (*where, "attr"), f"'{path}' cannot be queried")
                return None
            from_ = other.table
            correlate = sa.and_(
                other.table.c.tenant == scope.table.c.tenant,
                other.table.c[fk.column] == scope.table.c.id,
            )
        condition = self.condition(other, inner, errors, (*where, "where"))
        for joined in other.all_joins():
            assert joined.on is not None
            from_ = from_.outerjoin(joined.table, joined.on)
        base = sa.and_(correlate, self.base_condition(other))
        if op == "some":
            clause = base if condition is None else sa.and_(base, condition)
            return sa.exists(sa.select(sa.literal(1)).select_from(from_).where(clause))
        if op == "none":
            clause = base if condition is None else sa.and_(base, condition)
            return ~sa.exists(sa.select(sa.literal(1)).select_from(from_).where(clause))
        if condition is None:
            return sa.true()
        # every: no related row where the condition is not true (NULL counts as not true)
        failing = sa.case((condition, 1), else_=0) == 0
        return ~sa.exists(sa.select(sa.literal(1)).select_from(from_).where(base, failing))

    # ------------------------------------------------------------------ order and cursors
    def order(
        self, scope: _Scope, order_by: OrderBy | None, errors: ErrorCollector
    ) -> list[tuple[str, _Target, bool]]:
        """(path, target, descending) per sort key, ending with the id as the tie breaker."""
        keys: list[tuple[str, _Target, bool]] = []
        for i, item in enumerate(order_by or ()):
            if isinstance(item, str):
                descending = item.startswith("-")
                path = item.lstrip("-+")
            elif isinstance(item, Mapping):
                path = str(item.get("attr", ""))
                direction = str(item.get("direction", "asc")).lower()
                if direction not in ("asc", "desc"):
                    errors.add("order", ("order_by", i, "direction"), "use asc or desc")
                descending = direction == "desc"
            else:
                errors.add("order", ("order_by", i), f"expected a path, got {item!r}")
                continue
            target = self.resolve(scope, path, ("order_by", i), errors)
            if target is None:
                continue
            if target.attribute is not None and target.attribute.type.kind in _UNORDERABLE:
                errors.add("order", ("order_by", i), f"cannot sort by '{path}' (a structure)")
                continue
            keys.append((path, target, descending))
        if not any(path == "id" for path, _, _ in keys):
            id_attr = scope.storage.cls.attributes.get("id")
            keys.append(("id", _Target(scope.table.c.id, id_attr), False))
        return keys

    @staticmethod
    def order_clauses(keys: Sequence[tuple[str, _Target, bool]]) -> list[sa.ColumnElement[Any]]:
        # Explicit NULL placement: SQLite and PostgreSQL disagree on the default.
        return [
            t.column.desc().nulls_first() if desc else t.column.asc().nulls_last()
            for _, t, desc in keys
        ]

    @staticmethod
    def fingerprint(class_qid: str, keys: Sequence[tuple[str, _Target, bool]]) -> str:
        text = class_qid + "|" + ",".join(("-" if d else "") + p for p, _, d in keys)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @staticmethod
    def encode_cursor(fingerprint: str, values: Sequence[Any]) -> str:
        # The text of json.dumps([fingerprint, [...]], separators=(",", ":")), built directly.
        leaves = ",".join(_leaf(to_json(v)) for v in values)
        payload = f"[{encode_basestring_ascii(fingerprint)},[{leaves}]]"
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def after(
        self,
        keys: Sequence[tuple[str, _Target, bool]],
        fingerprint: str,
        cursor: str,
        errors: ErrorCollector,
    ) -> sa.ColumnElement[bool] | None:
        """Rows strictly behind the cursor in the sort order."""
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            found, raw = json.loads(base64.urlsafe_b64decode(padded.encode()))
        except (ValueError, TypeError):
            errors.add("cursor", ("after",), "not a cursor of this API; pass back end_cursor")
            return None
        if found != fingerprint or not isinstance(raw, list) or len(raw) != len(keys):
            errors.add("cursor", ("after",), "the cursor belongs to a query with another order")
            return None
        values: list[Any] = []
        for (_, target, _), value in zip(keys, raw, strict=True):
            if value is None or target.attribute is None:
                values.append(value)
                continue
            try:
                values.append(self.coercer.coerce_scalar(value, target.attribute.type))
            except Invalid:
                errors.add("cursor", ("after",), "the cursor is damaged; start again")
                return None
        # (k1 > v1) or (k1 = v1 and k2 > v2) or ... with NULLs last ascending, first descending.
        alternatives: list[sa.ColumnElement[bool]] = []
        equal: list[sa.ColumnElement[bool]] = []
        for (_, target, desc), value in zip(keys, values, strict=True):
            column = target.column
            if desc:
                behind = column.is_not(None) if value is None else column < value
            else:
                behind = sa.false() if value is None else sa.or_(column > value, column.is_(None))
            alternatives.append(sa.and_(*equal, behind))
            equal.append(column.is_(None) if value is None else column == value)
        return sa.or_(*alternatives)

    # ------------------------------------------------------------------ aggregates
    def aggregation(
        self,
        scope: _Scope,
        measures: Mapping[str, Mapping[str, Any]],
        group_by: Sequence[str],
        errors: ErrorCollector,
    ) -> Aggregation:
        """Group keys and measures of an aggregate over `scope` (its joins added as needed)."""
        groups: list[tuple[str, sa.ColumnElement[Any]]] = []
        for i, path in enumerate(group_by):
            target = self.resolve(scope, path, ("group_by", i), errors)
            if target is not None:
                groups.append((path, target.column.label(f"_group_{i}")))
        plan = []
        columns: list[sa.ColumnElement[Any]] = []
        for name, spec in measures.items():
            expressions, fn, attr = self.measure(scope, name, spec, errors)
            labelled = [e.label(f"_m{len(columns) + j}") for j, e in enumerate(expressions)]
            plan.append((name, fn, attr, [label.name for label in labelled]))
            columns.extend(labelled)
        if not measures:
            errors.add("aggregate", ("measures",), "name at least one measure")
        return Aggregation(groups, plan, columns)

    def measure(
        self, scope: _Scope, name: str, spec: Mapping[str, Any], errors: ErrorCollector
    ) -> tuple[list[sa.ColumnElement[Any]], str, Attribute | None]:
        """The SQL expressions for one measure, the function, and the measured attribute."""
        fn = spec.get("fn")
        where = ("measures", name)
        if fn not in AGGREGATES:
            errors.add("aggregate", (*where, "fn"), f"use one of {', '.join(AGGREGATES)}")
            return [], "", None
        path = spec.get("attr")
        if path is None:
            if fn != "count":
                errors.add("aggregate", (*where, "attr"), f"{fn} needs an attribute")
            return [sa.func.count()], "count", None
        target = self.resolve(scope, str(path), (*where, "attr"), errors)
        if target is None:
            return [], "", None
        kind = target.attribute.type.kind if target.attribute else None
        if fn == "count":
            return [sa.func.count(target.column)], fn, target.attribute
        if fn in ("sum", "avg") and kind not in _SUMMABLE:
            errors.add("aggregate", (*where, "attr"), f"{fn} needs a number, not '{path}'")
            return [], "", None
        if fn in ("min", "max") and (kind in _UNORDERABLE):
            errors.add("aggregate", (*where, "attr"), f"{fn} needs an orderable value")
            return [], "", None
        if fn == "avg":
            # Exact for decimals and the same on both databases: sum and count, divided later.
            return [sa.func.sum(target.column), sa.func.count(target.column)], fn, target.attribute
        function = sa.func.sum if fn == "sum" else sa.func.min if fn == "min" else sa.func.max
        return [function(target.column)], fn, target.attribute


def measure_value(
    fn: str, kind: TypeKind | None, row: Mapping[Any, Any], labels: Sequence[str]
) -> Any:
    """The result of one measure from its labelled columns (see `QueryCompiler.measure`)."""
    if fn == "avg":
        total, count = row[labels[0]], row[labels[1]]
        if not count:
            return None
        if kind in (TypeKind.DECIMAL, TypeKind.DURATION):
            return total / count
        return float(total) / count
    value = row[labels[0]]
    if fn == "count":
        return int(value)
    if fn == "sum" and kind in (TypeKind.INT, TypeKind.BIGINT) and value is not None:
        return int(value)
    return value


def _leaf(value: Any) -> str:
    if type(value) is str:
        return encode_basestring_ascii(value)
    return json.dumps(value, separators=(",", ":"))


def raise_if_errors(errors: ErrorCollector, what: str) -> None:
    if errors.errors:
        raise ValidationError(what, errors.errors)
