"""Checking a create or update against the model, reporting every problem with its path at once.

What the database must answer (do the referenced entities exist, in this tenant, of the right
class?) is checked by the repository, which adds its findings to the same error list.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from meshkit.ck.model import Attribute
from meshkit.runtime.errors import ErrorCollector
from meshkit.runtime.storage.tables import ClassStorage
from meshkit.runtime.values import ValueCoercer

#: Filled by the runtime on every write, whatever the model says about them.
SYSTEM_ATTRIBUTES = frozenset(
    {"id", "type", "tenant", "created_at", "created_by", "changed_at", "changed_by", "version"}
)


@dataclass
class CheckedInput:
    """Input that fits the model: attribute values and to-one association ids."""

    attributes: dict[str, Any] = field(default_factory=dict)
    references: dict[str, str | None] = field(default_factory=dict)  # end -> target id


class EntityValidator:
    def __init__(self, coercer: ValueCoercer) -> None:
        self.coercer = coercer

    def check_create(
        self, storage: ClassStorage, values: Mapping[str, Any], errors: ErrorCollector
    ) -> CheckedInput:
        cls = storage.cls
        if cls.abstract:
            concrete = ", ".join(storage.concrete_types) or "none"
            errors.add("abstract-class", (), f"{cls.qid} is abstract; create one of: {concrete}")
        checked = self._check_given(storage, values, errors)
        for name, attr in cls.attributes.items():
            if name in SYSTEM_ATTRIBUTES or name in values:
                continue
            if attr.has_default:
                checked.attributes[name] = self.coercer.coerce(attr.default, attr, (name,), errors)
            elif attr.required and not attr.computed:
                errors.add("required", (name,), f"'{name}' is required")
        for end, fk in storage.to_one.items():
            if fk.required and checked.references.get(end) is None and end not in values:
                errors.add("required", (end,), f"'{end}' is required: give the id of a {fk.other}")
        return checked

    def check_update(
        self, storage: ClassStorage, changes: Mapping[str, Any], errors: ErrorCollector
    ) -> CheckedInput:
        return self._check_given(storage, changes, errors)

    def _check_given(
        self, storage: ClassStorage, values: Mapping[str, Any], errors: ErrorCollector
    ) -> CheckedInput:
        cls = storage.cls
        checked = CheckedInput()
        for name, value in values.items():
            path = (name,)
            attr = cls.attributes.get(name)
            if attr is not None:
                if name in SYSTEM_ATTRIBUTES or attr.computed:
                    errors.add(
                        "computed",
                        path,
                        f"'{name}' is computed by meshkit (or a behaviour); leave it out",
                    )
                    continue
                checked.attributes[name] = self._value(attr, value, path, errors)
                continue
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
                continue
            if name in storage.links:
                link = storage.links[name].link.association
                errors.add(
                    "link-end",
                    path,
                    f"'{name}' ({link.qid}) is stored as links; use link()/unlink() to change it",
                )
                continue
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
                continue
            known = [*cls.attributes, *storage.to_one]
            hint = difflib.get_close_matches(name, known, n=1)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            errors.add("unknown-attribute", path, f"{cls.qid} has no attribute '{name}'{extra}")
        return checked

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
