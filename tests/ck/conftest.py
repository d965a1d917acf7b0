"""Fixtures for the construction-kit tests: small models written into tmp_path and compiled.

Files are given as {path relative to tmp_path: YAML text}; the text is dedented, so tests can
indent it naturally. Messages name files relative to the working folder, so the fixtures change
into tmp_path: a diagnostic then reads ``m/a.yaml:2:16: error[code] path: message``.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from meshkit.ck import CompiledModel, check_model

REPO = Path(__file__).resolve().parents[2]
SYSTEM = REPO / "models" / "system"

Files = Mapping[str, str]
Expected = Sequence[str]  # a diagnostic's start "file:line:col: error[code] path:", then key words


def manifest(name: str, version: str = "1.0.0", **dependencies: str) -> str:
    """The text of a model.yaml."""
    text = f"ck: 1\nname: {name}\nversion: {version}\n"
    if dependencies:
        text += "dependencies:\n" + "".join(f"  {d}: '{r}'\n" for d, r in dependencies.items())
    return text


class CkHelper:
    """Writes models, compiles them and compares diagnostics."""

    manifest = staticmethod(manifest)

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, files: Files, model: str = "m", *, system: bool = True) -> Path:
        """Write `files` below the root; returns the folder of `model`.

        The real system model is copied beside it, and `model` gets a manifest depending on it
        unless the files bring their own.
        """
        if system:
            shutil.copytree(SYSTEM, self.root / "system", dirs_exist_ok=True)
        if f"{model}/model.yaml" not in files:
            files = {f"{model}/model.yaml": manifest(model, system=">=1,<2"), **files}
        for rel, text in files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return self.root / model

    def check(self, files: Files, model: str = "m", *, system: bool = True) -> list[str]:
        """Every diagnostic of compiling `model`, as the CLI prints them."""
        _, problems = check_model(self.write(files, model, system=system))
        return [str(p) for p in problems]

    def compile(self, files: Files, model: str = "m", *, system: bool = True) -> CompiledModel:
        compiled, problems = check_model(self.write(files, model, system=system))
        assert not problems, "\n".join(str(p) for p in problems)
        assert compiled is not None
        return compiled

    def expect(self, files: Files, *expected: Expected, model: str = "m") -> list[str]:
        """Compile and require exactly the `expected` diagnostics, in file/line/column order."""
        found = self.check(files, model)
        assert_diagnostics(found, *expected)
        return found


def assert_diagnostics(found: Sequence[str], *expected: Expected) -> None:
    shown = "\n".join(found)
    assert len(found) == len(expected), f"expected {len(expected)} diagnostics, got:\n{shown}"
    for line, (start, *words) in zip(found, expected, strict=True):
        assert line.startswith(start + " "), f"expected {start!r}, got:\n{shown}"
        for word in words:
            assert word in line, f"{word!r} not in {line!r}"


@pytest.fixture
def write_ck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Write a model folder from {relative file: YAML text} into tmp_path; returns its path."""
    monkeypatch.chdir(tmp_path)
    return CkHelper(tmp_path).write


@pytest.fixture
def ck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CkHelper:
    monkeypatch.chdir(tmp_path)
    return CkHelper(tmp_path)
