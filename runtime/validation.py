"""Checking a create or update against the model, reporting every problem with its path at once.

What the database must answer (do the referenced entities exist, in this tenant, of the right
class?) is checked by the repository, which adds its findings to the same error list.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from meshkit.ck.model import Attribute
from meshkit.runtime.errors import ErrorCollector
from meshkit.runtime.storage.tables import ClassStorage, ForeignKeyEnd
from meshkit.runtime.values import UNDECIDED, Checker, ValueCoercer

#: Filled by the runtime on every write, whatever the model says about them.
SYSTEM_ATTRIBUTES = frozenset(
    {"id", "type", "tenant", "created_at", "created_by", "changed_at", "changed_by", "version"}
)


@dataclass
class CheckedInput:
    """Input that fits the model: attribute values and to-one association ids."""

    attributes: dict[str, Any] = field(default_factory=dict)
    references: dict[str, str | None] = field(default_factory=dict)  # end -> target id


@dataclass(frozen=True)
class _Plan:
    """One class's checks, prepared once: what each given key is, and what a create fills in."""

    # settable attribute -> (attribute, fast check, full checker)
    attributes: Mapping[str, tuple[Attribute, Callable[[Any], Any], Checker]]
    computed: frozenset[str]  # attributes the caller must leave out
    # attributes a create without them defaults (checker) or refuses (None), in model order
    missing: tuple[tuple[str, Attribute, Checker | None], ...]
    required_ends: tuple[tuple[str, ForeignKeyEnd], ...]


class EntityValidator:
    def __init__(self, coercer: ValueCoercer) -> None:
        self.coercer = coercer
        self._plans: dict[int, tuple[ClassStorage, _Plan]] = {}

    def _plan(self, storage: ClassStorage) -> _Plan:
        found = self._plans.get(id(storage))
        if found is not None and found[0] is storage:
            return found[1]
        attributes: dict[str, tuple[Attribute, Callable[[Any], Any], Checker]] = {}
        computed: set[str] = set()
        missing: list[tuple[str, Attribute, Checker | None]] = []
        for name, attr in storage.cls.attributes.items():
            if name in SYSTEM_ATTRIBUTES or attr.computed:
                computed.add(name)
            else:
                checker = self.coercer.checker(attr)
                attributes[name] = (attr, self.coercer.fast_check(attr), checker)
            if name in SYSTEM_ATTRIBUTES:
                continue
            if attr.has_default:
                missing.append((name, attr, self.coercer.checker(attr)))
            elif attr.required and not attr.computed:
                missing.append((name, attr, None))
        plan = _Plan(
            attributes=attributes,
            computed=frozenset(computed),
            missing=tuple(missing),
            required_ends=tuple((e, fk) for e, fk in storage.to_one.items() if fk.required),
        )
        self._plans[id(storage)] = (storage, plan)
        return plan

    def check_create(
        self, storage: ClassStorage, values: Mapping[str, Any], errors: ErrorCollector
    ) -> CheckedInput:
        cls = storage.cls
        if cls.abstract:
            concrete = ", ".join(storage.concrete_types) or "none"
            errors.add("abstract-class", (), f"{cls.qid} is abstract; create one of: {concrete}")
        plan = self._plan(storage)
        checked = self._check_given(storage, values, errors, plan)
        attributes = checked.attributes
        for name, attr, default in plan.missing:
            if name in values:
                continue
            if default is not None:
                attributes[name] = default(attr.default, (name,), errors)
            else:
                errors.add("required", (name,), f"'{name}' is required")
        references = checked.references
        for end, fk in plan.required_ends:
            if references.get(end) is None and end not in values:
                errors.add("required", (end,), f"'{end}' is required: give the id of a {fk.other}")
        return checked

    def check_update(
        self, storage: ClassStorage, changes: Mapping[str, Any], errors: ErrorCollector
    ) -> CheckedInput:
        return self._check_given(storage, changes, errors)

    def _check_given(
        self,
        storage: ClassStorage,
        values: Mapping[str, Any],
        errors: ErrorCollector,
        plan: _Plan | None = None,
    ) -> CheckedInput:
        plan = plan or self._plan(storage)
        settable = plan.attributes
        checked = CheckedInput()
        attributes = checked.attributes
        for name, value in values.items():
            found = settable.get(name)
            if found is not None:  # the common case first, without further lookups
                attr, fast, check = found
                if value is None:
                    if attr.required:
                        errors.add("required", (name,), f"'{name}' is required and cannot be unset")
                    attributes[name] = None
                    continue
                result = fast(value)
                attributes[name] = check(value, (name,), errors) if result is UNDECIDED else result
                continue
            self._check_other(storage, plan, name, value, checked, errors)
        return checked

    def _check_other(
        self,
        storage: ClassStorage,
        plan: _Plan,
        name: str,
        value: Any,
        checked: CheckedInput,
        errors: ErrorCollector,
    ) -> None:
        """A given key that is not a settable attribute: a reference, or a mistake."""
        cls = storage.cls
        path = (name,)
        if name in plan.computed:
            errors.add(
                "computed", path, f"'{name}' is computed by meshkit (or a behaviour); leave it out"
            )
            return
        fk = storage.to_one.get(name)
        if fk is not None:
            if value is None:
                if fk.required:
                    errors.add("required", path, f"'{name}' is required and cannot be unset")
                checked.references[name] = None
            elif not isinstance(value, str) or not value:
                errors.add("type", path, f"expected the id of a {fk.other}, got {value!r}")
            else:
                checked.references[name] = value
            return
        if name in storage.links:
            link = storage.links[name].link.association
            errors.add(
                "link-end",
                path,
                f"'{name}' ({link.qid}) is stored as links; use link()/unlink() to change it",
            )
            return
        end = cls.ends.get(name)
        if end is not None:
            # The other side holds the reference: it is set there, not here.
            assoc = self.coercer.model.associations[end.association]
            back = assoc.inverse if end.name == assoc.name else assoc.name
            errors.add(
                "link-end",
                path,
                f"'{name}' is set from the other end: give each {end.other} its '{back}'",
            )
            return
        known = [*cls.attributes, *storage.to_one]
        hint = difflib.get_close_matches(name, known, n=1)
        extra = f"; did you mean '{hint[0]}'?" if hint else ""
        errors.add("unknown-attribute", path, f"{cls.qid} has no attribute '{name}'{extra}")

    def _value(self, attr: Attribute, value: Any, path: tuple[str], errors: ErrorCollector) -> Any:
        if value is None:
            if attr.required:
                errors.add("required", path, f"'{attr.name}' is required and cannot be unset")
            return None
        return self.coercer.coerce(value, attr, path, errors)

    def check_link_attributes(
        self,
        attributes: Mapping[str, Attribute],
        values: Mapping[str, Any],
        errors: ErrorCollector,
    ) -> dict[str, Any]:
        """Values of link attributes (for link()): same rules as an entity's attributes."""
        result: dict[str, Any] = {}
        for name, value in values.items():
            attr = attributes.get(name)
            if attr is None:
                known = ", ".join(attributes) or "none"
                errors.add("unknown-attribute", (name,), f"no link attribute '{name}' ({known})")
                continue
            result[name] = self._value(attr, value, (name,), errors)
        for name, attr in attributes.items():
            if name in values:
                continue
            if attr.has_default:
                result[name] = self.coercer.coerce(attr.default, attr, (name,), errors)
            elif attr.required:
                errors.add("required", (name,), f"'{name}' is required")
        return result
