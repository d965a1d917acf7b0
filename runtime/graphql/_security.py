"""The policy as the GraphQL resolvers apply it: one `Guard` per request (policy + principal).

Every read goes through it (docs/security.md, "What GraphQL must do"):

- root connections, nested connections and aggregates AND `Policy.secure_filter` of the class
  read into their SQL, so a member never even counts another member's rows;
- order-by, group-by and measure paths go through `Policy.check_paths`;
- entities read by id (`meteringPoint(id)`, to-one ends) are kept only if the concrete class's
  row rule matches them — one statement per restricted class per level, not per row;
- every entity is `Policy.mask`ed before a resolver sees it: hidden columns are absent (the
  field resolves to null), sensitive text is masked;
- writes go through `SecuredUnitOfWork` (operation, writable attributes, rows before/after).

A schema built with a policy marks every field some role may be refused as nullable
(`withheld_fields`), so a hidden value is a null, never an error that wipes out its parent.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from meshkit.runtime.auth import PermissionDenied, Policy, Principal
from meshkit.runtime.auth.filters import conjunction
from meshkit.runtime.auth.policy import paths_of_order
from meshkit.runtime.auth.principal import AuthMethod
from meshkit.runtime.query import Filter, OrderBy

TENANT_HEADER = "x-meshkit-tenant"
ACTOR_HEADER = "x-meshkit-actor"
ROLES_HEADER = "x-meshkit-roles"
PARTICIPANT_HEADER = "x-meshkit-participant"
DEV_TENANT = "dev"
DEV_ACTOR = "developer"
DEV_ROLES = ("admin",)
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class IdentityError(Exception):
    """The request does not say (correctly) who it is from (dev mode headers)."""


def dev_principal(headers: Mapping[str, str]) -> Principal:
    """INSECURE, `meshkit serve --dev` only: whoever the headers claim to be.

    X-Meshkit-Tenant (default `dev`), X-Meshkit-Actor, X-Meshkit-Roles (comma-separated,
    default `admin`), X-Meshkit-Participant. The policy still applies to the claimed roles.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    tenant = lowered.get(TENANT_HEADER, "").strip() or DEV_TENANT
    if not _TENANT.match(tenant):
        raise IdentityError(
            f"{TENANT_HEADER} must be 1-64 letters, digits, '.', '_' or '-', got {tenant!r}"
        )
    actor = (lowered.get(ACTOR_HEADER, "").strip() or DEV_ACTOR)[:200]
    roles = [r.strip() for r in lowered.get(ROLES_HEADER, "").split(",") if r.strip()]
    participant = lowered.get(PARTICIPANT_HEADER, "").strip() or None
    return Principal(
        subject=actor,
        tenant=tenant,
        roles=frozenset(roles or DEV_ROLES),
        participant_id=participant,
        method=AuthMethod.OIDC,
        attributes={"dev": True},
    )


class Guard:
    """The policy applied to one principal; every method fails closed."""

    def __init__(self, policy: Policy, principal: Principal) -> None:
        self.policy = policy
        self._principal = principal
        self._ends: dict[tuple[str, str], bool] = {}  # asked once per row: cached

    @property
    def principal(self) -> Principal:
        return self._principal

    @principal.setter
    def principal(self, principal: Principal) -> None:  # a websocket signing in
        self._principal = principal
        self._ends.clear()

    def read_filter(self, class_qid: str, where: Filter | None) -> Filter | None:
        """The caller's filter secured: row rule AND (where, every class it reaches restricted).
        PermissionDenied when the class is not readable or the filter names hidden columns."""
        return self.policy.secure_filter(self.principal, class_qid, where)

    def check_order(self, class_qid: str, order_by: OrderBy | None) -> None:
        self.policy.check_paths(self.principal, class_qid, paths_of_order(order_by), "sort")

    def check_aggregate(self, class_qid: str, paths: Collection[str]) -> None:
        self.policy.check_paths(self.principal, class_qid, paths, "aggregate")

    def row_rule(self, concrete_qid: str) -> tuple[bool, Filter | None]:
        """(readable at all, the row rule — None: every row) of a concrete class."""
        if not self.policy.allows(self.principal, concrete_qid, "read"):
            return False, None
        return True, self.policy.row_filter(self.principal, concrete_qid, "read")

    def mask(self, class_qid: str, entity: Mapping[str, Any]) -> dict[str, Any]:
        return self.policy.mask(self.principal, class_qid, entity)

    def sees_in_full(self, concrete_qid: str, names: Collection[str]) -> bool:
        """Whether `mask` would return these names of `concrete_qid` unchanged: all visible,
        none masked (then reads need not copy every entity through `mask`)."""
        if self.policy.masked_attributes(self.principal, concrete_qid):
            return False
        return self.policy.visible_attributes(self.principal, concrete_qid).issuperset(names)

    def end_visible(self, concrete_qid: str, end: str) -> bool:
        key = (concrete_qid, end)
        found = self._ends.get(key)
        if found is None:
            found = end in self.policy.visible_attributes(self.principal, concrete_qid)
            self._ends[key] = found
        return found

    def id_filter(self, concrete_qid: str, ids: Collection[str]) -> Filter | None:
        readable, rule = self.row_rule(concrete_qid)
        if not readable:
            raise PermissionDenied(concrete_qid, "read")
        return conjunction({"attr": "id", "op": "in", "value": sorted(ids)}, rule)


def withheld_fields(policy: Policy) -> frozenset[tuple[str, str]]:
    """(class qid, attribute or end) pairs that some role reading the class may not see in
    full: these fields are nullable in a schema built with the policy. Roles add up, so what
    each role alone may see is the least any principal that can read the class sees."""
    result: set[tuple[str, str]] = set()
    for role in policy.roles:
        principal = Principal(subject="schema", tenant="schema", roles=frozenset({role}))
        for qid, cls in policy.model.classes.items():
            if not policy.allows(principal, qid, "read"):
                continue
            visible = policy.visible_attributes(principal, qid)
            names = set(cls.attributes) | set(cls.ends)
            result.update((qid, name) for name in names - visible)
    return frozenset(result)


__all__ = [
    "ACTOR_HEADER",
    "PARTICIPANT_HEADER",
    "ROLES_HEADER",
    "TENANT_HEADER",
    "Guard",
    "IdentityError",
    "dev_principal",
    "withheld_fields",
]
