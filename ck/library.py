"""Finding models on the library path and choosing the versions a model's dependencies need."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from meshkit.ck import schema
from meshkit.ck.diagnostics import Diagnostic
from meshkit.ck.source import SourceFile, load_source

MANIFEST_NAME = "model.yaml"


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the working folder when it lies below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


@dataclass
class ModelSource:
    """One version of one model, as found on disk."""

    name: str
    version: Version
    path: Path
    manifest: SourceFile
    dependencies: dict[str, str] = field(default_factory=dict)


def read_manifest(folder: Path) -> tuple[ModelSource | None, list[Diagnostic]]:
    """Read and check ``folder/model.yaml``."""
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        return None, [
            Diagnostic(
                display_path(folder),
                1,
                1,
                "no-manifest",
                "",
                f"not a model folder: {MANIFEST_NAME} is missing"
                if folder.is_dir()
                else "no such folder",
            )
        ]
    source, problems = load_source(manifest_path, display_path(manifest_path))
    if problems:
        return None, problems
    if source.data is None:
        source.data = {}
    problems = schema.validate(source, schema.MANIFEST)
    if problems:
        return None, problems
    data = source.data
    return (
        ModelSource(
            name=data["name"],
            version=Version(data["version"]),
            path=folder,
            manifest=source,
            dependencies=dict(data.get("dependencies", {})),
        ),
        [],
    )


class Library:
    """Every model version found in a list of folders.

    A folder is either a model folder itself (it has a model.yaml) or holds model folders.
    """

    def __init__(self, paths: Iterable[Path]) -> None:
        self.models: dict[str, list[ModelSource]] = {}
        self.problems: list[Diagnostic] = []
        seen: set[Path] = set()
        for path in paths:
            folders = [path] if (path / MANIFEST_NAME).is_file() else sorted(path.glob("*/"))
            for folder in folders:
                resolved = folder.resolve()
                if resolved in seen or not (folder / MANIFEST_NAME).is_file():
                    continue
                seen.add(resolved)
                model, problems = read_manifest(folder)
                self.problems.extend(problems)
                if model is not None:
                    self.add(model)

    def add(self, model: ModelSource) -> None:
        versions = self.models.setdefault(model.name, [])
        if not any(v.version == model.version and v.path == model.path for v in versions):
            versions.append(model)
            versions.sort(key=lambda m: m.version, reverse=True)

    def resolve(self, root: ModelSource) -> tuple[dict[str, ModelSource], list[Diagnostic]]:
        """Choose one version per model so that every dependency range is met.

        Ranges come only from models that are themselves chosen. The newest versions that satisfy
        all ranges win (searched with backtracking); when no combination does, the newest choices
        are revisited until stable and every range that cannot be met is reported.
        """
        solution = self._search(root, {root.name: root})
        if solution is not None:
            return self._finish(root, solution, [])
        # No combination works: explain with the newest versions, revisited until stable.
        chosen: dict[str, ModelSource] = {root.name: root}
        problems: list[Diagnostic] = []
        for _ in range(20):
            constraints = self._constraints(chosen, problems)
            problems = [p for p in problems if p.code == "dependency-range"]
            new: dict[str, ModelSource] = {root.name: root}
            reachable = self._reachable(root.name, chosen)
            for name, ranges in constraints.items():
                if name not in reachable:
                    continue
                if name == root.name:
                    for spec, by, path in ranges:
                        if root.version not in spec:
                            problems.append(
                                by.manifest.error(
                                    path,
                                    "dependency-unsatisfied",
                                    f"'{by.name}' needs {name} {spec or 'any'}, but the model "
                                    f"being compiled is {name} {root.version}",
                                )
                            )
                    continue
                candidates = self.models.get(name, [])
                fitting = [c for c in candidates if all(c.version in s for s, _, _ in ranges)]
                if fitting:
                    new[name] = fitting[0]
                    continue
                for spec, by, path in ranges:
                    if not candidates:
                        message = f"depends on model '{name}', which is not on the library path"
                        problems.append(by.manifest.error(path, "dependency-missing", message))
                    else:
                        found = ", ".join(str(c.version) for c in candidates)
                        others = [f"{b.name} needs {s}" for s, b, _ in ranges if b is not by]
                        extra = f"; together with {'; '.join(others)}" if others else ""
                        message = (
                            f"no version of '{name}' satisfies {spec or 'any'}{extra} "
                            f"(available: {found})"
                        )
                        problems.append(by.manifest.error(path, "dependency-unsatisfied", message))
            if problems or (new.keys() == chosen.keys() and all(new[k] is chosen[k] for k in new)):
                chosen = new
                break
            chosen = new
        return self._finish(root, chosen, problems)

    def _search(
        self, root: ModelSource, chosen: dict[str, ModelSource]
    ) -> dict[str, ModelSource] | None:
        """Backtracking: the newest versions that meet every range of the chosen models.

        A greedy newest-first choice can fail where an older version of some dependency works
        (its newer version may narrow a shared dependency too far), so choices are undone.
        """
        ranges: dict[str, list[SpecifierSet]] = {}
        for model in chosen.values():
            for dep, text in model.dependencies.items():
                try:
                    ranges.setdefault(dep, []).append(SpecifierSet(text))
                except InvalidSpecifier:
                    return None
        for name, specs in ranges.items():
            if name in chosen and not all(chosen[name].version in s for s in specs):
                return None
        open_names = [n for n in ranges if n not in chosen]
        if not open_names:
            return chosen
        name = open_names[0]
        for candidate in self.models.get(name, []):  # newest first
            if all(candidate.version in s for s in ranges[name]):
                found = self._search(root, {**chosen, name: candidate})
                if found is not None:
                    return found
        return None

    def _finish(
        self, root: ModelSource, chosen: dict[str, ModelSource], problems: list[Diagnostic]
    ) -> tuple[dict[str, ModelSource], list[Diagnostic]]:
        cycle = self._cycle(root.name, chosen)
        if cycle:
            first = chosen[cycle[0]]
            problems.append(
                first.manifest.error(
                    ("dependencies", cycle[1]),
                    "dependency-cycle",
                    f"models depend on each other in a cycle: {' -> '.join(cycle)}",
                    key=True,
                )
            )
        return chosen, problems

    def _constraints(
        self, chosen: dict[str, ModelSource], problems: list[Diagnostic]
    ) -> dict[str, list[tuple[SpecifierSet, ModelSource, tuple[str, ...]]]]:
        constraints: dict[str, list[tuple[SpecifierSet, ModelSource, tuple[str, ...]]]] = {}
        for model in chosen.values():
            for dep, text in model.dependencies.items():
                path = ("dependencies", dep)
                try:
                    spec = SpecifierSet(text)
                except InvalidSpecifier:
                    problem = model.manifest.error(
                        path,
                        "dependency-range",
                        f"'{text}' is not a version range (write e.g. '>=1.0,<2' or '~=1.2')",
                    )
                    if problem not in problems:
                        problems.append(problem)
                    continue
                constraints.setdefault(dep, []).append((spec, model, path))
        return constraints

    @staticmethod
    def _reachable(root: str, chosen: dict[str, ModelSource]) -> set[str]:
        seen = {root}
        stack = [root]
        while stack:
            model = chosen.get(stack.pop())
            if model is None:
                continue
            for dep in model.dependencies:
                if dep not in seen:
                    seen.add(dep)
                    stack.append(dep)
        return seen

    @staticmethod
    def _cycle(root: str, chosen: dict[str, ModelSource]) -> list[str]:
        path: list[str] = []
        done: set[str] = set()

        def visit(name: str) -> list[str]:
            if name in path:
                return [*path[path.index(name) :], name]
            if name in done or name not in chosen:
                return []
            path.append(name)
            for dep in chosen[name].dependencies:
                found = visit(dep)
                if found:
                    return found
            path.pop()
            done.add(name)
            return []

        return visit(root)


def element_files(folder: Path) -> Sequence[Path]:
    """A model's element files: every YAML file below it except the manifest and migrations."""
    files = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        if rel.parts[0] in ("migrations",) or any(p.startswith((".", "_")) for p in rel.parts):
            continue
        if rel == Path(MANIFEST_NAME):
            continue
        files.append(path)
    return files
