"""A consumer: a named reader of the outbox that remembers how far it got, across restarts.

    consumer = repo.events.consumer("invoice-mailer", repo.events.wanted(class_ref="Invoice"))
    for event in consumer.follow(stop=shutdown):
        send(event)  # acknowledged when the loop asks for the next event

Delivery is at least once: an event handled but not yet acknowledged comes again after a
restart. Acknowledge in the transaction of your own writes (`acknowledge(connection=...)`)
to make their effects exactly once. Run one process per consumer name.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import TYPE_CHECKING

import sqlalchemy as sa

from meshkit.runtime.events.event import Event, EventFilter

if TYPE_CHECKING:
    from meshkit.runtime.events.log import EventLog


class Consumer:
    def __init__(self, log: EventLog, name: str, wanted: EventFilter) -> None:
        if not name:
            raise ValueError("a consumer needs a name: its position is stored under it")
        self.name = name
        self.wanted = wanted
        self._log = log
        with log.engine.connect() as connection:
            self._acknowledged = log.outbox.position_of(connection, name)
        self._fetched = self._acknowledged

    @property
    def position(self) -> int:
        """The stored position: every event up to it has been acknowledged."""
        return self._acknowledged

    def poll(self, limit: int = 100) -> list[Event]:
        """The next events after those already polled (at most `limit`; empty when none)."""
        events, through = self._log.read_through(self._fetched, self.wanted, limit)
        self._fetched = through
        return events

    def acknowledge(
        self, position: int | None = None, *, connection: sa.Connection | None = None
    ) -> None:
        """Store `position` (default: through the last poll) as handled; with `connection`, in
        that transaction, so it commits or rolls back with the consumer's own writes."""
        target = self._fetched if position is None else position
        if target < self._acknowledged:
            raise ValueError(
                f"consumer '{self.name}' is at {self._acknowledged}; it cannot go back to {target}"
            )
        if connection is not None:
            self._log.outbox.store_position(connection, self.name, target)
        else:
            with self._log.engine.begin() as own:
                self._log.outbox.store_position(own, self.name, target)
        self._acknowledged = target
        self._fetched = max(self._fetched, target)

    def follow(
        self,
        *,
        stop: threading.Event | None = None,
        idle_timeout: float | None = None,
    ) -> Generator[Event, None, None]:
        """Events from the stored position on, waiting for new ones; each is acknowledged
        when the next one is asked for."""
        for event in self._log.stream(
            self._fetched, self.wanted, stop=stop, idle_timeout=idle_timeout
        ):
            self._fetched = event.position
            yield event
            self.acknowledge(event.position)
