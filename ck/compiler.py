"""The compiler: loads a model and its dependencies, checks everything, resolves everything.

Phases: read manifests and choose dependency versions (library) -> read and schema-check element
files -> register element names per model -> resolve references and inheritance -> build enums,
records, shared attributes, classes and associations -> cross checks (member collisions, indexes,
display rules). Every phase adds to one list of located diagnostics; an element that fails the
JSON Schema is left out of the later phases (its name is still known, to avoid follow-on noise).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshkit.ck import schema
from meshkit.ck.diagnostics import CkError, Diagnostic, Diagnostics
from meshkit.ck.library import Library, ModelSource, display_path, element_files, read_manifest
from meshkit.ck.model import (
    TEXT_KINDS,
    AssociationDef,
    AssociationEnd,
    AssociationKind,
    Attribute,
    BehaviourRef,
    ClassDef,
    CompiledModel,
    Constraints,
    EndSide,
    EnumDef,
    EnumValue,
    IndexDef,
    Location,
    ModelInfo,
    Multiplicity,
    OnDelete,
    RecordDef,
    SeriesCode,
    SeriesDef,
    TypeKind,
    TypeRef,
)
from meshkit.ck.source import PathKey, SourceFile, load_source
from meshkit.ck.values import bound, check_value, compare_bounds, duration_seconds

TYPE_SECTIONS = {"classes": "class", "records": "record", "enums": "enum"}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_BEHAVIOUR_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_BEHAVIOUR_NAME = re.compile(r"^[A-Za-z0-9_][\w.\-]*$")
_TYPE_ONLY_KEYS = {
    "precision": {TypeKind.DECIMAL},
    "scale": {TypeKind.DECIMAL},
    "enum": {TypeKind.ENUM},
    "record": {TypeKind.RECORD},
    "items": {TypeKind.LIST},
}


@dataclass
class _Element:
    """An element as written: where it is and its raw data (None when it fails the schema)."""

    kind: str  # class, record, enum, attribute
    model: str
    name: str
    source: SourceFile
    path: PathKey
    data: Any

    @property
    def qid(self) -> str:
        return f"{self.model}/{self.name}"

    @property
    def broken(self) -> bool:
        return self.data is None

    def error(self, sub: PathKey, code: str, message: str, *, key: bool = False) -> Diagnostic:
        return self.source.error((*self.path, *sub), code, message, key=key)

    def location(self, sub: PathKey = ()) -> Location:
        line, column = self.source.where((*self.path, *sub), key=not sub)
        return Location(file=self.source.display, line=line, column=column)


@dataclass
class _State:
    models: dict[str, ModelSource]
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    types: dict[str, dict[str, _Element]] = field(default_factory=dict)  # model -> name -> element
    shared: dict[str, dict[str, _Element]] = field(default_factory=dict)
    extensions: list[tuple[_Element, str]] = field(default_factory=list)  # (element, reference)
    files: dict[str, list[str]] = field(default_factory=dict)


def compile_model(folder: Path, library_paths: Sequence[Path] = ()) -> CompiledModel:
    """Compile the model in `folder`; raises CkError with every problem found."""
    model, problems = check_model(folder, library_paths)
    if problems or model is None:
        raise CkError(problems)
    return model


def check_model(
    folder: Path, library_paths: Sequence[Path] = ()
) -> tuple[CompiledModel | None, list[Diagnostic]]:
    """Compile the model in `folder`; returns the model (None if broken) and all diagnostics.

    Dependencies are looked up in the folder's parent, then in `library_paths`.
    """
    root, problems = read_manifest(folder)
    if root is None:
        return None, sorted(set(problems))
    library = Library([folder.parent, *library_paths])
    library.add(root)
    chosen, problems = library.resolve(root)
    if problems:
        # A dependency that is missing may be a model whose own manifest is broken: show why.
        missing = {p.path.split(".", 1)[-1] for p in problems if p.code == "dependency-missing"}
        problems += [p for p in library.problems if Path(p.file).parent.name in missing]
        return None, sorted(set(problems))
    compiler = _Compiler(_State(models=chosen), root.name)
    model = compiler.run()
    diagnostics = list(compiler.state.diagnostics)
    return (None if diagnostics else model), diagnostics


class _Compiler:
    def __init__(self, state: _State, root: str) -> None:
        self.state = state
        self.root = root
        self.enums: dict[str, EnumDef] = {}
        self.records: dict[str, RecordDef] = {}
        self.shared_attributes: dict[str, Attribute] = {}
        self.classes: dict[str, ClassDef] = {}
        self.associations: dict[str, AssociationDef] = {}
        self.parent: dict[str, str | None] = {}  # class or record qid -> parent qid
        self._class_elements: dict[str, _Element] = {}
        # (declared in, name) -> the attribute's definition with `use` and inherited keys merged
        self._raw_attributes: dict[tuple[str, str], dict[str, Any]] = {}
        self._building_shared: set[str] = set()
        self._failed: dict[str, set[str]] = {}  # declared in -> attributes that failed to build
        # class qid -> association ends hidden by an earlier end of the same name (collisions)
        self._shadowed_ends: dict[str, list[AssociationEnd]] = {}

    # ------------------------------------------------------------------ reporting
    def report(self, diagnostic: Diagnostic) -> None:
        self.state.diagnostics.add(diagnostic)

    # ------------------------------------------------------------------ phase 1: files
    def run(self) -> CompiledModel:
        for model in self.state.models.values():
            self._read_files(model)
        self._build_enums()
        self._build_records()
        self._build_shared_attributes()
        self._build_classes()
        return CompiledModel(
            root=self.root,
            models={n: self._model_info(m) for n, m in self.state.models.items()},
            classes=self.classes,
            records=self.records,
            enums=self.enums,
            associations=self.associations,
            shared_attributes=self.shared_attributes,
        )

    def _model_info(self, model: ModelSource) -> ModelInfo:
        data = model.manifest.data
        return ModelInfo(
            name=model.name,
            version=str(model.version),
            **_texts(data),
            dependencies=model.dependencies,
            resolved={d: str(self.state.models[d].version) for d in model.dependencies},
            behaviours=data.get("behaviours"),
            path=display_path(model.path),
            files=tuple(self.state.files.get(model.name, ())),
        )

    def _read_files(self, model: ModelSource) -> None:
        types = self.state.types.setdefault(model.name, {})
        shared = self.state.shared.setdefault(model.name, {})
        names = self.state.files.setdefault(model.name, [])
        for path in element_files(model.path):
            source, problems = load_source(path, display_path(path))
            names.append(source.display)
            for p in problems:
                self.report(p)
            if problems or source.data is None:
                continue
            located = schema.validate_located(source, schema.ELEMENTS)
            for _, p in located:
                self.report(p)
            data = source.data if isinstance(source.data, dict) else {}
            bad_paths = [path for path, _ in located]

            def broken(at: PathKey, bad_paths: list[PathKey] = bad_paths) -> bool:
                """An element that fails the schema is left out; the rest of its file is used."""
                return any(b[: len(at)] == at or at[: len(b)] == b for b in bad_paths)

            for section, kind in (*TYPE_SECTIONS.items(), ("attributes", "attribute")):
                entries = data.get(section)
                if not isinstance(entries, dict):
                    continue
                table = shared if kind == "attribute" else types
                for name, raw in entries.items():
                    element = _Element(
                        kind,
                        model.name,
                        str(name),
                        source,
                        (section, name),
                        None if broken((section, name)) else raw,
                    )
                    first = table.get(element.name)
                    if first is not None:
                        where = f"{first.source.display}:{first.location().line}"
                        self.report(
                            element.error(
                                (),
                                "duplicate-element",
                                f"'{name}' is already defined in this model "
                                f"({first.kind} at {where})",
                                key=True,
                            )
                        )
                        continue
                    table[element.name] = element
            extensions = data.get("enum_extensions")
            if isinstance(extensions, dict):
                for ref, raw in extensions.items():
                    if broken(("enum_extensions", ref)):
                        continue
                    element = _Element(
                        "extension", model.name, str(ref), source, ("enum_extensions", ref), raw
                    )
                    self.state.extensions.append((element, str(ref)))

    # ------------------------------------------------------------------ references
    def resolve(
        self,
        element: _Element,
        sub: PathKey,
        ref: str,
        expected: str,
        *,
        shared: bool = False,
        key: bool = False,
    ) -> _Element | None:
        """Find what `ref` names, seen from `element`'s model; report if it cannot be found.

        `key`: the reference is the key at `sub` (enum_extensions), not a value.
        """
        model = self.state.models[element.model]
        tables = self.state.shared if shared else self.state.types
        what = "shared attribute" if shared else expected
        if "/" in ref:
            owner, name = ref.split("/", 1)
            if owner != element.model and owner not in model.dependencies:
                self.report(
                    element.error(
                        sub,
                        "undeclared-dependency",
                        f"'{ref}' belongs to model '{owner}', which {element.model}/model.yaml "
                        "does not list under dependencies",
                        key=key,
                    )
                )
                return None
            found = tables.get(owner, {}).get(name)
            candidates = list(tables.get(owner, {}))
            if found is None:
                self._unknown(element, sub, ref, what, [f"{owner}/{c}" for c in candidates], key)
                return None
        else:
            found = tables.get(element.model, {}).get(ref)
            if found is None:
                matches = [tables[d][ref] for d in model.dependencies if ref in tables.get(d, {})]
                if len(matches) > 1:
                    options = " or ".join(m.qid for m in matches)
                    self.report(
                        element.error(
                            sub,
                            "ambiguous-reference",
                            f"'{ref}' is ambiguous: write {options}",
                            key=key,
                        )
                    )
                    return None
                if not matches:
                    candidates = list(tables.get(element.model, {}))
                    for d in model.dependencies:
                        candidates += [f"{d}/{c}" for c in tables.get(d, {})]
                    self._unknown(element, sub, ref, what, candidates, key)
                    return None
                found = matches[0]
        if found.broken:
            return None
        if not shared and found.kind != expected:
            self.report(
                element.error(
                    sub,
                    "wrong-kind",
                    f"'{ref}' is {_a(found.kind)} {found.kind}, not {_a(expected)} {expected}",
                    key=key,
                )
            )
            return None
        return found

    def _unknown(
        self,
        element: _Element,
        sub: PathKey,
        ref: str,
        what: str,
        candidates: list[str],
        key: bool = False,
    ) -> None:
        hint = difflib.get_close_matches(ref, candidates, n=1, cutoff=0.6)
        if not hint:
            # Compare short names too: 'Entty' should find 'system/Entity'.
            short = ref.rsplit("/", 1)[-1]
            by_short: dict[str, str] = {}
            for c in candidates:
                by_short.setdefault(c.rsplit("/", 1)[-1], c)
            close = difflib.get_close_matches(short, list(by_short), n=1, cutoff=0.6)
            hint = [by_short[close[0]]] if close else []
        extra = f" (did you mean '{hint[0]}'?)" if hint else ""
        self.report(
            element.error(sub, "unknown-reference", f"unknown {what} '{ref}'{extra}", key=key)
        )

    # ------------------------------------------------------------------ enums
    def _build_enums(self) -> None:
        for element in self._elements("enum"):
            values: dict[str, EnumValue] = {}
            data = element.data
            for name, raw in data["values"].items():
                values[name] = EnumValue(
                    name=name,
                    key=raw["key"],
                    **_texts(raw),
                    model=element.model,
                    location=element.location(("values", name)),
                )
            self.enums[element.qid] = EnumDef(
                qid=element.qid,
                name=element.name,
                model=element.model,
                **_texts(data),
                flags=bool(data.get("flags", False)),
                extensible=bool(data.get("extensible", False)),
                values=values,
                location=element.location(),
            )
            self._check_enum_keys(element, self.enums[element.qid], list(values.values()))
        for element, ref in self.state.extensions:
            target = self.resolve(element, (), ref, "enum", key=True)
            if target is None:
                continue
            enum = self.enums.get(target.qid)
            if enum is None:
                continue
            if not enum.extensible:
                self.report(
                    element.error(
                        (),
                        "not-extensible",
                        f"enum {enum.qid} is not extensible; declare it with 'extensible: true'",
                        key=True,
                    )
                )
                continue
            values = dict(enum.values)
            added = []
            for name, raw in element.data["values"].items():
                if name in values:
                    self.report(
                        element.error(
                            ("values", name),
                            "duplicate-value",
                            f"enum {enum.qid} already has a value '{name}'",
                            key=True,
                        )
                    )
                    continue
                value = EnumValue(
                    name=name,
                    key=raw["key"],
                    **_texts(raw),
                    model=element.model,
                    location=element.location(("values", name)),
                )
                values[name] = value
                added.append(value)
            updated = enum.model_copy(update={"values": values})
            self.enums[enum.qid] = EnumDef.model_validate(updated.model_dump())
            self._check_enum_keys(element, self.enums[enum.qid], added)

    def _check_enum_keys(self, element: _Element, enum: EnumDef, new: list[EnumValue]) -> None:
        by_key: dict[int, str] = {}
        for value in enum.values.values():
            if value in new:
                continue
            by_key[value.key] = value.name
        for value in new:
            if value.key in by_key:
                self.report(
                    element.error(
                        ("values", value.name, "key"),
                        "duplicate-key-value",
                        f"key {value.key} is already used by '{by_key[value.key]}' in {enum.qid}; "
                        "keys are stored in the database and must be unique",
                    )
                )
            by_key[value.key] = value.name
            if enum.flags and (value.key <= 0 or value.key & (value.key - 1)):
                self.report(
                    element.error(
                        ("values", value.name, "key"),
                        "flag-key",
                        f"key {value.key} of a flags enum must be a power of two (1, 2, 4, ...)",
                    )
                )

    # ------------------------------------------------------------------ records
    def _build_records(self) -> None:
        elements = {e.qid: e for e in self._elements("record")}
        order = self._hierarchy_order(elements, "record")
        for qid in order:
            element = elements[qid]
            parent = self.parent.get(qid)
            inherited = self.records[parent].attributes if parent in self.records else {}
            attributes = self._members(
                element, ("attributes",), element.data.get("attributes", {}), inherited, qid
            )
            ancestors = self._ancestors(qid)
            self.records[qid] = RecordDef(
                qid=qid,
                name=element.name,
                model=element.model,
                extends=parent,
                ancestors=ancestors,
                **_texts(element.data),
                attributes=attributes,
                metadata=element.data.get("metadata", {}),
                location=element.location(),
            )
        self._check_record_nesting(elements)

    def _check_record_nesting(self, elements: Mapping[str, _Element]) -> None:
        def nested(qid: str) -> list[tuple[str, str]]:
            out = []
            for attr in self.records[qid].attributes.values():
                t = attr.type.items if attr.type.kind is TypeKind.LIST else attr.type
                if t is not None and t.kind is TypeKind.RECORD and t.record in self.records:
                    out.append((attr.name, t.record))
            return out

        reported: set[str] = set()
        for start in self.records:
            stack: list[tuple[str, list[str]]] = [(start, [start])]
            while stack:
                current, trail = stack.pop()
                for attr_name, target in nested(current):
                    if target == start:
                        if start in reported or start not in elements:
                            continue
                        reported.update(trail)
                        cycle = " -> ".join([*trail, start])
                        self.report(
                            elements[start].error(
                                (),
                                "record-cycle",
                                f"records contain each other in a cycle ({cycle}); "
                                "a record cannot nest itself",
                                key=True,
                            )
                        )
                    elif target not in trail:
                        stack.append((target, [*trail, target]))
                    del attr_name

    # ------------------------------------------------------------------ shared attributes
    def _build_shared_attributes(self) -> None:
        for table in self.state.shared.values():
            for element in table.values():
                self._shared_attribute(element)

    def _shared_attribute(self, element: _Element) -> Attribute | None:
        """A shared definition, built on first use (one may `use` another)."""
        if element.qid in self.shared_attributes or element.broken:
            return self.shared_attributes.get(element.qid)
        if element.qid in self._building_shared:
            self.report(
                element.error(
                    ("use",),
                    "use-cycle",
                    f"shared attribute {element.qid} uses itself through 'use'",
                )
            )
            return None
        self._building_shared.add(element.qid)
        attr = self._attribute(element, (), element.name, element.data, element.qid, {})
        self._building_shared.discard(element.qid)
        if attr is not None:
            self.shared_attributes[element.qid] = attr
        return attr

    # ------------------------------------------------------------------ attributes
    def _members(
        self,
        element: _Element,
        sub: PathKey,
        raw_members: Mapping[str, Any],
        inherited: Mapping[str, Attribute],
        declared_in: str,
    ) -> dict[str, Attribute]:
        result = dict(inherited)
        failed_above = self._failed_names(self.parent.get(declared_in))
        for name, raw in raw_members.items():
            attr = None
            if name not in failed_above:  # else the inherited definition is reported already
                attr = self._attribute(element, (*sub, name), name, raw, declared_in, inherited)
            if attr is not None:
                result[name] = attr
            else:
                self._failed.setdefault(declared_in, set()).add(name)
        return result

    def _failed_names(self, qid: str | None) -> set[str]:
        """Attributes of `qid` and its ancestors that were reported and left out.

        Rules naming them (indexes, display, overrides) stay silent instead of adding noise.
        """
        names: set[str] = set()
        while qid is not None:
            names |= self._failed.get(qid, set())
            qid = self.parent.get(qid)
        return names

    def _attribute(
        self,
        element: _Element,
        sub: PathKey,
        name: str,
        raw: Any,
        declared_in: str,
        inherited: Mapping[str, Attribute],
    ) -> Attribute | None:
        data: dict[str, Any] = {"type": raw} if isinstance(raw, str) else dict(raw)
        written = set(data)  # the keys this declaration states itself
        shared_qid = None
        parent = inherited.get(name)
        if "use" in data:
            found = self.resolve(element, (*sub, "use"), data["use"], "attribute", shared=True)
            if found is None:
                return None
            base = self._shared_attribute(found)
            if base is None:
                return None
            shared_qid = found.qid
            if "type" in data and data["type"] != base.type.kind.value:
                self.report(
                    element.error(
                        (*sub, "type"),
                        "illegal-override",
                        f"cannot change the type of shared attribute {found.qid} "
                        f"({base.type}) to {data['type']}",
                    )
                )
                return None
            merged: dict[str, Any] = dict(self._raw_attributes[(found.qid, found.name)])
            merged.update({k: v for k, v in data.items() if k != "use"})
            data = merged
        elif parent is not None:
            # An override states only what it narrows; everything else is inherited.
            before = self._raw_attributes.get((parent.declared_in, name))
            if before is not None and data.get("type", before["type"]) == before["type"]:
                data = {**before, **data}
        if "type" not in data:
            self.report(
                element.error(sub, "missing-type", f"attribute '{name}' needs a type or a 'use'")
            )
            return None
        type_ = self._type(element, sub, data)
        if type_ is None:
            return None
        constraints = self._constraints(element, sub, type_, data)
        if constraints is None:
            return None
        attr = Attribute(
            name=name,
            type=type_,
            required=bool(data.get("required", False)),
            has_default="default" in data,
            default=data.get("default"),
            constraints=constraints,
            unit=data.get("unit"),
            **_texts(data),
            metadata=data.get("metadata", {}),
            computed=bool(data.get("computed", False)),
            sensitive=bool(data.get("sensitive", False)),
            declared_in=declared_in,
            shared=shared_qid,
            location=element.location(sub) if sub else element.location(),
        )
        if attr.has_default:
            problem = self._check_literal(data["default"], type_, constraints)
            if problem:
                self.report(
                    element.error((*sub, "default"), "invalid-default", f"default {problem}")
                )
        if attr.computed and attr.required and not attr.has_default:
            self.report(
                element.error(
                    (*sub, "computed"),
                    "computed-required",
                    "a computed attribute is filled by a behaviour; it cannot also be required "
                    "without a default",
                )
            )
        if parent is not None:
            self._check_narrowing(element, sub, parent, attr, written)
        self._raw_attributes[(declared_in, name)] = data
        return attr

    def _check_literal(self, value: Any, type_: TypeRef, constraints: Constraints) -> str | None:
        def enum_values(qid: str) -> Mapping[str, Any] | None:
            enum = self.enums.get(qid)
            return enum.values if enum else None

        return check_value(value, type_, constraints, enum_values, self.records.get)

    def _type(self, element: _Element, sub: PathKey, data: Mapping[str, Any]) -> TypeRef | None:
        kind = TypeKind(data["type"])
        ok = True
        for key, kinds in _TYPE_ONLY_KEYS.items():
            if key in data and kind not in kinds:
                only = ", ".join(k.value for k in kinds)
                self.report(
                    element.error(
                        (*sub, key),
                        "misplaced-key",
                        f"'{key}' applies only to type {only}, not {kind.value}",
                        key=True,
                    )
                )
                ok = False
        if not ok:
            return None
        if kind is TypeKind.DECIMAL:
            precision, scale = data.get("precision"), data.get("scale")
            if precision is None or scale is None:
                self.report(
                    element.error(
                        sub,
                        "decimal-size",
                        "a decimal needs 'precision' and 'scale', e.g. 12 and 2",
                    )
                )
                return None
            if scale > precision:
                self.report(
                    element.error(
                        (*sub, "scale"),
                        "decimal-size",
                        f"scale {scale} is larger than precision {precision}",
                    )
                )
                return None
            return TypeRef(kind=kind, precision=precision, scale=scale)
        if kind is TypeKind.ENUM:
            if "enum" not in data:
                self.report(element.error(sub, "missing-enum", "type enum needs 'enum: <Enum>'"))
                return None
            found = self.resolve(element, (*sub, "enum"), data["enum"], "enum")
            return TypeRef(kind=kind, enum=found.qid) if found else None
        if kind is TypeKind.RECORD:
            if "record" not in data:
                self.report(
                    element.error(sub, "missing-record", "type record needs 'record: <Record>'")
                )
                return None
            found = self.resolve(element, (*sub, "record"), data["record"], "record")
            return TypeRef(kind=kind, record=found.qid) if found else None
        if kind is TypeKind.LIST:
            if "items" not in data:
                self.report(
                    element.error(sub, "missing-items", "type list needs 'items: <item type>'")
                )
                return None
            raw_items = data["items"]
            items_data = {"type": raw_items} if isinstance(raw_items, str) else raw_items
            items = self._type(element, (*sub, "items"), items_data)
            return TypeRef(kind=kind, items=items) if items else None
        return TypeRef(kind=kind)

    def _constraints(
        self, element: _Element, sub: PathKey, type_: TypeRef, data: Mapping[str, Any]
    ) -> Constraints | None:
        kind = type_.kind
        values: dict[str, Any] = {}
        ok = True

        def bad(key: str, message: str) -> None:
            nonlocal ok
            ok = False
            self.report(element.error((*sub, key), "invalid-constraint", message))

        for key in ("min", "max"):
            if key in data:
                value, problem = bound(kind, data[key])
                if problem:
                    bad(key, problem)
                values[key] = value
        for key in ("min_length", "max_length"):
            if key in data:
                if kind not in TEXT_KINDS and kind is not TypeKind.LIST:
                    bad(key, f"{key} applies to string, text and list, not {kind.value}")
                values[key] = data[key]
        if "pattern" in data:
            if kind not in TEXT_KINDS:
                bad("pattern", f"pattern applies to string and text, not {kind.value}")
            try:
                re.compile(data["pattern"])
            except re.error as exc:
                bad("pattern", f"not a valid regular expression: {exc}")
            values["pattern"] = data["pattern"]
        if (
            values.get("min") is not None
            and values.get("max") is not None
            and not compare_bounds(kind, values["min"], values["max"])
        ):
            bad("min", f"min {values['min']} is larger than max {values['max']}")
        low, high = values.get("min_length"), values.get("max_length")
        if low is not None and high is not None and low > high:
            bad("min_length", f"min_length {low} is larger than max_length {high}")
        if not ok:
            return None
        constraints = Constraints(**values)
        if "allowed" in data:
            if kind in (TypeKind.RECORD, TypeKind.LIST, TypeKind.JSON, TypeKind.BINARY):
                bad("allowed", f"allowed values do not apply to {kind.value}")
                return None
            for i, value in enumerate(data["allowed"]):
                problem = self._check_literal(value, type_, constraints)
                if problem:
                    bad("allowed", f"allowed value {i + 1}: {problem}")
            constraints = Constraints(**values, allowed=tuple(data["allowed"]))
        return constraints if ok else None

    def _check_narrowing(
        self,
        element: _Element,
        sub: PathKey,
        parent: Attribute,
        child: Attribute,
        written: set[str],
    ) -> None:
        """A subclass may only narrow what it inherits: the set of valid values can only shrink."""
        problems: list[tuple[str, str]] = []  # (key the problem is about, what is wrong)
        if str(parent.type) != str(child.type):
            # A new type is a new attribute; its other facets cannot be compared.
            problems.append(("type", f"changes the type from {parent.type} to {child.type}"))
            written = {*written, "type"}
        else:
            problems.extend(self._narrowing_problems(parent, child))
        for key, problem in problems:
            self.report(
                element.error(
                    (*sub, key) if key in written else sub,
                    "illegal-override",
                    f"'{child.name}' overrides {parent.declared_in}.{parent.name} but {problem}; "
                    "a subclass may only narrow an inherited attribute",
                )
            )

    @staticmethod
    def _narrowing_problems(parent: Attribute, child: Attribute) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if parent.required and not child.required:
            problems.append(("required", "makes a required attribute optional"))
        if parent.sensitive and not child.sensitive:
            problems.append(("sensitive", "drops 'sensitive'"))
        if parent.computed != child.computed:
            problems.append(("computed", "changes 'computed'"))
        if parent.unit != child.unit:
            problems.append(("unit", f"changes the unit from {parent.unit} to {child.unit}"))
        p, c = parent.constraints, child.constraints
        kind = parent.type.kind
        if p.min is not None and (c.min is None or not compare_bounds(kind, p.min, c.min)):
            problems.append(("min", f"widens min {p.min} to {c.min}"))
        if p.max is not None and (c.max is None or not compare_bounds(kind, c.max, p.max)):
            problems.append(("max", f"widens max {p.max} to {c.max}"))
        if p.min_length is not None and (c.min_length is None or c.min_length < p.min_length):
            problems.append(("min_length", f"widens min_length {p.min_length} to {c.min_length}"))
        if p.max_length is not None and (c.max_length is None or c.max_length > p.max_length):
            problems.append(("max_length", f"widens max_length {p.max_length} to {c.max_length}"))
        if p.pattern is not None and c.pattern != p.pattern:
            problems.append(("pattern", "changes the inherited pattern"))
        if p.allowed is not None and (
            c.allowed is None or any(v not in p.allowed for v in c.allowed)
        ):
            problems.append(("allowed", "allows values the parent does not"))
        return problems

    # ------------------------------------------------------------------ classes
    def _build_classes(self) -> None:
        elements = {e.qid: e for e in self._elements("class")}
        self._class_elements = elements
        order = self._hierarchy_order(elements, "class")
        children: dict[str, list[str]] = {q: [] for q in order}
        for qid in order:
            parent = self.parent.get(qid)
            if parent in children:
                children[parent].append(qid)
        attributes: dict[str, dict[str, Attribute]] = {}
        for qid in order:
            element = elements[qid]
            parent = self.parent.get(qid)
            inherited = attributes.get(parent, {}) if parent else {}
            attributes[qid] = self._members(
                element, ("attributes",), element.data.get("attributes", {}), inherited, qid
            )
        associations = self._build_associations(elements, order, attributes)
        descendants = {q: self._descendants(q, children) for q in order}
        for qid in order:
            element = elements[qid]
            data = element.data
            ancestors = self._ancestors(qid)
            ends = self._ends(qid, ancestors, associations)
            self.classes[qid] = ClassDef(
                qid=qid,
                name=element.name,
                model=element.model,
                **_texts(data),
                abstract=bool(data.get("abstract", False)),
                final=bool(data.get("final", False)),
                extends=self.parent.get(qid),
                ancestors=ancestors,
                subclasses=tuple(children[qid]),
                descendants=descendants[qid],
                collection_root=self._collection_root(element, qid, ancestors, elements),
                attributes=attributes[qid],
                own_attributes=tuple(data.get("attributes", {})),
                ends=ends,
                indexes=self._indexes(element, qid, attributes[qid], ends, ancestors),
                display=self._display(element, data.get("display"), ancestors, attributes[qid]),
                behaviours=self._behaviours(element, qid),
                series=self._series(element, qid, ancestors),
                metadata=data.get("metadata", {}),
                location=element.location(),
            )
        for qid in order:
            self._check_class(elements[qid], self.classes[qid])

    def _check_class(self, element: _Element, cls: ClassDef) -> None:
        data = element.data
        if cls.abstract and cls.final:
            self.report(
                element.error(
                    ("final",),
                    "abstract-final",
                    "a class cannot be both abstract and final: it could never be used",
                )
            )
        if "extends" not in data and not cls.abstract:
            self.report(
                element.error(
                    (),
                    "concrete-root",
                    f"class {cls.name} extends nothing, so it would be a root; roots must be "
                    "abstract. Extend a root such as system/Entity",
                    key=True,
                )
            )
        if cls.extends is not None:
            parent = self.classes.get(cls.extends)
            if parent is not None and parent.final:
                self.report(
                    element.error(
                        ("extends",),
                        "final-extended",
                        f"{parent.qid} is final and cannot be extended",
                    )
                )
        if "collection" in data and data["collection"] is False and not cls.abstract:
            self.report(
                element.error(
                    ("collection",),
                    "collection-concrete",
                    "only an abstract class can opt out of being a collection",
                )
            )
        elif data.get("collection") is False and (
            cls.extends is None or cls.collection_root is not None
        ):
            where = "it is a root" if cls.extends is None else f"it is in {cls.collection_root}"
            self.report(
                element.error(
                    ("collection",),
                    "collection-ignored",
                    f"'collection: false' has no effect here ({where}); it applies only to an "
                    "abstract class directly below a root, or below another such class",
                )
            )
        self._check_member_collisions(element, cls)

    def _check_member_collisions(self, element: _Element, cls: ClassDef) -> None:
        """Attributes, association ends and series share one namespace per class.

        A collision is reported once, by the class that brings the second name in, at the
        declaration of that name (for an inverse end, at the `inverse` of its association).
        """
        owners: dict[str, tuple[str, str]] = {}  # name -> (what, introduced by)
        for attr in cls.attributes.values():
            origin = self._first_declaration(cls, attr.name)
            owners[attr.name] = (f"attribute of {origin}", origin)
        for end in [*cls.ends.values(), *self._shadowed_ends.get(cls.qid, [])]:
            assoc = self.associations[end.association]
            source = self._class_elements[assoc.source]
            at: tuple[_Element, PathKey]
            if end.side is EndSide.SOURCE:
                introduced, at = assoc.source, (source, ("associations", assoc.name))
            else:
                introduced, at = assoc.target, (source, ("associations", assoc.name, "inverse"))
            what = f"association end {end.name} of {assoc.qid}"
            self._collide(element, cls, owners, end.name, what, introduced, at)
        for series in cls.series.values():
            self._collide(
                element,
                cls,
                owners,
                series.name,
                f"series of {series.declared_in}",
                series.declared_in,
                (self._class_elements[series.declared_in], ("series", series.name)),
            )

    def _collide(
        self,
        element: _Element,
        cls: ClassDef,
        owners: dict[str, tuple[str, str]],
        name: str,
        what: str,
        introduced: str,
        at: tuple[_Element, PathKey],
    ) -> None:
        if name in owners:
            other, other_introduced = owners[name]
            if cls.qid in (introduced, other_introduced):
                if cls.qid == introduced:
                    where, sub = at
                else:  # an inherited end or series meets a name this class declares
                    where, sub = element, ("attributes", name)
                self.report(
                    where.error(
                        sub,
                        "name-collision",
                        f"'{name}' on {cls.qid} is both the {other} and the {what}; "
                        "rename one of them",
                        key=True,
                    )
                )
            return
        owners[name] = (what, introduced)

    def _first_declaration(self, cls: ClassDef, name: str) -> str:
        for ancestor in reversed(cls.ancestors):
            if name in self.classes[ancestor].attributes:
                return ancestor
        return cls.qid

    def _collection_root(
        self,
        element: _Element,
        qid: str,
        ancestors: tuple[str, ...],
        elements: Mapping[str, _Element],
    ) -> str | None:
        chain = [*reversed(ancestors), qid]  # top down, starting at the root
        if len(chain) < 2:
            return None
        for candidate in chain[1:]:
            data = elements[candidate].data
            if data.get("collection", True) is not False:
                return candidate
        return None

    def _ends(
        self,
        qid: str,
        ancestors: tuple[str, ...],
        associations: Sequence[AssociationDef],
    ) -> dict[str, AssociationEnd]:
        lineage = {qid, *ancestors}
        ends: dict[str, AssociationEnd] = {}
        shadowed: list[AssociationEnd] = []
        for assoc in associations:
            found = []
            if assoc.source in lineage:
                found.append(
                    AssociationEnd(
                        name=assoc.name,
                        association=assoc.qid,
                        side=EndSide.SOURCE,
                        other=assoc.target,
                        multiplicity=assoc.multiplicity,
                    )
                )
            if assoc.target in lineage:
                found.append(
                    AssociationEnd(
                        name=assoc.inverse,
                        association=assoc.qid,
                        side=EndSide.TARGET,
                        other=assoc.source,
                        multiplicity=assoc.inverse_multiplicity,
                    )
                )
            for end in found:
                if end.name in ends:
                    shadowed.append(end)  # reported as a name collision
                else:
                    ends[end.name] = end
        if shadowed:
            self._shadowed_ends[qid] = shadowed
        return ends

    def _build_associations(
        self,
        elements: Mapping[str, _Element],
        order: Sequence[str],
        attributes: Mapping[str, Mapping[str, Attribute]],
    ) -> list[AssociationDef]:
        result = []
        for qid in order:
            element = elements[qid]
            for role, raw in element.data.get("associations", {}).items():
                sub: PathKey = ("associations", role)
                target = self.resolve(element, (*sub, "target"), raw["target"], "class")
                if target is None or target.qid not in elements:
                    continue
                kind = AssociationKind(raw.get("kind", "reference"))
                composition = kind is AssociationKind.COMPOSITION
                # str(): YAML reads an unquoted `multiplicity: 1` as the number 1.
                multiplicity = Multiplicity(str(raw.get("multiplicity", "0..*")))
                inverse_multiplicity = Multiplicity(
                    str(raw.get("inverse_multiplicity", "1" if composition else "0..*"))
                )
                if composition and inverse_multiplicity.many:
                    self.report(
                        element.error(
                            (*sub, "inverse_multiplicity"),
                            "composition-owner",
                            "a part of a composition has one owner: inverse_multiplicity must be "
                            "0..1 or 1",
                        )
                    )
                    continue
                if composition and "on_delete" in raw:
                    self.report(
                        element.error(
                            (*sub, "on_delete"),
                            "misplaced-key",
                            "on_delete applies to references; deleting the owner of a composition "
                            "always deletes its parts",
                            key=True,
                        )
                    )
                if raw["inverse"] == role and target.qid == qid:
                    self.report(
                        element.error(
                            (*sub, "inverse"),
                            "name-collision",
                            "a self-association needs an inverse name different from its role",
                        )
                    )
                    continue
                assoc_qid = f"{qid}.{role}"
                links = self._members(
                    element, (*sub, "attributes"), raw.get("attributes", {}), {}, assoc_qid
                )
                on_delete = (
                    OnDelete.CASCADE if composition else OnDelete(raw.get("on_delete", "refuse"))
                )
                if on_delete is OnDelete.UNSET and multiplicity.minimum > 0:
                    # Deleting a target unsets it on its sources, which must have one (or more).
                    self.report(
                        element.error(
                            (*sub, "on_delete"),
                            "unset-required",
                            f"on_delete: unset would leave {element.name} without its required "
                            f"{role} (multiplicity {multiplicity.value}); use refuse",
                        )
                    )
                result.append(
                    AssociationDef(
                        qid=assoc_qid,
                        name=role,
                        model=element.model,
                        source=qid,
                        target=target.qid,
                        inverse=raw["inverse"],
                        multiplicity=multiplicity,
                        inverse_multiplicity=inverse_multiplicity,
                        kind=kind,
                        on_delete=on_delete,
                        attributes=links,
                        **_texts(raw),
                        location=element.location(sub),
                    )
                )
        for assoc in result:
            self.associations[assoc.qid] = assoc
        del attributes
        return result

    def _indexes(
        self,
        element: _Element,
        qid: str,
        attributes: Mapping[str, Attribute],
        ends: Mapping[str, AssociationEnd],
        ancestors: tuple[str, ...],
    ) -> tuple[IndexDef, ...]:
        inherited = [i for a in ancestors[:1] if a in self.classes for i in self.classes[a].indexes]
        own: list[IndexDef] = []
        failed = self._failed_names(qid)
        for i, raw in enumerate(element.data.get("indexes", [])):
            sub: PathKey = ("indexes", i)
            ok = True
            names = raw["attributes"]
            for j, name in enumerate(names):
                if name in failed:
                    ok = False
                elif name in attributes:
                    kind = attributes[name].type.kind
                    if kind in (TypeKind.RECORD, TypeKind.LIST, TypeKind.JSON, TypeKind.BINARY):
                        self.report(
                            element.error(
                                (*sub, "attributes", j),
                                "unindexable",
                                f"'{name}' is a {kind.value}; only scalar attributes and to-one "
                                "associations can be indexed",
                            )
                        )
                        ok = False
                elif name in ends and not ends[name].many:
                    assoc = self.associations[ends[name].association]
                    if assoc.attributes:
                        self.report(
                            element.error(
                                (*sub, "attributes", j),
                                "unindexable",
                                f"'{name}' is an association with link attributes (a link "
                                "table), so it cannot be part of an index",
                            )
                        )
                        ok = False
                else:
                    candidates = [*attributes, *(n for n, e in ends.items() if not e.many)]
                    hint = difflib.get_close_matches(name, candidates, n=1)
                    extra = f" (did you mean '{hint[0]}'?)" if hint else ""
                    self.report(
                        element.error(
                            (*sub, "attributes", j),
                            "unknown-attribute",
                            f"{element.name} has no attribute or to-one association "
                            f"'{name}'{extra}",
                        )
                    )
                    ok = False
            if len(set(names)) != len(names):
                self.report(
                    element.error(
                        (*sub, "attributes"),
                        "duplicate-attribute",
                        "an index names an attribute twice",
                    )
                )
                ok = False
            active_only = bool(raw.get("active_only", False))
            unique = bool(raw.get("unique", False)) or active_only
            if active_only and "state" not in attributes:
                self.report(
                    element.error(
                        (*sub, "active_only"),
                        "active-only-state",
                        "active_only needs a 'state' attribute (inherit from system/Entity)",
                    )
                )
                ok = False
            if not ok:
                continue
            prefix = "uq" if unique else "ix"
            name = raw.get("name") or f"{prefix}_{element.name.lower()}_{'_'.join(names)}"
            own.append(
                IndexDef(
                    name=name,
                    attributes=tuple(names),
                    unique=unique,
                    active_only=active_only,
                    declared_in=qid,
                    location=element.location(sub),
                )
            )
        return (*inherited, *own)

    def _display(
        self,
        element: _Element,
        template: str | None,
        ancestors: tuple[str, ...],
        attributes: Mapping[str, Attribute],
    ) -> str | None:
        if template is None:
            parent = ancestors[0] if ancestors else None
            return self.classes[parent].display if parent in self.classes else None
        for placeholder in _PLACEHOLDER.findall(template):
            parts = placeholder.split(".")
            current: Mapping[str, Attribute] = attributes
            for depth, part in enumerate(parts):
                attr = current.get(part)
                if attr is None and depth == 0 and part in self._failed_names(element.qid):
                    break
                if attr is None:
                    hint = difflib.get_close_matches(part, list(current), n=1)
                    extra = f" (did you mean '{hint[0]}'?)" if hint else ""
                    self.report(
                        element.error(
                            ("display",),
                            "unknown-attribute",
                            f"display rule names '{placeholder}', but '{part}' is not an "
                            f"attribute{extra}",
                        )
                    )
                    break
                if depth + 1 < len(parts):
                    record = self.records.get(attr.type.record or "")
                    if attr.type.kind is not TypeKind.RECORD or record is None:
                        self.report(
                            element.error(
                                ("display",),
                                "unknown-attribute",
                                f"display rule names '{placeholder}', but '{part}' is not a record",
                            )
                        )
                        break
                    current = record.attributes
        return template

    def _behaviours(self, element: _Element, qid: str) -> tuple[BehaviourRef, ...]:
        refs = []
        for i, ref in enumerate(element.data.get("behaviours", [])):
            is_path = ":" in ref
            pattern = _BEHAVIOUR_PATH if is_path else _BEHAVIOUR_NAME
            if not pattern.match(ref):
                self.report(
                    element.error(
                        ("behaviours", i),
                        "behaviour-reference",
                        f"'{ref}' is neither an entry-point name (letters, digits, . _ -) nor a "
                        "dotted path 'package.module:object'",
                    )
                )
                continue
            refs.append(
                BehaviourRef(
                    reference=ref,
                    is_path=is_path,
                    declared_in=qid,
                    location=element.location(("behaviours", i)),
                )
            )
        return tuple(refs)

    def _series(
        self, element: _Element, qid: str, ancestors: tuple[str, ...]
    ) -> dict[str, SeriesDef]:
        result: dict[str, SeriesDef] = {}
        parent = ancestors[0] if ancestors else None
        if parent in self.classes:
            result.update(self.classes[parent].series)
        for name, raw in element.data.get("series", {}).items():
            sub: PathKey = ("series", name)
            seconds = duration_seconds(raw["interval"])
            if seconds is None or seconds <= 0:
                self.report(
                    element.error(
                        (*sub, "interval"),
                        "invalid-interval",
                        f"'{raw['interval']}' is not a fixed ISO 8601 duration such as PT15M, "
                        "PT1H or P1D (months and years vary in length)",
                    )
                )
                continue
            raw_codes = raw.get("codes", [])
            codes = (
                [SeriesCode(code=c) for c in raw_codes]
                if isinstance(raw_codes, list)
                else [SeriesCode(code=c, label=_label(lbl)) for c, lbl in raw_codes.items()]
            )
            qualities = raw.get("qualities", [])
            for what, values in (("code", [c.code for c in codes]), ("quality", qualities)):
                dupes = sorted({v for v in values if values.count(v) > 1})
                if dupes:
                    self.report(
                        element.error(
                            (*sub, "codes" if what == "code" else "qualities"),
                            "duplicate-value",
                            f"{what} {', '.join(dupes)} listed twice",
                        )
                    )
            if name in result:
                self.report(
                    element.error(
                        sub,
                        "illegal-override",
                        f"series '{name}' is already declared by {result[name].declared_in}",
                        key=True,
                    )
                )
                continue
            result[name] = SeriesDef(
                name=name,
                unit=raw["unit"],
                interval=raw["interval"],
                interval_seconds=seconds,
                value_type=raw.get("value_type", "decimal"),
                codes=tuple(codes),
                qualities=tuple(qualities),
                **_texts(raw),
                declared_in=qid,
                location=element.location(sub),
            )
        return result

    # ------------------------------------------------------------------ hierarchy helpers
    def _elements(self, kind: str) -> Iterable[_Element]:
        for table in self.state.types.values():
            for element in table.values():
                if element.kind == kind and not element.broken:
                    yield element

    def _hierarchy_order(self, elements: Mapping[str, _Element], kind: str) -> list[str]:
        """Parents before children; elements in an inheritance cycle are reported and left out."""
        for qid, element in elements.items():
            ref = element.data.get("extends")
            parent = self.resolve(element, ("extends",), ref, kind) if ref else None
            self.parent[qid] = parent.qid if parent and parent.qid in elements else None
        order: list[str] = []
        state: dict[str, int] = {}  # 1 visiting, 2 done
        in_cycle: set[str] = set()

        def visit(qid: str, trail: list[str]) -> bool:
            if state.get(qid) == 2:
                return qid not in in_cycle
            if state.get(qid) == 1:
                cycle = trail[trail.index(qid) :]
                names = " -> ".join(q for q in [*cycle, qid])
                for member in cycle:
                    if member not in in_cycle:
                        in_cycle.add(member)
                        self.report(
                            elements[member].error(
                                ("extends",), "inheritance-cycle", f"inheritance cycle: {names}"
                            )
                        )
                return False
            state[qid] = 1
            parent = self.parent.get(qid)
            ok = visit(parent, [*trail, qid]) if parent else True
            state[qid] = 2
            if ok and qid not in in_cycle:
                order.append(qid)
                return True
            in_cycle.add(qid)
            return False

        for qid in elements:
            visit(qid, [])
        return order

    def _ancestors(self, qid: str) -> tuple[str, ...]:
        out = []
        parent = self.parent.get(qid)
        while parent is not None:
            out.append(parent)
            parent = self.parent.get(parent)
        return tuple(out)

    @staticmethod
    def _descendants(qid: str, children: Mapping[str, list[str]]) -> tuple[str, ...]:
        out: list[str] = []
        queue = list(children.get(qid, []))
        while queue:
            current = queue.pop(0)
            out.append(current)
            queue.extend(children.get(current, []))
        return tuple(out)


def _label(raw: Any) -> dict[str, str]:
    """A label or description as written: one text (English) or a text per language code."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        return {"en": raw}
    return dict(raw)


def _texts(data: Mapping[str, Any]) -> dict[str, Any]:
    """An element's texts for people (`label`, `description`), each per language code."""
    return {"label": _label(data.get("label")), "descriptions": _label(data.get("description"))}


def _a(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
