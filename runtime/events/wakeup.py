"""Waiting for new events without asking the database in a tight loop.

A wake-up only says "look again": readers always read the outbox by position, so a lost or
duplicated wake-up costs a read, never an event. PostgreSQL wakes readers in every process
(LISTEN/NOTIFY); commits of this process wake them on any database; otherwise they poll.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from psycopg import sql
from sqlalchemy.engine import Engine


class Wakeup(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block until something may have been committed, or `timeout` seconds; True if woken."""
        ...

    def close(self) -> None: ...


class LocalCommits:
    """Commits of this process: every `EventLog.published` ticks it; waiters wake at once."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._ticks = 0

    def tick(self) -> None:
        with self._condition:
            self._ticks += 1
            self._condition.notify_all()

    def wait_past(self, seen: int, timeout: float) -> int:
        """Wait until there has been a commit after tick `seen` (or `timeout`); the tick now."""
        with self._condition:
            self._condition.wait_for(lambda: self._ticks != seen, timeout)
            return self._ticks

    def watch(self) -> LocalWakeup:
        with self._condition:
            return LocalWakeup(self, self._ticks)


class LocalWakeup:
    """Woken by this process's commits; a timeout means "poll" (SQLite, other processes)."""

    def __init__(self, commits: LocalCommits, seen: int) -> None:
        self._commits = commits
        self._seen = seen

    def wait(self, timeout: float) -> bool:
        now = self._commits.wait_past(self._seen, timeout)
        woken, self._seen = now != self._seen, now
        return woken

    def close(self) -> None:
        pass


class PostgresListener:
    """A connection of its own that LISTENs on the outbox channel (outside the pool)."""

    def __init__(self, engine: Engine, channel: str) -> None:
        raw = engine.raw_connection()
        connection: Any = raw.driver_connection
        raw.detach()  # never handed back to the pool with LISTEN still active
        self._raw = raw
        connection.rollback()
        connection.autocommit = True
        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        self._connection = connection

    def wait(self, timeout: float) -> bool:
        woken = False
        for _ in self._connection.notifies(timeout=timeout, stop_after=1):
            woken = True
        if woken:  # several commits may have notified: one read covers them all
            for _ in self._connection.notifies(timeout=0):
                pass
        return woken

    def close(self) -> None:
        self._raw.close()
