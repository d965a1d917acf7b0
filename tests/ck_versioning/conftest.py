"""Fixtures of the model versioning tests (helpers live in ckv_support)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from ckv_support import BASE, Make, compile_folder, write_model

from meshkit.ck import CompiledModel


@pytest.fixture
def make(tmp_path: Path) -> Make:
    """make(elements, version=..., ...) writes a model into its own folder and compiles it."""
    count = 0

    def make(elements: Mapping[str, Any], **manifest: Any) -> CompiledModel:
        nonlocal count
        count += 1
        library = manifest.pop("library", ())
        folder = write_model(
            tmp_path / f"v{count}" / manifest.get("name", "ec"), elements, **manifest
        )
        return compile_folder(folder, library)

    return make


@pytest.fixture(scope="session")
def base_model(tmp_path_factory: pytest.TempPathFactory) -> CompiledModel:
    """BASE compiled once: the old version most rule tests diff against."""
    folder = write_model(tmp_path_factory.mktemp("base") / "ec", BASE)
    return compile_folder(folder)
