"""The event log of one database: the outbox, and every way to hear about what it holds.

- `subscribe`: callbacks in this process, after each commit;
- `read` / `stream` / `astream`: events after a position, filtered, waiting for new ones
  (the shape a GraphQL subscription needs);
- `consumer`: a named reader whose position is stored, so it resumes after a restart.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meshkit.ck.model import CompiledModel
from meshkit.runtime.events.consumer import Consumer
from meshkit.runtime.events.event import Event, EventFilter, EventKind, kinds_of
from meshkit.runtime.events.outbox import DEFAULT_CHANNEL, Outbox
from meshkit.runtime.events.subscribers import Subscribers, Subscription
from meshkit.runtime.events.wakeup import LocalCommits, PostgresListener, Wakeup

DEFAULT_POLL_INTERVAL = 1.0  # seconds between reads when nothing wakes a reader
DEFAULT_BATCH = 500
STOP_CHECK = 0.25  # seconds: how soon a stream notices its stop event


class EventLog:
    def __init__(
        self,
        engine: Engine,
        model: CompiledModel,
        metadata: sa.MetaData,
        *,
        channel: str = DEFAULT_CHANNEL,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        self.engine = engine
        self.model = model
        self.outbox = Outbox(metadata, channel)
        self.poll_interval = poll_interval
        self._subscribers = Subscribers()
        self._commits = LocalCommits()

    def wanted(
        self,
        *,
        tenant: str | None = None,
        class_ref: str | None = None,
        kinds: Iterable[EventKind | str] | None = None,
        entity_id: str | None = None,
        where: Callable[[Event], bool] | None = None,
    ) -> EventFilter:
        """A filter: events of `class_ref` include those of its subclasses."""
        class_qids = None
        if class_ref is not None:
            cls = self.model.cls(class_ref)
            class_qids = frozenset((cls.qid, *cls.descendants))
        return EventFilter(tenant, class_qids, kinds_of(kinds), entity_id, where)

    # ------------------------------------------------------------------ in-process
    def subscribe(
        self, callback: Callable[[Event], None], wanted: EventFilter | None = None
    ) -> Subscription:
        """Call `callback` with each wanted event this process commits, after the commit."""
        return self._subscribers.add(callback, wanted or EventFilter())

    def published(self, events: Sequence[Event]) -> None:
        """Called by the repository once a unit of work has committed `events`."""
        if events:
            self._subscribers.deliver(events)
            self._commits.tick()

    # ------------------------------------------------------------------ reading
    def head(self) -> int:
        """The position of the last committed event (0 when none)."""
        with self.engine.connect() as connection:
            return self.outbox.head(connection)

    def read(
        self, after: int = 0, wanted: EventFilter | None = None, limit: int = DEFAULT_BATCH
    ) -> list[Event]:
        """Committed events after position `after`, oldest first, at most `limit`."""
        return self.read_through(after, wanted or EventFilter(), limit)[0]

    def read_through(self, after: int, wanted: EventFilter, limit: int) -> tuple[list[Event], int]:
        """The wanted events after `after` and the position read through (continue from it)."""
        events, _, through = self._next(after, wanted, limit)
        return events, through

    def wakeup(self) -> Wakeup:
        """What a reader waits on: LISTEN on PostgreSQL, this process's commits otherwise."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as connection:
                channel = self.outbox.channel_for(connection)
            return PostgresListener(self.engine, channel)
        return self._commits.watch()

    def stream(
        self,
        after: int = 0,
        wanted: EventFilter | None = None,
        *,
        stop: threading.Event | None = None,
        idle_timeout: float | None = None,
        batch: int = DEFAULT_BATCH,
    ) -> Generator[Event, None, None]:
        """Wanted events after `after` as they are committed, until `stop` is set or nothing
        came for `idle_timeout` seconds (forever by default)."""
        wanted = wanted or EventFilter()
        position = after
        waiter = self.wakeup()  # before the first read: no commit slips between read and wait
        try:
            idle_since = time.monotonic()
            while not _stopped(stop):
                events, full, position = self._next(position, wanted, batch)
                yield from events
                if events:
                    idle_since = time.monotonic()
                if full or _stopped(stop):
                    continue
                wait = self._wait_time(idle_since, idle_timeout, stop)
                if wait is None:
                    return
                waiter.wait(wait)
        finally:
            waiter.close()

    async def astream(
        self,
        after: int = 0,
        wanted: EventFilter | None = None,
        *,
        stop: asyncio.Event | None = None,
        idle_timeout: float | None = None,
        batch: int = DEFAULT_BATCH,
    ) -> AsyncGenerator[Event, None]:
        """`stream` for asyncio (GraphQL subscriptions): database work runs in threads."""
        wanted = wanted or EventFilter()
        position = after
        waiter = await asyncio.to_thread(self.wakeup)
        try:
            idle_since = time.monotonic()
            while not _stopped(stop):
                events, full, position = await asyncio.to_thread(
                    self._next, position, wanted, batch
                )
                for event in events:
                    yield event
                if events:
                    idle_since = time.monotonic()
                if full or _stopped(stop):
                    continue
                wait = self._wait_time(idle_since, idle_timeout, stop)
                if wait is None:
                    return
                await asyncio.to_thread(waiter.wait, wait)
        finally:
            waiter.close()

    def consumer(self, name: str, wanted: EventFilter | None = None) -> Consumer:
        """The consumer `name`, at its stored position (0 the first time)."""
        return Consumer(self, name, wanted or EventFilter())

    # ------------------------------------------------------------------ internals
    def _next(
        self, position: int, wanted: EventFilter, batch: int
    ) -> tuple[list[Event], bool, int]:
        with self.engine.connect() as connection:
            events, through = self.outbox.read(connection, position, wanted, batch)
        full = len(events) == batch
        if wanted.where is not None:
            events = [e for e in events if wanted.where(e)]
        return events, full, through

    def _wait_time(
        self,
        idle_since: float,
        idle_timeout: float | None,
        stop: threading.Event | asyncio.Event | None,
    ) -> float | None:
        """How long to wait for a wake-up; None when the stream has been idle long enough.
        With a `stop` event, waits are short so that setting it ends the stream soon."""
        wait = self.poll_interval if stop is None else min(self.poll_interval, STOP_CHECK)
        if idle_timeout is None:
            return wait
        left = idle_timeout - (time.monotonic() - idle_since)
        return None if left <= 0 else min(wait, left)


def _stopped(stop: threading.Event | asyncio.Event | None) -> bool:
    return stop is not None and stop.is_set()
