"""Model versioning: every change between two versions of a model, and the semver bump it needs.

`diff_models(old, new)` compares the root model's own elements (classes, attributes, associations,
enums and their values, records, indexes, series, shared attributes, the manifest) and the versions
its dependencies resolved to. Each `Change` is classified:

* **major** — something that worked before may fail now: removals, type changes, narrowing,
  required attributes without a default, tighter multiplicities, new uniqueness rules ...
* **minor** — only additions and widening: new optional attributes, new classes, looser rules ...
* **patch** — nothing a client or the stored data can notice: descriptions, labels, metadata ...

A rename cannot be told from a removal plus an addition, so it is reported as both (major).
`check_version(old, new)` compares the declared version bump with the one the changes need.
The full rule table is in docs/ck-versioning.md. Changes carry structured data (element kind,
owner qid, member name, the changed aspect, old and new values as model objects) so that a later
step can derive database migrations from them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from typing import Any

from packaging.version import Version
from pydantic import BaseModel

from meshkit.ck.model import (
    AssociationDef,
    Attribute,
    ClassDef,
    CompiledModel,
    Constraints,
    EnumDef,
    EnumValue,
    IndexDef,
    OnDelete,
    RecordDef,
    SeriesCode,
    SeriesDef,
    TypeKind,
    TypeRef,
)
from meshkit.ck.values import compare_bounds

__all__ = [
    "Action",
    "Bump",
    "Change",
    "ElementKind",
    "ModelDiff",
    "VersionProblem",
    "check_version",
    "declared_bump",
    "diff_models",
    "next_version",
    "version_problems",
]


class Bump(StrEnum):
    """A semantic-versioning level; compare with `rank` (none < patch < minor < major)."""

    NONE = "none"
    PATCH = "patch"
    MINOR = "minor"
    MAJOR = "major"

    @property
    def rank(self) -> int:
        return _RANK[self.value]


_RANK = {"none": 0, "patch": 1, "minor": 2, "major": 3}


def _highest(bumps: Iterable[Bump]) -> Bump:
    return max(bumps, key=lambda b: b.rank, default=Bump.NONE)


class ElementKind(StrEnum):
    MODEL = "model"
    DEPENDENCY = "dependency"
    CLASS = "class"
    ATTRIBUTE = "attribute"
    ASSOCIATION = "association"
    ENUM = "enum"
    ENUM_VALUE = "enum value"
    RECORD = "record"
    INDEX = "index"
    SERIES = "series"
    SERIES_CODE = "series code"
    SHARED_ATTRIBUTE = "shared attribute"


class Action(StrEnum):
    REMOVED = "removed"
    CHANGED = "changed"
    ADDED = "added"


_ACTION_ORDER = {Action.REMOVED: 0, Action.CHANGED: 1, Action.ADDED: 2}


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a model.

    * `owner` is the qualified id of the element holding the member: a class, record, enum,
      association (``model/Class.role``, for link attributes) or shared attribute; the root
      model's name for model and dependency changes.
    * `member` names the attribute, enum value, index, series or dependency inside `owner`;
      None when the change is about `owner` itself. `item` is the code of a series code.
    * `aspect` is the property that changed (``type``, ``required``, ``max``, ``multiplicity`` ...);
      None when the element was added or removed.
    * `old` and `new` are the values as the compiled model holds them (a TypeRef, a Multiplicity,
      a Decimal bound ...); for an added or removed element, the element itself (an Attribute,
      a ClassDef ...). `to_json()` turns them into JSON values.
    """

    bump: Bump
    kind: ElementKind
    action: Action
    path: str
    owner: str
    member: str | None = None
    item: str | None = None
    aspect: str | None = None
    old: Any = field(default=None, hash=False)
    new: Any = field(default=None, hash=False)
    reason: str = ""

    @property
    def sort_key(self) -> tuple[str, str, int, str]:
        return (self.path, self.kind.value, _ACTION_ORDER[self.action], self.aspect or "")

    @property
    def summary(self) -> str:
        """What changed, in one line: ``added: string, required``, ``max: 10 -> 5`` ..."""
        if self.action is Action.ADDED:
            detail = _describe(self.new)
            return f"added: {detail}" if detail else "added"
        if self.action is Action.REMOVED:
            detail = _describe(self.old)
            return f"removed: {detail}" if detail else "removed"
        return f"{self.aspect}: {_show(self.old)} -> {_show(self.new)}"

    def __str__(self) -> str:
        return f"{self.bump.value:5}  {self.kind.value} {self.path}: {self.summary}"

    def to_json(self) -> dict[str, Any]:
        return {
            "bump": self.bump.value,
            "kind": self.kind.value,
            "action": self.action.value,
            "path": self.path,
            "owner": self.owner,
            "member": self.member,
            "item": self.item,
            "aspect": self.aspect,
            "old": _jsonable(self.old),
            "new": _jsonable(self.new),
            "summary": self.summary,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ModelDiff:
    """Every change between two versions of one model, sorted by path."""

    model: str
    old_version: str
    new_version: str
    changes: tuple[Change, ...] = ()

    @property
    def required_bump(self) -> Bump:
        """The smallest version bump that covers every change ("none" when nothing changed)."""
        return _highest(c.bump for c in self.changes)

    def with_bump(self, bump: Bump) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.bump is bump)

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "required_bump": self.required_bump.value,
            "changes": [c.to_json() for c in self.changes],
        }


# ---------------------------------------------------------------------------------------- diff


def diff_models(old: CompiledModel, new: CompiledModel) -> ModelDiff:
    """Every change from `old` to `new`, two versions of the same root model.

    Only the root model's own elements are compared; for its dependencies, the declared range and
    the version they resolved to. Raises ValueError when the roots are different models.
    """
    if old.root != new.root:
        raise ValueError(
            f"cannot compare two different models: '{old.root}' and '{new.root}' "
            "(a model keeps its name across versions)"
        )
    differ = _Differ(old, new)
    differ.run()
    changes = tuple(sorted(differ.changes, key=lambda c: c.sort_key))
    return ModelDiff(old.root, old.version, new.version, changes)


_MAJOR_REMOVED = "removed: data, queries and models that use it break"
_A_PATCH = "documentation only"


class _Differ:
    def __init__(self, old: CompiledModel, new: CompiledModel) -> None:
        self.old = old
        self.new = new
        self.root = new.root
        self.changes: list[Change] = []

    def emit(
        self,
        bump: Bump,
        kind: ElementKind,
        action: Action,
        owner: str,
        member: str | None = None,
        *,
        item: str | None = None,
        aspect: str | None = None,
        old: Any = None,
        new: Any = None,
        reason: str = "",
        path: str | None = None,
    ) -> None:
        if path is None:
            path = owner if member is None else f"{owner}.{member}"
            if item is not None:
                path = f"{path}.{item}"
        self.changes.append(
            Change(bump, kind, action, path, owner, member, item, aspect, old, new, reason)
        )

    def changed(
        self,
        bump: Bump,
        kind: ElementKind,
        owner: str,
        member: str | None,
        aspect: str,
        old: Any,
        new: Any,
        reason: str,
        *,
        item: str | None = None,
    ) -> None:
        self.emit(
            bump,
            kind,
            Action.CHANGED,
            owner,
            member,
            item=item,
            aspect=aspect,
            old=old,
            new=new,
            reason=reason,
        )

    def docs(
        self,
        kind: ElementKind,
        owner: str,
        member: str | None,
        old: Any,
        new: Any,
        aspects: Sequence[str] = ("description", "label"),
        *,
        item: str | None = None,
    ) -> None:
        """Report description, label (and metadata) changes: patch."""
        for aspect in aspects:
            # a description in any language is the description: one change, with every language
            held = "descriptions" if aspect == "description" else aspect
            before, after = getattr(old, held), getattr(new, held)
            if _plain(before) != _plain(after):
                self.changed(
                    Bump.PATCH, kind, owner, member, aspect, before, after, _A_PATCH, item=item
                )

    # ------------------------------------------------------------------ run
    def run(self) -> None:
        self._model()
        self._enums()
        self._records()
        self._shared_attributes()
        self._classes()
        self._associations()

    def _own(self, table: Mapping[str, Any]) -> dict[str, Any]:
        return {q: e for q, e in table.items() if q.split("/", 1)[0] == self.root}

    def _pairs(
        self,
        kind: ElementKind,
        old_table: Mapping[str, Any],
        new_table: Mapping[str, Any],
        *,
        removed: str,
        added: Callable[[Any], tuple[Bump, str]],
        compare: Callable[[Any, Any], None],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Removal is major, an addition as `added` says, a kept element is `compare`d.

        Returns the root model's own elements of both versions.
        """
        old_own, new_own = self._own(old_table), self._own(new_table)
        for qid in sorted({*old_own, *new_own}):
            if qid not in new_own:
                self.emit(Bump.MAJOR, kind, Action.REMOVED, qid, old=old_own[qid], reason=removed)
            elif qid not in old_own:
                bump, reason = added(new_own[qid])
                self.emit(bump, kind, Action.ADDED, qid, new=new_own[qid], reason=reason)
            else:
                compare(old_own[qid], new_own[qid])
        return old_own, new_own

    # ------------------------------------------------------------------ model and dependencies
    def _model(self) -> None:
        root = self.root
        old, new = self.old.models[root], self.new.models[root]
        self.docs(ElementKind.MODEL, root, None, old, new)
        if old.behaviours != new.behaviours:
            self.changed(
                Bump.MINOR,
                ElementKind.MODEL,
                root,
                None,
                "behaviours",
                old.behaviours,
                new.behaviours,
                "the behaviours package changes what happens on writes",
            )
        names = sorted({*old.dependencies, *new.dependencies})
        for name in names:
            kind = ElementKind.DEPENDENCY
            if name not in new.dependencies:
                self.emit(
                    Bump.MINOR,
                    kind,
                    Action.REMOVED,
                    root,
                    name,
                    old=_dependency(old.dependencies[name], old.resolved.get(name)),
                    reason="dependency dropped (elements that used it are reported themselves)",
                    path=name,
                )
                continue
            if name not in old.dependencies:
                self.emit(
                    Bump.MINOR,
                    kind,
                    Action.ADDED,
                    root,
                    name,
                    new=_dependency(new.dependencies[name], new.resolved.get(name)),
                    reason="installing the model now needs one more model",
                    path=name,
                )
                continue
            if old.dependencies[name] != new.dependencies[name]:
                self.emit(
                    Bump.MINOR,
                    kind,
                    Action.CHANGED,
                    root,
                    name,
                    aspect="range",
                    old=old.dependencies[name],
                    new=new.dependencies[name],
                    reason="installing the model may need other versions of the dependency",
                    path=name,
                )
            before, after = old.resolved.get(name), new.resolved.get(name)
            if before is not None and after is not None and before != after:
                bump = _version_step(before, after)
                self.emit(
                    bump,
                    kind,
                    Action.CHANGED,
                    root,
                    name,
                    aspect="version",
                    old=before,
                    new=after,
                    reason=f"the dependency itself changed by a {bump.value} step "
                    "(inherited attributes and referenced elements change with it)",
                    path=name,
                )

    # ------------------------------------------------------------------ enums
    def _enums(self) -> None:
        old_own, new_own = self._pairs(
            ElementKind.ENUM,
            self.old.enums,
            self.new.enums,
            removed=_MAJOR_REMOVED,
            added=lambda _: (Bump.MINOR, "a new enum"),
            compare=self._enum,
        )
        # values this model adds to enums of other models (enum_extensions)
        for qid in sorted({*self.old.enums, *self.new.enums} - {*old_own, *new_own}):
            if qid in self.old.enums and qid in self.new.enums:
                self._enum_values(self.old.enums[qid], self.new.enums[qid])

    def _enum(self, old: EnumDef, new: EnumDef) -> None:
        kind, qid = ElementKind.ENUM, new.qid
        self.docs(kind, qid, None, old, new)
        if old.flags != new.flags:
            self.changed(
                Bump.MAJOR,
                kind,
                qid,
                None,
                "flags",
                old.flags,
                new.flags,
                "stored keys are read differently (one value vs. a combination)",
            )
        if old.extensible != new.extensible:
            if new.extensible:
                self.changed(
                    Bump.MINOR,
                    kind,
                    qid,
                    None,
                    "extensible",
                    False,
                    True,
                    "other models may now add values",
                )
            else:
                self.changed(
                    Bump.MAJOR,
                    kind,
                    qid,
                    None,
                    "extensible",
                    True,
                    False,
                    "models that add values to it no longer compile",
                )
        self._enum_values(old, new)

    def _enum_values(self, old: EnumDef, new: EnumDef) -> None:
        kind, qid = ElementKind.ENUM_VALUE, new.qid
        before = {n: v for n, v in old.values.items() if v.model == self.root}
        after = {n: v for n, v in new.values.items() if v.model == self.root}
        for name in sorted({*before, *after}):
            if name not in after:
                self.emit(
                    Bump.MAJOR,
                    kind,
                    Action.REMOVED,
                    qid,
                    name,
                    old=before[name],
                    reason="stored rows and clients may still use the value",
                )
            elif name not in before:
                self.emit(
                    Bump.MINOR,
                    kind,
                    Action.ADDED,
                    qid,
                    name,
                    new=after[name],
                    reason="a new value (clients that switch over all values may need a case)",
                )
            else:
                o, n = before[name], after[name]
                if o.key != n.key:
                    self.changed(
                        Bump.MAJOR,
                        kind,
                        qid,
                        name,
                        "key",
                        o.key,
                        n.key,
                        "the key is what the database stores: stored rows change meaning",
                    )
                self.docs(kind, qid, name, o, n)

    # ------------------------------------------------------------------ records
    def _records(self) -> None:
        self._pairs(
            ElementKind.RECORD,
            self.old.records,
            self.new.records,
            removed=_MAJOR_REMOVED,
            added=lambda _: (Bump.MINOR, "a new record"),
            compare=self._record,
        )

    def _record(self, old: RecordDef, new: RecordDef) -> None:
        kind, qid = ElementKind.RECORD, new.qid
        self.docs(kind, qid, None, old, new, ("description", "label", "metadata"))
        if old.extends != new.extends:
            self.changed(
                Bump.MAJOR,
                kind,
                qid,
                None,
                "extends",
                old.extends,
                new.extends,
                "the inherited attributes change",
            )
        self._members(qid, old.attributes, new.attributes)

    # ------------------------------------------------------------------ shared attributes
    def _shared_attributes(self) -> None:
        kind = ElementKind.SHARED_ATTRIBUTE
        self._pairs(
            kind,
            self.old.shared_attributes,
            self.new.shared_attributes,
            removed="models that 'use' it no longer compile",
            added=lambda _: (Bump.MINOR, "a new shared definition"),
            compare=lambda old, new: self._attribute(kind, new.declared_in, None, old, new),
        )

    # ------------------------------------------------------------------ attributes
    def _members(
        self,
        owner: str,
        old: Mapping[str, Attribute],
        new: Mapping[str, Attribute],
    ) -> None:
        """Attributes `owner` declares itself (or overrides) in either version.

        An attribute inherited in both versions is reported where it is declared. When a
        declaration moves up to a parent, the attribute is compared as the class sees it.
        """
        kind = ElementKind.ATTRIBUTE
        names = [n for n, a in old.items() if a.declared_in == owner]
        names += [n for n, a in new.items() if a.declared_in == owner and n not in names]
        for name in sorted(names):
            if name not in new:
                self.emit(
                    Bump.MAJOR,
                    kind,
                    Action.REMOVED,
                    owner,
                    name,
                    old=old[name],
                    reason="stored values are lost; clients that send or read it break",
                )
            elif name not in old:
                attr = new[name]
                if attr.required and not attr.has_default:
                    bump, reason = (
                        Bump.MAJOR,
                        "required without a default: existing data has no value and clients "
                        "that do not send it fail",
                    )
                else:
                    bump = Bump.MINOR
                    reason = (
                        "required with a default: existing data and clients get the default"
                        if attr.required
                        else "optional: existing data stays valid"
                    )
                self.emit(bump, kind, Action.ADDED, owner, name, new=attr, reason=reason)
            else:
                self._attribute(kind, owner, name, old[name], new[name])

    def _attribute(
        self, kind: ElementKind, owner: str, member: str | None, old: Attribute, new: Attribute
    ) -> None:
        def change(bump: Bump, aspect: str, before: Any, after: Any, reason: str) -> None:
            self.changed(bump, kind, owner, member, aspect, before, after, reason)

        if old.type != new.type:
            bump, reason = _type_change(old.type, new.type)
            change(bump, "type", old.type, new.type, reason)
        if old.required != new.required:
            if new.required:
                change(
                    Bump.MAJOR,
                    "required",
                    False,
                    True,
                    "optional -> required: existing data and clients may lack a value",
                )
            else:
                change(
                    Bump.MINOR,
                    "required",
                    True,
                    False,
                    "required -> optional: readers must now expect no value",
                )
        if (old.has_default, _plain(old.default)) != (new.has_default, _plain(new.default)):
            if not new.has_default:
                bump = Bump.MAJOR if new.required else Bump.MINOR
                reason = (
                    "default removed from a required attribute: clients must now send it"
                    if new.required
                    else "default removed: new instances get no value"
                )
            elif not old.has_default:
                bump, reason = Bump.MINOR, "default added: clients may leave it out"
            else:
                bump, reason = Bump.MINOR, "default changed: new instances get another value"
            change(
                bump,
                "default",
                old.default if old.has_default else None,
                new.default if new.has_default else None,
                reason,
            )
        for aspect, before, after, bump, reason in _constraint_changes(
            new.type.kind, old.constraints, new.constraints
        ):
            change(bump, aspect, before, after, reason)
        if old.unit != new.unit:
            change(
                Bump.MAJOR,
                "unit",
                old.unit,
                new.unit,
                "the unit gives stored numbers their meaning",
            )
        if old.computed != new.computed:
            if new.computed:
                change(
                    Bump.MAJOR,
                    "computed",
                    False,
                    True,
                    "clients can no longer set the value",
                )
            else:
                change(
                    Bump.MINOR,
                    "computed",
                    True,
                    False,
                    "clients may now set the value; no behaviour fills it",
                )
        if old.sensitive != new.sensitive:
            if new.sensitive:
                change(
                    Bump.MAJOR,
                    "sensitive",
                    False,
                    True,
                    "values are now masked in reads and exports",
                )
            else:
                change(
                    Bump.MINOR,
                    "sensitive",
                    True,
                    False,
                    "values are no longer masked",
                )
        if old.shared != new.shared:
            change(
                Bump.PATCH,
                "shared",
                old.shared,
                new.shared,
                "built from another shared definition (differences in the result are listed "
                "separately)",
            )
        if old.declared_in != new.declared_in:
            change(
                Bump.PATCH,
                "declared_in",
                old.declared_in,
                new.declared_in,
                "declared in another class (differences in the result are listed separately)",
            )
        self.docs(kind, owner, member, old, new, ("description", "label", "metadata"))

    # ------------------------------------------------------------------ classes
    def _classes(self) -> None:
        self._pairs(
            ElementKind.CLASS,
            self.old.classes,
            self.new.classes,
            removed=_MAJOR_REMOVED,
            added=lambda _: (Bump.MINOR, "a new class"),
            compare=self._class,
        )

    def _class(self, old: ClassDef, new: ClassDef) -> None:
        kind, qid = ElementKind.CLASS, new.qid

        def change(bump: Bump, aspect: str, before: Any, after: Any, reason: str) -> None:
            self.changed(bump, kind, qid, None, aspect, before, after, reason)

        self.docs(kind, qid, None, old, new, ("description", "label", "metadata"))
        if old.abstract != new.abstract:
            if new.abstract:
                change(
                    Bump.MAJOR,
                    "abstract",
                    False,
                    True,
                    "instances can no longer be created; stored ones lose their class",
                )
            else:
                change(Bump.MINOR, "abstract", True, False, "instances may now be created")
        if old.final != new.final:
            if new.final:
                change(
                    Bump.MAJOR,
                    "final",
                    False,
                    True,
                    "classes that extend it no longer compile",
                )
            else:
                change(Bump.MINOR, "final", True, False, "other classes may now extend it")
        if old.extends != new.extends:
            change(
                Bump.MAJOR,
                "extends",
                old.extends,
                new.extends,
                "the base class changes: inherited attributes, associations and the table change",
            )
        if old.collection_root != new.collection_root:
            change(
                Bump.MAJOR,
                "collection",
                old.collection_root,
                new.collection_root,
                "instances are stored in another table",
            )
        before_display = _own_display(self.old, old)
        after_display = _own_display(self.new, new)
        if before_display != after_display:
            change(Bump.PATCH, "display", before_display, after_display, "how instances are shown")
        before = tuple(b.reference for b in old.behaviours)
        after = tuple(b.reference for b in new.behaviours)
        if before != after:
            change(
                Bump.MINOR,
                "behaviours",
                before,
                after,
                "the behaviours change what happens on writes",
            )
        self._members(qid, old.attributes, new.attributes)
        self._indexes(qid, old.indexes, new.indexes)
        self._series(qid, old.series, new.series)

    # ------------------------------------------------------------------ indexes
    def _indexes(self, qid: str, old: Sequence[IndexDef], new: Sequence[IndexDef]) -> None:
        kind = ElementKind.INDEX
        before = {i.name: i for i in old if i.declared_in == qid}
        after = {i.name: i for i in new if i.declared_in == qid}
        pairs = [(before.pop(n), after.pop(n)) for n in sorted(set(before) & set(after))]
        # an unnamed index is named after its attributes and uniqueness (ix_... / uq_...): one
        # made unique gets a new name, so match what is left by attributes
        for name, index in sorted(before.items()):
            match = next((i for i in after.values() if i.attributes == index.attributes), None)
            if match is not None:
                del before[name], after[match.name]
                pairs.append((index, match))
        for index in before.values():
            if index.unique:
                self.emit(
                    Bump.MINOR,
                    kind,
                    Action.REMOVED,
                    qid,
                    index.name,
                    old=index,
                    reason="a uniqueness rule is dropped",
                )
            else:
                self.emit(
                    Bump.PATCH,
                    kind,
                    Action.REMOVED,
                    qid,
                    index.name,
                    old=index,
                    reason="a plain index only speeds up queries",
                )
        for index in after.values():
            if index.unique:
                self.emit(
                    Bump.MAJOR,
                    kind,
                    Action.ADDED,
                    qid,
                    index.name,
                    new=index,
                    reason="a new uniqueness rule: existing data may break it, writes may fail",
                )
            else:
                self.emit(
                    Bump.MINOR,
                    kind,
                    Action.ADDED,
                    qid,
                    index.name,
                    new=index,
                    reason="a new plain index",
                )
        for o, n in pairs:
            self._index(qid, o, n)

    def _index(self, qid: str, old: IndexDef, new: IndexDef) -> None:
        kind, member = ElementKind.INDEX, new.name

        def change(bump: Bump, aspect: str, before: Any, after: Any, reason: str) -> None:
            self.changed(bump, kind, qid, member, aspect, before, after, reason)

        if old.name != new.name:
            change(Bump.PATCH, "name", old.name, new.name, "the database index is renamed")
        if old.unique != new.unique:
            if new.unique:
                change(
                    Bump.MAJOR,
                    "unique",
                    False,
                    True,
                    "a new uniqueness rule: existing data may break it, writes may fail",
                )
            else:
                change(Bump.MINOR, "unique", True, False, "a uniqueness rule is dropped")
        if old.attributes != new.attributes:
            if old.unique and new.unique:
                if set(new.attributes) > set(old.attributes):
                    bump, reason = Bump.MINOR, "unique over more attributes: looser"
                else:
                    bump, reason = Bump.MAJOR, "unique over other attributes: may be tighter"
            elif new.unique:
                bump, reason = Bump.MAJOR, "a new uniqueness rule"
            else:
                bump, reason = Bump.MINOR, "a plain index over other attributes"
            change(bump, "attributes", old.attributes, new.attributes, reason)
        if old.active_only != new.active_only and old.unique and new.unique:
            if new.active_only:
                change(
                    Bump.MINOR,
                    "active_only",
                    False,
                    True,
                    "archived entities no longer count for uniqueness: looser",
                )
            else:
                change(
                    Bump.MAJOR,
                    "active_only",
                    True,
                    False,
                    "archived entities now count for uniqueness: tighter",
                )

    # ------------------------------------------------------------------ series
    def _series(self, qid: str, old: Mapping[str, SeriesDef], new: Mapping[str, SeriesDef]) -> None:
        kind = ElementKind.SERIES
        before = {n: s for n, s in old.items() if s.declared_in == qid}
        after = {n: s for n, s in new.items() if s.declared_in == qid}
        for name in sorted({*before, *after}):
            if name not in after:
                self.emit(
                    Bump.MAJOR,
                    kind,
                    Action.REMOVED,
                    qid,
                    name,
                    old=before[name],
                    reason="stored readings are lost; importers and readers break",
                )
            elif name not in before:
                self.emit(
                    Bump.MINOR,
                    kind,
                    Action.ADDED,
                    qid,
                    name,
                    new=after[name],
                    reason="a new series",
                )
            else:
                self._one_series(qid, before[name], after[name])

    def _one_series(self, qid: str, old: SeriesDef, new: SeriesDef) -> None:
        kind, name = ElementKind.SERIES, new.name

        def change(bump: Bump, aspect: str, before: Any, after: Any, reason: str) -> None:
            self.changed(bump, kind, qid, name, aspect, before, after, reason)

        if old.unit != new.unit:
            change(
                Bump.MAJOR,
                "unit",
                old.unit,
                new.unit,
                "the unit gives stored readings their meaning",
            )
        if old.interval_seconds != new.interval_seconds:
            change(
                Bump.MAJOR,
                "interval",
                old.interval,
                new.interval,
                "stored readings no longer fit the grid",
            )
        elif old.interval != new.interval:
            change(
                Bump.PATCH,
                "interval",
                old.interval,
                new.interval,
                "the same length written differently",
            )
        if old.value_type != new.value_type:
            change(
                Bump.MAJOR,
                "value_type",
                old.value_type,
                new.value_type,
                "the type of stored readings changes",
            )
        removed = tuple(q for q in old.qualities if q not in new.qualities)
        added = tuple(q for q in new.qualities if q not in old.qualities)
        if old.qualities != new.qualities:
            if removed:
                bump, reason = (
                    Bump.MAJOR,
                    f"quality {', '.join(removed)} removed: stored readings may carry it",
                )
            elif added:
                bump, reason = Bump.MINOR, f"quality {', '.join(added)} added"
            else:
                bump, reason = Bump.PATCH, "the same qualities, reordered"
            change(bump, "qualities", old.qualities, new.qualities, reason)
        self.docs(kind, qid, name, old, new)
        codes_before = {c.code: c for c in old.codes}
        codes_after = {c.code: c for c in new.codes}
        ckind = ElementKind.SERIES_CODE
        for code in sorted({*codes_before, *codes_after}):
            if code not in codes_after:
                self.emit(
                    Bump.MAJOR,
                    ckind,
                    Action.REMOVED,
                    qid,
                    name,
                    item=code,
                    old=codes_before[code],
                    reason="stored readings under this code are lost; importers break",
                )
            elif code not in codes_before:
                self.emit(
                    Bump.MINOR,
                    ckind,
                    Action.ADDED,
                    qid,
                    name,
                    item=code,
                    new=codes_after[code],
                    reason="a new code",
                )
            else:
                self.docs(
                    ckind, qid, name, codes_before[code], codes_after[code], ("label",), item=code
                )

    # ------------------------------------------------------------------ associations
    def _associations(self) -> None:
        self._pairs(
            ElementKind.ASSOCIATION,
            self.old.associations,
            self.new.associations,
            removed="stored links are lost; navigation from both ends breaks",
            added=self._new_association,
            compare=self._association,
        )

    def _new_association(self, assoc: AssociationDef) -> tuple[Bump, str]:
        """Minor unless an end is required for instances that already exist."""
        problems = []
        if assoc.multiplicity.minimum > 0 and assoc.source in self.old.classes:
            problems.append(
                f"every existing {_short(assoc.source)} needs a {assoc.name} "
                f"({assoc.multiplicity.value})"
            )
        if assoc.inverse_multiplicity.minimum > 0 and assoc.target in self.old.classes:
            problems.append(
                f"every existing {_short(assoc.target)} needs a {assoc.inverse} "
                f"({assoc.inverse_multiplicity.value})"
            )
        if problems:
            return Bump.MAJOR, "a required end: " + "; ".join(problems)
        return Bump.MINOR, "a new association with optional ends (or ends on new classes)"

    def _association(self, old: AssociationDef, new: AssociationDef) -> None:
        kind, qid = ElementKind.ASSOCIATION, new.qid

        def change(bump: Bump, aspect: str, before: Any, after: Any, reason: str) -> None:
            self.changed(bump, kind, qid, None, aspect, before, after, reason)

        if old.target != new.target:
            change(
                Bump.MAJOR,
                "target",
                old.target,
                new.target,
                "links point to another class",
            )
        if old.inverse != new.inverse:
            change(
                Bump.MAJOR,
                "inverse",
                old.inverse,
                new.inverse,
                "the navigation name from the target changes",
            )
        for aspect in ("multiplicity", "inverse_multiplicity"):
            before, after = getattr(old, aspect), getattr(new, aspect)
            if before != after:
                if after.allows_at_least(before):
                    change(Bump.MINOR, aspect, before, after, "looser: allows more counts")
                else:
                    change(
                        Bump.MAJOR,
                        aspect,
                        before,
                        after,
                        "tighter: existing links or clients may not fit",
                    )
        if old.kind != new.kind:
            change(
                Bump.MAJOR,
                "kind",
                old.kind,
                new.kind,
                "ownership and deletion of the linked instances change",
            )
        if old.on_delete != new.on_delete:
            if old.on_delete is OnDelete.REFUSE and new.on_delete is OnDelete.UNSET:
                change(
                    Bump.MINOR,
                    "on_delete",
                    old.on_delete,
                    new.on_delete,
                    "deletes that were refused now succeed",
                )
            else:
                change(
                    Bump.MAJOR,
                    "on_delete",
                    old.on_delete,
                    new.on_delete,
                    "deleting a target now behaves differently (may be refused or cascade)",
                )
        self.docs(kind, qid, None, old, new)
        self._members(qid, old.attributes, new.attributes)


# ---------------------------------------------------------------------------------------- rules


def _type_change(old: TypeRef, new: TypeRef) -> tuple[Bump, str]:
    if old.kind is TypeKind.DECIMAL and new.kind is TypeKind.DECIMAL:
        assert old.precision is not None and old.scale is not None
        assert new.precision is not None and new.scale is not None
        if new.scale >= old.scale and new.precision - new.scale >= old.precision - old.scale:
            return Bump.MINOR, "the decimal widens: every stored value still fits"
        return Bump.MAJOR, "the decimal shrinks (precision or scale): stored values may not fit"
    if old.kind is TypeKind.LIST and new.kind is TypeKind.LIST:
        assert old.items is not None and new.items is not None
        bump, reason = _type_change(old.items, new.items)
        return bump, f"list items: {reason}"
    if old.kind is new.kind is TypeKind.ENUM:
        return Bump.MAJOR, "another enum: stored keys change meaning"
    if old.kind is new.kind is TypeKind.RECORD:
        return Bump.MAJOR, "another record: stored values no longer fit"
    return Bump.MAJOR, "another type: stored values, the database column and the API change"


def _constraint_changes(
    kind: TypeKind, old: Constraints, new: Constraints
) -> list[tuple[str, Any, Any, Bump, str]]:
    """(aspect, old, new, bump, reason) for every constraint that differs."""
    out: list[tuple[str, Any, Any, Bump, str]] = []
    tighter, looser = Bump.MAJOR, Bump.MINOR

    def bound(aspect: str, before: Any, after: Any, grows_tighter: bool) -> None:
        if before == after:
            return
        if after is None:
            out.append((aspect, before, after, looser, f"{aspect} removed: wider"))
            return
        if before is None:
            out.append((aspect, before, after, tighter, f"{aspect} added: narrower"))
            return
        try:
            grows = compare_bounds(kind, before, after)
        except (TypeError, ValueError, InvalidOperation):
            out.append((aspect, before, after, tighter, f"{aspect} changed with the type"))
            return
        if grows == grows_tighter:
            out.append((aspect, before, after, tighter, f"{aspect} tightened: narrower"))
        else:
            out.append((aspect, before, after, looser, f"{aspect} relaxed: wider"))

    bound("min", old.min, new.min, True)
    bound("max", old.max, new.max, False)
    for aspect, grows_tighter in (("min_length", True), ("max_length", False)):
        before, after = getattr(old, aspect), getattr(new, aspect)
        if before == after:
            continue
        if after is None:
            out.append((aspect, before, after, looser, f"{aspect} removed: wider"))
        elif before is None:
            out.append((aspect, before, after, tighter, f"{aspect} added: narrower"))
        elif (after > before) == grows_tighter:
            out.append((aspect, before, after, tighter, f"{aspect} tightened: narrower"))
        else:
            out.append((aspect, before, after, looser, f"{aspect} relaxed: wider"))
    if old.pattern != new.pattern:
        if new.pattern is None:
            out.append(("pattern", old.pattern, None, looser, "pattern removed: wider"))
        elif old.pattern is None:
            out.append(("pattern", None, new.pattern, tighter, "pattern added: narrower"))
        else:
            out.append(
                (
                    "pattern",
                    old.pattern,
                    new.pattern,
                    tighter,
                    "pattern changed: values the old one accepted may be refused",
                )
            )
    if old.allowed != new.allowed:
        before, after = old.allowed, new.allowed
        if after is None:
            out.append(("allowed", before, after, looser, "allowed list removed: wider"))
        elif before is None:
            out.append(("allowed", before, after, tighter, "allowed list added: narrower"))
        else:
            dropped = [v for v in before if v not in after]
            if dropped:
                out.append(
                    (
                        "allowed",
                        before,
                        after,
                        tighter,
                        f"no longer allowed: {', '.join(map(_show, dropped))}",
                    )
                )
            elif any(v not in before for v in after):
                out.append(("allowed", before, after, looser, "more values allowed: wider"))
            else:
                out.append(("allowed", before, after, Bump.PATCH, "the same values, reordered"))
    return out


def _version_step(old: str, new: str) -> Bump:
    """How far a dependency moved; 0.x minor steps count as major (semver: 0.y may break)."""
    o, n = Version(old), Version(new)
    if n < o or n.major != o.major:
        return Bump.MAJOR
    if n.minor != o.minor:
        return Bump.MAJOR if o.major == 0 else Bump.MINOR
    return Bump.PATCH if n != o else Bump.NONE


def _dependency(range_: str, resolved: str | None) -> dict[str, str | None]:
    return {"range": range_, "version": resolved}


def _own_display(model: CompiledModel, cls: ClassDef) -> str | None:
    """The display rule `cls` declares; None when it only inherits its parent's."""
    parent = model.classes.get(cls.extends) if cls.extends else None
    if parent is not None and parent.display == cls.display:
        return None
    return cls.display


def _short(qid: str) -> str:
    return qid.rsplit("/", 1)[-1]


# ---------------------------------------------------------------------------------------- version


@dataclass(frozen=True)
class VersionProblem:
    """Why the declared version does not fit the changes; `changes` are those that need more."""

    message: str
    changes: tuple[Change, ...] = ()

    def __str__(self) -> str:
        details = (f"  {c.bump.value}: {c.kind.value} {c.path}: {c.summary}" for c in self.changes)
        return "\n".join([self.message, *details])


def declared_bump(old: str, new: str) -> Bump | None:
    """The semver step from `old` to `new`; None when the version went down."""
    o, n = Version(old), Version(new)
    if n < o:
        return None
    if n == o:
        return Bump.NONE
    if n.major != o.major:
        return Bump.MAJOR
    if n.minor != o.minor:
        return Bump.MINOR
    return Bump.PATCH


def next_version(old: str, bump: Bump) -> str:
    """The smallest version after `old` that makes a `bump` step."""
    o = Version(old)
    if bump is Bump.MAJOR:
        return f"{o.major + 1}.0.0"
    if bump is Bump.MINOR:
        return f"{o.major}.{o.minor + 1}.0"
    if bump is Bump.PATCH:
        return f"{o.major}.{o.minor}.{o.micro + 1}"
    return old


def _effective(bump: Bump, old: str) -> Bump:
    """Semver for 0.y.z: the minor step may break, so a major change needs only a minor step and
    a minor change a patch step (as Cargo and npm's caret ranges read 0.y versions)."""
    if Version(old).major != 0:
        return bump
    return {Bump.MAJOR: Bump.MINOR, Bump.MINOR: Bump.PATCH}.get(bump, bump)


def version_problems(diff: ModelDiff) -> list[VersionProblem]:
    """Compare the declared bump (old -> new version of the root model) with the one needed."""
    old, new = diff.old_version, diff.new_version
    declared = declared_bump(old, new)
    if declared is None:
        return [VersionProblem(f"the version went down from {old} to {new}")]
    required = diff.required_bump
    needed = _effective(required, old)
    if needed.rank <= declared.rank:
        return []
    changes = tuple(
        sorted(
            (c for c in diff.changes if _effective(c.bump, old).rank > declared.rank),
            key=lambda c: (-c.bump.rank, c.sort_key),
        )
    )
    zero = " (0.x: a breaking change needs only a minor step)" if needed is not required else ""
    suggestion = next_version(old, needed)
    if declared is Bump.NONE:
        count = len(diff.changes)
        message = (
            f"the version did not change ({old}) although the model has {count} "
            f"change{'s' if count != 1 else ''}; they need a {needed.value} step{zero}: "
            f"use at least {suggestion}"
        )
    else:
        message = (
            f"{old} -> {new} is a {declared.value} step, but the changes need a {needed.value} "
            f"step{zero}: use at least {suggestion}"
        )
    return [VersionProblem(message, changes)]


def check_version(old: CompiledModel, new: CompiledModel) -> list[VersionProblem]:
    """Problems with the version `new` declares, given what changed since `old` (empty: fine)."""
    return version_problems(diff_models(old, new))


# ---------------------------------------------------------------------------------------- output


def _plain(value: Any) -> Any:
    """A JSON-like value for equality checks that tells True from 1."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _strip_locations(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_locations(v) for k, v in value.items() if k != "location"}
    if isinstance(value, list):
        return [_strip_locations(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, BaseModel):
        return _strip_locations(value.model_dump(mode="json", exclude_none=True))
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


def _show(value: Any) -> str:
    """A short text for one value in a summary."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:57] + '..."'
    if isinstance(value, TypeRef | Decimal):
        return str(value)
    if isinstance(value, Mapping | list | tuple):
        text = json.dumps(_jsonable(value), ensure_ascii=False, sort_keys=True)
        return text if len(text) <= 60 else text[:57] + "..."
    return str(value)


def _describe(element: Any) -> str:
    """What an added or removed element is, in a few words."""
    if isinstance(element, Attribute):
        parts = [str(element.type), "required" if element.required else "optional"]
        if element.has_default:
            parts.append(f"default {_show(element.default)}")
        if element.unit:
            parts.append(f"unit {element.unit}")
        return ", ".join(parts)
    if isinstance(element, ClassDef):
        parts = ["abstract"] if element.abstract else []
        if element.extends:
            parts.append(f"extends {element.extends}")
        return ", ".join(parts)
    if isinstance(element, RecordDef):
        return f"extends {element.extends}" if element.extends else ""
    if isinstance(element, EnumDef):
        return ", ".join(element.values)
    if isinstance(element, EnumValue):
        return f"key {element.key}"
    if isinstance(element, AssociationDef):
        return (
            f"{element.kind.value} to {element.target} ({element.multiplicity.value}), "
            f"inverse {element.inverse} ({element.inverse_multiplicity.value})"
        )
    if isinstance(element, IndexDef):
        return f"{'unique ' if element.unique else ''}({', '.join(element.attributes)})"
    if isinstance(element, SeriesDef):
        return f"{element.unit} every {element.interval}"
    if isinstance(element, SeriesCode):
        return ""
    if isinstance(element, Mapping):
        return " ".join(str(v) for v in element.values() if v is not None)
    return "" if element is None else _show(element)
