"""Row-rule filters: templates over the principal, path checks, prefixing and Python evaluation.

Row rules use the repository's own filter format (`meshkit.runtime.query`), so a rule means in
the policy exactly what it means in `UnitOfWork.find`. Values may name the principal:
``$principal.participant_id``, ``$principal.subject``, ``$principal.tenant`` or
``$principal.attributes.<claim>``. Path resolution mirrors `QueryCompiler` (attributes, to-one
ends held as a column, quantifiers over to-many ends) so a policy that compiles also queries.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from meshkit.ck.model import Attribute
from meshkit.runtime.query import OPERATORS, QUANTIFIERS, Filter
from meshkit.runtime.storage import Storage

from .principal import Principal

TEMPLATE = re.compile(r"^\$principal\.(subject|tenant|participant_id|attributes\.[A-Za-z_]\w*)$")
_MISSING = object()

#: A filter that matches no row: the query compiler turns an empty `or` into FALSE.
MATCH_NOTHING: Filter = {"or": []}


class PathError(Exception):
    """A path that does not lead anywhere in the model (the message says why)."""


class Unevaluable(Exception):
    """A filter that needs the database (a path across an association, a quantifier)."""


@dataclass(frozen=True)
class Step:
    """A to-one end followed by a path, and the class it leads to."""

    end: str
    target: str


@dataclass(frozen=True)
class ResolvedPath:
    steps: tuple[Step, ...]  # the to-one ends joined on the way
    owner: str  # qid of the class that holds the last name
    name: str  # an attribute, or a to-one end compared by id
    attribute: Attribute | None  # None for a to-one end


def resolve_path(storage: Storage, class_qid: str, path: str) -> ResolvedPath:
    """Where `path` leads from `class_qid`, as the query compiler would resolve it."""
    parts = path.split(".") if path else []
    if not parts:
        raise PathError(f"expected an attribute path, got {path!r}")
    current = storage.of(class_qid)
    steps: list[Step] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if last and part in current.columns:
            return ResolvedPath(tuple(steps), current.cls.qid, part, current.cls.attributes[part])
        fk = current.to_one.get(part)
        if fk is not None:
            if last:
                return ResolvedPath(tuple(steps), current.cls.qid, part, None)
            target = storage.of(fk.other)
            if len(target.tables) != 1:
                raise PathError(f"'{part}' leads to {fk.other}, which spans several tables")
            steps.append(Step(part, target.cls.qid))
            current = target
            continue
        what = "attribute or to-one end" if last else "to-one association end"
        known = ", ".join([*current.columns, *current.to_one])
        raise PathError(f"{current.cls.qid} has no {what} '{part}' (in '{path}'); known: {known}")
    raise PathError(f"expected an attribute path, got {path!r}")  # pragma: no cover


def resolve_many(storage: Storage, class_qid: str, end_name: str) -> str:
    """The class a to-many end leads to (for some / every / none)."""
    current = storage.of(class_qid)
    end = current.cls.ends.get(end_name)
    if end is None or not end.many:
        many = ", ".join(n for n, e in current.cls.ends.items() if e.many) or "none"
        raise PathError(f"{class_qid} has no to-many association end '{end_name}' (has: {many})")
    if end_name not in current.links and storage.foreign_keys.get(end.association) is None:
        raise PathError(f"'{end_name}' of {class_qid} cannot be queried")
    return storage.of(end.other).cls.qid


def check_filter(
    storage: Storage, class_qid: str, spec: Any, at: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """Every problem of a row rule on `class_qid`: (path in the file, code, message)."""
    if not isinstance(spec, Mapping):
        yield at, "filter", "a filter is a mapping"
        return
    for key in ("and", "or"):
        if key in spec:
            for i, item in enumerate(spec[key]):
                yield from check_filter(storage, class_qid, item, (*at, key, i))
            return
    if "not" in spec:
        yield from check_filter(storage, class_qid, spec["not"], (*at, "not"))
        return
    path, op = spec.get("attr"), spec.get("op", "eq")
    if op in QUANTIFIERS:
        try:
            other = resolve_many(storage, class_qid, str(path))
        except PathError as exc:
            yield (*at, "attr"), "path", str(exc)
            return
        if "where" in spec:
            yield from check_filter(storage, other, spec["where"], (*at, "where"))
        return
    if "where" in spec:
        yield (*at, "where"), "filter", f"'where' goes with some / every / none, not with {op}"
    try:
        resolved = resolve_path(storage, class_qid, str(path))
    except PathError as exc:
        yield (*at, "attr"), "path", str(exc)
        return
    value = spec.get("value")
    if op not in OPERATORS:  # pragma: no cover - the JSON Schema already refuses it
        yield (*at, "op"), "filter", f"unknown operator {op!r}"
    elif op == "is_null" and not isinstance(value, bool):
        yield (*at, "value"), "filter", "is_null takes true or false"
    elif op in ("in", "not_in") and not isinstance(value, list):
        yield (*at, "value"), "filter", f"{op} takes a list of values"
    elif op == "between" and not (isinstance(value, list) and len(value) == 2):
        yield (*at, "value"), "filter", "between takes [low, high]"
    for where, text in _templates(value, (*at, "value")):
        if not TEMPLATE.match(text):
            yield (
                where,
                "template",
                f"unknown principal variable '{text}'; use $principal.participant_id, "
                "$principal.subject, $principal.tenant or $principal.attributes.<claim>",
            )
    if resolved.attribute is None and op not in ("eq", "ne", "in", "not_in", "is_null"):
        yield (*at, "op"), "filter", f"'{path}' is an association end: compare it by id (eq, in)"


def _templates(
    value: Any, at: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str) and value.startswith("$"):
        yield at, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _templates(item, (*at, i))


# ---------------------------------------------------------------------- principal templates
def principal_value(principal: Principal, text: str) -> Any:
    """The value a `$principal.<name>` template stands for; _MISSING when the principal has none."""
    name = text.removeprefix("$principal.")
    if name.startswith("attributes."):
        value = principal.attributes.get(name.removeprefix("attributes."), _MISSING)
    else:
        value = getattr(principal, name, _MISSING)
    return _MISSING if value is None else value


def substitute(spec: Filter, principal: Principal) -> Filter | None:
    """The rule with the principal's values filled in; None when one of them is missing.

    A missing value makes the whole rule match nothing (the caller drops the grant): putting
    FALSE in place of one comparison would turn into TRUE under a `not`.
    """
    missing = False

    def fill(value: Any) -> Any:
        nonlocal missing
        if isinstance(value, str) and TEMPLATE.match(value):
            found = principal_value(principal, value)
            if found is _MISSING:
                missing = True
                return None
            return found
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    def walk(node: Any) -> Any:
        if not isinstance(node, Mapping):
            return node
        out: dict[str, Any] = {}
        for key, item in node.items():
            if key in ("and", "or"):
                out[key] = [walk(i) for i in item]
            elif key in ("not", "where"):
                out[key] = walk(item)
            elif key == "value":
                out[key] = fill(item)
            else:
                out[key] = item
        return out

    result = walk(spec)
    return None if missing else result


# ---------------------------------------------------------------------- composition
def conjunction(*filters: Filter | None) -> Filter | None:
    present = [f for f in filters if f is not None]
    if not present:
        return None
    return present[0] if len(present) == 1 else {"and": present}


def disjunction(filters: list[Filter]) -> Filter:
    return filters[0] if len(filters) == 1 else {"or": filters}


def prefix_filter(spec: Filter, prefix: str) -> Filter:
    """The rule of a class reached through to-one ends, written from the starting class."""
    out: dict[str, Any] = {}
    for key, item in spec.items():
        if key in ("and", "or"):
            out[key] = [prefix_filter(i, prefix) for i in item]
        elif key == "not":
            out[key] = prefix_filter(item, prefix)
        elif key == "attr":  # a quantifier's `where` stays about the class at the other end
            out[key] = prefix + str(item)
        else:
            out[key] = item
    return out


# ---------------------------------------------------------------------- evaluation in Python
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def evaluate(spec: Filter, entity: Mapping[str, Any]) -> bool:
    """Whether `entity` (as the repository returns it) matches a simple rule.

    Handles and / or / not and comparisons of the entity's own attributes and to-one ends;
    anything that needs another entity raises Unevaluable (ask the database instead).
    """
    if "and" in spec:
        return all(evaluate(s, entity) for s in spec["and"])
    if "or" in spec:
        return any(evaluate(s, entity) for s in spec["or"])
    if "not" in spec:
        return not evaluate(spec["not"], entity)
    path, op, value = spec.get("attr"), spec.get("op", "eq"), spec.get("value")
    if not isinstance(path, str) or "." in path or op in QUANTIFIERS or path not in entity:
        raise Unevaluable(f"cannot evaluate {path!r} without the database")
    actual = entity[path]
    if op == "is_null":
        return (actual is None) is bool(value)
    if op == "eq":
        return bool(actual == value)
    if op == "ne":
        return bool(actual != value)
    if op in ("in", "not_in") and isinstance(value, list | tuple):
        return (actual in value) is (op == "in")
    if op in _ORDER and actual is not None and value is not None:
        try:
            return _ORDER[op](actual, value)
        except TypeError as exc:
            raise Unevaluable(str(exc)) from None
    raise Unevaluable(f"operator {op!r} is left to the database")
