"""Where the CLI finds the built-in model library."""

from __future__ import annotations

from pathlib import Path

import meshkit.models


def builtin_library() -> Path:
    """The folder of the models that ship with meshkit (system, energy_community)."""
    return Path(meshkit.models.__file__).parent


def library_paths(extra: list[Path] | None) -> list[Path]:
    return [*(extra or []), builtin_library()]
