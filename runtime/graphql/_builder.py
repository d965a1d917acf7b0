"""The GraphQL schema of a compiled model, generated with graphql-core type objects.

One pass over the model, every type created once and cached (fields are thunks, so classes that
refer to each other need no ordering):

- a concrete class is an object type, an abstract class an interface that its descendants
  implement (`NaturalPerson implements Participant & Entity`); a concrete class with subclasses
  is an interface too, its own rows the object type `<Name>Exact`;
- CK enums become enums (`UPPER_SNAKE` values), records an object type and an `...Input`;
- per queryable class: `<type>(id)`, `<types>(filter, orderBy, first, after, last, before)` as a
  Relay connection with `totalCount`, and `<types>Aggregate(filter, groupBy)`;
- association ends in both directions: to-one ends are fields (plus `<end>Id` where the id is
  stored on the row), to-many ends connections with their own filter, order and paging; link
  attributes live on the edges;
- per concrete class: create (one and many, with nested composition parts), update with
  `expectedVersion`, archive, erase; link/unlink per link-table association.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLNullableInputType,
    GraphQLNullableOutputType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
)

from meshkit.ck.model import (
    NUMERIC_KINDS,
    AssociationKind,
    Attribute,
    ClassDef,
    CompiledModel,
    EndSide,
    TypeKind,
    TypeRef,
)
from meshkit.runtime.auth import Policy
from meshkit.runtime.behaviours.registry import BehaviourRegistry
from meshkit.runtime.events import EventKind
from meshkit.runtime.graphql import (
    _aggregates,
    _batches,
    _commands,
    _history,
    _mutations,
    _series,
)
from meshkit.runtime.graphql._batches import Row
from meshkit.runtime.graphql._context import Info
from meshkit.runtime.graphql._model_text import model_text_field
from meshkit.runtime.graphql._names import (
    SchemaBuildError,
    TypeNames,
    camel,
    check_name,
    field_names,
    lower_first,
    pascal,
    plural,
    upper_snake,
)
from meshkit.runtime.graphql._reader import Navigation, Way, navigation
from meshkit.runtime.graphql._scalars import (
    SCALARS,
    BigIntScalar,
    DateScalar,
    DateTimeScalar,
    DecimalScalar,
    DurationScalar,
    JSONScalar,
)
from meshkit.runtime.graphql._security import withheld_fields
from meshkit.runtime.storage import Storage

EntityType = GraphQLObjectType | GraphQLInterfaceType
NODE = "Node"  # Relay's interface of objects with a global id
HIDDEN = frozenset({"tenant", "type"})  # the request's tenant; __typename tells the class
_STRUCTURES = frozenset({TypeKind.RECORD, TypeKind.LIST, TypeKind.JSON})
_SUMMABLE = frozenset({*NUMERIC_KINDS, TypeKind.DURATION})
_ORDERABLE = frozenset(
    {
        *NUMERIC_KINDS,
        TypeKind.STRING,
        TypeKind.TEXT,
        TypeKind.DATE,
        TypeKind.DATETIME,
        TypeKind.DURATION,
        TypeKind.BINARY,
    }
)
_SCALAR_OF: dict[TypeKind, GraphQLScalarType] = {
    TypeKind.STRING: GraphQLString,
    TypeKind.TEXT: GraphQLString,
    TypeKind.BINARY: GraphQLString,
    TypeKind.INT: GraphQLInt,
    TypeKind.BIGINT: BigIntScalar,
    TypeKind.DECIMAL: DecimalScalar,
    TypeKind.FLOAT: GraphQLFloat,
    TypeKind.BOOL: GraphQLBoolean,
    TypeKind.DATE: DateScalar,
    TypeKind.DATETIME: DateTimeScalar,
    TypeKind.DURATION: DurationScalar,
    TypeKind.JSON: JSONScalar,
}
_COMPARISONS = ("eq", "ne", "lt", "lte", "gt", "gte")
_ID_OPS = ("eq", "ne", "in", "not_in", "is_null")


def _list_of(t: Any) -> GraphQLList[Any]:
    return GraphQLList(GraphQLNonNull(t))


class SchemaBuilder:
    """Builds the GraphQL schema of one compiled model (use `build_schema`)."""

    def __init__(
        self,
        model: CompiledModel,
        storage: Storage | None = None,
        policy: Policy | None = None,
        behaviours: BehaviourRegistry | None = None,
    ) -> None:
        self.model = model
        self.storage = storage if storage is not None else Storage(model)
        self.policy = policy
        self.behaviours = behaviours
        # fields some role may not see: nullable, so that hiding them is a null, not an error
        self.withheld = withheld_fields(policy) if policy is not None else frozenset()
        self.subscription_fields: dict[str, str] = {}  # root field -> class qid
        self.names = TypeNames(model)
        self.paths = _mutations.InputPaths(model)
        self.parts = _mutations.Compositions(self._compositions())
        self._cache: dict[tuple[str, str], Any] = {}
        self.object_names: dict[str, str] = {}  # concrete class qid -> object type name
        self.page_info = GraphQLObjectType(
            "PageInfo",
            {
                "hasNextPage": GraphQLField(
                    GraphQLNonNull(GraphQLBoolean), resolve=_get("has_next")
                ),
                "hasPreviousPage": GraphQLField(
                    GraphQLNonNull(GraphQLBoolean), resolve=_get("has_previous")
                ),
                "startCursor": GraphQLField(GraphQLString, resolve=_get("start_cursor")),
                "endCursor": GraphQLField(GraphQLString, resolve=_get("end_cursor")),
            },
            description="Relay paging: whether there is more, and where a page starts and ends.",
        )
        # Relay's object identification: every entity type implements Node (ids are UUIDs,
        # unique across classes), unless the model names a type "Node" itself.
        self.node: GraphQLInterfaceType | None = None
        if NODE not in self.names:
            self.node = GraphQLInterfaceType(
                NODE,
                {"id": GraphQLField(GraphQLNonNull(GraphQLID), description="A UUID.")},
                resolve_type=self._resolve_type,
                description="An object with a globally unique id (Relay): see `node(id)`.",
            )
        self.direction = GraphQLEnumType(
            "OrderDirection",
            {
                "ASC": GraphQLEnumValue("asc", description="Ascending, missing values last."),
                "DESC": GraphQLEnumValue("desc", description="Descending, missing values first."),
            },
        )

    # ================================================================== schema
    def build(self) -> GraphQLSchema:
        query: dict[str, GraphQLField] = {}
        mutation: dict[str, GraphQLField] = {}
        for cls in self.model.classes.values():
            self._root_fields(cls, query)
            if not cls.abstract:
                self._mutations(cls, mutation)
        for assoc in self.model.associations.values():
            if assoc.qid in self.storage.link_tables:
                self._link_mutations(self.model.classes[assoc.source], assoc.name, mutation)
        self._command_mutations(mutation, query)
        _add(query, "meshkitInfo", self._info_field())
        _add(query, "modelText", model_text_field(self.model, self.names, HIDDEN))
        _add(query, "viewer", self._viewer_field())
        if self.node is not None and "node" not in query:
            query["node"] = GraphQLField(
                self.node,
                {"id": GraphQLArgument(GraphQLNonNull(GraphQLID))},
                resolve=_batches.root_node,
                description="The entity of any class with this id, or null (Relay).",
            )
        subscription: dict[str, GraphQLField] = {}
        for cls in self.model.classes.values():
            if len(self.storage.of(cls.qid).tables) == 1:
                self._subscription_field(cls, subscription)
        types: list[GraphQLNamedType] = [*SCALARS]
        if self.node is not None:
            types.append(self.node)
        types.extend(self.entity_type(c) for c in self.model.classes.values())
        types.extend(self._exact(c) for c in self.model.classes.values() if self._split(c))
        try:
            return GraphQLSchema(
                query=GraphQLObjectType("Query", query),
                mutation=GraphQLObjectType("Mutation", mutation) if mutation else None,
                subscription=(
                    GraphQLObjectType("Subscription", subscription) if subscription else None
                ),
                types=types,
            )
        except TypeError as exc:  # graphql-core's words for duplicate type names
            raise SchemaBuildError(str(exc)) from None

    def _command_mutations(
        self, mutation: dict[str, GraphQLField], query: dict[str, GraphQLField]
    ) -> None:
        """A mutation per behaviour command, on the class whose construction kit binds it
        (`energyCommunityAllocate`); it also runs on entities of subclasses. A read-only command
        is a query field of the same name too (it changes nothing, so clients may cache it)."""
        if self.behaviours is None:
            return
        taken = {self.names[qid] for qid in self.model.classes}
        taken |= {self.names[qid] for qid in self.model.records}
        taken |= {self.names[qid] for qid in self.model.enums}
        types = _commands.CommandTypes(taken)
        for cls in self.model.classes.values():
            name = self.names[cls.qid]
            for command, spec in sorted(self.behaviours.commands(cls.qid).items()):
                if spec.class_qid != cls.qid:
                    continue  # inherited: exposed on the class that binds it
                field = _commands.command_field(cls.qid, spec, types, name)
                _add(mutation, _commands.mutation_name(name, command), field)
                if spec.read_only:
                    _add(query, _commands.mutation_name(name, command), field)

    def _root_fields(self, cls: ClassDef, query: dict[str, GraphQLField]) -> None:
        name = self.names[cls.qid]
        single = lower_first(name)
        many = plural(single)
        _add(
            query,
            single,
            GraphQLField(
                self.entity_type(cls),
                {"id": GraphQLArgument(GraphQLNonNull(GraphQLID))},
                resolve=_batches.root_one(cls.qid),
                description=f"The {name} with this id, or null.",
            ),
        )
        if len(self.storage.of(cls.qid).tables) != 1:
            return  # lives in several tables: read by id only
        _add(
            query,
            many,
            GraphQLField(
                GraphQLNonNull(self.connection(cls.qid)),
                self.connection_args(cls.qid),
                resolve=_batches.root_connection(cls.qid),
                description=cls.description,
            ),
        )
        _add(query, many + "Aggregate", self.aggregate_field(cls))

    # ================================================================== entities
    def entity_type(self, cls: ClassDef) -> EntityType:
        """The interface (abstract class) or object type (concrete class) of a class."""
        key = ("entity", cls.qid)
        if key in self._cache:
            return cast("EntityType", self._cache[key])
        name = self.names[cls.qid]

        def interfaces() -> list[GraphQLInterfaceType]:
            result = [
                cast("GraphQLInterfaceType", self.entity_type(self.model.classes[a]))
                for a in cls.ancestors
                if self._is_interface(self.model.classes[a])
            ]
            if self.node is not None and "id" in cls.attributes:
                result.append(self.node)
            return result

        def fields() -> dict[str, GraphQLField]:
            return self._entity_fields(cls)

        result: EntityType
        if self._is_interface(cls):
            result = GraphQLInterfaceType(
                name,
                fields,
                interfaces,
                resolve_type=self._resolve_type,
                description=cls.description,
            )
        else:
            self.object_names[cls.qid] = name
            result = GraphQLObjectType(name, fields, interfaces, description=cls.description)
        self._cache[key] = result
        return result

    def _is_interface(self, cls: ClassDef) -> bool:
        return cls.abstract or bool(cls.descendants)

    def _split(self, cls: ClassDef) -> bool:
        """A concrete class with subclasses: an interface plus an object type for its own rows."""
        return not cls.abstract and bool(cls.descendants)

    def _exact(self, cls: ClassDef) -> GraphQLObjectType:
        key = ("exact", cls.qid)
        if key not in self._cache:
            name = check_name(self.names[cls.qid] + "Exact", cls.qid)
            self.object_names[cls.qid] = name
            interface = cast("GraphQLInterfaceType", self.entity_type(cls))
            self._cache[key] = GraphQLObjectType(
                name,
                lambda: self._entity_fields(cls),
                lambda: [interface, *interface.interfaces],
                description=f"A {self.names[cls.qid]} that is none of its subclasses.",
            )
        return cast("GraphQLObjectType", self._cache[key])

    def _resolve_type(self, row: Row, _info: Info, _type: Any) -> str:
        return self.object_names[row.entity["type"]]

    def _entity_fields(self, cls: ClassDef) -> dict[str, GraphQLField]:
        fields: dict[str, GraphQLField] = {}
        ck_names: dict[str, str] = {}
        for attr in cls.attributes.values():
            if attr.name in HIDDEN:
                continue
            if attr.name == "id":
                out: GraphQLOutputType = GraphQLNonNull(GraphQLID)
            elif (cls.qid, attr.name) in self.withheld:
                out = self._output_type(attr.type)
            else:
                out = self._output(attr)
            fields[camel(attr.name)] = GraphQLField(
                out, resolve=_batches.attribute(attr.name), description=attr.description
            )
            ck_names[attr.name] = camel(attr.name)
        for end in cls.ends.values():
            nav = navigation(self.storage, cls.qid, end.name)
            other = self.model.classes[end.other]
            name = camel(end.name)
            ck_names[end.name] = name
            if end.many:
                fields[name] = GraphQLField(
                    GraphQLNonNull(self.connection(other.qid, nav)),
                    self.connection_args(other.qid),
                    resolve=_batches.to_many(nav),
                )
                if self._aggregatable(nav) and name + "Aggregate" not in fields:
                    fields[name + "Aggregate"] = self.related_aggregate_field(nav)
            elif nav.way is Way.HELD:
                assert nav.fk is not None
                target = self.entity_type(other)
                # with a policy the target may be outside the caller's rows: null, not an error
                fields[name] = GraphQLField(
                    GraphQLNonNull(target) if nav.fk.required and not self.policy else target,
                    resolve=_batches.to_one_held(nav),
                )
                id_name = name + "Id"
                if id_name not in fields and end.name + "_id" not in cls.attributes:
                    ck_names[end.name + "_id"] = id_name
                    shown = nav.fk.required and (cls.qid, end.name) not in self.withheld
                    fields[id_name] = GraphQLField(
                        GraphQLNonNull(GraphQLID) if shown else GraphQLID,
                        resolve=_batches.attribute(end.name),
                    )
            else:
                fields[name] = GraphQLField(
                    self.entity_type(other), resolve=_batches.to_one_elsewhere(nav)
                )
        for series in cls.series.values():
            name = camel(series.name)
            ck_names[series.name] = name
            fields[name] = GraphQLField(
                GraphQLNonNull(_list_of(self._series_bucket())),
                self._series_args(series.codes != ()),
                resolve=_series.series_field(cls, series),
                description=(series.description or "")
                + f" Buckets of {series.unit}, aggregated in the store; one read per level.",
            )
        for series_name, with_codes in self._shared_series(cls).items():
            name = camel(series_name)
            ck_names[series_name] = name
            fields[name] = GraphQLField(
                GraphQLNonNull(_list_of(self._series_bucket())),
                self._series_args(with_codes),
                description=f"The {series_name} series of every kind of {self.names[cls.qid]} "
                "(each in its own unit); one read per level and kind.",
            )
        if "history" not in ck_names and "id" in cls.attributes:
            ck_names["history"] = "history"
            fields["history"] = self._history()
        field_names(ck_names, cls.qid)
        return fields

    def _history(self) -> GraphQLField:
        key = ("history", "field")
        if key not in self._cache:
            self._cache[key] = _history.history_field()
        return cast("GraphQLField", self._cache[key])

    # ================================================================== series
    def _shared_series(self, cls: ClassDef) -> dict[str, bool]:
        """The series an interface does not declare but every concrete class below it has (by
        name): each with whether all of them have codes (then the field takes `codes`, as each
        implementation's field does)."""
        if not self._is_interface(cls):
            return {}
        concrete = [
            self.model.classes[qid]
            for qid in (cls.qid, *cls.descendants)
            if not self.model.classes[qid].abstract
        ]
        if not concrete:
            return {}
        common = set.intersection(*(set(c.series) for c in concrete)) - set(cls.series)
        return {name: all(c.series[name].codes for c in concrete) for name in sorted(common)}

    def _series_bucket(self) -> GraphQLObjectType:
        key = ("series", "bucket")
        if key not in self._cache:
            share = GraphQLObjectType(
                "SeriesQuality",
                {
                    "quality": GraphQLField(
                        GraphQLNonNull(GraphQLString), resolve=_get_item("quality")
                    ),
                    "value": GraphQLField(DecimalScalar, resolve=_get_item("value")),
                    "count": GraphQLField(GraphQLNonNull(GraphQLInt), resolve=_get_item("count")),
                },
                description="The part of a bucket with one quality (e.g. L2: substituted).",
            )
            self._cache[key] = GraphQLObjectType(
                "SeriesBucket",
                {
                    "code": GraphQLField(GraphQLNonNull(GraphQLString), resolve=_get_item("code")),
                    "start": GraphQLField(
                        GraphQLNonNull(DateTimeScalar), resolve=_get_item("start")
                    ),
                    "end": GraphQLField(GraphQLNonNull(DateTimeScalar), resolve=_get_item("end")),
                    "value": GraphQLField(
                        DecimalScalar,
                        resolve=_get_item("value"),
                        description="The sum (average, minimum, maximum) of the bucket's "
                        "stored values.",
                    ),
                    "count": GraphQLField(
                        GraphQLNonNull(GraphQLInt),
                        resolve=_get_item("count"),
                        description="Stored intervals in the bucket.",
                    ),
                    "expected": GraphQLField(
                        GraphQLNonNull(GraphQLInt),
                        resolve=_get_item("expected"),
                        description="Intervals the bucket should have (92/96/100 for a DST day).",
                    ),
                    "complete": GraphQLField(
                        GraphQLNonNull(GraphQLBoolean), resolve=_get_item("complete")
                    ),
                    "qualities": GraphQLField(
                        GraphQLNonNull(_list_of(share)),
                        resolve=_get_item("qualities"),
                        description="The quality mix: value and count per quality present.",
                    ),
                },
                description="One bucket of a series, per code.",
            )
        return cast("GraphQLObjectType", self._cache[key])

    def _series_args(self, with_codes: bool) -> dict[str, GraphQLArgument]:
        key = ("series", "enums")
        if key not in self._cache:
            self._cache[key] = (
                GraphQLEnumType(
                    "SeriesResolution",
                    {
                        upper_snake(k): GraphQLEnumValue(k, description=v)
                        for k, v in _series.RESOLUTIONS.items()
                    },
                ),
                GraphQLEnumType(
                    "SeriesAggregate",
                    {upper_snake(k): GraphQLEnumValue(k) for k in _series.AGGREGATES},
                ),
            )
        resolution, aggregate = self._cache[key]
        args = {
            "from": GraphQLArgument(
                GraphQLNonNull(DateTimeScalar), out_name="from_", description="Included."
            ),
            "to": GraphQLArgument(GraphQLNonNull(DateTimeScalar), description="Excluded."),
            "resolution": GraphQLArgument(resolution, default_value="hour"),
            "aggregate": GraphQLArgument(aggregate, default_value="sum"),
            "timeZone": GraphQLArgument(
                GraphQLString,
                out_name="time_zone",
                description="Days and months of this zone (default Europe/Vienna).",
            ),
        }
        if with_codes:
            args["codes"] = GraphQLArgument(_list_of(GraphQLString), description="Default: all.")
        return args

    # ================================================================== info, events
    def _info_field(self) -> GraphQLField:
        info = GraphQLObjectType(
            "MeshkitInfo",
            {
                "model": GraphQLField(GraphQLNonNull(GraphQLString), resolve=_get_item("model")),
                "version": GraphQLField(
                    GraphQLNonNull(GraphQLString), resolve=_get_item("version")
                ),
                "models": GraphQLField(
                    GraphQLNonNull(_list_of(GraphQLString)),
                    resolve=_get_item("models"),
                    description="Every model of the API with its version, `name version`.",
                ),
            },
        )
        value = {
            "model": self.model.root,
            "version": self.model.version,
            "models": [f"{n} {m.version}" for n, m in sorted(self.model.models.items())],
        }
        return GraphQLField(
            GraphQLNonNull(info),
            resolve=lambda _root, _info: value,
            description="The model and version served: the one applied to the database.",
        )

    def _viewer_field(self) -> GraphQLField:
        viewer = GraphQLObjectType(
            "Viewer",
            {
                "subject": GraphQLField(GraphQLNonNull(GraphQLString), resolve=_get("subject")),
                "tenant": GraphQLField(GraphQLString, resolve=_get("tenant")),
                "roles": GraphQLField(
                    GraphQLNonNull(_list_of(GraphQLString)),
                    resolve=lambda p, _info: sorted(p.roles),
                ),
                "participantId": GraphQLField(GraphQLID, resolve=_get("participant_id")),
                "method": GraphQLField(
                    GraphQLNonNull(GraphQLString), resolve=lambda p, _info: p.method.value
                ),
            },
            description="Who the request is from.",
        )
        return GraphQLField(
            viewer,
            resolve=lambda _root, info: info.context.principal,
            description="The signed-in caller (null without credentials or in a trusted context).",
        )

    def _event_kind(self) -> GraphQLEnumType:
        key = ("events", "kind")
        if key not in self._cache:
            self._cache[key] = GraphQLEnumType(
                "EntityEventKind", {k.name: GraphQLEnumValue(k.value) for k in EventKind}
            )
        return cast("GraphQLEnumType", self._cache[key])

    def _subscription_field(self, cls: ClassDef, fields: dict[str, GraphQLField]) -> None:
        name = self.names[cls.qid]
        field_name = lower_first(name) + "Events"
        kind = self._event_kind()
        event = GraphQLObjectType(
            check_name(name + "Event", cls.qid),
            {
                "position": GraphQLField(
                    GraphQLNonNull(BigIntScalar),
                    resolve=lambda p, _i: p.event.position,
                    description="Pass the last one you saw as `after` to resume.",
                ),
                "kind": GraphQLField(
                    GraphQLNonNull(kind), resolve=lambda p, _i: p.event.kind.value
                ),
                "entityId": GraphQLField(
                    GraphQLNonNull(GraphQLID), resolve=lambda p, _i: p.event.entity_id
                ),
                "at": GraphQLField(
                    GraphQLNonNull(DateTimeScalar), resolve=lambda p, _i: p.event.at
                ),
                "changed": GraphQLField(
                    GraphQLNonNull(_list_of(GraphQLString)),
                    resolve=lambda p, _i: [camel(n) for n in p.changed],
                    description="The (visible) fields that changed.",
                ),
                "entity": GraphQLField(
                    self.entity_type(cls),
                    resolve=lambda p, _i: p.entity,
                    description="Its current state (null when deleted).",
                ),
            },
        )
        self.subscription_fields[field_name] = cls.qid
        _add(
            fields,
            field_name,
            GraphQLField(
                GraphQLNonNull(event),
                {
                    "filter": GraphQLArgument(
                        self.filter(cls.qid), description="On the entity's current state."
                    ),
                    "kinds": GraphQLArgument(
                        _list_of(kind), description="Default: CREATED UPDATED ARCHIVED DELETED."
                    ),
                    "after": GraphQLArgument(
                        BigIntScalar,
                        description="Resume after this position (default: from now on).",
                    ),
                },
                resolve=lambda payload, _info, **_args: payload,
                description=f"Changes of {name}s you may read, as they are committed.",
            ),
        )

    # ================================================================== values
    def _output(self, attr: Attribute) -> GraphQLOutputType:
        out = self._output_type(attr.type)
        return GraphQLNonNull(out) if attr.required else out

    def _output_type(self, t: TypeRef) -> GraphQLNullableOutputType:
        if t.kind is TypeKind.ENUM:
            assert t.enum is not None
            enum = self.enum(t.enum)
            return _list_of(enum) if self.model.enums[t.enum].flags else enum
        if t.kind is TypeKind.RECORD:
            assert t.record is not None
            return self.record(t.record)
        if t.kind is TypeKind.LIST:
            assert t.items is not None
            return _list_of(self._output_type(t.items))
        return _SCALAR_OF[t.kind]

    def _input_type(self, t: TypeRef) -> GraphQLNullableInputType:
        if t.kind is TypeKind.ENUM:
            assert t.enum is not None
            enum = self.enum(t.enum)
            return _list_of(enum) if self.model.enums[t.enum].flags else enum
        if t.kind is TypeKind.RECORD:
            assert t.record is not None
            return self.record_input(t.record)
        if t.kind is TypeKind.LIST:
            assert t.items is not None
            return _list_of(self._input_type(t.items))
        return _SCALAR_OF[t.kind]

    def enum(self, qid: str) -> GraphQLEnumType:
        key = ("enum", qid)
        if key not in self._cache:
            enum = self.model.enums[qid]
            values = {
                check_name(upper_snake(v.name), f"{qid}.{v.name}"): GraphQLEnumValue(
                    v.name, description=v.description
                )
                for v in enum.values.values()
            }
            if len(values) != len(enum.values):
                raise SchemaBuildError(f"{qid}: two values map to the same GraphQL enum value")
            self._cache[key] = GraphQLEnumType(
                self.names[qid], values, description=enum.description
            )
        return cast("GraphQLEnumType", self._cache[key])

    def record(self, qid: str) -> GraphQLObjectType:
        key = ("record", qid)
        if key not in self._cache:
            record = self.model.records[qid]

            def fields() -> dict[str, GraphQLField]:
                names = field_names({a: camel(a) for a in record.attributes}, qid)
                return {
                    names[a.name]: GraphQLField(
                        self._output(a), resolve=_batches.member(a.name), description=a.description
                    )
                    for a in record.attributes.values()
                }

            self._cache[key] = GraphQLObjectType(
                self.names[qid], fields, description=record.description
            )
        return cast("GraphQLObjectType", self._cache[key])

    def record_input(self, qid: str) -> GraphQLInputObjectType:
        key = ("record_input", qid)
        if key not in self._cache:
            record = self.model.records[qid]

            def fields() -> dict[str, GraphQLInputField]:
                return {
                    camel(a.name): self._input_field(a, create=True)
                    for a in record.attributes.values()
                }

            self._cache[key] = GraphQLInputObjectType(
                check_name(self.names[qid] + "Input", qid), fields, description=record.description
            )
        return cast("GraphQLInputObjectType", self._cache[key])

    def _input_field(self, attr: Attribute, *, create: bool) -> GraphQLInputField:
        t: GraphQLInputType = self._input_type(attr.type)
        if create and attr.required and not attr.has_default:
            t = GraphQLNonNull(self._input_type(attr.type))
        return GraphQLInputField(t, out_name=attr.name, description=attr.description)

    # ================================================================== connections
    def connection(self, qid: str, nav: Navigation | None = None) -> GraphQLObjectType:
        """`<Type>Connection`, or `<Class><End>Connection` when the end has link attributes."""
        assoc = self.model.associations[nav.end.association] if nav is not None else None
        if assoc is not None and assoc.attributes and nav is not None:
            owner = assoc.source if nav.end.side is EndSide.SOURCE else assoc.target
            prefix = self.names[owner] + pascal(nav.name)
            link_attrs: Mapping[str, Attribute] = assoc.attributes
            key = ("connection", f"{assoc.qid}|{nav.end.side}")
        else:
            prefix, link_attrs, key = self.names[qid], {}, ("connection", qid)
        if key in self._cache:
            return cast("GraphQLObjectType", self._cache[key])
        node = self.entity_type(self.model.classes[qid])
        edge_fields = {
            "cursor": GraphQLField(GraphQLNonNull(GraphQLString), resolve=_get("cursor")),
            "node": GraphQLField(GraphQLNonNull(node), resolve=_get("node")),
        }
        for attr in link_attrs.values():
            edge_fields[camel(attr.name)] = GraphQLField(
                self._output(attr), resolve=_batches.member(attr.name), description=attr.description
            )
        edge = GraphQLObjectType(check_name(prefix + "Edge", qid), edge_fields)
        connection = GraphQLObjectType(
            prefix + "Connection",
            {
                "edges": GraphQLField(GraphQLNonNull(_list_of(edge)), resolve=_get("edges")),
                "nodes": GraphQLField(GraphQLNonNull(_list_of(node)), resolve=_get("nodes")),
                "pageInfo": GraphQLField(GraphQLNonNull(self.page_info), resolve=_same),
                "totalCount": GraphQLField(
                    GraphQLNonNull(GraphQLInt),
                    resolve=lambda c, _info: c.total(),
                    description="All matching entities, not only this page's.",
                ),
            },
        )
        self._cache[key] = connection
        return connection

    def connection_args(self, qid: str) -> dict[str, GraphQLArgument]:
        return {
            "filter": GraphQLArgument(self.filter(qid)),
            "orderBy": GraphQLArgument(_list_of(self.order(qid)), out_name="order_by"),
            "first": GraphQLArgument(GraphQLInt, description="Page size, forward (default 100)."),
            "after": GraphQLArgument(GraphQLString, description="Continue behind this cursor."),
            "last": GraphQLArgument(GraphQLInt, description="Page size, backward."),
            "before": GraphQLArgument(GraphQLString, description="Continue before this cursor."),
        }

    # ================================================================== filters and order
    def filter(self, qid: str) -> GraphQLInputObjectType:
        key = ("filter", qid)
        if key in self._cache:
            return cast("GraphQLInputObjectType", self._cache[key])
        cls = self.model.classes[qid]
        name = self.names[qid] + "Filter"

        def fields() -> dict[str, GraphQLInputField]:
            me = self.filter(qid)
            result = {
                "and": GraphQLInputField(_list_of(me), description="All of these."),
                "or": GraphQLInputField(_list_of(me), description="Any of these."),
                "not": GraphQLInputField(me, description="Not this."),
            }
            for attr in cls.attributes.values():
                if attr.name not in HIDDEN:
                    result[camel(attr.name)] = GraphQLInputField(
                        self._operators(attr), out_name=attr.name
                    )
            for end in cls.ends.values():
                nav = navigation(self.storage, qid, end.name)
                if end.many:
                    result[camel(end.name)] = GraphQLInputField(
                        self._quantifiers(end.other), out_name=end.name
                    )
                elif nav.way is Way.HELD:
                    result[camel(end.name)] = GraphQLInputField(
                        self.filter(end.other), out_name=end.name
                    )
                    if end.name + "_id" not in cls.attributes:
                        result[camel(end.name) + "Id"] = GraphQLInputField(
                            self._operator_input("ID", GraphQLID, _ID_OPS),
                            out_name=end.name + "_id",
                            description="Conditions on the id stored for this end.",
                        )
            return result

        self._cache[key] = GraphQLInputObjectType(
            check_name(name, qid),
            fields,
            description=f"Conditions on {self.names[qid]}s; all given conditions must hold.",
        )
        return cast("GraphQLInputObjectType", self._cache[key])

    def _quantifiers(self, qid: str) -> GraphQLInputObjectType:
        key = ("quantifiers", qid)
        if key not in self._cache:
            inner = self.filter(qid)
            self._cache[key] = GraphQLInputObjectType(
                self.names[qid] + "ListFilter",
                {
                    "some": GraphQLInputField(inner, description="At least one matches."),
                    "every": GraphQLInputField(inner, description="All match (or there are none)."),
                    "none": GraphQLInputField(inner, description="None matches."),
                },
            )
        return cast("GraphQLInputObjectType", self._cache[key])

    def _operators(self, attr: Attribute) -> GraphQLInputObjectType:
        t = attr.type
        if attr.name == "id":
            return self._operator_input("ID", GraphQLID, _ID_OPS)
        if t.kind in _STRUCTURES:
            return self._operator_input("Presence", None, ("is_null",))
        if t.kind is TypeKind.ENUM:
            assert t.enum is not None
            enum = self.enum(t.enum)
            if self.model.enums[t.enum].flags:
                return self._operator_input(
                    enum.name + "Flags", _list_of(enum), ("eq", "ne", "is_null")
                )
            return self._operator_input(enum.name, enum, ("eq", "ne", "in", "not_in", "is_null"))
        if t.kind is TypeKind.BOOL:
            return self._operator_input("Boolean", GraphQLBoolean, ("eq", "ne", "is_null"))
        scalar = _SCALAR_OF[t.kind]
        ops: tuple[str, ...] = (*_COMPARISONS, "in", "not_in", "between", "is_null")
        if t.kind in (TypeKind.STRING, TypeKind.TEXT, TypeKind.BINARY):
            ops = (*ops, "like", "ilike")
        return self._operator_input(scalar.name, scalar, ops)

    def _operator_input(
        self, name: str, value: Any, ops: tuple[str, ...]
    ) -> GraphQLInputObjectType:
        key = ("operators", name)
        if key not in self._cache:
            fields: dict[str, GraphQLInputField] = {}
            for op in ops:
                if op == "is_null":
                    t: Any = GraphQLBoolean
                elif op in ("in", "not_in"):
                    t = _list_of(value)
                elif op == "between":
                    t = self._range(name, value)
                else:
                    t = value
                fields[camel(op)] = GraphQLInputField(t, out_name=op, description=_OPS[op])
            self._cache[key] = GraphQLInputObjectType(
                name + "Filter", fields, description=f"Conditions on a {name} value."
            )
        return cast("GraphQLInputObjectType", self._cache[key])

    def _range(self, name: str, value: Any) -> GraphQLInputObjectType:
        return GraphQLInputObjectType(
            name + "Range",
            {
                "from": GraphQLInputField(GraphQLNonNull(value), description="Lowest, included."),
                "to": GraphQLInputField(GraphQLNonNull(value), description="Highest, included."),
            },
        )

    def order(self, qid: str) -> GraphQLInputObjectType:
        key = ("order", qid)
        if key in self._cache:
            return cast("GraphQLInputObjectType", self._cache[key])
        cls = self.model.classes[qid]

        def fields() -> dict[str, GraphQLInputField]:
            result = {}
            for attr in cls.attributes.values():
                if attr.name not in HIDDEN and _orderable(attr):
                    result[camel(attr.name)] = GraphQLInputField(self.direction, out_name=attr.name)
            for end in cls.ends.values():
                if navigation(self.storage, qid, end.name).way is Way.HELD:
                    result[camel(end.name)] = GraphQLInputField(
                        self.order(end.other), out_name=end.name
                    )
            return result

        self._cache[key] = GraphQLInputObjectType(
            self.names[qid] + "OrderBy",
            fields,
            description="One sort key: name exactly one field per list entry; ties go by id.",
        )
        return cast("GraphQLInputObjectType", self._cache[key])

    # ================================================================== aggregates
    def _aggregatable(self, nav: Navigation) -> bool:
        """Whether a to-many end gets `<end>Aggregate`: its other class is held in one table
        (so a per-parent aggregate is one GROUP BY), reached by a foreign key back to the
        parent or through a link table."""
        return nav.way is not Way.HELD and len(self.storage.of(nav.other).tables) == 1

    def aggregate_field(self, cls: ClassDef) -> GraphQLField:
        out, args, measured = self._aggregate_parts(cls)
        return GraphQLField(
            out,
            args,
            resolve=_aggregates.aggregate(cls.qid, measured),
            description="Count, sum, avg, min and max; one entry per group (one without groupBy).",
        )

    def related_aggregate_field(self, nav: Navigation) -> GraphQLField:
        """`<end>Aggregate` of a to-many end, per parent."""
        out, args, measured = self._aggregate_parts(self.model.classes[nav.other])
        return GraphQLField(
            out,
            args,
            resolve=_aggregates.related_aggregate(nav, measured),
            description="The aggregate of this end's entities for this parent (as the class's "
            "root aggregate: one entry per group, one without groupBy).",
        )

    def _aggregate_parts(
        self, cls: ClassDef
    ) -> tuple[GraphQLOutputType, dict[str, GraphQLArgument], dict[str, dict[str, str]]]:
        """The aggregate type of `cls`, its arguments and its measured attributes (made once:
        the root field and every to-many end to `cls` share them)."""
        key = ("aggregate", cls.qid)
        if key in self._cache:
            return cast(
                "tuple[GraphQLOutputType, dict[str, GraphQLArgument], dict[str, dict[str, str]]]",
                self._cache[key],
            )
        name = self.names[cls.qid]
        attrs = [a for a in cls.attributes.values() if a.name not in HIDDEN]
        measured: dict[str, dict[str, str]] = {}
        fields: dict[str, GraphQLField] = {"count": GraphQLField(GraphQLNonNull(GraphQLInt))}
        for function in _aggregates.FUNCTIONS:
            chosen = [a for a in attrs if _measurable(function, a)]
            if not chosen:
                continue
            measured[function] = {camel(a.name): a.name for a in chosen}
            sub = GraphQLObjectType(
                f"{name}{function.capitalize()}",
                {
                    camel(a.name): GraphQLField(
                        self._measure_type(function, a), resolve=_batches.member(a.name)
                    )
                    for a in chosen
                },
            )
            fields[function] = GraphQLField(GraphQLNonNull(sub), resolve=_get_item(function))
        groupable, key_fields = self._group_keys(cls)
        if groupable:
            key_type = GraphQLObjectType(f"{name}GroupKey", key_fields)
            fields["key"] = GraphQLField(
                key_type,
                resolve=_get_item("key"),
                description="The values of the groupBy fields (null without groupBy).",
            )
        aggregate = GraphQLObjectType(f"{name}Aggregate", fields)
        fields["count"].resolve = _get_item("count")
        args = {"filter": GraphQLArgument(self.filter(cls.qid))}
        if groupable:
            group_by = GraphQLEnumType(f"{name}GroupBy", groupable)
            args["groupBy"] = GraphQLArgument(_list_of(group_by), out_name="group_by")
        parts = (GraphQLNonNull(_list_of(aggregate)), args, measured)
        self._cache[key] = parts
        return parts

    def _group_keys(
        self, cls: ClassDef
    ) -> tuple[dict[str, GraphQLEnumValue], dict[str, GraphQLField]]:
        values: dict[str, GraphQLEnumValue] = {}
        fields: dict[str, GraphQLField] = {}
        for attr in cls.attributes.values():
            if attr.name in HIDDEN or attr.name == "id" or attr.type.kind in _STRUCTURES:
                continue
            values[upper_snake(attr.name)] = GraphQLEnumValue(attr.name)
            fields[camel(attr.name)] = GraphQLField(
                self._output_type(attr.type), resolve=_batches.attribute(attr.name)
            )
        for end in cls.ends.values():
            nav = navigation(self.storage, cls.qid, end.name)
            if nav.way is Way.HELD:
                values[upper_snake(end.name)] = GraphQLEnumValue(end.name)
                fields[camel(end.name)] = GraphQLField(
                    self.entity_type(self.model.classes[end.other]),
                    resolve=_batches.to_one_held(nav),
                )
        return values, fields

    def _measure_type(self, function: str, attr: Attribute) -> GraphQLOutputType:
        kind = attr.type.kind
        if function == "avg":
            if kind in (TypeKind.DECIMAL, TypeKind.DURATION):
                return _SCALAR_OF[kind]
            return GraphQLFloat
        if function == "sum" and kind in (TypeKind.INT, TypeKind.BIGINT):
            return BigIntScalar
        return self._output_type(attr.type)

    # ================================================================== mutations
    def _compositions(self) -> dict[str, dict[str, Navigation]]:
        """class qid -> composition end -> navigation, for parts holding their owner's id."""
        result: dict[str, dict[str, Navigation]] = {}
        for cls in self.model.classes.values():
            for end in cls.ends.values():
                assoc = self.model.associations[end.association]
                if assoc.kind is not AssociationKind.COMPOSITION or end.side is not EndSide.SOURCE:
                    continue
                nav = navigation(self.storage, cls.qid, end.name)
                other = self.model.classes[end.other]
                if nav.way is Way.REVERSE and not other.abstract:
                    result.setdefault(cls.qid, {})[end.name] = nav
        return result

    def _mutations(self, cls: ClassDef, mutation: dict[str, GraphQLField]) -> None:
        name = self.names[cls.qid]
        out = GraphQLNonNull(self.entity_type(cls) if not self._split(cls) else self._exact(cls))
        create_input = self.create_input(cls.qid, None)
        id_arg = GraphQLArgument(GraphQLNonNull(GraphQLID))
        _add(
            mutation,
            f"create{name}",
            GraphQLField(
                out,
                {"input": GraphQLArgument(GraphQLNonNull(create_input))},
                resolve=_mutations.create(cls.qid, self.paths, self.parts),
                description=f"Create a {name} (with its parts, if given).",
            ),
        )
        _add(
            mutation,
            f"create{plural(name)}",
            GraphQLField(
                GraphQLNonNull(_list_of(out.of_type)),
                {"inputs": GraphQLArgument(GraphQLNonNull(_list_of(create_input)))},
                resolve=_mutations.create_many(cls.qid, self.paths, self.parts),
                description=f"Create several {name}s at once: all of them, or none.",
            ),
        )
        _add(
            mutation,
            f"update{name}",
            GraphQLField(
                out,
                {
                    "id": id_arg,
                    "expectedVersion": GraphQLArgument(
                        GraphQLNonNull(GraphQLInt),
                        out_name="expected_version",
                        description="The version you read; a newer one means someone else wrote.",
                    ),
                    "input": GraphQLArgument(GraphQLNonNull(self.update_input(cls))),
                },
                resolve=_mutations.update(cls.qid, self.paths),
                description="Change the given fields only (null clears a field).",
            ),
        )
        version = GraphQLArgument(GraphQLInt, out_name="expected_version")
        _add(
            mutation,
            f"archive{name}",
            GraphQLField(
                out,
                {"id": id_arg, "expectedVersion": version},
                resolve=_mutations.archive(cls.qid),
                description=f"Keep the {name} but mark it archived.",
            ),
        )
        _add(
            mutation,
            f"erase{name}",
            GraphQLField(
                GraphQLNonNull(self._erase_result()),
                {"id": id_arg, "expectedVersion": version},
                resolve=_mutations.erase(cls.qid),
                description=f"Delete the {name} for good, with its parts.",
            ),
        )

    def create_input(self, qid: str, without: str | None) -> GraphQLInputObjectType:
        """The create input; `without` leaves out the end to the owner (a nested part)."""
        key = ("create", f"{qid}|{without}")
        if key in self._cache:
            return cast("GraphQLInputObjectType", self._cache[key])
        cls = self.model.classes[qid]
        name = self.names[qid] + "CreateInput"
        if without is not None:
            name = f"{self.names[qid]}Without{pascal(without)}Input"

        def fields() -> dict[str, GraphQLInputField]:
            result = self._value_fields(cls, create=True, without=without)
            for end, nav in self.parts.of(qid).items():
                assert nav.fk is not None
                part = self.create_input(nav.other, nav.fk.end)
                result[camel(end)] = GraphQLInputField(
                    _list_of(part), out_name=end, description="Parts created with it."
                )
            return result

        self._cache[key] = GraphQLInputObjectType(check_name(name, qid), fields)
        return cast("GraphQLInputObjectType", self._cache[key])

    def update_input(self, cls: ClassDef) -> GraphQLInputObjectType:
        key = ("update", cls.qid)
        if key not in self._cache:
            self._cache[key] = GraphQLInputObjectType(
                self.names[cls.qid] + "UpdateInput",
                lambda: self._value_fields(cls, create=False, without=None),
            )
        return cast("GraphQLInputObjectType", self._cache[key])

    def _value_fields(
        self, cls: ClassDef, *, create: bool, without: str | None
    ) -> dict[str, GraphQLInputField]:
        result: dict[str, GraphQLInputField] = {}
        for attr in cls.attributes.values():
            if attr.computed or attr.name in _SYSTEM:
                continue
            result[camel(attr.name)] = self._input_field(attr, create=create)
        for end, fk in self.storage.of(cls.qid).to_one.items():
            if end == without:
                continue
            t: GraphQLInputType = GraphQLID
            if create and fk.required:
                t = GraphQLNonNull(GraphQLID)
            result[camel(end) + "Id"] = GraphQLInputField(
                t, out_name=end, description=f"The id of the {self.names[fk.other]}."
            )
        return result

    def _erase_result(self) -> GraphQLObjectType:
        key = ("erase", "")
        if key not in self._cache:
            self._cache[key] = GraphQLObjectType(
                "EraseResult",
                {
                    "erasedIds": GraphQLField(
                        GraphQLNonNull(_list_of(GraphQLID)),
                        resolve=_get_item("erased_ids"),
                        description="The entity and every part erased with it.",
                    )
                },
            )
        return cast("GraphQLObjectType", self._cache[key])

    def _link_mutations(self, cls: ClassDef, end: str, mutation: dict[str, GraphQLField]) -> None:
        assoc = self.model.associations[cls.ends[end].association]
        suffix = self.names[cls.qid] + pascal(end)
        out = GraphQLNonNull(self.entity_type(cls))
        args = {
            "id": GraphQLArgument(GraphQLNonNull(GraphQLID)),
            "otherId": GraphQLArgument(GraphQLNonNull(GraphQLID), out_name="other_id"),
        }
        link_args = dict(args)
        if assoc.attributes:
            attributes = GraphQLInputObjectType(
                suffix + "LinkInput",
                {
                    camel(a.name): self._input_field(a, create=True)
                    for a in assoc.attributes.values()
                },
            )
            link_args["attributes"] = GraphQLArgument(attributes)
        _add(
            mutation,
            f"link{suffix}",
            GraphQLField(
                out,
                link_args,
                resolve=_mutations.link(cls.qid, end),
                description="Link (or re-link with new attributes); returns the linking entity.",
            ),
        )
        _add(
            mutation,
            f"unlink{suffix}",
            GraphQLField(
                out,
                args,
                resolve=_mutations.unlink(cls.qid, end),
                description="Remove the link if there is one; returns the linking entity.",
            ),
        )


_SYSTEM = frozenset(
    {"id", "type", "tenant", "created_at", "created_by", "changed_at", "changed_by", "version"}
)
_OPS = {
    "eq": "Equal to.",
    "ne": "Not equal to (missing values included).",
    "lt": "Less than.",
    "lte": "Less than or equal to.",
    "gt": "Greater than.",
    "gte": "Greater than or equal to.",
    "in": "One of these.",
    "not_in": "None of these.",
    "like": "Matches the pattern (% any text, _ one character), case-sensitive.",
    "ilike": "Matches the pattern, ignoring case.",
    "is_null": "true: has no value; false: has one.",
    "between": "Between from and to, both included.",
}


def _orderable(attr: Attribute) -> bool:
    """Everything but structures; enums sort by their keys."""
    return attr.type.kind not in _STRUCTURES


def _measurable(function: str, attr: Attribute) -> bool:
    if attr.name == "id":
        return False
    if function in ("sum", "avg"):
        return attr.type.kind in _SUMMABLE
    return attr.type.kind in _ORDERABLE


def _add(fields: dict[str, GraphQLField], name: str, field: GraphQLField) -> None:
    check_name(name, "root field")
    if name in fields:
        raise SchemaBuildError(f"two root fields are named '{name}'; rename a class")
    fields[name] = field


def _get(name: str) -> Callable[[Any, Info], Any]:
    def resolve(source: Any, _info: Info) -> Any:
        return getattr(source, name)

    return resolve


def _get_item(name: str) -> Callable[[Any, Info], Any]:
    def resolve(source: Mapping[str, Any], _info: Info) -> Any:
        return source[name]

    return resolve


def _same(source: Any, _info: Info) -> Any:
    return source
