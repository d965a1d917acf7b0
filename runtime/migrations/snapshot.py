"""A compiled model as canonical JSON: stored with every revision and in the database.

The snapshot is what later diffs start from: the storage of an applied model is rebuilt from it
(`load_snapshot` -> `Storage`), and `meshkit db plan` diffs it against the current model.
Source locations and file paths are blanked, so the same model compiled on another machine (or
from another folder) gives the same text and the same fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from meshkit.ck.model import NUMERIC_KINDS, CompiledModel

FORMAT = 1
_NO_LOCATION = {"file": "", "line": 0, "column": 0}
_NUMERIC = {kind.value for kind in NUMERIC_KINDS}


def snapshot_data(model: CompiledModel) -> dict[str, Any]:
    """The JSON form of `model`, without locations and paths."""
    data = model.model_dump(mode="json")
    _blank(data)
    for info in data["models"].values():
        info["path"] = ""
        info["files"] = []
    return {"format": FORMAT, "model": data}


def snapshot_text(model: CompiledModel) -> str:
    """Canonical text: sorted keys, stable across runs (revisions stay deterministic)."""
    return json.dumps(snapshot_data(model), sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def fingerprint(model: CompiledModel) -> str:
    """sha256 of the canonical snapshot: equal fingerprints mean equal models."""
    text = json.dumps(snapshot_data(model), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def load_snapshot(text: str) -> CompiledModel:
    """The compiled model back from `snapshot_text`; ValueError when the text is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a model snapshot (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or "model" not in data:
        raise ValueError(f"not a model snapshot of format {FORMAT}")
    model = data["model"]
    _numeric_bounds(model)
    return CompiledModel.model_validate(model)


def _blank(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "location" and isinstance(value, dict):
                node[key] = dict(_NO_LOCATION)
            else:
                _blank(value)
    elif isinstance(node, list):
        for item in node:
            _blank(item)


def _numeric_bounds(node: Any) -> None:
    """JSON holds numeric bounds as text; the compiled model holds them as Decimal."""
    if isinstance(node, dict):
        type_ = node.get("type")
        constraints = node.get("constraints")
        if (
            isinstance(type_, dict)
            and type_.get("kind") in _NUMERIC
            and isinstance(constraints, dict)
        ):
            for bound in ("min", "max"):
                if isinstance(constraints.get(bound), str):
                    constraints[bound] = Decimal(constraints[bound])
        for value in node.values():
            _numeric_bounds(value)
    elif isinstance(node, list):
        for item in node:
            _numeric_bounds(item)


__all__ = ["fingerprint", "load_snapshot", "snapshot_data", "snapshot_text"]
