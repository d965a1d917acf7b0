"""Events: every committed change, told through a transactional outbox.

    repo.events.subscribe(print, repo.events.wanted(class_ref="Community"))
    for event in repo.events.stream(after=41, idle_timeout=5):
        ...
    consumer = repo.events.consumer("mailer")
    for event in consumer.follow(): ...

The outbox row is written in the transaction of the change: a rolled-back change tells
nobody, a committed one is never lost. See docs/events.md.
"""

from meshkit.runtime.events.consumer import Consumer
from meshkit.runtime.events.event import Event, EventFilter, EventKind, PendingEvent
from meshkit.runtime.events.log import EventLog
from meshkit.runtime.events.outbox import (
    CONSUMER_TABLE,
    DEFAULT_CHANNEL,
    OUTBOX_TABLE,
    Outbox,
    add_event_tables,
)
from meshkit.runtime.events.subscribers import Subscription
from meshkit.runtime.events.wakeup import LocalWakeup, PostgresListener, Wakeup

__all__ = [
    "CONSUMER_TABLE",
    "DEFAULT_CHANNEL",
    "OUTBOX_TABLE",
    "Consumer",
    "Event",
    "EventFilter",
    "EventKind",
    "EventLog",
    "LocalWakeup",
    "Outbox",
    "PendingEvent",
    "PostgresListener",
    "Subscription",
    "Wakeup",
    "add_event_tables",
]
