"""The JSON Schemas of the CK format, published for editors (yaml-language-server) and the compiler.

Files: ``ck-manifest.schema.json`` (a model's ``model.yaml``) and ``ck-elements.schema.json``
(every other YAML file of a model).
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from meshkit.ck.diagnostics import Diagnostic
from meshkit.ck.source import SourceFile

MANIFEST = "ck-manifest.schema.json"
ELEMENTS = "ck-elements.schema.json"

_NAME_HINTS = {
    "^[A-Z][A-Za-z0-9]*$": "type names are CamelCase letters and digits, e.g. MeteringPoint",
    "^[a-z][a-z0-9_]*$": "member and model names are snake_case, e.g. metering_point",
    "^([a-z][a-z0-9_]*/)?[A-Z][A-Za-z0-9]*$": (
        "a reference is a type name (Participant) or model/Name (system/Entity)"
    ),
    "^[A-Za-z][A-Za-z0-9_]*$": "enum value names are letters, digits and underscores",
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
    validator = _validator(name)
    problems = []
    for error in validator.iter_errors(source.data):
        problems.append(_diagnostic(source, _most_specific(error)))
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


def _diagnostic(source: SourceFile, error: ValidationError) -> Diagnostic:
    path = tuple(error.absolute_path)
    validator = error.validator
    instance = error.instance
    if validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = [k for k in instance if k not in allowed]
        key = extra[0] if extra else ""
        hint = difflib.get_close_matches(key, allowed, n=1)
        message = f"unknown key '{key}'"
        message += (
            f" (did you mean '{hint[0]}'?)" if hint else f"; allowed here: {', '.join(allowed)}"
        )
        return source.error((*path, key), "schema", message, key=True)
    if validator == "propertyNames" or (
        validator == "pattern"
        and error.parent is not None
        and error.parent.validator == "propertyNames"
    ):
        name = instance if isinstance(instance, str) else str(instance)
        pattern = error.schema.get("pattern", "") if isinstance(error.schema, dict) else ""
        hint = _NAME_HINTS.get(pattern, f"names must match {pattern}")
        return source.error(
            (*path, name), "schema", f"'{name}' is not a valid name: {hint}", key=True
        )
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return source.error(path, "schema", f"missing required key '{missing}'")
    if validator == "enum":
        options = ", ".join(str(o) for o in error.validator_value)
        hint = difflib.get_close_matches(str(instance), [str(o) for o in error.validator_value], 1)
        extra = f" (did you mean '{hint[0]}'?)" if hint else ""
        return source.error(path, "schema", f"'{instance}' is not one of: {options}{extra}")
    if validator == "type":
        return source.error(
            path, "schema", f"expected {_type_words(error.validator_value)}, got {_kind(instance)}"
        )
    if validator == "pattern":
        pattern = str(error.validator_value)
        hint = _NAME_HINTS.get(pattern, f"it must match {pattern}")
        return source.error(path, "schema", f"'{instance}' is not valid: {hint}")
    if validator == "const":
        return source.error(path, "schema", f"must be {error.validator_value!r}, got {instance!r}")
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
