"""Backups of a meshkit database, and restoring them: one file holds everything (entities,
audit trail, outbox, series, stored files, accounts, the applied model versions).

- **SQLite**: SQLite's online backup API copies the database page by page under its own locks,
  so a backup taken while the server runs is consistent; the copy is checked with
  `PRAGMA integrity_check`. A restore copies the backup's pages into the database the same way
  (stop the server first: connections keep their caches).
- **PostgreSQL**: `pg_dump --format=custom` (one consistent snapshot; the client must be on
  PATH, version >= the server's). A URL whose `options` set a `search_path` (a deployment in
  its own schema) dumps that schema only. A restore runs `pg_restore --clean --if-exists
  --no-owner --single-transaction --exit-on-error`: all of it or nothing. Row-level security
  applies to dumps too: run them as the tables' owner or a role with BYPASSRLS
  (docs/operations.md, "Which database role").

Every backup says what it holds — the model versions and the migration revision — read from the
copy itself, so `meshkit db restore` can say what it is about to put back.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from meshkit.runtime.database import create_engine
from meshkit.runtime.migrations.environment import current_revision
from meshkit.runtime.migrations.versions import REVISION_TABLE, VERSION_TABLE, applied_models

#: The first bytes of a pg_dump custom-format archive and of a SQLite database file.
_PGDUMP_MAGIC = b"PGDMP"
_SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what and where."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds."""

    path: Path
    kind: str  # "sqlite" or "postgresql"
    size: int  # bytes
    models: tuple[tuple[str, str], ...]  # (model, version), root first
    revision: str | None  # the migration revision; None when the database held no model

    def summary(self) -> str:
        models = ", ".join(f"{m} {v}" for m, v in self.models) or "no meshkit model"
        at = f" at revision {self.revision}" if self.revision else ""
        return f"{self.path} ({self.kind}, {self.size:,} bytes): {models}{at}"


def backup(url: str, target: Path, *, overwrite: bool = False) -> BackupInfo:
    """Write a backup of the database at `url` to `target`."""
    target = Path(target)
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists; choose another file or overwrite it (--overwrite)")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_backup(_sqlite_file(url), target)
    elif parsed.get_backend_name() == "postgresql":
        _pg_dump(url, target)
    else:
        raise BackupError(f"cannot back up a {parsed.get_backend_name()} database")
    return describe(target)


def restore(url: str, source: Path, *, replace: bool = False) -> BackupInfo:
    """Put the backup `source` back into the database at `url`. A database that holds a
    meshkit model already is only replaced when `replace` is set."""
    info = describe(source)
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend != info.kind:
        raise BackupError(
            f"{source} is a {info.kind} backup; it cannot go into a {backend} database"
        )
    if not replace:
        held = _held_models(url)
        if held:
            raise BackupError(
                f"the database holds {held} already; restoring replaces all of it — confirm "
                "with --replace (and take a backup of it first)"
            )
    if backend == "sqlite":
        _sqlite_restore(source, _sqlite_file(url, must_exist=False))
    else:
        _pg_restore(url, source)
    return info


def describe(path: Path) -> BackupInfo:
    """What the backup file at `path` holds (BackupError when it is not a readable backup)."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            head = file.read(16)
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror or exc}") from None
    size = path.stat().st_size
    if head.startswith(_SQLITE_MAGIC):
        models, revision = _sqlite_contents(path)
        return BackupInfo(path, "sqlite", size, models, revision)
    if head.startswith(_PGDUMP_MAGIC):
        models, revision = _pg_contents(path)
        return BackupInfo(path, "postgresql", size, models, revision)
    raise BackupError(
        f"{path} is neither a SQLite database nor a pg_dump custom-format archive "
        "(what `meshkit db backup` writes)"
    )


# ------------------------------------------------------------------------------------ SQLite


def _sqlite_file(url: str, *, must_exist: bool = True) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url} names no database file")
    path = Path(database)
    if must_exist and not path.is_file():
        raise BackupError(f"there is no database file {path}")
    return path


def _sqlite_backup(source: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    try:
        with _sqlite(source) as src, _sqlite(partial) as dst:
            src.backup(dst)
            _check_integrity(dst, target)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backing up {source} failed: {exc}") from None
    os.replace(partial, target)


def _sqlite_restore(source: Path, target: Path) -> None:
    try:
        with _sqlite(source) as src:
            _check_integrity(src, source)
            with _sqlite(target) as dst:
                src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"restoring {source} into {target} failed: {exc}") from None


def _check_integrity(connection: sqlite3.Connection, where: Path) -> None:
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError(f"{where} fails SQLite's integrity check: {'; '.join(problems[:5])}")


class _sqlite:
    """A sqlite3 connection that is closed (not just committed) on exit."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path)

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *_exc: object) -> None:
        self.connection.close()


def _sqlite_contents(path: Path) -> tuple[tuple[tuple[str, str], ...], str | None]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return _contents(connection)
    except sa.exc.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a database: {exc.orig}") from None
    finally:
        engine.dispose()


def _contents(connection: sa.Connection) -> tuple[tuple[tuple[str, str], ...], str | None]:
    models = tuple((row.model, row.version) for row in applied_models(connection))
    return models, current_revision(connection) if models else None


def _held_models(url: str) -> str:
    """The models the database at `url` holds, as text; "" when it holds none (or no file)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not _sqlite_file(url, must_exist=False).exists():
        return ""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            models, _ = _contents(connection)
    finally:
        engine.dispose()
    return ", ".join(f"{m} {v}" for m, v in models)


# -------------------------------------------------------------------------------- PostgreSQL


def _libpq(url: str) -> tuple[str, str | None]:
    """The URL as libpq takes it (no SQLAlchemy driver) and the schema its search_path names."""
    scheme, rest = url.split("://", 1)
    if not scheme.startswith("postgres"):
        raise BackupError(f"{url} is not a PostgreSQL URL")
    query = parse_qs(rest.partition("?")[2])
    schema = None
    for option in query.get("options", []):
        found = re.search(r"search_path\s*=\s*([A-Za-z_][A-Za-z0-9_]*)", unquote(option))
        if found:
            schema = found.group(1)
    return "postgresql://" + rest, schema


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH: install PostgreSQL's client programs (Debian: "
            "postgresql-client) in the server's major version or newer"
        )
    return found


def _run(arguments: list[str], what: str) -> str:
    try:
        done = subprocess.run(arguments, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{what} could not start: {exc}") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise BackupError(f"{what} failed: {' / '.join(lines[-3:]) or f'exit {done.returncode}'}")
    return done.stdout


def _pg_dump(url: str, target: Path) -> None:
    libpq, schema = _libpq(url)
    partial = target.with_name(target.name + ".partial")
    arguments = [_tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={libpq}"]
    if schema is not None:
        arguments.append(f"--schema={schema}")
    try:
        _run(arguments, "pg_dump")
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)


def _pg_restore(url: str, source: Path) -> None:
    libpq, _schema = _libpq(url)
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={libpq}",
            str(source),
        ],
        "pg_restore",
    )


def _pg_contents(path: Path) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """The model versions and revision in a pg_dump archive, read from its COPY data."""
    models: list[tuple[str, str]] = []
    revision: str | None = None
    listing = _run([_tool("pg_restore"), "--list", str(path)], "reading the archive")
    tables = set(re.findall(r"TABLE DATA \S+ (\S+) ", listing))
    if VERSION_TABLE in tables:
        rows = _copy_rows(path, VERSION_TABLE)
        rows.sort(key=lambda row: (row.get("is_root") != "t", row["model"]))  # root first
        models = [(row["model"], row["version"]) for row in rows]
    if models and REVISION_TABLE in tables:
        rows = _copy_rows(path, REVISION_TABLE)
        revision = rows[0]["version_num"] if rows else None
    return tuple(models), revision


def _copy_rows(path: Path, table: str) -> list[dict[str, str]]:
    """The rows of `table` in the archive (COPY text format: tab-separated, `\\N` for null)."""
    script = _run(
        [_tool("pg_restore"), "--data-only", f"--table={table}", "--file=-", str(path)],
        "reading the archive",
    )
    header = re.search(r"^COPY \S+ \(([^)]*)\) FROM stdin;$", script, re.MULTILINE)
    if header is None:
        return []
    columns = [c.strip().strip('"') for c in header.group(1).split(",")]
    body = script[header.end() + 1 :].split("\n\\.\n", 1)[0]
    # One row per line: COPY writes tabs and newlines inside values as \t and \n.
    return [
        dict(zip(columns, line.split("\t"), strict=False)) for line in body.splitlines() if line
    ]


__all__ = ["BackupError", "BackupInfo", "backup", "describe", "restore"]
