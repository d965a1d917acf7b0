"""JSON Schemas generated from the CK's record definitions (draft 2020-12).

They describe a record's JSON form — what a client sends and what the JSON columns hold:
decimals as numbers or decimal text, dates and datetimes as ISO 8601 text (datetimes with an
offset), durations as ISO 8601 durations, enum values by name. Unknown keys are refused.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

from meshkit.ck.model import Attribute, CompiledModel, RecordDef, TypeKind, TypeRef

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DECIMAL_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$"
DURATION_PATTERN = r"^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$"
_INT32 = 2**31
_INT64 = 2**63


def def_name(record_qid: str) -> str:
    """`rt_grid/Address` -> `rt_grid.Address` (a $defs key without a slash)."""
    return record_qid.replace("/", ".")


def record_schema(model: CompiledModel, record_qid: str) -> dict[str, Any]:
    """A self-contained schema for one record: the record at the top, every record it uses
    (transitively) in `$defs`."""
    defs: dict[str, Any] = {}
    _add_record(model, model.records[record_qid], defs)
    return {
        "$schema": DIALECT,
        "$id": f"urn:meshkit:record:{record_qid}",
        "$ref": f"#/$defs/{def_name(record_qid)}",
        "$defs": defs,
    }


def _add_record(model: CompiledModel, record: RecordDef, defs: dict[str, Any]) -> None:
    key = def_name(record.qid)
    if key in defs:
        return
    defs[key] = {}  # placeholder: records may refer to themselves
    properties = {a.name: attribute_schema(model, a, defs) for a in record.attributes.values()}
    schema: dict[str, Any] = {
        "type": "object",
        "title": record.qid,
        "properties": properties,
        "additionalProperties": False,
    }
    if record.description:
        schema["description"] = record.description
    required = [a.name for a in record.attributes.values() if a.required and not a.has_default]
    if required:
        schema["required"] = required
    defs[key] = schema


def attribute_schema(model: CompiledModel, attr: Attribute, defs: dict[str, Any]) -> dict[str, Any]:
    schema = type_schema(model, attr.type, defs)
    c = attr.constraints
    kind = attr.type.kind
    if kind in (TypeKind.INT, TypeKind.BIGINT, TypeKind.FLOAT, TypeKind.DECIMAL):
        # Decimal bounds are checked exactly by the validator; a JSON number bound suffices here.
        if c.min is not None:
            schema["minimum"] = float(c.min) if kind is not TypeKind.INT else int(c.min)
        if c.max is not None:
            schema["maximum"] = float(c.max) if kind is not TypeKind.INT else int(c.max)
    if kind in (TypeKind.STRING, TypeKind.TEXT):
        if c.min_length is not None:
            schema["minLength"] = c.min_length
        if c.max_length is not None:
            schema["maxLength"] = c.max_length
        if c.pattern is not None:
            # The CK means a full match; JSON Schema patterns search, so anchor them.
            schema["pattern"] = f"^(?:{c.pattern})$"
    if kind is TypeKind.LIST:
        if c.min_length is not None:
            schema["minItems"] = c.min_length
        if c.max_length is not None:
            schema["maxItems"] = c.max_length
    if c.allowed is not None:
        schema["enum"] = [v if not hasattr(v, "as_tuple") else str(v) for v in c.allowed]
    if attr.description:
        schema["description"] = attr.description
    return schema


def type_schema(model: CompiledModel, type_: TypeRef, defs: dict[str, Any]) -> dict[str, Any]:
    kind = type_.kind
    if kind in (TypeKind.STRING, TypeKind.TEXT, TypeKind.BINARY):
        return {"type": "string"}
    if kind is TypeKind.INT:
        return {"type": "integer", "minimum": -_INT32, "maximum": _INT32 - 1}
    if kind is TypeKind.BIGINT:
        return {"type": "integer", "minimum": -_INT64, "maximum": _INT64 - 1}
    if kind is TypeKind.FLOAT:
        return {"type": "number"}
    if kind is TypeKind.DECIMAL:
        return {"type": ["number", "string"], "pattern": DECIMAL_PATTERN}
    if kind is TypeKind.BOOL:
        return {"type": "boolean"}
    if kind is TypeKind.DATE:
        return {"type": "string", "pattern": DATE_PATTERN}
    if kind is TypeKind.DATETIME:
        return {"type": "string", "pattern": DATETIME_PATTERN}
    if kind is TypeKind.DURATION:
        return {"type": "string", "pattern": DURATION_PATTERN}
    if kind is TypeKind.ENUM:
        assert type_.enum is not None
        names = list(model.enums[type_.enum].values)
        if model.enums[type_.enum].flags:
            return {"type": "array", "items": {"enum": names}, "uniqueItems": True}
        return {"enum": names}
    if kind is TypeKind.RECORD:
        assert type_.record is not None
        _add_record(model, model.records[type_.record], defs)
        return {"$ref": f"#/$defs/{def_name(type_.record)}"}
    if kind is TypeKind.LIST:
        assert type_.items is not None
        return {"type": "array", "items": type_schema(model, type_.items, defs)}
    return {}  # json: any JSON value


# ---------------------------------------------------------------------- a fast yes/no check
Check = Callable[[Any], bool]

#: Keywords that only annotate: they never make an instance invalid.
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description"})
_SUPPORTED = frozenset(
    {
        "$ref",
        "type",
        "properties",
        "additionalProperties",
        "required",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "pattern",
        "enum",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
    }
)


class _Unsupported(Exception):
    """The schema uses something `compile_check` does not translate."""


def compile_check(schema: Mapping[str, Any]) -> Check | None:
    """A fast check for the schemas `record_schema` generates: True only where the jsonschema
    library would find no error. False means "not sure": validate with the library then (it
    also words the errors). None when the schema uses a keyword this check does not know.

    Each keyword follows the library's definition for draft 2020-12; where that is costly
    (numbers other than int and float, enums of non-text values, unique items other than
    text) the check says False and leaves the case to the library.
    """
    defs = schema.get("$defs", {})
    if not isinstance(defs, Mapping):
        return None
    compiled: dict[str, Check] = {}
    pending: set[str] = set()

    def ref(target: str) -> Check:
        prefix = "#/$defs/"
        name = target[len(prefix) :]
        if not target.startswith(prefix) or name not in defs or "/" in name or "~" in name:
            raise _Unsupported(target)
        if name in compiled:
            return compiled[name]
        if name in pending:  # a record that contains itself: look it up when used
            return lambda value: compiled[name](value)
        pending.add(name)
        compiled[name] = node(defs[name])
        return compiled[name]

    def node(sub: Any) -> Check:
        if sub is True or sub == {}:
            return _always
        if not isinstance(sub, Mapping):
            raise _Unsupported(repr(sub))
        keywords = set(sub) - _ANNOTATIONS
        if keywords - _SUPPORTED:
            raise _Unsupported(", ".join(sorted(keywords - _SUPPORTED)))
        checks: list[Check] = []
        if "$ref" in sub:
            checks.append(ref(str(sub["$ref"])))
        if "type" in sub:
            checks.append(_type_check(sub["type"]))
        if keywords & {"properties", "additionalProperties", "required"}:
            checks.append(_object_check(sub, node))
        for keyword in ("minimum", "maximum"):
            if keyword in sub:
                checks.append(_bound_check(keyword, sub[keyword]))
        if keywords & {"minLength", "maxLength", "pattern"}:
            checks.append(_string_check(sub))
        if "enum" in sub:
            checks.append(_enum_check(sub["enum"]))
        if keywords & {"items", "minItems", "maxItems", "uniqueItems"}:
            checks.append(_array_check(sub, node))
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        return lambda value: all(check(value) for check in checks)

    try:
        top = node({k: v for k, v in schema.items() if k != "$defs"})
    except (_Unsupported, re.error, TypeError, ValueError):
        return None
    return top


def _always(value: Any) -> bool:
    return True


_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: type(v) is int or type(v) is float,  # a subset of the library's
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def _type_check(types: Any) -> Check:
    names = [types] if isinstance(types, str) else list(types)
    if not names or any(n not in _TYPES for n in names):
        raise _Unsupported(f"type {types!r}")
    checks = [_TYPES[n] for n in names]
    if len(checks) == 1:
        return checks[0]
    return lambda value: any(check(value) for check in checks)


def _object_check(sub: Mapping[str, Any], node: Callable[[Any], Check]) -> Check:
    properties = sub.get("properties", {})
    if not isinstance(properties, Mapping):
        raise _Unsupported("properties")
    additional = sub.get("additionalProperties", True)
    if additional not in (True, False):
        raise _Unsupported("additionalProperties")
    known = {name: node(s) for name, s in properties.items()}
    closed = additional is False
    required = tuple(sub.get("required", ()))

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True  # the keywords apply to objects only
        for name, item in value.items():
            item_check = known.get(name)
            if item_check is None:
                if closed:
                    return False
            elif not item_check(item):
                return False
        return all(name in value for name in required)

    return check


def _bound_check(keyword: str, bound: Any) -> Check:
    if isinstance(bound, bool) or not isinstance(bound, int | float):
        raise _Unsupported(f"{keyword} {bound!r}")
    below = keyword == "minimum"

    def check(value: Any) -> bool:
        if isinstance(value, bool):
            return True  # not a number to the library
        if type(value) is int or type(value) is float:
            return bool(value >= bound) if below else bool(value <= bound)
        return not isinstance(value, numbers.Number)  # another number: not sure

    return check


def _string_check(sub: Mapping[str, Any]) -> Check:
    shortest = sub.get("minLength")
    longest = sub.get("maxLength")
    pattern = re.compile(sub["pattern"]) if "pattern" in sub else None

    def check(value: Any) -> bool:
        if not isinstance(value, str):
            return True
        if shortest is not None and len(value) < shortest:
            return False
        if longest is not None and len(value) > longest:
            return False
        return pattern is None or pattern.search(value) is not None

    return check


def _enum_check(members: Any) -> Check:
    texts = frozenset(m for m in members if isinstance(m, str))
    # The library compares text with ==; anything else it compares more loosely: not sure.
    return lambda value: isinstance(value, str) and value in texts


def _array_check(sub: Mapping[str, Any], node: Callable[[Any], Check]) -> Check:
    items = node(sub["items"]) if "items" in sub else None
    shortest = sub.get("minItems")
    longest = sub.get("maxItems")
    unique = sub.get("uniqueItems", False)
    if unique not in (True, False):
        raise _Unsupported("uniqueItems")

    def check(value: Any) -> bool:
        if not isinstance(value, list):
            return True
        if shortest is not None and len(value) < shortest:
            return False
        if longest is not None and len(value) > longest:
            return False
        if unique and not (
            all(isinstance(v, str) for v in value) and len(set(value)) == len(value)
        ):
            return False
        return items is None or all(items(v) for v in value)

    return check
