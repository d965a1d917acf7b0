"""The JSON Schemas of the CK format, published for editors (yaml-language-server) and the compiler.

Files: ``ck-manifest.schema.json`` (a model's ``model.yaml``) and ``ck-elements.schema.json``
(every other YAML file of a model).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from meshkit.ck.diagnostics import Diagnostic
from meshkit.ck.source import PathKey, SourceFile

MANIFEST = "ck-manifest.schema.json"
ELEMENTS = "ck-elements.schema.json"

_NAME_HINTS = {
    "^[A-Z][A-Za-z0-9]*$": "type names are CamelCase letters and digits, e.g. MeteringPoint",
    "^[a-z][a-z0-9_]*$": "member and model names are snake_case, e.g. metering_point",
    "^([a-z][a-z0-9_]*/)?[A-Z][A-Za-z0-9]*$": (
        "a reference is a type name (Participant) or model/Name (system/Entity)"
    ),
    "^[A-Za-z][A-Za-z0-9_]*$": "enum value names are letters, digits and underscores",
    "^[a-z]{2}$": "labels and descriptions are keyed by two-letter language codes, e.g. en, de",
}


def schema_text(name: str) -> str:
    """The published text of one of the two schemas."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@cache
def _validator(name: str) -> Draft202012Validator:
    schemas = {n: json.loads(schema_text(n)) for n in (MANIFEST, ELEMENTS)}
    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )
    return Draft202012Validator(schemas[name], registry=registry)


def validate(source: SourceFile, name: str) -> list[Diagnostic]:
    """Check a loaded file against a CK schema; one located diagnostic per problem."""
    return [d for _, d in validate_located(source, name)]


def validate_located(source: SourceFile, name: str) -> list[tuple[PathKey, Diagnostic]]:
    """Like `validate`, with the path (as a tuple) of the value each problem is about."""
    validator = _validator(name)
    problems: list[tuple[PathKey, Diagnostic]] = []
    for error in validator.iter_errors(source.data):
        problems.extend(_diagnostics(source, _most_specific(error)))
    return problems


def _most_specific(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf failures, the alternative that got furthest explains the problem best."""
    while error.context:
        candidates = sorted(
            error.context,
            key=lambda e: (len(e.absolute_path), e.validator not in ("type", "enum", "$ref")),
        )
        best = candidates[-1]
        if len(best.absolute_path) <= len(error.absolute_path) and best.validator == "type":
            break
        error = best
    return error


def _schema_dict(error: ValidationError) -> Mapping[str, Any]:
    schema = error.schema
    return schema if isinstance(schema, Mapping) else {}


def _diagnostics(source: SourceFile, error: ValidationError) -> list[tuple[PathKey, Diagnostic]]:
    """One diagnostic per problem of `error`; an unknown-keys error names each key."""
    path: PathKey = tuple(error.absolute_path)
    validator = error.validator
    instance = error.instance
    if validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(_schema_dict(error).get("properties", {}))
        out = []
        for key in (k for k in instance if k not in allowed):
            hint = difflib.get_close_matches(key, allowed, n=1)
            message = f"unknown key '{key}'"
            message += (
                f" (did you mean '{hint[0]}'?)" if hint else f"; allowed here: {', '.join(allowed)}"
            )
            out.append(((*path, key), source.error((*path, key), "schema", message, key=True)))
        return out
    if "propertyNames" in error.absolute_schema_path:
        # The instance is the offending key itself; point at it, not at the mapping.
        name = instance if isinstance(instance, str) else str(instance)
        pattern = str(error.validator_value) if validator == "pattern" else ""
        rule = _NAME_HINTS.get(pattern, f"names must match {pattern}")
        key_path = (*path, name)
        return [
            (
                key_path,
                source.error(key_path, "schema", f"'{name}' is not a valid name: {rule}", key=True),
            )
        ]
    return [(path, _diagnostic(source, path, error))]


def _diagnostic(source: SourceFile, path: PathKey, error: ValidationError) -> Diagnostic:
    validator = error.validator
    instance = error.instance
    expected: Any = error.validator_value
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return source.error(path, "schema", f"missing required key '{missing}'")
    if validator == "enum" and isinstance(expected, list | tuple):
        options = ", ".join(str(o) for o in expected)
        close = difflib.get_close_matches(str(instance), [str(o) for o in expected], 1)
        extra = f" (did you mean '{close[0]}'?)" if close else ""
        return source.error(path, "schema", f"'{instance}' is not one of: {options}{extra}")
    if validator == "type":
        return source.error(
            path,
            "schema",
            f"expected {_type_words(expected)}, got {_kind(instance)}"
            + _quote_hint(expected, instance),
        )
    if validator == "pattern":
        pattern = str(expected)
        hint = _NAME_HINTS.get(pattern, f"it must match {pattern}")
        return source.error(path, "schema", f"'{instance}' is not valid: {hint}")
    if validator == "const":
        return source.error(path, "schema", f"must be {expected!r}, got {instance!r}")
    return source.error(path, "schema", error.message)


def _type_words(expected: object) -> str:
    names = {
        "object": "a mapping",
        "array": "a list",
        "string": "a text",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "null": "nothing",
    }
    if isinstance(expected, list):
        return " or ".join(names.get(str(e), str(e)) for e in expected)
    return names.get(str(expected), str(expected))


def _quote_hint(expected: object, value: object) -> str:
    """YAML reads 1.0 or 2026 as numbers; a modeller who meant text needs to be told to quote."""
    wants_text = expected == "string" or (isinstance(expected, list) and "string" in expected)
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if wants_text and is_number:
        return " (YAML read a number: put it in quotes to make it text)"
    return ""


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"'{value}'"
