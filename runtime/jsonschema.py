"""JSON Schemas generated from the CK's record definitions (draft 2020-12).

They describe a record's JSON form — what a client sends and what the JSON columns hold:
decimals as numbers or decimal text, dates and datetimes as ISO 8601 text (datetimes with an
offset), durations as ISO 8601 durations, enum values by name. Unknown keys are refused.
"""

from __future__ import annotations

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
