"""The repository seen through a policy: every read row-filtered and masked, every write checked.

    with secured_unit_of_work(repo, policy, principal) as uow:
        page = uow.find("MeteringPoint", where={...})      # only rows the principal may read
        doc = uow.get("Invoice", some_id)                   # NotFoundError if not theirs

The unit of work is opened in the principal's tenant (tenant isolation stays in the runtime);
the policy adds row and column rules on top. An entity the principal may not read is reported
as not found — the same answer as for an id that does not exist, so ids cannot be probed.
This is what the GraphQL layer uses (or mirrors, with `Policy.secure_filter` and `mask`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from meshkit.ck.model import EndSide
from meshkit.runtime.errors import NotFoundError
from meshkit.runtime.query import Filter, OrderBy, Page
from meshkit.runtime.repository import Entity, Repository, UnitOfWork

from .errors import PermissionDenied
from .filters import conjunction
from .policy import Policy, paths_of_order
from .principal import Principal


@contextmanager
def secured_unit_of_work(
    repository: Repository, policy: Policy, principal: Principal
) -> Iterator[SecuredUnitOfWork]:
    """A unit of work in the principal's tenant, with the policy applied to everything."""
    if principal.is_anonymous or not principal.tenant:
        raise PermissionDenied(
            "*", "connect", "sign in with an identity that names a tenant", code="unauthenticated"
        )
    with repository.unit_of_work(tenant=principal.tenant, actor=principal.actor) as uow:
        yield SecuredUnitOfWork(uow, policy, principal)


class SecuredUnitOfWork:
    """A `UnitOfWork` narrowed to what one principal may see and do."""

    def __init__(self, uow: UnitOfWork, policy: Policy, principal: Principal) -> None:
        if uow.tenant != principal.tenant:
            raise PermissionDenied(
                "*", "connect", "the unit of work belongs to another tenant", code="wrong-tenant"
            )
        self.uow = uow
        self.policy = policy
        self.principal = principal

    # ------------------------------------------------------------------ reading
    def get(self, class_ref: str, entity_id: str) -> Entity:
        return self.policy.mask(self.principal, class_ref, self._get(class_ref, entity_id, "read"))

    def find(
        self,
        class_ref: str,
        where: Filter | None = None,
        order_by: OrderBy | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Page:
        self.policy.check_paths(self.principal, class_ref, paths_of_order(order_by), "sort")
        condition = self.policy.secure_filter(self.principal, class_ref, where)
        page = self.uow.find(class_ref, condition, order_by, first, after)
        items = [self.policy.mask(self.principal, class_ref, e) for e in page.items]
        return Page(items=items, cursors=page.cursors, has_next=page.has_next)

    def count(self, class_ref: str, where: Filter | None = None) -> int:
        return self.uow.count(
            class_ref, self.policy.secure_filter(self.principal, class_ref, where)
        )

    def aggregate(
        self,
        class_ref: str,
        measures: Mapping[str, Mapping[str, Any]],
        group_by: Sequence[str] = (),
        where: Filter | None = None,
    ) -> list[dict[str, Any]]:
        paths = [*group_by, *(str(m["attr"]) for m in measures.values() if m.get("attr"))]
        self.policy.check_paths(self.principal, class_ref, paths, "aggregate")
        condition = self.policy.secure_filter(self.principal, class_ref, where)
        return self.uow.aggregate(class_ref, measures, group_by, condition)

    def related(
        self,
        class_ref: str,
        entity_id: str,
        end: str,
        where: Filter | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Page:
        """The entities at the other end of `end` that the principal may read (traversal).

        The start entity must be readable; the other class's row rule applies as to any query,
        so a readable metering point does not lead to another member's participations.
        """
        start = self._get(class_ref, entity_id, "read")
        cls = self.policy.model.classes[start["type"]]
        nav = cls.ends.get(end)
        if nav is None or end not in self.policy.visible_attributes(self.principal, cls.qid):
            raise PermissionDenied(
                cls.qid, "read", f"{cls.qid} has no readable end '{end}'", code="attribute-hidden"
            )
        association = self.policy.model.associations[nav.association]
        inverse = association.inverse if nav.side is EndSide.SOURCE else association.name
        other_end = self.policy.model.classes[nav.other].ends[inverse]
        link: Filter
        if other_end.many:
            link = {"attr": inverse, "op": "some", "where": {"attr": "id", "value": entity_id}}
        else:
            link = {"attr": inverse, "op": "eq", "value": entity_id}
        # The link condition is ours, not the caller's: it is not checked against column rules.
        condition = conjunction(link, self.policy.secure_filter(self.principal, nav.other, where))
        page = self.uow.find(nav.other, condition, None, first, after)
        items = [self.policy.mask(self.principal, nav.other, e) for e in page.items]
        return Page(items=items, cursors=page.cursors, has_next=page.has_next)

    # ------------------------------------------------------------------ writing
    def create(self, class_ref: str, values: Mapping[str, Any]) -> Entity:
        self.policy.check(self.principal, class_ref, "create")
        self._check_writable(class_ref, "create", values)
        rule = self.policy.row_filter(self.principal, class_ref, "create")
        with self.uow.connection.begin_nested() as savepoint:
            created = self.uow.create(class_ref, values)
            if rule is not None and not self._matches(class_ref, created["id"], rule):
                savepoint.rollback()
                raise PermissionDenied(
                    class_ref,
                    "create",
                    f"you may not create this {class_ref}: it would be outside your rows",
                    code="outside-row-scope",
                )
        return self.policy.mask(self.principal, class_ref, created)

    def update(
        self,
        class_ref: str,
        entity_id: str,
        changes: Mapping[str, Any],
        expected_version: int,
    ) -> Entity:
        self._check_writable(class_ref, "update", changes)
        self._get(class_ref, entity_id, "update")
        rule = self.policy.row_filter(self.principal, class_ref, "update")
        with self.uow.connection.begin_nested() as savepoint:
            updated = self.uow.update(class_ref, entity_id, changes, expected_version)
            if rule is not None and not self._matches(class_ref, entity_id, rule):
                savepoint.rollback()
                raise PermissionDenied(
                    class_ref,
                    "update",
                    "this change would move the entity outside your rows",
                    code="outside-row-scope",
                )
        return self.policy.mask(self.principal, class_ref, updated)

    def archive(
        self, class_ref: str, entity_id: str, expected_version: int | None = None
    ) -> Entity:
        self._get(class_ref, entity_id, "archive")
        archived = self.uow.archive(class_ref, entity_id, expected_version)
        return self.policy.mask(self.principal, class_ref, archived)

    def erase(
        self, class_ref: str, entity_id: str, expected_version: int | None = None
    ) -> list[str]:
        self._get(class_ref, entity_id, "erase")
        return self.uow.erase(class_ref, entity_id, expected_version)

    def link(
        self,
        class_ref: str,
        entity_id: str,
        end: str,
        other_id: str,
        attributes: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Link through a link-table end: an update of the source; the target must be readable."""
        source = self._linkable(class_ref, entity_id, end, other_id)
        return self.uow.link(source["type"], entity_id, end, other_id, attributes)

    def unlink(self, class_ref: str, entity_id: str, end: str, other_id: str) -> bool:
        source = self._linkable(class_ref, entity_id, end, other_id)
        return self.uow.unlink(source["type"], entity_id, end, other_id)

    def _linkable(self, class_ref: str, entity_id: str, end: str, other_id: str) -> Entity:
        self._check_writable(class_ref, "update", {end: other_id})
        source = self._get(class_ref, entity_id, "update")
        nav = self.policy.model.classes[source["type"]].ends.get(end)
        if nav is not None:
            self._get(nav.other, other_id, "read")
        return source

    def authorize_command(self, class_ref: str, entity_id: str, command: str) -> Entity:
        """Check `command:<name>` on the entity before a behaviour runs it; the entity, masked."""
        entity = self._get(class_ref, entity_id, f"command:{command}")
        return self.policy.mask(self.principal, class_ref, entity)

    # ------------------------------------------------------------------ internals
    def _get(self, class_ref: str, entity_id: str, operation: str) -> Entity:
        """The unmasked entity if `operation` is allowed on it; NotFoundError if it is not
        readable at all, PermissionDenied if it is readable but the operation is not allowed."""
        if not self.policy.allows(self.principal, class_ref, operation):
            # Not allowed on the class at all: say so, unless the entity is not even readable
            # (then it is "not found", as for any id the principal may not see).
            if operation == "read" or self._readable(class_ref, entity_id):
                self.policy.check(self.principal, class_ref, operation)
            raise NotFoundError(self.policy.model.cls(class_ref).qid, entity_id)
        rule = self.policy.row_filter(self.principal, class_ref, operation)
        if rule is None:
            return self.uow.get(class_ref, entity_id)
        where = conjunction({"attr": "id", "op": "eq", "value": entity_id}, rule)
        page = self.uow.find(class_ref, where, first=1)
        if page.items:
            return page.items[0]
        if operation != "read" and self._readable(class_ref, entity_id):
            raise PermissionDenied(
                class_ref,
                operation,
                f"you may read but not {operation} this {class_ref}",
                code="outside-row-scope",
            )
        raise NotFoundError(self.policy.model.cls(class_ref).qid, entity_id)

    def _readable(self, class_ref: str, entity_id: str) -> bool:
        if not self.policy.allows(self.principal, class_ref, "read"):
            return False
        rule = self.policy.row_filter(self.principal, class_ref, "read")
        return self._matches(class_ref, entity_id, rule)

    def _matches(self, class_ref: str, entity_id: str, rule: Filter | None) -> bool:
        where = conjunction({"attr": "id", "op": "eq", "value": entity_id}, rule)
        return self.uow.count(class_ref, where) > 0

    def _check_writable(self, class_ref: str, operation: str, values: Mapping[str, Any]) -> None:
        self.policy.check(self.principal, class_ref, operation)
        allowed = self.policy.writable_attributes(self.principal, class_ref, operation)
        if allowed is None:
            return
        for name in values:
            if name not in allowed:
                raise PermissionDenied(
                    class_ref,
                    operation,
                    f"you may not set '{name}' of {class_ref} (you may set: "
                    f"{', '.join(sorted(allowed)) or 'nothing'})",
                    code="attribute-hidden",
                    attribute=name,
                )
