"""Session tokens of local-account logins: short-lived HS256 JWTs signed with a server secret.

The Bearer form of a sign-in, for scripts and integrations (browsers use the session cookie,
see session_store.py). Without a `store`, verifying a token needs no database read (the roles
and tenant are in the token), and a role change, a disabled account or a sign-out in another
process takes effect only when the token expires — hence the short default lifetime (15
minutes). With a `store` (what `meshkit serve` uses), every token names its session (`sid`)
in `auth_session`, so ending the session refuses the token in every process at once, and a
token without one is refused. The secret must be at least 32 bytes and is separate from the
API-key pepper.
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
from .session_store import SessionStore

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
        store: SessionStore | None = None,
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
        self.store = store

    @property
    def secret(self) -> bytes:
        return self._secret

    def issue(self, principal: Principal, *, account_id: str | None = None) -> SessionToken:
        """A token for `principal`; with a store, also its session row (a local account's
        when `account_id` is given, so disabling the account ends it)."""
        now = self._clock()
        expires = now + self.lifetime
        session_id = None
        if self.store is not None:
            started = self.store.start(principal, account_id=account_id)
            session_id = started.id
            expires = min(expires, started.expires_at)
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
        if session_id is not None:
            claims["sid"] = session_id
        token = jwt.encode(claims, self._secret, algorithm=_ALGORITHM)
        session = Principal(
            subject=principal.subject,
            tenant=principal.tenant,
            roles=principal.roles,
            participant_id=principal.participant_id,
            method=AuthMethod.SESSION,
            attributes=(
                {**principal.attributes, "session_id": session_id}
                if session_id is not None
                else principal.attributes
            ),
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
        if self.store is None:
            return self._claims.principal(claims, AuthMethod.SESSION)
        session_id = claims.get("sid")
        if not isinstance(session_id, str):
            raise AuthenticationError("missing-claim", "the token names no session ('sid')")
        return self.store.check(session_id).principal
