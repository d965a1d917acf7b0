"""The protocol a plugin implements: a `Behaviour` overrides the hooks it needs.

Every hook runs inside the unit of work that makes the change (`change.uow`), so it can read
and write in the same transaction. Raising refuses the change: the whole write, and everything
the hooks wrote, is rolled back. Raise `BehaviourError` for a refusal the caller can act on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from meshkit.ck.model import ClassDef
from meshkit.runtime.audit import Operation
from meshkit.runtime.errors import FieldError

if TYPE_CHECKING:
    from meshkit.runtime.repository import UnitOfWork


@dataclass(frozen=True)
class Change:
    """One entity being written: what it was, what it will be (or is), and what differs.

    `before` is None on create; `after` is None on erase. Validators see in `after` only the
    values that passed the model's checks (a value with its own field error is left out).
    """

    uow: UnitOfWork
    cls: ClassDef  # the entity's concrete class
    operation: Operation
    entity_id: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    changed: frozenset[str]  # attributes and to-one ends whose value is set or differs

    @property
    def entity(self) -> Mapping[str, Any]:
        """The entity as it stands after the change (before it, for an erase)."""
        current = self.after if self.after is not None else self.before
        assert current is not None
        return current


@dataclass(frozen=True)
class LinkChange:
    """A link between two entities being made, changed or removed (`link` / `unlink`).

    Seen from one end: `entity_id` of class `cls` is linked through its end `end` to
    `other_id` of class `other_cls`. The hooks of both entities' classes run, each with the
    change seen from its own end. `before` holds the link's attributes if the link existed
    (None when `link` makes a new one); `after` the attributes it will have (None on unlink).
    """

    uow: UnitOfWork
    cls: ClassDef  # the concrete class of the entity at this end
    operation: Operation  # link or unlink
    entity_id: str
    end: str  # the association end navigated from this entity
    association: str  # the association's qid
    other_cls: ClassDef  # the concrete class of the entity at the other end
    other_id: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None

    @property
    def changed(self) -> frozenset[str]:
        """Link attributes that are set (new link) or differ (existing link); none on unlink."""
        if self.after is None:
            return frozenset()
        if self.before is None:
            return frozenset(k for k, v in self.after.items() if v is not None)
        before = self.before
        return frozenset(k for k, v in self.after.items() if before.get(k) != v)


@dataclass(frozen=True)
class Transition:
    """A watched attribute changing value: `state` active → archived, `status` draft → sent."""

    attribute: str
    before: Any
    after: Any


@dataclass(frozen=True)
class CommandContext:
    """What a command receives first: the unit of work and the entity it was called on."""

    uow: UnitOfWork
    cls: ClassDef
    entity: Mapping[str, Any]

    @property
    def entity_id(self) -> str:
        return str(self.entity["id"])


class Behaviour:
    """Domain logic bound to a class (and its subclasses) by the construction kit.

    Override only the hooks you need; the runtime calls no hook a behaviour leaves alone.
    Order on a write: validate → compute → on_transition → before_<op> → SQL and outbox row
    → after_<op>; `link` / `unlink` run only before_<op> → SQL → after_<op>, with a
    `LinkChange`. Behaviours are shared by every unit of work: keep no per-request state.
    Commands are methods decorated with `@command`.
    """

    #: Attributes whose change `on_transition` is told about (on update and archive).
    watches: ClassVar[frozenset[str]] = frozenset()

    def validate(self, change: Change) -> Iterable[FieldError]:
        """Problems with a create or update; they join the model's own field errors."""
        return ()

    def compute(self, change: Change) -> Mapping[str, Any]:
        """Values of `computed` attributes, filled before a create or update is written."""
        return {}

    def on_transition(self, change: Change, transition: Transition) -> None:
        """A watched attribute changes value (update or archive), before it is written."""

    def before_create(self, change: Change) -> None: ...
    def after_create(self, change: Change) -> None: ...
    def before_update(self, change: Change) -> None: ...
    def after_update(self, change: Change) -> None: ...
    def before_archive(self, change: Change) -> None: ...
    def after_archive(self, change: Change) -> None: ...
    def before_erase(self, change: Change) -> None: ...
    def after_erase(self, change: Change) -> None: ...
    def before_link(self, change: LinkChange) -> None: ...
    def after_link(self, change: LinkChange) -> None: ...
    def before_unlink(self, change: LinkChange) -> None: ...
    def after_unlink(self, change: LinkChange) -> None: ...


#: Hook names the runtime calls, by operation: (before, after).
HOOKS: Mapping[Operation, tuple[str, str]] = {
    Operation.CREATE: ("before_create", "after_create"),
    Operation.UPDATE: ("before_update", "after_update"),
    Operation.ARCHIVE: ("before_archive", "after_archive"),
    Operation.ERASE: ("before_erase", "after_erase"),
    Operation.LINK: ("before_link", "after_link"),
    Operation.UNLINK: ("before_unlink", "after_unlink"),
}
