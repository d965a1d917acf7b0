"""The repository: entities of a compiled model, read and written through a unit of work.

    repo = Repository(create_engine(url), model)
    repo.create_tables()
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        point = uow.create("MeteringPoint", {...})
        uow.update("MeteringPoint", point["id"], {"readings": 3}, expected_version=1)

A unit of work is one transaction in one tenant: everything it reads and writes is that
tenant's. Each write runs in a savepoint, so a refused write changes nothing and the unit of
work can go on. Entities are plain dicts: attribute values and, for each to-one association
end, the id of the entity at the other end.

A write runs: the model's checks and the behaviours' validators (all errors at once) →
computed attributes → transition and before hooks → SQL and audit → after hooks, all in the
write's savepoint; its events go to the outbox when the unit of work commits, and to the
in-process subscribers after that.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from meshkit.ck.model import AssociationKind, CompiledModel, EndSide, OnDelete, TypeKind
from meshkit.runtime.audit import (
    AuditEntry,
    AuditRow,
    AuditTrail,
    Operation,
    changes,
)
from meshkit.runtime.behaviours.behaviour import HOOKS, Change, CommandContext, LinkChange
from meshkit.runtime.behaviours.registry import BehaviourRegistry, ClassBehaviours
from meshkit.runtime.database import ALL_TENANTS, all_tenants, begin_in_tenant, for_writing
from meshkit.runtime.errors import (
    ConflictError,
    EraseRefusedError,
    ErrorCollector,
    FieldError,
    NotFoundError,
    PathItem,
    Reference,
    RepositoryError,
    UnknownElementError,
    ValidationError,
)
from meshkit.runtime.events.event import Event, EventKind, PendingEvent
from meshkit.runtime.events.log import EventLog
from meshkit.runtime.query import Filter, OrderBy, Page, QueryCompiler, raise_if_errors
from meshkit.runtime.storage.bulk import BulkInsert
from meshkit.runtime.storage.security import enable_row_level_security, tenant_tables
from meshkit.runtime.storage.tables import ClassStorage, ForeignKeyEnd, LinkEnd, Storage
from meshkit.runtime.validation import SYSTEM_ATTRIBUTES, CheckedInput, EntityValidator
from meshkit.runtime.values import ValueCoercer, to_json

Entity = dict[str, Any]
_JSON_KINDS = frozenset({TypeKind.RECORD, TypeKind.LIST})
_ID_CHUNK = 500  # ids per IN (...) when checking references in bulk
_AUDIT_SKIP = frozenset(
    {"changed_at", "changed_by", "created_at", "created_by", "version", "tenant"}
)
_EVENT_KINDS = {
    Operation.CREATE: EventKind.CREATED,
    Operation.UPDATE: EventKind.UPDATED,
    Operation.ARCHIVE: EventKind.ARCHIVED,
    Operation.ERASE: EventKind.DELETED,
    Operation.LINK: EventKind.LINKED,
    Operation.UNLINK: EventKind.UNLINKED,
}


class Repository:
    """Storage of one compiled model in one database, its behaviours and its events.

    The behaviours the model names are resolved here (BehaviourResolutionError lists those
    that cannot be); pass `behaviours` to share one registry between repositories.
    """

    def __init__(
        self,
        engine: Engine,
        model: CompiledModel,
        *,
        behaviours: BehaviourRegistry | None = None,
    ) -> None:
        self.engine = engine
        self.model = model
        self.storage = Storage(model)
        self.coercer = ValueCoercer(model)
        self.validator = EntityValidator(self.coercer)
        self.audit = AuditTrail(self.storage.audit)
        if behaviours is not None and behaviours.model is not model:
            raise ValueError("the behaviour registry was built for another compiled model")
        self.behaviours = behaviours or BehaviourRegistry.for_model(model)
        self.events = EventLog(engine, model, self.storage.metadata)
        self._inserts: dict[str, _InsertPlan] = {}
        self._decoders = _Decoders(self.storage, self.coercer)

    def _insert_plan(self, storage: ClassStorage) -> _InsertPlan:
        """How new entities of one concrete class become rows, prepared once."""
        plan = self._inserts.get(storage.cls.qid)
        if plan is None:
            plan = self._inserts[storage.cls.qid] = _InsertPlan(storage, self.engine.dialect)
        return plan

    def create_tables(self) -> None:
        """Create every table that does not exist yet (migrations manage changes later); on
        PostgreSQL every table with a tenant column gets the row-level security policy."""
        with self.engine.begin() as connection:
            self.storage.metadata.create_all(connection)
            enable_row_level_security(
                connection, tenant_tables(self.storage.metadata.tables.values())
            )

    def drop_tables(self) -> None:
        self.storage.metadata.drop_all(self.engine)

    @contextmanager
    def unit_of_work(
        self, *, tenant: str, actor: str, writing: bool = False
    ) -> Iterator[UnitOfWork]:
        """One transaction in `tenant`, committed when the block ends without an exception.

        Its events are written to the outbox just before the commit; in-process subscribers
        hear of them after it. `writing`: it will write after reading, so on SQLite it takes
        the write lock when it begins (database.for_writing) instead of failing if another
        connection commits in between.
        """
        if not tenant:
            raise ValueError("a unit of work needs a tenant")
        if tenant == ALL_TENANTS:
            raise ValueError(f"'{ALL_TENANTS}' is not a tenant: it stands for all of them")
        engine = for_writing(self.engine) if writing else self.engine
        with engine.connect() as connection:
            with begin_in_tenant(connection, tenant):
                uow = UnitOfWork(self, connection, tenant, actor)
                yield uow
                committed = uow._write_outbox()
            self.events.published(committed)

    def history(self, entity_id: str, *, tenant: str) -> list[AuditEntry]:
        """The audit trail of one entity of `tenant`, oldest first."""
        with self.engine.connect() as connection, begin_in_tenant(connection, tenant):
            return self.audit.history(connection, tenant, entity_id)


class UnitOfWork:
    def __init__(
        self, repository: Repository, connection: sa.Connection, tenant: str, actor: str
    ) -> None:
        self.repository = repository
        self.connection = connection
        self.tenant = tenant
        self.actor = actor
        self._storage = repository.storage
        self._coercer = repository.coercer
        self._validator = repository.validator
        self._behaviours = repository.behaviours
        self._pending: list[PendingEvent] = []  # events of this unit of work, in order

    # ================================================================== reading
    def get(self, class_ref: str, entity_id: str) -> Entity:
        """The entity with `entity_id` of `class_ref` (or a subclass); NotFoundError otherwise."""
        storage = self._storage.of(class_ref)
        row = self._row(storage, entity_id)
        if row is None:
            raise NotFoundError(storage.cls.qid, entity_id)
        return self._decode(row)

    def find(
        self,
        class_ref: str,
        where: Filter | None = None,
        order_by: OrderBy | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Page:
        """A page of entities of `class_ref` (and its subclasses) matching `where`."""
        storage = self._storage.of(class_ref)
        errors = ErrorCollector()
        if not isinstance(first, int) or isinstance(first, bool) or first < 0:
            errors.add("type", ("first",), "first is a whole number >= 0")
            first = 0
        query = QueryCompiler(self._storage, self._coercer, self.tenant)
        scope = query.scope(storage)
        condition = query.condition(scope, where, errors, ("where",))
        keys = query.order(scope, order_by, errors)
        fingerprint = query.fingerprint(storage.cls.qid, keys)
        behind = query.after(keys, fingerprint, after, errors) if after else None
        raise_if_errors(errors, f"cannot query {storage.cls.qid}")
        sort_columns = [t.column.label(f"_sort_{i}") for i, (_, t, _) in enumerate(keys)]
        statement = (
            sa.select(scope.table, *sort_columns)
            .select_from(query.from_clause(scope))
            .where(query.base_condition(scope))
            .order_by(*query.order_clauses(keys))
            .limit(first + 1)
        )
        for extra in (condition, behind):
            if extra is not None:
                statement = statement.where(extra)
        rows = self.connection.execute(statement).all()
        # Rows by position: the table's columns, then the sort keys.
        width = len(scope.table.c)
        decoders = self.repository._decoders
        items = [decoders.decode(storage.table, r) for r in rows[:first]]
        sort_values = operator.itemgetter(*range(width, width + len(keys)))
        single = len(keys) == 1
        cursors = [
            query.encode_cursor(fingerprint, [sort_values(r)] if single else sort_values(r))
            for r in rows[:first]
        ]
        return Page(items=items, cursors=cursors, has_next=len(rows) > first)

    def count(self, class_ref: str, where: Filter | None = None) -> int:
        storage = self._storage.of(class_ref)
        errors = ErrorCollector()
        query = QueryCompiler(self._storage, self._coercer, self.tenant)
        scope = query.scope(storage)
        condition = query.condition(scope, where, errors, ("where",))
        raise_if_errors(errors, f"cannot count {storage.cls.qid}")
        statement = (
            sa.select(sa.func.count())
            .select_from(query.from_clause(scope))
            .where(query.base_condition(scope))
        )
        if condition is not None:
            statement = statement.where(condition)
        return int(self.connection.execute(statement).scalar_one())

    def aggregate(
        self,
        class_ref: str,
        measures: Mapping[str, Mapping[str, Any]],
        group_by: Sequence[str] = (),
        where: Filter | None = None,
    ) -> list[dict[str, Any]]:
        """One dict per group: the group_by paths' values and each measure's result.

        `measures` maps a result name to {"fn": count|sum|avg|min|max, "attr": path}; count
        without attr counts entities. Groups come sorted by their keys.
        """
        storage = self._storage.of(class_ref)
        errors = ErrorCollector()
        query = QueryCompiler(self._storage, self._coercer, self.tenant)
        scope = query.scope(storage)
        condition = query.condition(scope, where, errors, ("where",))
        aggregation = query.aggregation(scope, measures, group_by, errors)
        raise_if_errors(errors, f"cannot aggregate {storage.cls.qid}")
        statement = (
            sa.select(*aggregation.keys, *aggregation.columns)
            .select_from(query.from_clause(scope))
            .where(query.base_condition(scope))
        )
        if condition is not None:
            statement = statement.where(condition)
        if aggregation.keys:
            keys = aggregation.keys
            statement = statement.group_by(*keys).order_by(*(k.asc().nulls_last() for k in keys))
        return [aggregation.decode(row) for row in self.connection.execute(statement).mappings()]

    def links(self, class_ref: str, entity_id: str, end: str) -> list[dict[str, Any]]:
        """The entities linked through a link-table end: their ids and the link attributes."""
        storage = self._storage.of(class_ref)
        link_end = self._link_end(storage, end)
        self._require(storage, entity_id)
        table = link_end.link.table
        rows = self.connection.execute(
            sa.select(table)
            .where(table.c.tenant == self.tenant, link_end.own == entity_id)
            .order_by(link_end.other_column)
        ).mappings()
        return [
            {
                "id": r[link_end.other_column.name],
                **{
                    name: self._from_column(attr.type.kind, attr, r[name])
                    for name, attr in link_end.link.attributes.items()
                },
            }
            for r in rows
        ]

    def history(self, entity_id: str) -> list[AuditEntry]:
        return self.repository.audit.history(self.connection, self.tenant, entity_id)

    # ================================================================== writing
    def create(self, class_ref: str, values: Mapping[str, Any]) -> Entity:
        """A new entity of the concrete class `class_ref`; ValidationError lists every problem."""
        return self.create_many(class_ref, [values])[0]

    def create_many(self, class_ref: str, rows: Sequence[Mapping[str, Any]]) -> list[Entity]:
        """Several new entities in one statement; a problem in any row creates none of them
        (error paths start with the row's index)."""
        storage = self._storage.of(class_ref)
        behaviours = self._behaviours.of(storage.cls.qid)
        if not behaviours.behaviours and not storage.cls.abstract:
            return self._create_streamed(storage, rows)
        count = len(rows)
        errors = ErrorCollector()
        checked: list[CheckedInput] = []
        check_create = self._validator.check_create
        for i, values in enumerate(rows):
            row_errors = ErrorCollector()
            checked.append(check_create(storage, values, row_errors))
            if row_errors.errors:
                errors.errors.extend(_prefixed(i, count, row_errors.errors))
        self._check_references(storage, [c.references for c in checked], errors, count > 1)
        now = datetime.now(UTC)
        plan = self.repository._insert_plan(storage)
        stamp = self._stamp(storage, now)
        entities = [
            plan.entity(c, stamp, entity_id)
            for c, entity_id in zip(checked, _new_ids(count), strict=True)
        ]
        if behaviours.has("validate"):
            for i, e in enumerate(entities):
                found = behaviours.validate(self._change(storage, Operation.CREATE, None, e))
                errors.errors.extend(_prefixed(i, count, found))
        errors.raise_if_any(f"cannot create {storage.cls.qid}")
        with self._write(storage):
            if behaviours.has("compute"):
                for i, e in enumerate(entities):
                    prefix = (i,) if count > 1 else ()
                    e.update(self._computed(storage, behaviours, None, e, prefix))
            created = [
                self._change(storage, Operation.CREATE, None, e)
                for e in (entities if behaviours.behaviours else ())
            ]
            for change in created:
                behaviours.run("before_create", change)
            plan.insert.execute(self.connection, map(plan.row, entities), count)
            self._record_created(storage, plan, now, entities)
            for change in created:
                behaviours.run("after_create", change)
        return entities

    def _create_streamed(
        self, storage: ClassStorage, rows: Sequence[Mapping[str, Any]]
    ) -> list[Entity]:
        """`create_many` for a concrete class without behaviours (nothing else reads the
        database while the rows stream): each row is checked and turned into an entity row
        while the database stores the rows before it. After the first problem nothing more is
        written but every row is still checked; then the write is undone and every problem
        reported, in the order the check-first path gives."""
        count = len(rows)
        indexed = count > 1
        referenced = self._referenced(storage, rows)
        now = datetime.now(UTC)
        plan = self.repository._insert_plan(storage)
        stamp = self._stamp(storage, now)
        check_create = self._validator.check_create
        entities: list[Entity] = []
        errors = ErrorCollector()  # the rows' own problems
        broken: dict[str, list[FieldError]] = {end: [] for end in referenced}  # by end

        def checked_rows() -> Iterator[tuple[Any, ...]]:
            failed = False
            for i, (values, entity_id) in enumerate(zip(rows, _new_ids(count), strict=True)):
                row_errors = ErrorCollector()
                checked = check_create(storage, values, row_errors)
                if row_errors.errors:
                    errors.errors.extend(_prefixed(i, count, row_errors.errors))
                    failed = True
                for end, (fk, found, accepted) in referenced.items():
                    ref = checked.references.get(end)
                    path = (i, end) if indexed else (end,)
                    problem = _reference_problem(fk, found, accepted, ref, path)
                    if problem is not None:
                        broken[end].append(problem)
                        failed = True
                if failed:
                    continue  # what was written is undone below; the rest is still checked
                entity = plan.entity(checked, stamp, entity_id)
                entities.append(entity)
                yield plan.row(entity)
            if failed:  # the order of the check-first path: rows, then references by end
                problems = [*errors.errors, *(e for found in broken.values() for e in found)]
                raise ValidationError(f"cannot create {storage.cls.qid}", problems)

        with self._write(storage):
            plan.insert.execute(self.connection, checked_rows(), count)
            self._record_created(storage, plan, now, entities)
        return entities

    def _stamp(self, storage: ClassStorage, now: datetime) -> dict[str, Any]:
        """The system attributes every entity of one create gets."""
        return {
            "type": storage.cls.qid,
            "tenant": self.tenant,
            "version": 1,
            "created_at": now,
            "created_by": self.actor,
            "changed_at": now,
            "changed_by": self.actor,
        }

    def _record_created(
        self, storage: ClassStorage, plan: _InsertPlan, now: datetime, entities: list[Entity]
    ) -> None:
        """The audit rows (made while they stream) and the events of new entities."""
        qid = storage.cls.qid
        changed = self.repository.audit.write_created(
            self.connection, self.tenant, self.actor, now, qid, entities, plan.audited
        )
        kind, tenant, actor = EventKind.CREATED, self.tenant, self.actor
        self._pending.extend(
            PendingEvent(kind, tenant, qid, e["id"], keys, actor, now)
            for e, keys in zip(entities, changed, strict=True)
        )

    def update(
        self,
        class_ref: str,
        entity_id: str,
        changes_: Mapping[str, Any],
        expected_version: int,
    ) -> Entity:
        """Apply `changes_` (only the keys given) if the entity is still at `expected_version`."""
        storage = self._storage.of(class_ref)
        current = self.get(storage.cls.qid, entity_id)
        concrete = self._storage.of(current["type"])
        behaviours = self._behaviours.of(concrete.cls.qid)
        errors = ErrorCollector()
        checked = self._validator.check_update(concrete, changes_, errors)
        self._check_references(concrete, [checked.references], errors, False)
        new_values = {**checked.attributes, **checked.references}
        if behaviours.has("validate"):
            change = self._change(concrete, Operation.UPDATE, current, {**current, **new_values})
            errors.errors.extend(behaviours.validate(change))
        errors.raise_if_any(f"cannot update {concrete.cls.qid} '{entity_id}'")
        return self._apply(concrete, current, new_values, expected_version, Operation.UPDATE)

    def update_many(
        self,
        class_ref: str,
        updates: Sequence[tuple[str, Mapping[str, Any], int]],
    ) -> list[Entity]:
        """Several updates, each `(entity_id, changes, expected_version)` exactly as `update`
        applies it (partial changes, the model's and the behaviours' checks, computed
        attributes, transition/before/after hooks, optimistic locking, audit and events), in
        one savepoint with a few statements for the whole batch: all of them or none.

        Every problem is reported at once, its path starting with the update's index: a
        missing entity raises NotFoundError, else invalid changes ValidationError, else stale
        versions ConflictError (each listing all the problems found). The updated entities
        come back in the given order; an update that changes nothing leaves its entity (and
        version) as it was, as `update` does. An id may appear only once per batch. Hooks run
        as in `create_many`: every update's before hooks in order, then the statements (one
        executemany per table and set of columns), then every after hook.
        """
        storage = self._storage.of(class_ref)
        count = len(updates)
        ids = [entity_id for entity_id, _, _ in updates]
        currents = self._entities(storage, ids)
        missing = ErrorCollector()
        errors = ErrorCollector()
        stale = ErrorCollector()
        seen: set[str] = set()
        # (index, concrete storage, current, checked values), grouped by concrete class below
        planned: list[tuple[int, ClassStorage, Entity, dict[str, Any]]] = []
        groups: dict[str, list[tuple[int, CheckedInput]]] = {}
        for i, (entity_id, changes_, expected) in enumerate(updates):
            if entity_id in seen:
                errors.add("duplicate", (i,), f"'{entity_id}' is updated twice in this batch")
                continue
            seen.add(entity_id)
            current = currents.get(entity_id)
            if current is None:
                missing.add("not-found", (i,), f"no {storage.cls.qid} with id '{entity_id}'")
                continue
            concrete = self._storage.of(current["type"])
            row_errors = ErrorCollector()
            checked = self._validator.check_update(concrete, changes_, row_errors)
            errors.errors.extend(_at(i, row_errors.errors))
            groups.setdefault(concrete.cls.qid, []).append((i, checked))
            planned.append((i, concrete, current, {**checked.attributes, **checked.references}))
            if current["version"] != expected:
                stale.add(
                    "conflict",
                    (i,),
                    f"{concrete.cls.qid} '{entity_id}' is at version {current['version']}, "
                    f"not {expected}: read it again and reapply the change",
                )
        for qid, group in groups.items():
            found = ErrorCollector()
            self._check_references(
                self._storage.of(qid), [c.references for _, c in group], found, True
            )
            for e in found.errors:  # (position in group, end) -> (index in batch, end)
                position = e.path[0]
                assert isinstance(position, int)
                errors.errors.append(replace(e, path=(group[position][0], *e.path[1:])))
        for i, concrete, current, new_values in planned:
            behaviours = self._behaviours.of(concrete.cls.qid)
            if behaviours.has("validate"):
                change = self._change(
                    concrete, Operation.UPDATE, current, {**current, **new_values}
                )
                errors.errors.extend(_at(i, behaviours.validate(change)))
        what = f"cannot update {count} {storage.cls.qid}"
        problems = sorted([*missing.errors, *errors.errors, *stale.errors], key=_index)
        if missing.errors:
            index = int(missing.errors[0].path[0])
            raise _with_errors(NotFoundError(storage.cls.qid, ids[index]), problems)
        if errors.errors:
            raise ValidationError(what, problems)
        if stale.errors:
            index = int(stale.errors[0].path[0])
            entity_id, _, expected = updates[index]
            first = ConflictError(
                storage.cls.qid, entity_id, expected, currents[entity_id]["version"]
            )
            raise _with_errors(first, problems)
        results: list[Entity] = [currents[entity_id] for entity_id in ids]
        now = datetime.now(UTC)
        audit: list[AuditRow] = []
        after: list[tuple[ClassBehaviours, Change]] = []
        # (table, columns set) -> parameter rows of one executemany UPDATE
        statements: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
        tables: dict[str, sa.Table] = {}
        with self._write(storage):
            for i, concrete, current, new_values in planned:
                behaviours = self._behaviours.of(concrete.cls.qid)
                expected = updates[i][2]
                updated = {**current, **new_values}
                if behaviours.has("compute"):
                    computed = self._computed(concrete, behaviours, current, updated, (i,))
                    new_values = {**new_values, **computed}
                    updated.update(computed)
                diff = changes(_audited(concrete, current), _audited(concrete, updated))
                if not diff:
                    continue
                updated.update(version=expected + 1, changed_at=now, changed_by=self.actor)
                if behaviours.behaviours:
                    change = self._change(concrete, Operation.UPDATE, current, updated)
                    behaviours.transitions(change)
                    behaviours.run("before_update", change)
                    after.append((behaviours, change))
                values = self._encode(concrete, {k: updated[k] for k in new_values})
                values.update(version=expected + 1, changed_at=now, changed_by=self.actor)
                table = concrete.table
                tables[table.name] = table
                columns = tuple(sorted(values))
                params = {f"v_{c}": values[c] for c in columns}
                params.update(b_id=current["id"], b_version=expected)
                statements.setdefault((table.name, columns), []).append(params)
                audit.append(AuditRow(current["id"], concrete.cls.qid, Operation.UPDATE, diff))
                results[i] = updated
            for (name, columns), rows in statements.items():
                table = tables[name]
                statement = (
                    table.update()
                    .where(
                        table.c.tenant == self.tenant,
                        table.c.id == sa.bindparam("b_id"),
                        table.c.version == sa.bindparam("b_version"),
                    )
                    .values({c: sa.bindparam(f"v_{c}") for c in columns})
                )
                result = self.connection.execute(statement, rows)
                if result.rowcount != len(rows):
                    # Someone else wrote in between: name every entity that moved on.
                    index_of = {entity_id: i for i, entity_id in enumerate(ids)}
                    moved = [(index_of[r["b_id"]], r["b_id"], r["b_version"]) for r in rows]
                    self._raise_moved(storage, moved, now)
            self._record(now, audit)
            for behaviours, change in after:
                behaviours.run("after_update", change)
        return results

    def _entities(self, storage: ClassStorage, ids: Sequence[str]) -> dict[str, Entity]:
        """id -> entity of `storage`'s class (or a subclass) for those `ids` that exist in
        this tenant (one query per table and chunk of ids)."""
        found: dict[str, Entity] = {}
        unique = list(dict.fromkeys(ids))
        for table in storage.tables:
            for start in range(0, len(unique), _ID_CHUNK):
                chunk = unique[start : start + _ID_CHUNK]
                rows = self.connection.execute(
                    sa.select(table).where(
                        table.c.tenant == self.tenant,
                        table.c.id.in_(chunk),
                        table.c.type.in_(storage.concrete_types),
                    )
                ).mappings()
                for row in rows:
                    found[row["id"]] = self._decode(row)
        return found

    def _raise_moved(
        self, storage: ClassStorage, expected: Sequence[tuple[int, str, int]], now: datetime
    ) -> None:
        """ConflictError for the updates of a batch (index, id, version read) that found their
        entity changed by another transaction: those not stamped by this very statement."""
        ids = [entity_id for _, entity_id, _ in expected]
        found = self._entities(storage, ids)
        moved = [
            (n, i, v, None if e is None else int(e["version"]))
            for n, i, v in expected
            for e in (found.get(i),)
            if e is None
            or (e["version"], e["changed_at"], e["changed_by"]) != (v + 1, now, self.actor)
        ]
        _, first_id, first_expected, first_actual = moved[0] if moved else (*expected[0], None)
        error = ConflictError(storage.cls.qid, first_id, first_expected, first_actual)
        raise _with_errors(
            error,
            [
                FieldError(
                    "conflict",
                    (index,),
                    f"{storage.cls.qid} '{entity_id}' was changed by someone else: you read "
                    f"version {version}, "
                    + (f"it is at version {now}" if now is not None else "it no longer exists"),
                )
                for index, entity_id, version, now in moved
            ],
        )

    def archive(
        self, class_ref: str, entity_id: str, expected_version: int | None = None
    ) -> Entity:
        """Keep the entity but hide it from normal use (state archived)."""
        storage = self._storage.of(class_ref)
        current = self.get(storage.cls.qid, entity_id)
        concrete = self._storage.of(current["type"])
        version = current["version"] if expected_version is None else expected_version
        return self._apply(concrete, current, {"state": "archived"}, version, Operation.ARCHIVE)

    def erase(
        self, class_ref: str, entity_id: str, expected_version: int | None = None
    ) -> list[str]:
        """Delete the entity for good, with the parts it is composed of; the ids erased.

        References to it follow their association's on_delete: `refuse` stops the erase with
        an error naming the referring entities, `unset` clears the reference.
        """
        storage = self._storage.of(class_ref)
        current = self.get(storage.cls.qid, entity_id)
        if expected_version is not None and current["version"] != expected_version:
            raise ConflictError(current["type"], entity_id, expected_version, current["version"])
        doomed = self._composition_closure(current)
        refused, unset_fks, unset_links = self._references_to(doomed)
        if refused:
            raise EraseRefusedError(current["type"], entity_id, refused)
        now = datetime.now(UTC)
        audit: list[AuditRow] = []
        with self._write(storage):
            erased = [
                (hooks, self._change(self._storage.of(e["type"]), Operation.ERASE, e, None))
                for e in doomed.values()
                for hooks in (self._behaviours.of(e["type"]),)
                if hooks.behaviours
            ]
            for hooks, change in erased:
                hooks.run("before_erase", change)
            for fk, holder_qid, holder_id in unset_fks:
                audit.append(self._unset(fk, holder_qid, holder_id, now))
            for link_end, own_id, other_id in unset_links:
                table = link_end.link.table
                self.connection.execute(
                    table.delete().where(
                        table.c.tenant == self.tenant,
                        link_end.own == own_id,
                        link_end.other_column == other_id,
                    )
                )
            for link in self._storage.link_tables.values():
                table = link.table
                ids = list(doomed)
                self.connection.execute(
                    table.delete().where(
                        table.c.tenant == self.tenant,
                        sa.or_(table.c.source_id.in_(ids), table.c.target_id.in_(ids)),
                    )
                )
            # Parts first: they hold the foreign keys to their owners.
            for doomed_id, entity in reversed(list(doomed.items())):
                table = self._storage.of(entity["type"]).table
                self.connection.execute(
                    table.delete().where(table.c.tenant == self.tenant, table.c.id == doomed_id)
                )
                concrete = self._storage.of(entity["type"])
                audit.append(
                    AuditRow(
                        doomed_id,
                        entity["type"],
                        Operation.ERASE,
                        changes(_audited(concrete, entity), {}),
                    )
                )
            self._record(now, audit)
            for hooks, change in erased:
                hooks.run("after_erase", change)
        return list(doomed)

    def link(
        self,
        class_ref: str,
        entity_id: str,
        end: str,
        other_id: str,
        attributes: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Link the entity to `other_id` through a link-table end (attributes replace any
        present on an existing link). The before_link / after_link hooks of both entities'
        classes run in the write's savepoint."""
        storage = self._storage.of(class_ref)
        link_end = self._link_end(storage, end)
        own_type = self._require(storage, entity_id)
        errors = ErrorCollector()
        values = self._validator.check_link_attributes(
            link_end.link.attributes, attributes or {}, errors
        )
        other_cls = storage.cls.ends[end].other
        other_type = self._check_target(other_cls, other_id, (end,), errors)
        errors.raise_if_any(f"cannot link {storage.cls.qid} '{entity_id}' via '{end}'")
        table = link_end.link.table
        key = {
            "tenant": self.tenant,
            link_end.own.name: entity_id,
            link_end.other_column.name: other_id,
        }
        row = {
            **key,
            **{
                n: self._to_column(a.type.kind, v)
                for n, v in values.items()
                for a in (link_end.link.attributes[n],)
            },
        }
        match = sa.and_(*(table.c[k] == v for k, v in key.items()))
        now = datetime.now(UTC)
        with self._write(storage):
            existing = self.connection.execute(sa.select(table).where(match)).mappings().first()
            before = None if existing is None else self._link_attributes(link_end, existing)
            hooks = self._link_hooks(
                Operation.LINK, link_end, (own_type, entity_id), (other_type, other_id)
            )
            seen_after = MappingProxyType(values)
            for behaviours, change in hooks:
                behaviours.run("before_link", replace(change, before=before, after=seen_after))
            if existing is None:
                self.connection.execute(table.insert().values(row))
            else:
                self.connection.execute(table.update().where(match).values(row))
            raw_before = {n: existing[n] for n in link_end.link.attributes} if existing else None
            row_changes = {
                f"{end}[{other_id}]": {
                    "before": to_json(raw_before) if raw_before is not None else None,
                    "after": to_json(values),
                }
            }
            self._record(
                now,
                [AuditRow(entity_id, storage.cls.qid, Operation.LINK, row_changes)],
                end=end,
                related_id=other_id,
            )
            for behaviours, change in hooks:
                behaviours.run("after_link", replace(change, before=before, after=seen_after))
        return {"id": other_id, **values}

    def link_many(
        self,
        class_ref: str,
        end: str,
        links: Sequence[tuple[str, str] | tuple[str, str, Mapping[str, Any] | None]],
    ) -> list[dict[str, Any]]:
        """Several links through one link-table end, each `(entity_id, other_id)` or
        `(entity_id, other_id, attributes)` exactly as `link` makes it (checked attributes,
        replacing those of an existing link; the before_link / after_link hooks of both ends;
        audit and events), in one savepoint with a few statements for the whole batch: all of
        them or none.

        Every problem is reported at once, its path starting with the link's index: a missing
        entity raises NotFoundError, anything else (attributes, a missing or wrong other end,
        a pair given twice) ValidationError. Returns `{"id": other_id, **attributes}` per link,
        in the given order. Every link's before_link hooks run in order, then the statements,
        then every after_link hook.
        """
        storage = self._storage.of(class_ref)
        link_end = self._link_end(storage, end)
        other_cls = storage.cls.ends[end].other
        attributes = link_end.link.attributes
        own_types = self._types_of(
            storage.cls.qid, list(dict.fromkeys(given[0] for given in links))
        )
        other_types = self._types_of(other_cls, list(dict.fromkeys(given[1] for given in links)))
        other_concrete = self._storage.of(other_cls).concrete_types
        missing = ErrorCollector()
        errors = ErrorCollector()
        seen: set[tuple[str, str]] = set()
        checked: list[dict[str, Any]] = []
        for i, given in enumerate(links):
            entity_id, other_id = given[0], given[1]
            values_in = given[2] if len(given) > 2 else None
            row_errors = ErrorCollector()
            checked.append(
                self._validator.check_link_attributes(attributes, values_in or {}, row_errors)
            )
            errors.errors.extend(_at(i, row_errors.errors))
            own = own_types.get(entity_id)
            if own is None or own not in storage.concrete_types:
                missing.add("not-found", (i,), f"no {storage.cls.qid} with id '{entity_id}'")
            other = other_types.get(other_id)
            if other is None:
                errors.add(
                    "broken-reference",
                    (i, end),
                    f"no {other_cls} with id '{other_id}' in this tenant",
                )
            elif other not in other_concrete:
                errors.add("wrong-class", (i, end), f"'{other_id}' is a {other}, not a {other_cls}")
            if (entity_id, other_id) in seen:
                errors.add("duplicate", (i,), f"'{entity_id}' → '{other_id}' is given twice")
            seen.add((entity_id, other_id))
        what = f"cannot link {len(links)} {storage.cls.qid} via '{end}'"
        problems = sorted([*missing.errors, *errors.errors], key=_index)
        if missing.errors:
            index = int(missing.errors[0].path[0])
            raise _with_errors(NotFoundError(storage.cls.qid, links[index][0]), problems)
        if errors.errors:
            raise ValidationError(what, problems)
        table = link_end.link.table
        own_column, other_column = link_end.own, link_end.other_column
        now = datetime.now(UTC)
        results: list[dict[str, Any]] = []
        with self._write(storage):
            existing: dict[tuple[str, str], Mapping[Any, Any]] = {}
            pairs = list(dict.fromkeys((given[0], given[1]) for given in links))
            for start in range(0, len(pairs), _ID_CHUNK):
                stored_links = self.connection.execute(
                    sa.select(table).where(
                        table.c.tenant == self.tenant,
                        sa.tuple_(own_column, other_column).in_(pairs[start : start + _ID_CHUNK]),
                    )
                ).mappings()
                for stored in stored_links:
                    existing[(stored[own_column.name], stored[other_column.name])] = stored
            hooked: list[tuple[ClassBehaviours, LinkChange]] = []
            # rows of one executemany each, by the link attributes given (as `link` sets them)
            inserts: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            audit: list[AuditRow] = []
            for given, values in zip(links, checked, strict=True):
                entity_id, other_id = given[0], given[1]
                found = existing.get((entity_id, other_id))
                before = None if found is None else self._link_attributes(link_end, found)
                seen_after = MappingProxyType(values)
                for behaviours, change in self._link_hooks(
                    Operation.LINK,
                    link_end,
                    (own_types[entity_id], entity_id),
                    (other_types[other_id], other_id),
                ):
                    change = replace(change, before=before, after=seen_after)
                    behaviours.run("before_link", change)
                    hooked.append((behaviours, change))
                columns: dict[str, Any] = {
                    n: self._to_column(attributes[n].type.kind, v) for n, v in values.items()
                }
                key = {"tenant": self.tenant, own_column.name: entity_id}
                key[other_column.name] = other_id
                names = tuple(sorted(columns))
                if found is None:
                    inserts.setdefault(names, []).append({**key, **columns})
                elif names:
                    params = {f"v_{n}": columns[n] for n in names}
                    params.update(b_own=entity_id, b_other=other_id)
                    updates.setdefault(names, []).append(params)
                raw_before = {n: found[n] for n in attributes} if found is not None else None
                audit.append(
                    AuditRow(
                        entity_id,
                        storage.cls.qid,
                        Operation.LINK,
                        {
                            f"{end}[{other_id}]": {
                                "before": to_json(raw_before) if raw_before is not None else None,
                                "after": to_json(values),
                            }
                        },
                    )
                )
                results.append({"id": other_id, **values})
            for new_rows in inserts.values():
                self.connection.execute(table.insert(), new_rows)
            for names, changed_rows in updates.items():
                self.connection.execute(
                    table.update()
                    .where(
                        table.c.tenant == self.tenant,
                        own_column == sa.bindparam("b_own"),
                        other_column == sa.bindparam("b_other"),
                    )
                    .values({n: sa.bindparam(f"v_{n}") for n in names}),
                    changed_rows,
                )
            self._record(now, audit, end=end, related_ids=[given[1] for given in links])
            for behaviours, change in hooked:
                behaviours.run("after_link", change)
        return results

    def unlink(self, class_ref: str, entity_id: str, end: str, other_id: str) -> bool:
        """Remove a link; False when there was none (then no hook runs). The before_unlink /
        after_unlink hooks of both entities' classes run in the write's savepoint."""
        storage = self._storage.of(class_ref)
        link_end = self._link_end(storage, end)
        own_type = self._require(storage, entity_id)
        table = link_end.link.table
        match = sa.and_(
            table.c.tenant == self.tenant,
            link_end.own == entity_id,
            link_end.other_column == other_id,
        )
        now = datetime.now(UTC)
        with self._write(storage):
            existing = self.connection.execute(sa.select(table).where(match)).mappings().first()
            if existing is None:
                return False
            before = self._link_attributes(link_end, existing)
            other_cls = storage.cls.ends[end].other
            other_type = self._types_of(other_cls, [other_id]).get(other_id, other_cls)
            hooks = self._link_hooks(
                Operation.UNLINK, link_end, (own_type, entity_id), (other_type, other_id)
            )
            for behaviours, change in hooks:
                behaviours.run("before_unlink", replace(change, before=before))
            self.connection.execute(table.delete().where(match))
            row_changes = {f"{end}[{other_id}]": {"before": "linked", "after": None}}
            self._record(
                now,
                [AuditRow(entity_id, storage.cls.qid, Operation.UNLINK, row_changes)],
                end=end,
                related_id=other_id,
            )
            for behaviours, change in hooks:
                behaviours.run("after_unlink", replace(change, before=before))
        return True

    def _link_attributes(self, link_end: LinkEnd, row: Mapping[Any, Any]) -> Mapping[str, Any]:
        """The attributes of a stored link, read-only, as hooks see them."""
        return MappingProxyType(
            {
                name: self._from_column(attr.type.kind, attr, row[name])
                for name, attr in link_end.link.attributes.items()
            }
        )

    def _link_hooks(
        self,
        operation: Operation,
        link_end: LinkEnd,
        own: tuple[str, str],
        other: tuple[str, str],
    ) -> list[tuple[ClassBehaviours, LinkChange]]:
        """The behaviours of both ends that hook `operation`, each with the change seen from
        its own end (before/after are filled in by the caller)."""
        before_hook, after_hook = HOOKS[operation]
        association = link_end.link.association
        ends = {EndSide.SOURCE: association.name, EndSide.TARGET: association.inverse}
        other_side = EndSide.TARGET if link_end.side is EndSide.SOURCE else EndSide.SOURCE
        classes = self.repository.model.classes
        found = []
        for (this_type, this_id), (that_type, that_id), side in (
            (own, other, link_end.side),
            (other, own, other_side),
        ):
            behaviours = self._behaviours.of(this_type)
            if not (behaviours.has(before_hook) or behaviours.has(after_hook)):
                continue
            change = LinkChange(
                uow=self,
                cls=classes[this_type],
                operation=operation,
                entity_id=this_id,
                end=ends[side],
                association=association.qid,
                other_cls=classes[that_type],
                other_id=that_id,
                before=None,
                after=None,
            )
            found.append((behaviours, change))
        return found

    # ================================================================== commands
    def call(self, class_ref: str, entity_id: str, command: str, /, **arguments: Any) -> Any:
        """Run the behaviour command `command` on an entity; its result is returned.

        Arguments are checked against the command's parameters (ValidationError lists every
        problem); the command runs in a savepoint, so if it fails nothing it wrote remains.
        """
        storage = self._storage.of(class_ref)
        entity = self.get(storage.cls.qid, entity_id)
        concrete = self._storage.of(entity["type"])
        behaviours = self._behaviours.of(concrete.cls.qid)
        bound = behaviours.commands.get(command)
        if bound is None:
            known = ", ".join(sorted(behaviours.commands)) or "none"
            raise UnknownElementError(
                f"{concrete.cls.qid} has no command '{command}' (commands: {known})"
            )
        errors = ErrorCollector()
        arguments_ = bound.spec.bind(arguments, errors)
        errors.raise_if_any(f"cannot call {command} on {concrete.cls.qid} '{entity_id}'")
        context = CommandContext(self, concrete.cls, MappingProxyType(entity))
        if bound.spec.read_only:
            return self._read_only(concrete, lambda: behaviours.call(command, context, arguments_))
        with self._write(concrete):
            return behaviours.call(command, context, arguments_)

    def _read_only(self, storage: ClassStorage, run: Callable[[], Any]) -> Any:
        """Run a read-only command in a savepoint that is always rolled back: what it wrote
        (rows, audit, events) is gone when it returns, whether it succeeded or not."""
        mark = len(self._pending)
        savepoint = self.connection.begin_nested()
        try:
            return run()
        except IntegrityError as exc:
            raise self._integrity_error(exc, storage) from None
        finally:
            if savepoint.is_active:
                savepoint.rollback()
            del self._pending[mark:]

    # ================================================================== internals: rows
    def _row(self, storage: ClassStorage, entity_id: str) -> Mapping[Any, Any] | None:
        for table in storage.tables:
            row = (
                self.connection.execute(
                    sa.select(table).where(
                        table.c.tenant == self.tenant,
                        table.c.id == entity_id,
                        table.c.type.in_(storage.concrete_types),
                    )
                )
                .mappings()
                .first()
            )
            if row is not None:
                return row
        return None

    def _require(self, storage: ClassStorage, entity_id: str) -> str:
        """The concrete type of the entity; NotFoundError if there is none in this tenant."""
        row = self._row(storage, entity_id)
        if row is None:
            raise NotFoundError(storage.cls.qid, entity_id)
        return str(row["type"])

    def _decode(self, row: Mapping[Any, Any]) -> Entity:
        storage = self._storage.of(row["type"])
        entity: Entity = {}
        for name, column in storage.columns.items():
            attr = storage.cls.attributes[name]
            entity[name] = self._from_column(attr.type.kind, attr, row[column.name])
        for end, fk in storage.to_one.items():
            entity[end] = row[fk.column]
        return entity

    def _from_column(self, kind: TypeKind, attr: Any, value: Any) -> Any:
        if kind in _JSON_KINDS and value is not None:
            return self._coercer.from_json(value, attr.type)
        return value

    @staticmethod
    def _to_column(kind: TypeKind, value: Any) -> Any:
        return to_json(value) if kind in _JSON_KINDS and value is not None else value

    def _encode(self, storage: ClassStorage, entity: Mapping[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, column in storage.columns.items():
            if name in entity:
                kind = storage.cls.attributes[name].type.kind
                row[column.name] = self._to_column(kind, entity[name])
        for end, fk in storage.to_one.items():
            if end in entity:
                row[fk.column] = entity[end]
        return row

    # ================================================================== internals: writes
    @contextmanager
    def _write(self, storage: ClassStorage) -> Iterator[None]:
        """A savepoint: a refused statement or a failing hook undoes this write only (and
        forgets its events); driver errors translated."""
        mark = len(self._pending)
        try:
            with self.connection.begin_nested():
                yield
        except IntegrityError as exc:
            del self._pending[mark:]
            raise self._integrity_error(exc, storage) from None
        except BaseException:
            del self._pending[mark:]
            raise

    def _record(
        self,
        now: datetime,
        rows: Sequence[AuditRow],
        *,
        end: str | None = None,
        related_id: str | None = None,
        related_ids: Sequence[str | None] | None = None,
    ) -> None:
        """The audit rows of a write, and its events (one per row) for the outbox; a link's
        other end is `related_id`, or `related_ids[i]` for row i of a batch of links."""
        self.repository.audit.write(self.connection, self.tenant, self.actor, now, rows)
        related = related_ids if related_ids is not None else [related_id] * len(rows)
        self._pending.extend(
            PendingEvent(
                kind=_EVENT_KINDS[r.operation],
                tenant=self.tenant,
                class_qid=r.class_qid,
                entity_id=r.entity_id,
                changed=(end,) if end is not None else tuple(r.changes),
                actor=self.actor,
                at=now,
                related_id=other,
            )
            for r, other in zip(rows, related, strict=True)
        )

    def _write_outbox(self) -> list[Event]:
        """Write the pending events to the outbox (called once, just before the commit)."""
        pending, self._pending = self._pending, []
        if pending:
            # Positions follow the last event of any tenant; the rows carry this tenant.
            all_tenants(self.connection)
        return self.repository.events.outbox.append(self.connection, pending)

    def _change(
        self,
        storage: ClassStorage,
        operation: Operation,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> Change:
        """What behaviours are told about one entity's write."""
        old = _audited(storage, before) if before is not None else {}
        new = _audited(storage, after) if after is not None else {}
        if after is None:
            changed: frozenset[str] = frozenset()
        else:
            changed = frozenset(k for k, v in new.items() if old.get(k) != v)
            if before is None:
                changed = frozenset(k for k in changed if new[k] is not None)
        current = after if after is not None else before
        assert current is not None
        return Change(
            uow=self,
            cls=storage.cls,
            operation=operation,
            entity_id=current["id"],
            before=None if before is None else MappingProxyType(dict(before)),
            after=None if after is None else MappingProxyType(dict(after)),
            changed=changed,
        )

    def _computed(
        self,
        storage: ClassStorage,
        behaviours: ClassBehaviours,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any],
        prefix: tuple[int, ...],
    ) -> dict[str, Any]:
        """The computed attributes the behaviours fill, checked like any other value."""
        operation = Operation.CREATE if before is None else Operation.UPDATE
        allowed = [
            name
            for name, attr in storage.cls.attributes.items()
            if attr.computed and name not in SYSTEM_ATTRIBUTES
        ]
        values = behaviours.compute(self._change(storage, operation, before, after), allowed)
        errors = ErrorCollector()
        result: dict[str, Any] = {}
        for name, value in values.items():
            attr = storage.cls.attributes[name]
            path: tuple[int | str, ...] = (*prefix, name)
            result[name] = (
                None if value is None else self._coercer.coerce(value, attr, path, errors)
            )
        errors.raise_if_any(
            f"the values behaviours computed for {storage.cls.qid} do not fit the model"
        )
        return result

    def _apply(
        self,
        storage: ClassStorage,
        current: Entity,
        new_values: Mapping[str, Any],
        expected_version: int,
        operation: Operation,
    ) -> Entity:
        entity_id = current["id"]
        if current["version"] != expected_version:
            raise ConflictError(storage.cls.qid, entity_id, expected_version, current["version"])
        behaviours = self._behaviours.of(storage.cls.qid)
        before_hook, after_hook = HOOKS[operation]
        with self._write(storage):
            updated = {**current, **new_values}
            if operation is Operation.UPDATE and behaviours.has("compute"):
                computed = self._computed(storage, behaviours, current, updated, ())
                new_values = {**new_values, **computed}
                updated.update(computed)
            diff = changes(_audited(storage, current), _audited(storage, updated))
            if not diff:
                return current
            now = datetime.now(UTC)
            updated.update(version=expected_version + 1, changed_at=now, changed_by=self.actor)
            change = None
            if behaviours.behaviours:
                change = self._change(storage, operation, current, updated)
                behaviours.transitions(change)
                behaviours.run(before_hook, change)
            table = storage.table
            values = self._encode(storage, {k: updated[k] for k in new_values})
            values.update(version=expected_version + 1, changed_at=now, changed_by=self.actor)
            result = self.connection.execute(
                table.update()
                .where(
                    table.c.tenant == self.tenant,
                    table.c.id == entity_id,
                    table.c.version == expected_version,
                )
                .values(values)
            )
            if result.rowcount != 1:
                # Someone else wrote in between; nothing was changed here.
                row = self._row(storage, entity_id)
                actual = None if row is None else int(row["version"])
                raise ConflictError(storage.cls.qid, entity_id, expected_version, actual)
            self._record(now, [AuditRow(entity_id, storage.cls.qid, operation, diff)])
            if change is not None:
                behaviours.run(after_hook, change)
        return updated

    def _unset(self, fk: ForeignKeyEnd, holder_qid: str, holder_id: str, now: datetime) -> AuditRow:
        holder = self._storage.of(holder_qid)
        table = holder.table
        row = self._row(holder, holder_id)
        assert row is not None
        self.connection.execute(
            table.update()
            .where(table.c.tenant == self.tenant, table.c.id == holder_id)
            .values(
                {
                    fk.column: None,
                    "version": table.c.version + 1,
                    "changed_at": now,
                    "changed_by": self.actor,
                }
            )
        )
        return AuditRow(
            holder_id,
            holder_qid,
            Operation.UPDATE,
            {fk.end: {"before": row[fk.column], "after": None}},
        )

    def _composition_closure(self, root: Entity) -> dict[str, Entity]:
        """The entity and, transitively, every part it is composed of (owners before parts)."""
        doomed: dict[str, Entity] = {root["id"]: root}
        queue = [root]
        while queue:
            entity = queue.pop(0)
            cls = self.repository.model.classes[entity["type"]]
            for assoc in self.repository.model.associations.values():
                if assoc.kind is not AssociationKind.COMPOSITION or not cls.is_a(assoc.source):
                    continue
                for part_id in self._related_ids(assoc.qid, EndSide.SOURCE, entity["id"]):
                    if part_id not in doomed:
                        part = self.get(assoc.target, part_id)
                        doomed[part_id] = part
                        queue.append(part)
        return doomed

    def _related_ids(self, association: str, side: EndSide, entity_id: str) -> list[str]:
        """Ids of the entities at the other end of `association`, seen from `side`."""
        fk = self._storage.foreign_keys.get(association)
        if fk is not None:
            if fk.holder_side is side:
                holder = self._storage.of(fk.holder)
                row = self._row(holder, entity_id)
                return [] if row is None or row[fk.column] is None else [row[fk.column]]
            ids: list[str] = []
            for table in self._storage.of(fk.holder).tables:
                ids.extend(
                    self.connection.execute(
                        sa.select(table.c.id).where(
                            table.c.tenant == self.tenant, table.c[fk.column] == entity_id
                        )
                    ).scalars()
                )
            return ids
        link = self._storage.link_tables[association]
        own = link.column_for(side)
        other = link.column_for(EndSide.TARGET if side is EndSide.SOURCE else EndSide.SOURCE)
        return list(
            self.connection.execute(
                sa.select(other).where(link.table.c.tenant == self.tenant, own == entity_id)
            ).scalars()
        )

    def _references_to(
        self, doomed: Mapping[str, Entity]
    ) -> tuple[
        list[Reference], list[tuple[ForeignKeyEnd, str, str]], list[tuple[LinkEnd, str, str]]
    ]:
        """Entities outside `doomed` that point at one inside: refused, and what to unset."""
        refused: list[Reference] = []
        unset_fks: list[tuple[ForeignKeyEnd, str, str]] = []
        unset_links: list[tuple[LinkEnd, str, str]] = []
        model = self.repository.model
        for entity_id, entity in doomed.items():
            cls = model.classes[entity["type"]]
            for assoc in model.associations.values():
                # Compositions land here only for an owner outside `doomed` (a part erased on
                # its own): on_delete is cascade, so the owner's reference is unset.
                fk = self._storage.foreign_keys.get(assoc.qid)
                if fk is not None and cls.is_a(fk.other):
                    # The holders point at this entity through a column.
                    holder = self._storage.of(fk.holder)
                    for table in holder.tables:
                        rows = self.connection.execute(
                            sa.select(table.c.id, table.c.type).where(
                                table.c.tenant == self.tenant, table.c[fk.column] == entity_id
                            )
                        )
                        for holder_id, holder_type in rows:
                            if holder_id in doomed:
                                continue
                            # Deleting a target follows on_delete; a required end cannot unset.
                            is_target = fk.holder_side is EndSide.SOURCE
                            refuse = (is_target and assoc.on_delete is OnDelete.REFUSE) or (
                                fk.required
                            )
                            if refuse:
                                refused.append(Reference(holder_type, holder_id, assoc.qid))
                            else:
                                unset_fks.append((fk, holder_type, holder_id))
                link = self._storage.link_tables.get(assoc.qid)
                if link is not None and cls.is_a(assoc.target):
                    # Links where this entity is the target follow on_delete.
                    sources = self._related_ids(assoc.qid, EndSide.TARGET, entity_id)
                    for source_id in sources:
                        if source_id in doomed:
                            continue
                        if assoc.on_delete is OnDelete.REFUSE:
                            source = self._row(self._storage.of(assoc.source), source_id)
                            source_type = source["type"] if source else assoc.source
                            refused.append(Reference(source_type, source_id, assoc.qid))
                        else:
                            unset_links.append(
                                (LinkEnd(link, EndSide.TARGET), entity_id, source_id)
                            )
        return refused, unset_fks, unset_links

    # ================================================================== internals: checks
    def _link_end(self, storage: ClassStorage, end: str) -> LinkEnd:
        link_end = storage.links.get(end)
        if link_end is not None:
            return link_end
        if end in storage.to_one:
            raise UnknownElementError(
                f"'{end}' of {storage.cls.qid} is a to-one reference; set it with create/update"
            )
        known = ", ".join(storage.links) or "none"
        raise UnknownElementError(
            f"{storage.cls.qid} has no link association end '{end}' (link ends: {known})"
        )

    def _check_references(
        self,
        storage: ClassStorage,
        references: Sequence[Mapping[str, str | None]],
        errors: ErrorCollector,
        indexed: bool,
    ) -> None:
        """Every referenced id must be an entity of the end's class in this tenant."""
        for end, (fk, found, accepted) in self._referenced(storage, references).items():
            for i, refs in enumerate(references):
                ref = refs.get(end)
                if ref is None:
                    continue
                path = (i, end) if indexed else (end,)
                problem = _reference_problem(fk, found, accepted, ref, path)
                if problem is not None:
                    errors.errors.append(problem)

    def _referenced(
        self, storage: ClassStorage, rows: Sequence[Mapping[str, Any]]
    ) -> dict[str, tuple[ForeignKeyEnd, dict[str, str], frozenset[str]]]:
        """For each to-one end some of `rows` give an id for: its foreign key, the concrete
        types of those ids that exist in this tenant, and the types the end accepts."""
        result = {}
        for end, fk in storage.to_one.items():
            wanted = {r[end] for r in rows if isinstance(r.get(end), str) and r[end]}
            if wanted:
                found = self._types_of(fk.other, list(wanted))
                accepted = frozenset(self._storage.of(fk.other).concrete_types)
                result[end] = (fk, found, accepted)
        return result

    def _check_target(
        self, class_qid: str, entity_id: str, path: tuple[str, ...], errors: ErrorCollector
    ) -> str:
        """The concrete type of the entity `entity_id` must be (of `class_qid`); `class_qid`
        itself when an error was added."""
        found = self._types_of(class_qid, [entity_id]).get(entity_id)
        if found is None:
            errors.add(
                "broken-reference", path, f"no {class_qid} with id '{entity_id}' in this tenant"
            )
        elif found not in self._storage.of(class_qid).concrete_types:
            errors.add("wrong-class", path, f"'{entity_id}' is a {found}, not a {class_qid}")
        else:
            return found
        return class_qid

    def _types_of(self, class_qid: str, ids: Sequence[str]) -> dict[str, str]:
        """id -> concrete type of those ids found in the tables where `class_qid` lives."""
        result: dict[str, str] = {}
        postgresql = self.connection.dialect.name == "postgresql"
        for table in self._storage.of(class_qid).tables:
            for start in range(0, len(ids), _ID_CHUNK):
                chunk = ids[start : start + _ID_CHUNK]
                # PostgreSQL: one array parameter instead of an IN list of 500 parameters (on a
                # table just bulk-loaded in this transaction that halved the lookups' time).
                matches = (
                    table.c.id == sa.any_(sa.cast(sa.literal(list(chunk)), ARRAY(sa.String())))
                    if postgresql
                    else table.c.id.in_(chunk)
                )
                rows = self.connection.execute(
                    sa.select(table.c.id, table.c.type).where(
                        table.c.tenant == self.tenant, matches
                    )
                )
                result.update({r.id: r.type for r in rows})
        return result

    def _integrity_error(self, exc: IntegrityError, storage: ClassStorage) -> ValidationError:
        """The database refused a write: name the attributes, never leak the driver's text."""
        constraint = _constraint_name(exc, self._storage)
        if constraint is not None and constraint in self._storage.unique_constraints:
            class_qid, attributes = self._storage.unique_constraints[constraint]
            names = ", ".join(attributes)
            return ValidationError(
                f"another {class_qid} already has this {names}",
                [
                    FieldError("unique", (a,), f"must be unique; another entity has this {names}")
                    for a in attributes
                ],
            )
        return ValidationError(
            f"the database refused the change to {storage.cls.qid}",
            [FieldError("constraint", (), _first_line(exc.orig))],
        )


def _prefixed(index: int, count: int, errors: Sequence[FieldError]) -> list[FieldError]:
    """Errors of one row of a batch: their paths start with the row's index (if several)."""
    if count == 1:
        return list(errors)
    return [FieldError(e.code, (index, *e.path), e.message) for e in errors]


def _reference_problem(
    fk: ForeignKeyEnd,
    found: Mapping[str, str],
    accepted: frozenset[str],
    ref: str | None,
    path: tuple[PathItem, ...],
) -> FieldError | None:
    """What is wrong with the id `ref` given for `fk`'s end (None: nothing, or no id given);
    `found` holds the concrete types of the ids that exist in this tenant."""
    if ref is None:
        return None
    kind = found.get(ref)
    if kind is None:
        return FieldError("broken-reference", path, f"no {fk.other} with id '{ref}' in this tenant")
    if kind not in accepted:
        return FieldError("wrong-class", path, f"'{ref}' is a {kind}, not a {fk.other}")
    return None


def _at(index: int, errors: Sequence[FieldError]) -> list[FieldError]:
    """Errors of item `index` of a batch method (update_many, link_many): paths start with it."""
    return [FieldError(e.code, (index, *e.path), e.message) for e in errors]


def _index(error: FieldError) -> int:
    """The batch index an error's path starts with (for sorting a batch's problems)."""
    first = error.path[0] if error.path else 0
    return first if isinstance(first, int) else 0


_E = TypeVar("_E", bound=RepositoryError)


def _with_errors(error: _E, problems: Sequence[FieldError]) -> _E:
    """`error` (about the first problem of a batch) listing every problem of the batch."""
    error.errors = tuple(problems)
    error.args = (error._render(),)
    return error


def _audited(storage: ClassStorage, entity: Mapping[str, Any]) -> dict[str, Any]:
    """The values the audit trail records: attributes and to-one ends, minus stamps."""
    return {
        k: v
        for k, v in entity.items()
        if k not in _AUDIT_SKIP and (k in storage.columns or k in storage.to_one)
    }


def _constraint_name(exc: IntegrityError, storage: Storage) -> str | None:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if isinstance(name, str):
        return name
    # SQLite names the columns, not the index: "UNIQUE constraint failed: t.tenant, t.code"
    text = str(exc.orig)
    prefix = "UNIQUE constraint failed: "
    if not text.startswith(prefix):
        return None
    qualified = [c.strip() for c in text[len(prefix) :].split(",")]
    table_name = qualified[0].split(".", 1)[0]
    columns = [c.split(".", 1)[1] for c in qualified if "." in c]
    table = storage.metadata.tables.get(table_name)
    if table is None:
        return None
    candidates: list[sa.Index | sa.UniqueConstraint] = [
        *(i for i in table.indexes if i.unique),
        *(c for c in table.constraints if isinstance(c, sa.UniqueConstraint)),
    ]
    for candidate in candidates:
        if [c.name for c in candidate.columns] == columns and isinstance(candidate.name, str):
            return candidate.name
    return None


def _first_line(error: BaseException | None) -> str:
    return str(error).strip().splitlines()[0] if error is not None else "constraint violated"


class _InsertPlan:
    """New entities of one concrete class as rows: the key order, the JSON columns, the
    statement, and the keys the audit trail records (sorted, as `changes` sorts them)."""

    def __init__(self, storage: ClassStorage, dialect: sa.Dialect) -> None:
        self.storage = storage
        self.dialect = dialect
        keys: list[str] = []
        self.columns: list[str] = []
        json_at: list[int] = []
        for name, column in storage.columns.items():
            if storage.cls.attributes[name].type.kind in _JSON_KINDS:
                json_at.append(len(keys))
            keys.append(name)
            self.columns.append(column.name)
        for end, fk in storage.to_one.items():
            keys.append(end)
            self.columns.append(fk.column)
        self.keys = tuple(keys)  # entity key per column, in `columns` order
        self.json_at = tuple(json_at)  # positions of record / list columns (JSON form)
        self.template: Entity = dict.fromkeys(storage.cls.attributes)  # every key, None
        self.template.update(dict.fromkeys(storage.to_one))
        self.audited = tuple(sorted(k for k in self.template if k not in _AUDIT_SKIP))
        getter = operator.itemgetter(*keys)
        self._get: Callable[[Entity], Any] = (lambda e: (getter(e),)) if len(keys) == 1 else getter
        self._insert: BulkInsert | None = None

    @property
    def insert(self) -> BulkInsert:
        # Made when first used: an abstract class has no single table, and is refused before.
        if self._insert is None:
            self._insert = BulkInsert(self.storage.table, self.columns, self.dialect)
        return self._insert

    def entity(self, checked: CheckedInput, stamp: Mapping[str, Any], entity_id: str) -> Entity:
        """A new entity: every key (None where not given), the checked input, the stamps."""
        entity: Entity = self.template.copy()
        entity.update(checked.attributes)
        entity.update(checked.references)
        entity.update(stamp)
        entity["id"] = entity_id
        return entity

    def row(self, entity: Entity) -> tuple[Any, ...]:
        values: tuple[Any, ...] = self._get(entity)
        if not self.json_at:
            return values
        row = list(values)
        for i in self.json_at:
            if row[i] is not None:
                row[i] = to_json(row[i])
        return tuple(row)


class _Decoders:
    """Rows of a table's full column list (by position) to entities, a plan per class."""

    def __init__(self, storage: Storage, coercer: ValueCoercer) -> None:
        self.storage = storage
        self.coercer = coercer
        # (table, type) -> entity keys, the getter of their values, the JSON keys and types
        self._plans: dict[tuple[str, str], tuple[tuple[str, ...], Any, Any]] = {}
        self._type_at: dict[str, int] = {}

    def decode(self, table: sa.Table, row: Sequence[Any]) -> Entity:
        type_at = self._type_at.get(table.name)
        if type_at is None:
            type_at = self._type_at[table.name] = list(table.c.keys()).index("type")
        key = (table.name, row[type_at])
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(table, row[type_at])
        keys, getter, json_fields = plan
        entity: Entity = dict(zip(keys, getter(row), strict=True))
        for name, type_ in json_fields:
            value = entity[name]
            if value is not None:
                entity[name] = self.coercer.from_json(value, type_)
        return entity

    def _plan(self, table: sa.Table, type_qid: str) -> tuple[tuple[str, ...], Any, Any]:
        storage = self.storage.of(type_qid)
        position = {name: i for i, name in enumerate(table.c.keys())}
        keys: list[str] = []
        positions: list[int] = []
        json_fields = []
        for name, column in storage.columns.items():
            keys.append(name)
            positions.append(position[column.name])
            attr = storage.cls.attributes[name]
            if attr.type.kind in _JSON_KINDS:
                json_fields.append((name, attr.type))
        for end, fk in storage.to_one.items():
            keys.append(end)
            positions.append(position[fk.column])
        single = operator.itemgetter(*positions)
        getter: Callable[[Sequence[Any]], Any] = (
            (lambda row: (single(row),)) if len(positions) == 1 else single
        )
        return tuple(keys), getter, tuple(json_fields)


_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


def _new_ids(count: int) -> list[str]:
    """`count` random UUID4 strings (what `str(uuid.uuid4())` gives, from one urandom call)."""
    text = os.urandom(16 * count).hex()
    ids = []
    for start in range(0, 32 * count, 32):
        h = text[start : start + 32]
        ids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}")
    return ids
