"""Session tokens of local-account logins: short-lived HS256 JWTs signed with a server secret.

Chosen over opaque tokens because verifying one needs no database read per request (the roles
and tenant are in the token) and the same Bearer header carries it. The price is that a role
change or a disabled account takes effect when the token expires — hence the short default
lifetime (15 minutes); a client logs in again (or a refresh flow is added later).
The secret must be at least 32 bytes and is separate from the API-key pepper.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from .errors import AuthenticationError
from .oidc import ClaimMapping, unverified_header, verify_jwt
from .principal import AuthMethod, Principal

SESSION_ISSUER = "meshkit-local"
SESSION_AUDIENCE = "meshkit"
_ALGORITHM = "HS256"


@dataclass(frozen=True)
class SessionToken:
    token: str
    expires_at: datetime
    principal: Principal


def _now() -> datetime:
    return datetime.now(UTC)


class SessionTokens:
    """Issues and verifies session tokens."""

    def __init__(
        self,
        secret: bytes,
        *,
        lifetime: timedelta = timedelta(minutes=15),
        issuer: str = SESSION_ISSUER,
        audience: str = SESSION_AUDIENCE,
        leeway: float = 5.0,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        if len(secret) < 32:
            raise ValueError("the session secret must be at least 32 bytes (256 bits)")
        self._secret = secret
        self.lifetime = lifetime
        self.issuer = issuer
        self.audience = audience
        self._leeway = leeway
        self._clock = clock
        self._claims = ClaimMapping(participant_id="pid")

    def issue(self, principal: Principal) -> SessionToken:
        now = self._clock()
        expires = now + self.lifetime
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": principal.subject,
            "tenant": principal.tenant,
            "roles": sorted(principal.roles),
            "pid": principal.participant_id,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": secrets.token_urlsafe(12),
        }
        token = jwt.encode(claims, self._secret, algorithm=_ALGORITHM)
        session = Principal(
            subject=principal.subject,
            tenant=principal.tenant,
            roles=principal.roles,
            participant_id=principal.participant_id,
            method=AuthMethod.SESSION,
        )
        return SessionToken(token, expires, session)

    def verify(self, token: str) -> Principal:
        if unverified_header(token).get("alg") != _ALGORITHM:
            raise AuthenticationError("algorithm-not-allowed", "not a session token of this server")
        claims = verify_jwt(
            token,
            self._secret,
            algorithms=[_ALGORITHM],
            issuer=self.issuer,
            audience=self.audience,
            leeway=self._leeway,
        )
        return self._claims.principal(claims, AuthMethod.SESSION)
