"""What every resolver of one request shares: who asks (a principal), the policy, one unit of work.

The unit of work is opened on first use and closed when the request ends — committed, or rolled
back after an unexpected error — so a request is one transaction in one tenant and every read
and write of it goes through the repository's unit of work.

With a policy (the served API always has one), the tenant and actor come from the
authenticated principal — never from the request — and every resolver reads through the
request's `Guard` (row rules, column rules) and writes through a `SecuredUnitOfWork`. Without
one (`RequestContext(repository, tenant=..., actor=...)`), the context is *trusted*: for
in-process use such as scripts and tests, never for a network client.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from graphql import GraphQLResolveInfo

from meshkit.runtime import Repository, UnitOfWork
from meshkit.runtime.auth import PermissionDenied, Policy, Principal, SecuredUnitOfWork
from meshkit.runtime.graphql._filters import FilterTranslator
from meshkit.runtime.graphql._reader import EntityReader
from meshkit.runtime.graphql._security import (
    ACTOR_HEADER,
    TENANT_HEADER,
    Guard,
    IdentityError,
    dev_principal,
)

if TYPE_CHECKING:
    from meshkit.runtime.series import SeriesStore


@dataclass(frozen=True)
class Identity:
    tenant: str
    actor: str


def identify_from_headers(headers: Mapping[str, str]) -> Identity:
    """INSECURE (dev mode): the tenant and actor the X-Meshkit-* headers claim."""
    principal = dev_principal(headers)
    assert principal.tenant is not None
    return Identity(tenant=principal.tenant, actor=principal.subject)


class _Rollback(Exception):
    """Thrown into the unit of work to roll it back."""


class RequestContext:
    """Per request: the principal, the lazily opened unit of work, and the reader on it."""

    def __init__(
        self,
        repository: Repository,
        *,
        tenant: str | None = None,
        actor: str | None = None,
        principal: Principal | None = None,
        policy: Policy | None = None,
        request: Any = None,
        series: SeriesStore | None = None,
        schema: Any = None,
    ) -> None:
        if policy is not None and principal is None:
            raise TypeError("a RequestContext with a policy needs the principal")
        self.repository = repository
        self.principal = principal
        self.policy = policy
        self.tenant = principal.tenant if principal is not None else tenant
        self.actor = principal.actor if principal is not None else (actor or "anonymous")
        self.request = request
        self.series = series
        self.schema = schema  # the ModelSchema this context belongs to (schema swaps)
        self.guard = Guard(policy, principal) if policy is not None and principal else None
        self.translator = FilterTranslator(repository.model)
        self.connection_params: dict[str, Any] | None = None  # graphql-transport-ws init
        # A mutation's unit of work reads and then writes: on SQLite it takes the write lock
        # when it begins (Repository.unit_of_work(writing=True)); set before execution.
        self.writing = False
        self._stack = ExitStack()
        self._uow: UnitOfWork | None = None
        self._secured: SecuredUnitOfWork | None = None
        self._reader: EntityReader | None = None

    def fork(self) -> RequestContext:
        """A fresh context for the same caller (one per websocket operation or event)."""
        return RequestContext(
            self.repository,
            tenant=self.tenant,
            actor=self.actor,
            principal=self.principal,
            policy=self.policy,
            request=self.request,
            series=self.series,
            schema=self.schema,
        )

    @property
    def uow(self) -> UnitOfWork:
        if self._uow is None:
            if not self.tenant or (self.guard is not None and self.guard.principal.is_anonymous):
                raise PermissionDenied(
                    "*",
                    "connect",
                    "sign in: send Authorization: Bearer <token> or X-API-Key",
                    code="unauthenticated",
                )
            self._uow = self._stack.enter_context(
                self.repository.unit_of_work(
                    tenant=self.tenant, actor=self.actor, writing=self.writing
                )
            )
        return self._uow

    @property
    def secured(self) -> SecuredUnitOfWork | None:
        """The unit of work through the policy (None in a trusted context)."""
        if self.policy is None or self.principal is None:
            return None
        if self._secured is None:
            self._secured = SecuredUnitOfWork(self.uow, self.policy, self.principal)
        return self._secured

    @property
    def reader(self) -> EntityReader:
        if self._reader is None:
            self._reader = EntityReader(self.uow, self.guard)
        return self._reader

    def finish(self, *, commit: bool) -> None:
        """Commit (or roll back) the unit of work, if one was opened."""
        self._uow = self._reader = self._secured = None
        if commit:
            self._stack.close()
        else:
            self._stack.__exit__(_Rollback, _Rollback(), None)


#: What a resolver receives as `info`: graphql-core's, with this context.
Info: TypeAlias = "GraphQLResolveInfo[RequestContext]"

__all__ = [
    "ACTOR_HEADER",
    "TENANT_HEADER",
    "Identity",
    "IdentityError",
    "Info",
    "RequestContext",
    "identify_from_headers",
]
