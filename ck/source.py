"""YAML files read with the position of every key and value, so errors can point at them.

PyYAML's composer keeps a mark per node; we walk the node tree once, building plain Python data
and a position table keyed by the path to each value. Duplicate keys, which PyYAML silently
collapses to the last one, are reported instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from meshkit.ck.diagnostics import Diagnostic

PathKey = tuple[str | int, ...]


def format_path(path: PathKey) -> str:
    """``("classes", "A", "indexes", 0)`` -> ``classes.A.indexes[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass
class SourceFile:
    """One YAML file: its data and where each value and key stands in it."""

    path: Path
    display: str  # the name used in messages (relative where possible)
    data: Any = None
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value (or key) at `path`, else its nearest parent."""
        table = self.keys if key else self.values
        probe = path
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def error(self, path: PathKey, code: str, message: str, *, key: bool = False) -> Diagnostic:
        line, column = self.where(path, key=key)
        return Diagnostic(self.display, line, column, code, format_path(path), message)


# libyaml's parser (when PyYAML has it) is several times faster and keeps the same marks.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    pass


def load_source(path: Path, display: str) -> tuple[SourceFile, list[Diagnostic]]:
    """Read a YAML file; problems come back as diagnostics, never as exceptions."""
    source = SourceFile(path=path, display=display)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return source, [Diagnostic(display, 1, 1, "encoding", "", f"not UTF-8 text: {exc.reason}")]
    except OSError as exc:
        return source, [Diagnostic(display, 1, 1, "unreadable", "", f"cannot read file: {exc}")]
    problems: list[Diagnostic] = []
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            source.data = _build(loader, node, (), source, problems)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        problems.append(
            Diagnostic(display, line, column, "yaml-syntax", "", f"invalid YAML: {what}")
        )
    except yaml.YAMLError as exc:
        problems.append(Diagnostic(display, 1, 1, "yaml-syntax", "", f"invalid YAML: {exc}"))
    finally:
        loader.dispose()
    return source, problems


def _build(
    loader: _Loader,
    node: yaml.Node,
    path: PathKey,
    source: SourceFile,
    problems: list[Diagnostic],
) -> Any:
    source.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                # YAML turns `yes:` or `1:` into non-strings; names in a CK are always text.
                key = str(key).lower() if isinstance(key, bool) else str(key)
            child = (*path, key)
            key_mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                first = source.keys[child]
                problems.append(
                    Diagnostic(
                        source.display,
                        *key_mark,
                        "duplicate-key",
                        format_path(child),
                        f"key '{key}' appears twice in this mapping (first at line {first[0]})",
                    )
                )
                continue
            source.keys[child] = key_mark
            result[key] = _build(loader, value_node, child, source, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(loader, item, (*path, i), source, problems) for i, item in enumerate(node.value)
        ]
    value = loader.construct_object(node, deep=True)
    if isinstance(value, date | datetime):
        # Keep YAML timestamps as written; the compiler parses them against the declared type.
        return str(node.value)
    return value
