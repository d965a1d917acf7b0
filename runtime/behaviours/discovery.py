"""Finding the object a behaviour reference names: an entry point of the group
`meshkit.behaviours` (so a separate package can plug in) or a dotted path `module:object`."""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import Any

from meshkit.ck.model import BehaviourRef
from meshkit.runtime.behaviours.behaviour import Behaviour

ENTRY_POINT_GROUP = "meshkit.behaviours"


class Unresolvable(Exception):
    """Why a reference leads nowhere; the registry adds the class and the CK location."""


def installed_entry_points() -> metadata.EntryPoints:
    """The entry points of the group, read once per registry (looked up at call time, so a
    test can replace `importlib.metadata.entry_points`)."""
    return metadata.entry_points(group=ENTRY_POINT_GROUP)


def load(ref: BehaviourRef, entry_points: metadata.EntryPoints) -> Behaviour:
    """The behaviour `ref` names, instantiated when it names a class; Unresolvable otherwise."""
    target = _from_path(ref.reference) if ref.is_path else _from_entry_point(ref, entry_points)
    if isinstance(target, type) and issubclass(target, Behaviour):
        try:
            return target()
        except Exception as exc:
            raise Unresolvable(
                f"creating {target.__qualname__}() failed: {type(exc).__name__}: {exc}"
            ) from exc
    if isinstance(target, Behaviour):
        return target
    raise Unresolvable(
        f"it names {_describe(target)}, not a subclass or instance of "
        "meshkit.runtime.behaviours.Behaviour"
    )


def _from_path(reference: str) -> Any:
    module_name, _, object_path = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            raise Unresolvable(f"no module '{module_name}' can be imported") from exc
        raise Unresolvable(f"importing '{module_name}' failed: {exc}") from exc
    except Exception as exc:
        raise Unresolvable(
            f"importing '{module_name}' failed: {type(exc).__name__}: {exc}"
        ) from exc
    target: Any = module
    for part in object_path.split("."):
        if not hasattr(target, part):
            raise Unresolvable(f"module '{module_name}' has no '{object_path}'")
        target = getattr(target, part)
    return target


def _from_entry_point(ref: BehaviourRef, entry_points: metadata.EntryPoints) -> Any:
    matches = list(entry_points.select(name=ref.reference))
    if not matches:
        known = ", ".join(sorted({e.name for e in entry_points})) or "none installed"
        raise Unresolvable(
            f"no entry point '{ref.reference}' in group '{ENTRY_POINT_GROUP}' (known: {known})"
        )
    values = sorted({e.value for e in matches})
    if len(values) > 1:
        raise Unresolvable(
            f"entry point '{ref.reference}' is provided more than once: {', '.join(values)}"
        )
    try:
        return matches[0].load()
    except Exception as exc:
        raise Unresolvable(
            f"loading entry point '{ref.reference}' = '{matches[0].value}' failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def _describe(target: Any) -> str:
    if isinstance(target, type):
        return f"the class {target.__module__}.{target.__qualname__}"
    return f"a value of type {type(target).__name__}"
