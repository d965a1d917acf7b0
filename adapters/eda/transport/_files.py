"""Crash-safe file primitives shared by the file-folder transport and the simulator's state.

The invariant: a reader that only looks at visible names (no leading dot, no `.tmp`) sees either
nothing or a complete, fsynced file, never a partial one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def is_temporary(name: str) -> bool:
    """Names writers use while a file is incomplete; readers skip them."""
    return name.startswith(".") or name.endswith((TEMP_SUFFIX, ".part"))


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in `folder` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # e.g. Windows, some network file systems
            os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that `path` is either absent/old or complete and durable."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    fsync_dir(path.parent)


def move_atomic(source: Path, target_folder: Path) -> Path:
    """Move `source` into `target_folder` in one rename; never overwrites an existing file."""
    target = target_folder / source.name
    if target.exists():  # a reused file name must not replace an earlier message
        target = target_folder / f"{source.stem}.{secrets.token_hex(4)}{source.suffix}"
    os.replace(source, target)
    fsync_dir(target_folder)
    fsync_dir(source.parent)
    return target
