"""Helpers of the migration tests: versions of a small model `shop` written into tmp_path.

`V1` is the first version; a test copies it, changes what it is about and writes the next
version (with its migration file) next to it. The module name is unique so tests can import it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from meshkit.apps.cli.paths import builtin_library
from meshkit.ck import CompiledModel, check_model

V1: dict[str, Any] = {
    "enums": {"Kind": {"values": {"private": {"key": 1}, "company": {"key": 2}}}},
    "classes": {
        "Customer": {
            "extends": "system/Entity",
            "attributes": {
                "name": {"type": "string", "required": True, "max_length": 100},
                "points": "string",
                "kind": {"type": "enum", "enum": "Kind"},
                "price": {"type": "decimal", "precision": 10, "scale": 2},
                "fax": "string",
            },
            "indexes": [{"attributes": ["name"]}],
        },
        "Order": {
            "extends": "system/Entity",
            "attributes": {"number": {"type": "string", "required": True}},
            "associations": {
                "customer": {"target": "Customer", "inverse": "orders", "multiplicity": "0..1"}
            },
        },
    },
}


def elements(**changes: Any) -> dict[str, Any]:
    """A deep copy of V1 (changes applied to the copy by the caller)."""
    result = copy.deepcopy(V1)
    result.update(changes)
    return result


def write_version(
    root: Path,
    version: str,
    content: Mapping[str, Any],
    migration: Mapping[str, Any] | None = None,
    previous: str | None = None,
) -> CompiledModel:
    """Write `shop` at `version` into root/<version>/shop (with the migration file from
    `previous`, when given) and compile it against the built-in library."""
    folder = root / version / "shop"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"ck": 1, "name": "shop", "version": version, "dependencies": {"system": ">=1.0"}}
    (folder / "model.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    (folder / "elements.yaml").write_text(yaml.safe_dump(dict(content), sort_keys=False))
    if migration is not None:
        assert previous is not None
        (folder / "migrations").mkdir(exist_ok=True)
        path = folder / "migrations" / f"{previous}-{version}.yaml"
        path.write_text(yaml.safe_dump(dict(migration), sort_keys=False))
    model, problems = check_model(folder, [builtin_library()])
    assert not problems, "\n".join(str(p) for p in problems)
    assert model is not None
    return model
