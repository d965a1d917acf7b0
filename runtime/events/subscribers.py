"""In-process subscribers: callbacks told about this process's commits, after the commit.

Never inside the transaction: a subscriber cannot roll a change back, and a slow one does not
hold locks. A subscriber that raises is logged and skipped; the commit stands. For delivery that
survives a crash, or across processes, use a `Consumer`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from meshkit.runtime.events.event import Event, EventFilter

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Subscription:
    callback: Callable[[Event], None]
    wanted: EventFilter
    _subscribers: Subscribers = field(repr=False)

    def close(self) -> None:
        """Stop receiving events (idempotent)."""
        self._subscribers.remove(self)


class Subscribers:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: tuple[Subscription, ...] = ()

    def add(self, callback: Callable[[Event], None], wanted: EventFilter) -> Subscription:
        subscription = Subscription(callback, wanted, self)
        with self._lock:
            self._subscriptions = (*self._subscriptions, subscription)
        return subscription

    def remove(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions = tuple(s for s in self._subscriptions if s is not subscription)

    def deliver(self, events: Sequence[Event]) -> None:
        subscriptions = self._subscriptions  # a snapshot: (un)subscribing in a callback is safe
        for event in events:
            for s in subscriptions:
                try:
                    if s.wanted.matches(event):
                        s.callback(event)
                except Exception:
                    log.exception(
                        "event subscriber %r failed on event %s; the change stays committed",
                        s.callback,
                        event.position,
                    )
