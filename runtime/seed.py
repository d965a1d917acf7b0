"""Runtime data as a document: load entities from YAML/JSON and dump them back, by natural key.

A seed document lists entities per class, with their attributes and their associations named
by **natural key**, never by id, in any order:

    keys:                                   # optional: natural keys for classes without one
      GenerationUnit: [metering_point, name]
    entities:
      EnergyCommunity:
        - ref: sunny                        # optional local name, for {ref: sunny} elsewhere
          name: EEG Sonnenfeld
          ec_number: RC100130
      NaturalPerson:
        - member_number: "0001"
          community: {ec_number: RC100130}  # a to-one end: the target's key attributes
      EdaProcess:
        - conversation_id: X1
          metering_points:                  # a link-table end: a list of references
            - {metering_point_id: AT0030000000000000000000000000001}

A reference is a mapping of the target's attributes and to-one ends (themselves references)
that matches exactly one entity, in the document or already in the database, or `{ref: name}`.
A link reference may carry the link attributes under `link:`.

Loading **upserts**: an entity whose natural key is found is updated where its given values
differ, else created, so loading a document twice changes nothing. The natural key of a class
is the one named under `keys:`, else its model's first unique index, else every scalar value
given. Everything happens in the caller's unit of work: any problem (reported with the file,
the entity's path and a message) raises `SeedError`, and the unit of work then writes nothing.

`dump` writes the same form: computed and system attributes and values equal to the default
are left out, references are the targets' natural keys, so dump → load into an empty database
→ dump gives the same document. The runtime knows no domain: everything here comes from the
compiled model.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from meshkit.ck.model import Attribute, ClassDef, EndSide, TypeKind
from meshkit.runtime.errors import ErrorCollector, PathItem, RepositoryError
from meshkit.runtime.repository import Entity, UnitOfWork
from meshkit.runtime.storage.tables import ClassStorage
from meshkit.runtime.validation import SYSTEM_ATTRIBUTES
from meshkit.runtime.values import to_json

ENTITIES = "entities"
KEYS = "keys"
REF = "ref"
LINK = "link"
_TOP_LEVEL = (ENTITIES, KEYS, "meshkit", "description")
_NOT_KEYS = frozenset({TypeKind.RECORD, TypeKind.LIST, TypeKind.JSON})
_PAGE = 500


# ====================================================================== results and errors
@dataclass(frozen=True)
class SeedProblem:
    """One problem: where (file, path in the document) and what."""

    path: tuple[PathItem, ...]
    message: str
    code: str = "invalid"
    file: str | None = None

    @property
    def location(self) -> str:
        where = _render_path(self.path) or "(document)"
        return f"{self.file}: {where}" if self.file else where

    def __str__(self) -> str:
        return f"{self.location}: {self.message} [{self.code}]"


class SeedError(Exception):
    """The document cannot be loaded; `problems` lists every problem found, in document order."""

    def __init__(self, problems: Sequence[SeedProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the seed data\n{lines}")


@dataclass
class LoadResult:
    """What a load did, per class qid."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    linked: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.linked)

    def count(self, what: dict[str, int], qid: str) -> None:
        what[qid] = what.get(qid, 0) + 1

    def summary(self) -> str:
        def total(d: dict[str, int]) -> int:
            return sum(d.values())

        return (
            f"{total(self.created)} created, {total(self.updated)} updated, "
            f"{total(self.unchanged)} unchanged, {self.linked} links added"
        )


# ====================================================================== reading documents
def read_document(path: str | Path) -> Any:
    """A seed document from a file: JSON for `.json`, YAML otherwise. Raises SeedError."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        problem = SeedProblem((), f"cannot read: {exc.strerror}", "io", str(file))
        raise SeedError([problem]) from None
    try:
        if file.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        message = " ".join(str(exc).split())
        raise SeedError([SeedProblem((), f"not valid: {message}", "syntax", str(file))]) from None


def dump_text(document: Mapping[str, Any], fmt: str = "yaml") -> str:
    """The document as YAML (block style, keys in the order given) or JSON."""
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt != "yaml":
        raise ValueError(f"unknown format {fmt!r}: use yaml or json")
    return yaml.dump(
        document,
        Dumper=_PlainDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


class _PlainDumper(yaml.SafeDumper):
    """Writes a repeated reference out again instead of as a YAML alias (&id001 / *id001)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


# ====================================================================== loading
@dataclass
class _Item:
    """One entity of the document on its way into the database."""

    storage: ClassStorage
    path: tuple[PathItem, ...]
    raw: Mapping[str, Any]
    name: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)  # canonical values
    references: dict[str, Any] = field(default_factory=dict)  # end -> reference spec or None
    links: dict[str, list[Any]] = field(default_factory=dict)  # end -> reference specs
    resolved: dict[str, str | None] = field(default_factory=dict)  # end -> id
    entity_id: str | None = None
    failed: bool = False

    @property
    def cls(self) -> ClassDef:
        return self.storage.cls

    @property
    def done(self) -> bool:
        return self.failed or self.entity_id is not None


class _Pending(Exception):
    """A reference names an entity of the document that is not in the database yet."""


class _Unresolved(Exception):
    def __init__(self, message: str, code: str = "broken-reference") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def load(
    uow: UnitOfWork,
    data: Any,
    *,
    source: str | None = None,
    keys: Mapping[str, Sequence[str]] | None = None,
) -> LoadResult:
    """Upsert the document's entities and links in `uow`; raise SeedError naming every problem.

    `source` names the file in problems. `keys` adds natural keys (class -> attribute/end
    names) to those the document declares. On SeedError the caller's unit of work must not be
    committed (leaving its `with` block by the exception rolls it back).
    """
    return _Loader(uow, source).run(data, keys or {})


def load_file(uow: UnitOfWork, path: str | Path) -> LoadResult:
    """`load` of a YAML or JSON file, problems located in it."""
    return load(uow, read_document(path), source=str(path))


class _Loader:
    def __init__(self, uow: UnitOfWork, source: str | None) -> None:
        self.uow = uow
        self.source = source
        self.model = uow.repository.model
        self.storage = uow.repository.storage
        self.coercer = uow.repository.coercer
        self.problems: list[SeedProblem] = []
        self.items: list[_Item] = []
        self.names: dict[str, _Item] = {}
        self.keys: dict[str, tuple[str, ...]] = {}
        self.seen_keys: dict[tuple[str, str], tuple[PathItem, ...]] = {}
        self.result = LoadResult()

    # ------------------------------------------------------------------ the passes
    def run(self, data: Any, keys: Mapping[str, Sequence[str]]) -> LoadResult:
        self._parse(data, keys)
        if not self.problems:
            self._write_entities()
            self._write_links()
        if self.problems:
            # In document order: the entity's place in the file, then the order found.
            position = {item.path: i for i, item in enumerate(self.items)}
            found = {id(p): i for i, p in enumerate(self.problems)}
            self.problems.sort(key=lambda p: (position.get(p.path[:3], -1), found[id(p)]))
            raise SeedError(self.problems)
        return self.result

    def _problem(self, path: Sequence[PathItem], message: str, code: str = "invalid") -> None:
        self.problems.append(SeedProblem(tuple(path), message, code, self.source))

    # ------------------------------------------------------------------ parsing
    def _parse(self, data: Any, keys: Mapping[str, Sequence[str]]) -> None:
        if data is None:
            return
        if not isinstance(data, Mapping):
            self._problem((), f"a seed document is a mapping with '{ENTITIES}', got {_kind(data)}")
            return
        for name in data:
            if name not in _TOP_LEVEL:
                self._problem(
                    (name,),
                    f"unknown section '{name}'; a seed document has {', '.join(_TOP_LEVEL)}",
                    "unknown-section",
                )
        declared = data.get(KEYS) or {}
        if not isinstance(declared, Mapping):
            self._problem((KEYS,), "'keys' maps a class to a list of attribute names")
            declared = {}
        for source, where in ((keys, ("(keys)",)), (declared, (KEYS,))):
            for class_ref, names in source.items():
                self._declare_key(str(class_ref), names, (*where, str(class_ref)))
        sections = data.get(ENTITIES) or {}
        if not isinstance(sections, Mapping):
            self._problem((ENTITIES,), f"'{ENTITIES}' maps class names to lists of entities")
            return
        for class_ref, entries in sections.items():
            self._parse_section(str(class_ref), entries)

    def _declare_key(self, class_ref: str, names: Any, path: tuple[PathItem, ...]) -> None:
        storage = self._class(class_ref, path)
        if storage is None:
            return
        if (
            not isinstance(names, list | tuple)
            or not names
            or not all(isinstance(n, str) for n in names)
        ):
            self._problem(path, "a natural key is a non-empty list of attribute or end names")
            return
        for name in names:
            attr = storage.cls.attributes.get(name)
            if attr is not None and attr.type.kind in _NOT_KEYS:
                self._problem(path, f"'{name}' is a {attr.type.kind.value}; keys are scalars")
            elif attr is None and name not in storage.to_one:
                self._problem(
                    path, f"{storage.cls.qid} has no attribute or to-one end '{name}'", "unknown"
                )
        self.keys[storage.cls.qid] = tuple(names)

    def _class(self, class_ref: str, path: tuple[PathItem, ...]) -> ClassStorage | None:
        try:
            return self.storage.of(class_ref)
        except RepositoryError:
            known = sorted(c.name for c in self.model.concrete_classes())
            hint = difflib.get_close_matches(class_ref, known, n=1)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            self._problem(path, f"the model has no class '{class_ref}'{extra}", "unknown-class")
            return None

    def _parse_section(self, class_ref: str, entries: Any) -> None:
        path: tuple[PathItem, ...] = (ENTITIES, class_ref)
        storage = self._class(class_ref, path)
        if storage is None:
            return
        if storage.cls.abstract:
            concrete = ", ".join(q.rsplit("/", 1)[-1] for q in storage.concrete_types)
            self._problem(
                path, f"{storage.cls.qid} is abstract; list its entities under {concrete}"
            )
            return
        if not isinstance(entries, list):
            self._problem(path, f"a class section is a list of entities, got {_kind(entries)}")
            return
        for index, raw in enumerate(entries):
            self._parse_entity(storage, raw, (*path, index))

    def _parse_entity(self, storage: ClassStorage, raw: Any, path: tuple[PathItem, ...]) -> None:
        if not isinstance(raw, Mapping):
            self._problem(path, f"an entity is a mapping of attributes, got {_kind(raw)}")
            return
        item = _Item(storage, path, raw)
        cls = storage.cls
        for name, value in raw.items():
            where = (*path, name)
            if name == REF:
                self._name_item(item, value, where)
                continue
            attr = cls.attributes.get(name)
            if attr is not None:
                if name in SYSTEM_ATTRIBUTES or attr.computed:
                    self._problem(
                        where, f"'{name}' is computed by meshkit; leave it out", "computed"
                    )
                    continue
                item.attributes[name] = self._coerce(value, attr, where)
            elif name in storage.to_one:
                if value is not None and not isinstance(value, Mapping):
                    self._problem(where, _reference_hint(storage.to_one[name].other, value))
                    continue
                item.references[name] = value
            elif name in storage.links:
                specs = value if isinstance(value, list) else None
                if specs is None or not all(isinstance(s, Mapping) for s in specs):
                    other = cls.ends[name].other
                    self._problem(
                        where, f"'{name}' takes a list of references to {other}, e.g. [{{...}}]"
                    )
                    continue
                item.links[name] = specs
            elif name in cls.ends:
                end = cls.ends[name]
                assoc = self.model.associations[end.association]
                back = assoc.inverse if end.name == assoc.name else assoc.name
                self._problem(
                    where,
                    f"'{name}' is set from the other end: give each {end.other} its '{back}'",
                    "link-end",
                )
            else:
                known = [*cls.attributes, *storage.to_one, *storage.links]
                hint = difflib.get_close_matches(str(name), known, n=1)
                extra = f"; did you mean '{hint[0]}'?" if hint else ""
                self._problem(
                    where, f"{cls.qid} has no attribute '{name}'{extra}", "unknown-attribute"
                )
        self.items.append(item)

    def _name_item(self, item: _Item, value: Any, where: tuple[PathItem, ...]) -> None:
        if not isinstance(value, str) or not value:
            self._problem(where, "'ref' is the entity's local name: a non-empty text")
            return
        if value in self.names:
            first = _render_path(self.names[value].path)
            self._problem(where, f"the local name '{value}' is already used by {first}", "dup")
            return
        item.name = value
        self.names[value] = item

    def _coerce(self, value: Any, attr: Attribute, path: tuple[PathItem, ...]) -> Any:
        if value is None:
            if attr.required:
                self._problem(path, f"'{attr.name}' is required and cannot be empty", "required")
            return None
        errors = ErrorCollector()
        result = self.coercer.coerce(value, attr, path, errors)
        for e in errors.errors:
            self._problem(e.path, e.message, e.code)
        return result

    # ------------------------------------------------------------------ entities
    def _write_entities(self) -> None:
        order = _class_order(self.model, {i.cls.qid for i in self.items})
        pending = sorted(self.items, key=lambda i: order[i.cls.qid])
        while pending:
            progress = False
            waiting: list[_Item] = []
            for item in pending:
                try:
                    self._resolve_references(item)
                except _Pending:
                    waiting.append(item)
                    continue
                progress = True
                self._upsert(item)
            pending = waiting
            if not progress:
                break
        for item in pending:
            item.failed = True
            for end, spec in item.references.items():
                if end not in item.resolved and spec is not None:
                    other = item.storage.to_one[end].other
                    self._problem(
                        (*item.path, end),
                        f"no {other} matching {_show_spec(spec)} can be loaded before this "
                        "entity (the references go round in a circle)",
                        "circular-reference",
                    )

    def _resolve_references(self, item: _Item) -> None:
        """Resolve every to-one reference of `item`; raise _Pending if one must wait."""
        failed = False
        waiting = False
        for end, spec in item.references.items():
            if end in item.resolved:
                continue
            if spec is None:
                item.resolved[end] = None
                continue
            try:
                item.resolved[end] = self._reference(
                    spec, item.storage.to_one[end].other, (*item.path, end)
                )
            except _Pending:
                waiting = True
            except _Unresolved as exc:
                self._problem((*item.path, end), exc.message, exc.code)
                failed = True
        if failed:
            item.failed = True
            return
        if waiting:
            raise _Pending

    def _reference(self, spec: Any, target: str, path: tuple[PathItem, ...]) -> str:
        """The id of the one entity of `target` that `spec` names."""
        if not isinstance(spec, Mapping):
            raise _Unresolved(_reference_hint(target, spec), "invalid")
        storage = self.storage.of(target)
        if REF in spec:
            return self._local(spec, storage)
        conditions = self._conditions(spec, storage, path, allowed_extra=())
        found = self._find(storage, conditions)
        if len(found) == 1:
            return str(found[0]["id"])
        if len(found) > 1:
            raise _Unresolved(
                f"{len(found)} {target} entities match {_show_spec(spec)}; add key attributes "
                "to name exactly one",
                "ambiguous-reference",
            )
        if any(not i.done and _could_be(i, storage) for i in self.items):
            raise _Pending
        raise _Unresolved(
            f"no {target} matching {_show_spec(spec)} in the document or the database"
        )

    def _local(self, spec: Mapping[str, Any], storage: ClassStorage) -> str:
        name = spec[REF]
        extra = [k for k in spec if k not in (REF, LINK)]
        if extra:
            raise _Unresolved(f"a {{ref: ...}} reference takes no other keys ({extra})", "invalid")
        item = self.names.get(name) if isinstance(name, str) else None
        if item is None:
            hint = difflib.get_close_matches(str(name), list(self.names), n=1)
            extra_text = f"; did you mean '{hint[0]}'?" if hint else ""
            raise _Unresolved(f"no entity in the document has ref '{name}'{extra_text}")
        if item.cls.qid not in storage.concrete_types:
            raise _Unresolved(
                f"ref '{name}' is a {item.cls.qid}, not a {storage.cls.qid}", "wrong-class"
            )
        if item.failed:
            raise _Unresolved(
                f"ref '{name}' ({_render_path(item.path)}) could not be loaded", "broken-reference"
            )
        if item.entity_id is None:
            raise _Pending
        return item.entity_id

    def _conditions(
        self,
        spec: Mapping[str, Any],
        storage: ClassStorage,
        path: tuple[PathItem, ...],
        allowed_extra: Iterable[str],
    ) -> list[dict[str, Any]]:
        """Filter conditions for a reference's key values (nested references resolved)."""
        conditions: list[dict[str, Any]] = []
        extras = set(allowed_extra)
        for name, value in spec.items():
            if name in extras:
                continue
            attr = storage.cls.attributes.get(name)
            if attr is not None and attr.type.kind not in _NOT_KEYS:
                errors = ErrorCollector()
                canonical = (
                    None if value is None else self.coercer.coerce(value, attr, (name,), errors)
                )
                if errors.errors:
                    raise _Unresolved(
                        f"{name}: {errors.errors[0].message} (in the reference)", "invalid"
                    )
                conditions.append(_equals(name, canonical))
            elif name in storage.to_one:
                other = storage.to_one[name].other
                target_id = None if value is None else self._reference(value, other, path)
                conditions.append(_equals(name, target_id))
            else:
                keys = [
                    a
                    for a, d in storage.cls.attributes.items()
                    if d.type.kind not in _NOT_KEYS and a not in SYSTEM_ATTRIBUTES
                ]
                hint = difflib.get_close_matches(str(name), [*keys, *storage.to_one], n=1)
                extra = f"; did you mean '{hint[0]}'?" if hint else ""
                raise _Unresolved(
                    f"a reference to {storage.cls.qid} names it by its attributes or to-one "
                    f"ends; '{name}' is neither{extra}",
                    "invalid",
                )
        if not conditions:
            raise _Unresolved(
                f"a reference to {storage.cls.qid} needs key attributes or a ref", "invalid"
            )
        return conditions

    def _find(self, storage: ClassStorage, conditions: list[dict[str, Any]]) -> list[Entity]:
        page = self.uow.find(storage.cls.qid, where={"and": conditions}, first=50)
        items = page.items
        active = [e for e in items if e.get("state") == "active"]
        return active if active else items

    def _upsert(self, item: _Item) -> None:
        if item.failed:
            return
        scope, key = self._key_of(item)
        if key is None:
            item.failed = True
            return
        signature = json.dumps([to_json(v) for _, v in key], sort_keys=True, default=str)
        first = self.seen_keys.get((scope.cls.qid, signature))
        if first is not None:
            shown = ", ".join(f"{n}={to_json(v)!r}" for n, v in key)
            self._problem(
                item.path,
                f"the natural key ({shown}) is already used by {_render_path(first)}",
                "duplicate",
            )
            item.failed = True
            return
        self.seen_keys[(scope.cls.qid, signature)] = item.path
        existing = self._find(scope, [_equals(n, v) for n, v in key])
        values: dict[str, Any] = {**item.attributes, **item.resolved}
        try:
            if len(existing) > 1:
                self._problem(
                    item.path,
                    f"{len(existing)} entities in the database have this natural key",
                    "ambiguous",
                )
                item.failed = True
            elif not existing:
                created = self.uow.create(item.cls.qid, values)
                item.entity_id = str(created["id"])
                self.result.count(self.result.created, item.cls.qid)
            else:
                current = existing[0]
                if current["type"] != item.cls.qid:
                    self._problem(
                        item.path,
                        f"a {current['type']} already has this natural key; it cannot become "
                        f"a {item.cls.qid}",
                        "wrong-class",
                    )
                    item.failed = True
                    return
                item.entity_id = str(current["id"])
                changes = {k: v for k, v in values.items() if current.get(k) != v}
                if changes:
                    self.uow.update(item.cls.qid, item.entity_id, changes, current["version"])
                    self.result.count(self.result.updated, item.cls.qid)
                else:
                    self.result.count(self.result.unchanged, item.cls.qid)
        except RepositoryError as exc:
            item.failed = True
            item.entity_id = None
            self._repository_problem(item.path, exc)

    def _key_of(self, item: _Item) -> tuple[ClassStorage, list[tuple[str, Any]] | None]:
        """Where to look the item up, and its natural key's values (None after a problem)."""
        names, declared_in = natural_key(item.storage, self.keys)
        scope = self.storage.of(declared_in)
        if names is None:  # no natural key: every scalar value given identifies the entity
            names = tuple(
                n
                for n in (*item.attributes, *item.resolved)
                if n in item.resolved or item.cls.attributes[n].type.kind not in _NOT_KEYS
            )
            if not names:
                self._problem(
                    item.path,
                    f"{item.cls.qid} has no natural key: give it attributes, or declare one "
                    "under 'keys:'",
                    "no-key",
                )
                return scope, None
        key: list[tuple[str, Any]] = []
        missing: list[str] = []
        for name in names:
            if name in item.attributes:
                key.append((name, item.attributes[name]))
            elif name in item.resolved:
                key.append((name, item.resolved[name]))
            elif name in item.cls.attributes and item.cls.attributes[name].has_default:
                attr = item.cls.attributes[name]
                key.append((name, self._coerce(attr.default, attr, (*item.path, name))))
            else:
                missing.append(name)
        if missing:
            self._problem(
                item.path,
                f"the natural key of {item.cls.qid} is ({', '.join(names)}); "
                f"give {', '.join(missing)}",
                "key-missing",
            )
            return scope, None
        return scope, key

    def _repository_problem(self, path: tuple[PathItem, ...], exc: RepositoryError) -> None:
        if not exc.errors:
            self._problem(path, exc.message, exc.code)
        for e in exc.errors:
            self._problem((*path, *e.path), e.message, e.code)

    # ------------------------------------------------------------------ links
    def _write_links(self) -> None:
        for item in self.items:
            if item.entity_id is None or not item.links:
                continue
            for end, specs in item.links.items():
                self._write_link_end(item, item.entity_id, end, specs)

    def _write_link_end(
        self, item: _Item, entity_id: str, end: str, specs: list[Mapping[str, Any]]
    ) -> None:
        link_end = item.storage.links[end]
        other = item.cls.ends[end].other
        try:
            existing = {
                str(link["id"]): link for link in self.uow.links(item.cls.qid, entity_id, end)
            }
        except RepositoryError as exc:
            self._repository_problem((*item.path, end), exc)
            return
        for index, spec in enumerate(specs):
            where: tuple[PathItem, ...] = (*item.path, end, index)
            attributes = spec.get(LINK)
            if attributes is not None and not isinstance(attributes, Mapping):
                self._problem((*where, LINK), "'link' holds the link attributes as a mapping")
                continue
            try:
                target = (
                    self._local(spec, self.storage.of(other))
                    if REF in spec
                    else self._find_one(spec, other, where)
                )
            except (_Pending, _Unresolved) as exc:
                if isinstance(exc, _Unresolved):
                    self._problem(where, exc.message, exc.code)
                else:
                    self._problem(where, f"the {other} it names could not be loaded")
                continue
            wanted = self._link_values(link_end.link.attributes, attributes or {}, where)
            if wanted is None:
                continue
            current = existing.get(target)
            if current is not None and all(current.get(k) == v for k, v in wanted.items()):
                continue
            try:
                self.uow.link(item.cls.qid, entity_id, end, target, attributes or None)
            except RepositoryError as exc:
                self._repository_problem(where, exc)
                continue
            if current is None:
                self.result.linked += 1
            existing[target] = {"id": target, **wanted}

    def _find_one(self, spec: Mapping[str, Any], target: str, path: tuple[PathItem, ...]) -> str:
        storage = self.storage.of(target)
        found = self._find(storage, self._conditions(spec, storage, path, allowed_extra=(LINK,)))
        if len(found) == 1:
            return str(found[0]["id"])
        if found:
            raise _Unresolved(
                f"{len(found)} {target} entities match {_show_spec(spec)}", "ambiguous-reference"
            )
        raise _Unresolved(
            f"no {target} matching {_show_spec(spec)} in the document or the database"
        )

    def _link_values(
        self,
        definitions: Mapping[str, Attribute],
        values: Mapping[str, Any],
        path: tuple[PathItem, ...],
    ) -> dict[str, Any] | None:
        errors = ErrorCollector()
        result: dict[str, Any] = {}
        for name, value in values.items():
            attr = definitions.get(name)
            if attr is None:
                known = ", ".join(definitions) or "none"
                message = f"no link attribute '{name}' ({known})"
                errors.add("unknown-attribute", (LINK, name), message)
                continue
            result[name] = self.coercer.coerce(value, attr, (LINK, name), errors)
        for name, attr in definitions.items():
            if name not in values and attr.has_default:
                result[name] = self.coercer.coerce(attr.default, attr, (LINK, name), errors)
        for e in errors.errors:
            self._problem((*path, *e.path), e.message, e.code)
        return None if errors.errors else result


# ====================================================================== natural keys
def natural_key(
    storage: ClassStorage, declared: Mapping[str, tuple[str, ...]] | None = None
) -> tuple[tuple[str, ...] | None, str]:
    """(key names, class to look them up in) of a class: declared, else its first unique index
    (looked up where the index is declared, so siblings sharing it collide), else (None, class).
    """
    cls = storage.cls
    for qid in (cls.qid, *cls.ancestors):
        if declared and qid in declared:
            return declared[qid], cls.qid
    for index in cls.indexes:
        if index.unique:
            return index.attributes, index.declared_in
    return None, cls.qid


def _equals(name: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {"attr": name, "op": "is_null", "value": True}
    return {"attr": name, "op": "eq", "value": value}


def _could_be(item: _Item, storage: ClassStorage) -> bool:
    return item.cls.qid in storage.concrete_types


# ====================================================================== dumping
def dump(
    uow: UnitOfWork,
    classes: Sequence[str] | None = None,
    *,
    keys: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The tenant's entities of `classes` (default: every class) as a seed document."""
    return _Dumper(uow, {k: tuple(v) for k, v in (keys or {}).items()}).run(classes)


class _Dumper:
    def __init__(self, uow: UnitOfWork, keys: Mapping[str, tuple[str, ...]]) -> None:
        self.uow = uow
        self.model = uow.repository.model
        self.storage = uow.repository.storage
        self.coercer = uow.repository.coercer
        self.keys = {self.model.cls(k).qid: v for k, v in keys.items()}
        self.specs: dict[str, dict[str, Any]] = {}  # id -> reference spec
        self.defaults: dict[tuple[str, str], Any] = {}

    def run(self, classes: Sequence[str] | None) -> dict[str, Any]:
        wanted = self._classes(classes)
        order = _class_order(self.model, set(wanted))
        sections: dict[str, list[dict[str, Any]]] = {}
        for qid in sorted(wanted, key=lambda q: (order[q], q)):
            storage = self.storage.of(qid)
            entities = [e for e in self._all(storage) if e["type"] == qid]
            if not entities:
                continue
            rows = [(self._sort_key(storage, e), self._entity(storage, e)) for e in entities]
            rows.sort(key=lambda r: r[0])
            sections[self._name(qid)] = [row for _, row in rows]
        document: dict[str, Any] = {}
        declared = {
            self._name(q): list(v) for q, v in self.keys.items() if self._name(q) in sections
        }
        if declared:
            document[KEYS] = declared
        document[ENTITIES] = sections
        return document

    def _classes(self, classes: Sequence[str] | None) -> list[str]:
        if not classes:
            return [c.qid for c in self.model.concrete_classes()]
        result: list[str] = []
        for ref in classes:
            storage = self.storage.of(ref)  # UnknownElementError names an unknown class
            result.extend(q for q in storage.concrete_types if q not in result)
        return result

    def _name(self, qid: str) -> str:
        """The class's short name where it is unique, else its qualified id."""
        short = qid.rsplit("/", 1)[-1]
        same = [q for q in self.model.classes if q.rsplit("/", 1)[-1] == short]
        return short if len(same) == 1 else qid

    def _all(self, storage: ClassStorage) -> list[Entity]:
        result: list[Entity] = []
        after: str | None = None
        while True:
            page = self.uow.find(storage.cls.qid, first=_PAGE, after=after)
            result.extend(page.items)
            if not page.has_next:
                return result
            after = page.end_cursor

    def _entity(self, storage: ClassStorage, entity: Entity) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, attr in storage.cls.attributes.items():
            value = entity.get(name)
            if name in SYSTEM_ATTRIBUTES or attr.computed or value is None:
                continue
            if attr.has_default and self._default(storage.cls.qid, attr) == value:
                continue
            row[name] = to_json(value)
        for end in storage.to_one:
            target = entity.get(end)
            if target is not None:
                row[end] = self._spec(storage.to_one[end].other, target)
        for end, link_end in storage.links.items():
            if link_end.side is not EndSide.SOURCE:
                continue  # each link is written once, from its association's source
            links = self.uow.links(storage.cls.qid, entity["id"], end)
            if not links:
                continue
            other = storage.cls.ends[end].other
            specs = []
            for link in links:
                spec = dict(self._spec(other, link["id"]))
                values = {k: to_json(v) for k, v in link.items() if k != "id" and v is not None}
                if values:
                    spec[LINK] = values
                specs.append(spec)
            row[end] = sorted(specs, key=_spec_order)
        return row

    def _default(self, qid: str, attr: Attribute) -> Any:
        key = (qid, attr.name)
        if key not in self.defaults:
            self.defaults[key] = self.coercer.coerce(attr.default, attr, (), ErrorCollector())
        return self.defaults[key]

    def _spec(self, target_class: str, entity_id: str) -> dict[str, Any]:
        """The reference to an entity: its natural key's values, nested for to-one ends."""
        if entity_id in self.specs:
            return self.specs[entity_id]
        entity = self.uow.get(target_class, entity_id)
        storage = self.storage.of(entity["type"])
        names, _ = natural_key(storage, self.keys)
        if names is None or any(entity.get(n) is None for n in names):
            names = tuple(
                n
                for n, a in storage.cls.attributes.items()
                if n not in SYSTEM_ATTRIBUTES
                and not a.computed
                and a.type.kind not in _NOT_KEYS
                and entity.get(n) is not None
                and not (a.has_default and self._default(storage.cls.qid, a) == entity[n])
            ) + tuple(e for e in storage.to_one if entity.get(e) is not None)
        spec: dict[str, Any] = {}
        for name in names:
            if name in storage.to_one:
                target = entity.get(name)
                spec[name] = (
                    None if target is None else self._spec(storage.to_one[name].other, target)
                )
            else:
                spec[name] = to_json(entity.get(name))
        self.specs[entity_id] = spec
        return spec

    def _sort_key(self, storage: ClassStorage, entity: Entity) -> str:
        return json.dumps(self._spec(storage.cls.qid, entity["id"]), sort_keys=True, default=str)


def _spec_order(spec: Mapping[str, Any]) -> str:
    return json.dumps(spec, sort_keys=True, default=str)


# ====================================================================== helpers
def _class_order(model: Any, qids: set[str]) -> dict[str, int]:
    """Classes whose entities others refer to first (to-one ends), ties by name."""
    storage_of = {q: model.classes[q] for q in qids}
    depends: dict[str, set[str]] = {}
    for qid, cls in storage_of.items():
        targets: set[str] = set()
        for end in cls.ends.values():
            if end.many:
                continue
            for other in qids:
                if other != qid and model.classes[other].is_a(end.other):
                    targets.add(other)
        depends[qid] = targets
    order: dict[str, int] = {}
    remaining = set(qids)
    while remaining:
        ready = sorted(q for q in remaining if not (depends[q] & remaining))
        if not ready:  # a circle: take the rest by name
            ready = sorted(remaining)
        for qid in ready:
            order[qid] = len(order)
        remaining -= set(ready)
    return order


def _render_path(path: Sequence[PathItem]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _show_spec(spec: Any) -> str:
    text = json.dumps(spec, sort_keys=False, default=str, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def _reference_hint(target: str, value: Any) -> str:
    short = target.rsplit("/", 1)[-1]
    return (
        f"a reference to {short} is a mapping of its key attributes (e.g. {{name: ...}}) or "
        f"{{ref: <local name>}}, got {_kind(value)} {value!r}"
    )


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a " + type(value).__name__
