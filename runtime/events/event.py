"""What a committed change looks like to everyone who listens: one `Event` per entity change."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class EventKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    ARCHIVED = "archived"
    DELETED = "deleted"  # the entity was erased
    LINKED = "linked"
    UNLINKED = "unlinked"


@dataclass(frozen=True)
class PendingEvent:
    """An event of a unit of work that has not committed yet (it has no position)."""

    kind: EventKind
    tenant: str
    class_qid: str
    entity_id: str
    changed: tuple[str, ...]
    actor: str
    at: datetime
    related_id: str | None = None


@dataclass(frozen=True)
class Event:
    """A committed change of one entity.

    `changed` names the attributes and association ends that changed — not their values: the
    values (sensitive ones too) stay in the database and its audit trail, read them there.
    `related_id` is the other entity of a link or unlink.
    """

    position: int  # increases with every event, in commit order; never reused
    kind: EventKind
    tenant: str
    class_qid: str  # the entity's concrete class
    entity_id: str
    changed: tuple[str, ...]
    actor: str
    at: datetime
    related_id: str | None = None


@dataclass(frozen=True)
class EventFilter:
    """Which events a reader wants; None means any. `class_qids` already holds subclasses."""

    tenant: str | None = None
    class_qids: frozenset[str] | None = None
    kinds: frozenset[EventKind] | None = None
    entity_id: str | None = None
    where: Callable[[Event], bool] | None = None  # checked in Python, after the rest

    def matches(self, event: Event) -> bool:
        return (
            (self.tenant is None or event.tenant == self.tenant)
            and (self.class_qids is None or event.class_qid in self.class_qids)
            and (self.kinds is None or event.kind in self.kinds)
            and (self.entity_id is None or event.entity_id == self.entity_id)
            and (self.where is None or self.where(event))
        )


def kinds_of(kinds: Iterable[EventKind | str] | None) -> frozenset[EventKind] | None:
    return None if kinds is None else frozenset(EventKind(k) for k in kinds)
