"""What every resolver of one request shares: who asks (tenant, actor) and one unit of work.

The unit of work is opened on first use and closed when the request ends — committed, or rolled
back after an unexpected error — so a request is one transaction in one tenant and every read
and write of it goes through the repository's unit of work.

Tenant and actor come from the `X-Meshkit-Tenant` / `X-Meshkit-Actor` headers for now
(`identify_from_headers`); that is a placeholder until authentication lands, which will replace
the `identify` function given to `create_app` and may add permissions to this context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, TypeAlias

from graphql import GraphQLResolveInfo

from meshkit.runtime import Repository, UnitOfWork
from meshkit.runtime.graphql._filters import FilterTranslator
from meshkit.runtime.graphql._reader import EntityReader

TENANT_HEADER = "x-meshkit-tenant"
ACTOR_HEADER = "x-meshkit-actor"
DEV_TENANT = "dev"
DEV_ACTOR = "anonymous"
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class IdentityError(Exception):
    """The request does not say (correctly) who it is from."""


@dataclass(frozen=True)
class Identity:
    tenant: str
    actor: str


def identify_from_headers(headers: Mapping[str, str]) -> Identity:
    """TEMPORARY, until the auth work lands: trust the caller's headers, default to dev."""
    tenant = headers.get(TENANT_HEADER, "").strip() or DEV_TENANT
    actor = headers.get(ACTOR_HEADER, "").strip() or DEV_ACTOR
    if not _TENANT.match(tenant):
        raise IdentityError(
            f"{TENANT_HEADER} must be 1-64 letters, digits, '.', '_' or '-', got {tenant!r}"
        )
    return Identity(tenant=tenant, actor=actor[:200])


class _Rollback(Exception):
    """Thrown into the unit of work to roll it back."""


class RequestContext:
    """Per request: identity, the lazily opened unit of work, and the reader on it."""

    def __init__(
        self,
        repository: Repository,
        *,
        tenant: str,
        actor: str,
        request: Any = None,
    ) -> None:
        self.repository = repository
        self.tenant = tenant
        self.actor = actor
        self.request = request
        self.translator = FilterTranslator(repository.model)
        self._stack = ExitStack()
        self._uow: UnitOfWork | None = None
        self._reader: EntityReader | None = None

    @property
    def uow(self) -> UnitOfWork:
        if self._uow is None:
            self._uow = self._stack.enter_context(
                self.repository.unit_of_work(tenant=self.tenant, actor=self.actor)
            )
        return self._uow

    @property
    def reader(self) -> EntityReader:
        if self._reader is None:
            self._reader = EntityReader(self.uow)
        return self._reader

    def finish(self, *, commit: bool) -> None:
        """Commit (or roll back) the unit of work, if one was opened."""
        self._uow = self._reader = None
        if commit:
            self._stack.close()
        else:
            self._stack.__exit__(_Rollback, _Rollback(), None)


#: What a resolver receives as `info`: graphql-core's, with this context.
Info: TypeAlias = "GraphQLResolveInfo[RequestContext]"
