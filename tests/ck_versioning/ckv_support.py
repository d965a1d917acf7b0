"""Helpers of the model versioning tests: small model folders written into tmp_path.

`BASE` is the element file of a small model ``ec`` that touches every kind of element; a test
copies it, changes what its rule is about (`apply` with `S` set / `D` delete operations), and
diffs the two compiled versions. The module name is unique so that tests can import it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from meshkit.apps.cli.paths import builtin_library
from meshkit.ck import CompiledModel, check_model

BASE: dict[str, Any] = {
    "enums": {
        "Kind": {
            "description": "Kind of participant.",
            "values": {"private": {"key": 1}, "company": {"key": 2, "label": "Company"}},
        },
    },
    "records": {
        "Address": {
            "attributes": {"street": "string", "city": {"type": "string", "required": True}},
        },
    },
    "attributes": {
        "Iban": {
            "type": "string",
            "max_length": 34,
            "pattern": "^[A-Z]{2}[0-9A-Z]+$",
            "sensitive": True,
        },
    },
    "classes": {
        "Participant": {
            "extends": "system/Entity",
            "description": "A member of the community.",
            "display": "{name}",
            "behaviours": ["ec.check_iban"],
            "attributes": {
                "name": {"type": "string", "required": True, "max_length": 100},
                "status": {"type": "string", "required": True, "default": "new"},
                "iban": {"use": "Iban"},
                "share": {"type": "decimal", "precision": 10, "scale": 2, "min": 0, "max": 1000},
                "kind": {"type": "enum", "enum": "Kind", "default": "private"},
                "code": {"type": "string", "allowed": ["a", "b"]},
                "joined": {"type": "date", "min": "2000-01-01"},
                "energy": {"type": "decimal", "precision": 12, "scale": 3, "unit": "kWh"},
                "address": {"type": "record", "record": "Address"},
                "note": {"type": "text", "min_length": 1},
                "score": {"type": "int", "computed": True},
            },
            "indexes": [{"attributes": ["name"]}, {"attributes": ["code"], "unique": True}],
            "series": {
                "consumption": {
                    "unit": "kWh",
                    "interval": "PT15M",
                    "codes": ["c1", "c2"],
                    "qualities": ["L1", "L2"],
                },
            },
        },
        "Company": {"extends": "Participant"},
        "Meter": {
            "extends": "system/Entity",
            "attributes": {"number": {"type": "string", "required": True}},
            "associations": {
                "owner": {"target": "Participant", "inverse": "meters", "multiplicity": "0..1"},
            },
        },
        "Site": {
            "extends": "system/Entity",
            "associations": {
                "rooms": {
                    "target": "Room",
                    "inverse": "site",
                    "kind": "composition",
                    "inverse_multiplicity": "0..1",
                },
            },
        },
        "Room": {"extends": "system/Entity"},
    },
}

Op = tuple[str, str, Any]


def S(path: str, value: Any) -> Op:
    """Set the value at a dotted path of the element file."""
    return ("set", path, value)


def D(path: str) -> Op:
    """Delete the value at a dotted path of the element file."""
    return ("del", path, None)


def apply(elements: Mapping[str, Any], ops: Sequence[Op]) -> dict[str, Any]:
    result = copy.deepcopy(dict(elements))
    for op, path, value in ops:
        *parents, last = path.split(".")
        node = result
        for key in parents:
            node = node.setdefault(key, {})
        if op == "set":
            node[last] = value
        else:
            del node[last]
    return result


def write_model(
    folder: Path,
    elements: Mapping[str, Any],
    *,
    name: str = "ec",
    version: str = "1.0.0",
    dependencies: Mapping[str, str] | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"ck": 1, "name": name, "version": version}
    data["dependencies"] = dict(dependencies if dependencies is not None else {"system": ">=1.0"})
    data.update(manifest or {})
    (folder / "model.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (folder / "elements.yaml").write_text(yaml.safe_dump(dict(elements), sort_keys=False))
    return folder


def compile_folder(folder: Path, library: Sequence[Path] = ()) -> CompiledModel:
    model, problems = check_model(folder, [*library, builtin_library()])
    assert not problems, "\n".join(str(p) for p in problems)
    assert model is not None
    return model


#: The `make` fixture: make(elements, version=..., dependencies=..., library=[...]) -> model.
Make = Callable[..., CompiledModel]
