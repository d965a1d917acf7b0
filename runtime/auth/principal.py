"""Who is calling: the `Principal` every authenticator produces and the policy reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class AuthMethod(StrEnum):
    ANONYMOUS = "anonymous"
    OIDC = "oidc"  # a bearer JWT from the configured OIDC issuer
    API_KEY = "api-key"  # a machine's key (X-API-Key or Bearer mk_...)
    SESSION = "session"  # the short-lived token a local-account login issued


def _frozen(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class Principal:
    """An authenticated caller (or the anonymous one).

    `tenant` selects the unit of work's tenant; `roles` name roles of the policy;
    `participant_id` ties a member to their Participant; `scopes` narrow an API key further
    (unused by the policy so far, kept for integrations); `attributes` are further claims a
    policy may read as `$principal.attributes.<name>`.
    """

    subject: str
    tenant: str | None
    roles: frozenset[str] = frozenset()
    participant_id: str | None = None
    method: AuthMethod = AuthMethod.OIDC
    scopes: frozenset[str] = frozenset()
    attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(self.roles))
        object.__setattr__(self, "scopes", frozenset(self.scopes))
        object.__setattr__(self, "attributes", _frozen(self.attributes))

    @property
    def is_anonymous(self) -> bool:
        return self.method is AuthMethod.ANONYMOUS

    @property
    def actor(self) -> str:
        """The name audit stamps record for this caller (`oidc:alice`, `api-key:ab12cd34`)."""
        return f"{self.method.value}:{self.subject}"

    def has_role(self, role: str) -> bool:
        return role in self.roles


ANONYMOUS = Principal(subject="anonymous", tenant=None, method=AuthMethod.ANONYMOUS)
