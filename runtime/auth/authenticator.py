"""One entry point for every credential a request can carry, framework-free.

    Authorization: Bearer <jwt from the OIDC issuer>     -> OidcAuthenticator
    Authorization: Bearer <session token of a login>     -> SessionTokens (iss meshkit-local)
    Authorization: Bearer mk_...   or   X-API-Key: mk_... -> ApiKeys
    nothing                                              -> ANONYMOUS

A bearer JWT goes to the session verifier when its (unverified) `iss` is the session issuer,
otherwise to the OIDC verifier; either then verifies it in full, so the routing decides nothing
about trust. A credential that is present but refused raises AuthenticationError — it never
falls back to anonymous.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt
from jwt.exceptions import InvalidTokenError

from .api_keys import ApiKeys, is_api_key
from .errors import AuthenticationError
from .oidc import OidcAuthenticator
from .principal import ANONYMOUS, Principal
from .sessions import SessionTokens


class Authenticator:
    def __init__(
        self,
        *,
        oidc: OidcAuthenticator | None = None,
        api_keys: ApiKeys | None = None,
        sessions: SessionTokens | None = None,
    ) -> None:
        self.oidc = oidc
        self.api_keys = api_keys
        self.sessions = sessions

    def authenticate_headers(self, headers: Mapping[str, str]) -> Principal:
        """The principal of a request's headers (names in any case)."""
        lowered = {k.lower(): v for k, v in headers.items()}
        api_key = lowered.get("x-api-key")
        authorization = lowered.get("authorization")
        if api_key is not None and authorization is not None:
            raise AuthenticationError(
                "ambiguous-credentials", "send either Authorization or X-API-Key, not both"
            )
        if api_key is not None:
            return self._api_key(api_key.strip())
        if authorization is None:
            return ANONYMOUS
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise AuthenticationError(
                "unsupported-scheme", "use 'Authorization: Bearer <token>' or an X-API-Key header"
            )
        return self.authenticate_token(credentials.strip())

    def authenticate_token(self, token: str) -> Principal:
        if is_api_key(token):
            return self._api_key(token)
        if self.sessions is not None and _issuer(token) == self.sessions.issuer:
            return self.sessions.verify(token)
        if self.oidc is not None:
            return self.oidc.authenticate(token)
        if self.sessions is not None:
            return self.sessions.verify(token)
        raise AuthenticationError("unsupported-scheme", "bearer tokens are not accepted here")

    def _api_key(self, key: str) -> Principal:
        if self.api_keys is None:
            raise AuthenticationError("unsupported-scheme", "API keys are not accepted here")
        return self.api_keys.verify(key)


def _issuer(token: str) -> Any:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except InvalidTokenError:
        return None
    return claims.get("iss")
