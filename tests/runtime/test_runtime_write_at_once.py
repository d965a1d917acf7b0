"""for_writing: a transaction that reads and then writes takes SQLite's write lock when it
begins, so a writer committing in between makes it wait instead of failing."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from meshkit.runtime import Repository, create_engine
from meshkit.runtime.database import for_writing

SELECT = sa.text("SELECT n FROM t")


def _update(n: int) -> sa.TextClause:
    return sa.text(f"UPDATE t SET n = {n}")


def test_a_deferred_read_then_write_fails_and_an_immediate_one_waits(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        with engine.begin() as setup:
            setup.execute(sa.text("CREATE TABLE t (n INTEGER)"))
            setup.execute(sa.text("INSERT INTO t VALUES (0)"))

        # What a sign-in did: read, another process commits, write -> "database is locked".
        with engine.connect() as reader, reader.begin():
            reader.execute(SELECT).scalar()
            with engine.begin() as other:
                other.execute(_update(1))
            with pytest.raises(sa.exc.OperationalError, match="locked"):
                reader.execute(_update(2))

        # With for_writing the other writer waits until this transaction commits.
        finished: list[float] = []

        def other_writer() -> None:
            with engine.begin() as other:
                other.execute(_update(3))
            finished.append(time.monotonic())

        with for_writing(engine).connect() as reader, reader.begin():
            assert reader.execute(SELECT).scalar() == 1
            thread = threading.Thread(target=other_writer)
            thread.start()
            time.sleep(0.3)
            assert not finished  # blocked by our write lock
            reader.execute(_update(2))
        thread.join(10)
        assert finished
        with engine.connect() as check:
            assert check.execute(SELECT).scalar() == 3  # ours first, then the other one
    finally:
        engine.dispose()


def test_other_databases_are_unchanged(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        writing = for_writing(engine)
        if engine.dialect.name == "sqlite":
            assert writing is not engine
            assert writing.get_execution_options()["meshkit_write_at_once"] is True
        else:
            assert writing is engine
    finally:
        engine.dispose()


def test_a_writing_unit_of_work_takes_the_lock_when_it_begins(repo: Repository) -> None:
    begins: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN"):
            begins.append(statement)

    sa.event.listen(repo.engine, "before_cursor_execute", record)
    try:
        with repo.unit_of_work(tenant="t1", actor="a", writing=True):
            pass
        with repo.unit_of_work(tenant="t1", actor="a"):
            pass
    finally:
        sa.event.remove(repo.engine, "before_cursor_execute", record)
    if repo.engine.dialect.name == "sqlite":
        assert begins == ["BEGIN IMMEDIATE", "BEGIN"]
    else:
        assert "BEGIN IMMEDIATE" not in begins
