"""The compiled model: one immutable, fully resolved view that every generator reads.

Everything is resolved once by the compiler: a class knows its ancestors, descendants, its full
attribute set (inherited first, in declaration order), every association end it takes part in
(as source and as target) and its collection root (the class whose table it shares).
Qualified ids are ``model/Name``; association ids are ``model/Class.role``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

V = TypeVar("V")


def deep_freeze(value: Any) -> Any:
    """Literal data made read-only all the way down: lists become tuples, mappings proxies."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: deep_freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(deep_freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The plain (JSON-able) form of frozen literal data: dicts and lists again."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v) for v in value]
    return value


def _freeze(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType({k: deep_freeze(v) for k, v in value.items()})


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


#: A read-only mapping: the compiled model cannot be changed after the fact.
FrozenMap = Annotated[
    Mapping[str, V],
    AfterValidator(_freeze),
    PlainSerializer(lambda m: {k: thaw(v) for k, v in m.items()}, return_type=dict),
]

#: A literal value (default, metadata entry) that cannot be changed: lists are tuples.
FrozenValue = Annotated[Any, AfterValidator(deep_freeze), PlainSerializer(thaw)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class Location(_Frozen):
    """Where an element was declared."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class _Documented(_Frozen):
    """An element with texts for people: a label and a description, per two-letter language.

    `description` is the English text (`en`), the one the GraphQL schema and generated docs
    show; `descriptions` holds every language given. Pass either: the other is derived (a
    snapshot written before descriptions per language holds `description` only).
    """

    description: str | None = None
    descriptions: FrozenMap[str] = Field(default_factory=_empty)
    label: FrozenMap[str] = Field(default_factory=_empty)

    @model_validator(mode="before")
    @classmethod
    def _derive_description(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        english, texts = data.get("description"), data.get("descriptions")
        if texts is None and isinstance(english, str):
            return {**data, "descriptions": {"en": english}}
        if "description" not in data and isinstance(texts, Mapping):
            return {**data, "description": texts.get("en")}
        return data

    @model_serializer(mode="wrap")
    def _omit_english_only(self, handler: SerializerFunctionWrapHandler) -> Any:
        # English only is written as before there were descriptions per language, so the
        # snapshots and fingerprints of such models (and databases applied with them) stay valid
        data = handler(self)
        english = {"en": self.description} if self.description is not None else {}
        if isinstance(data, dict) and dict(self.descriptions) == english:
            data.pop("descriptions", None)
        return data

    def label_in(self, language: str) -> str | None:
        """The label in `language`, else the English one, else None."""
        return self.label.get(language) or self.label.get("en")

    def description_in(self, language: str) -> str | None:
        """The description in `language`, else the English one, else None."""
        return self.descriptions.get(language) or self.description


class TypeKind(StrEnum):
    STRING = "string"
    TEXT = "text"
    INT = "int"
    BIGINT = "bigint"
    DECIMAL = "decimal"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"
    DURATION = "duration"
    ENUM = "enum"
    RECORD = "record"
    LIST = "list"
    JSON = "json"
    BINARY = "binary"  # a reference to stored content, not the bytes themselves


NUMERIC_KINDS = frozenset({TypeKind.INT, TypeKind.BIGINT, TypeKind.DECIMAL, TypeKind.FLOAT})
TEMPORAL_KINDS = frozenset({TypeKind.DATE, TypeKind.DATETIME})
TEXT_KINDS = frozenset({TypeKind.STRING, TypeKind.TEXT})


class TypeRef(_Frozen):
    """An attribute's type; enum and record name their element by qualified id."""

    kind: TypeKind
    precision: int | None = None
    scale: int | None = None
    enum: str | None = None
    record: str | None = None
    items: TypeRef | None = None

    def __str__(self) -> str:
        if self.kind is TypeKind.DECIMAL:
            return f"decimal({self.precision},{self.scale})"
        if self.kind is TypeKind.ENUM:
            return f"enum {self.enum}"
        if self.kind is TypeKind.RECORD:
            return f"record {self.record}"
        if self.kind is TypeKind.LIST:
            return f"list of {self.items}"
        return self.kind.value


class Constraints(_Frozen):
    """Value constraints; bounds are Decimal for numbers and ISO text for dates and datetimes."""

    min: Decimal | str | None = None
    max: Decimal | str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    allowed: tuple[FrozenValue, ...] | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in self.model_dump().values())


class Attribute(_Documented):
    name: str
    type: TypeRef
    required: bool = False
    has_default: bool = False
    default: FrozenValue = None  # lists as tuples, mappings read-only
    constraints: Constraints = Constraints()
    unit: str | None = None
    metadata: FrozenMap[Any] = Field(default_factory=_empty)
    computed: bool = False
    sensitive: bool = False
    declared_in: str  # qualified id of the class, record or association that declared it
    shared: str | None = None  # qualified id of the shared definition it was built from
    location: Location


class EnumValue(_Documented):
    name: str
    key: int
    model: str  # the model that declared the value (extensions come from other models)
    location: Location


class EnumDef(_Documented):
    qid: str
    name: str
    model: str
    flags: bool = False
    extensible: bool = False
    values: FrozenMap[EnumValue]
    location: Location

    def by_key(self, key: int) -> EnumValue:
        for value in self.values.values():
            if value.key == key:
                return value
        raise KeyError(key)


class RecordDef(_Documented):
    qid: str
    name: str
    model: str
    extends: str | None = None
    ancestors: tuple[str, ...] = ()
    attributes: FrozenMap[Attribute]
    metadata: FrozenMap[Any] = Field(default_factory=_empty)
    location: Location


class Multiplicity(StrEnum):
    OPTIONAL = "0..1"
    ONE = "1"
    MANY = "0..*"
    AT_LEAST_ONE = "1..*"

    @property
    def minimum(self) -> int:
        return 1 if self in (Multiplicity.ONE, Multiplicity.AT_LEAST_ONE) else 0

    @property
    def many(self) -> bool:
        return self in (Multiplicity.MANY, Multiplicity.AT_LEAST_ONE)

    def allows_at_least(self, other: Multiplicity) -> bool:
        """True if every count `other` allows is allowed here too (self is not tighter)."""
        return self.minimum <= other.minimum and (self.many or not other.many)


class AssociationKind(StrEnum):
    REFERENCE = "reference"
    COMPOSITION = "composition"


class OnDelete(StrEnum):
    REFUSE = "refuse"
    UNSET = "unset"
    CASCADE = "cascade"  # compositions: deleting the owner deletes the parts


class AssociationDef(_Documented):
    """A named role between two classes, navigable from both ends."""

    qid: str  # model/Source.role
    name: str  # the role: navigation name from the source
    model: str
    source: str
    target: str
    inverse: str  # navigation name from the target
    multiplicity: Multiplicity  # targets per source
    inverse_multiplicity: Multiplicity  # sources per target
    kind: AssociationKind
    on_delete: OnDelete
    attributes: FrozenMap[Attribute] = Field(default_factory=_empty)
    location: Location


class EndSide(StrEnum):
    SOURCE = "source"
    TARGET = "target"


class AssociationEnd(_Frozen):
    """One class's view of an association: navigating `name` leads to `other`."""

    name: str
    association: str
    side: EndSide  # which end of the association this class stands at
    other: str  # the class reached by navigating
    multiplicity: Multiplicity  # how many `other` one instance of this class has

    @property
    def many(self) -> bool:
        return self.multiplicity.many


class IndexDef(_Frozen):
    name: str
    attributes: tuple[str, ...]
    unique: bool = False
    active_only: bool = False
    declared_in: str
    location: Location


class SeriesCode(_Frozen):
    code: str
    label: FrozenMap[str] = Field(default_factory=_empty)


class SeriesDef(_Documented):
    name: str
    unit: str
    interval: str  # ISO 8601 duration, e.g. PT15M
    interval_seconds: int
    value_type: str = "decimal"
    codes: tuple[SeriesCode, ...] = ()
    qualities: tuple[str, ...] = ()
    declared_in: str
    location: Location


class BehaviourRef(_Frozen):
    """A behaviour as the CK names it: an entry point name or a dotted path ``module:object``."""

    reference: str
    is_path: bool
    declared_in: str
    location: Location


class ClassDef(_Documented):
    qid: str
    name: str
    model: str
    abstract: bool = False
    final: bool = False
    extends: str | None = None
    ancestors: tuple[str, ...] = ()  # nearest first
    subclasses: tuple[str, ...] = ()  # direct
    descendants: tuple[str, ...] = ()  # all, breadth first
    collection_root: str | None = None  # the class whose table this one shares; None for roots
    attributes: FrozenMap[Attribute]
    own_attributes: tuple[str, ...] = ()
    ends: FrozenMap[AssociationEnd] = Field(default_factory=_empty)
    indexes: tuple[IndexDef, ...] = ()
    display: str | None = None
    behaviours: tuple[BehaviourRef, ...] = ()
    series: FrozenMap[SeriesDef] = Field(default_factory=_empty)
    metadata: FrozenMap[Any] = Field(default_factory=_empty)
    location: Location

    def is_a(self, qid: str) -> bool:
        return qid == self.qid or qid in self.ancestors


class ModelInfo(_Documented):
    name: str
    version: str
    dependencies: FrozenMap[str] = MappingProxyType({})  # name -> range as declared
    resolved: FrozenMap[str] = MappingProxyType({})  # name -> version chosen
    behaviours: str | None = None
    path: str
    files: tuple[str, ...] = ()


class CompiledModel(_Frozen):
    """The requested model and everything it depends on, resolved."""

    root: str  # name of the model that was compiled
    models: FrozenMap[ModelInfo]
    classes: FrozenMap[ClassDef]
    records: FrozenMap[RecordDef]
    enums: FrozenMap[EnumDef]
    associations: FrozenMap[AssociationDef]
    shared_attributes: FrozenMap[Attribute]

    @property
    def version(self) -> str:
        return self.models[self.root].version

    def cls(self, ref: str) -> ClassDef:
        """A class by qualified id, or by short name when that is unique."""
        return self._lookup(self.classes, ref, "class")

    def enum(self, ref: str) -> EnumDef:
        return self._lookup(self.enums, ref, "enum")

    def record(self, ref: str) -> RecordDef:
        return self._lookup(self.records, ref, "record")

    def association(self, ref: str) -> AssociationDef:
        return self._lookup(self.associations, ref, "association")

    def concrete_classes(self) -> Iterator[ClassDef]:
        return (c for c in self.classes.values() if not c.abstract)

    def collection_roots(self) -> Iterator[ClassDef]:
        """Classes that own a table: each concrete class's collection root, once."""
        seen: dict[str, None] = {}
        for c in self.classes.values():
            if c.collection_root is not None:
                seen.setdefault(c.collection_root, None)
        return (self.classes[q] for q in seen)

    def members_of_collection(self, root: str) -> tuple[ClassDef, ...]:
        return tuple(c for c in self.classes.values() if c.collection_root == root)

    def _lookup(self, table: Mapping[str, V], ref: str, kind: str) -> V:
        if ref in table:
            return table[ref]
        matches = [q for q in table if q.rsplit("/", 1)[-1] == ref]
        if len(matches) == 1:
            return table[matches[0]]
        if matches:
            raise KeyError(f"{kind} '{ref}' is ambiguous: {', '.join(sorted(matches))}")
        raise KeyError(f"no {kind} '{ref}'")
