"""Bearer JWTs from an OIDC issuer, verified with PyJWT against the issuer's JWKS.

    jwks = RemoteJwks("https://id.example.org/realms/ec/protocol/openid-connect/certs")
    oidc = OidcAuthenticator(OidcSettings(issuer="https://id.example.org/realms/ec",
                                          audience="meshkit", jwks=jwks))
    principal = oidc.authenticate(token)          # AuthenticationError(reason) if refused

Checked: the algorithm is one of the allowed asymmetric ones (never `none`, never HS* — an
issuer's public key must not double as an HMAC secret), the key id is in the JWKS, the
signature, `iss`, `aud`, `exp` and `nbf`/`iat` (with leeway), and the claims the mapping needs.
The JWKS is fetched through an injectable fetcher and cached for `ttl` seconds; a token with an
unknown `kid` triggers one early refetch (key rotation), at most every `min_refresh` seconds.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

import jwt
from jwt.exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidTokenError,
    MissingRequiredClaimError,
    PyJWKError,
)

from .errors import AuthenticationError
from .principal import AuthMethod, Principal

#: url -> the JWKS document (a mapping with "keys"); raise on failure.
Fetcher = Callable[[str], Mapping[str, Any]]
ASYMMETRIC_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "EdDSA",
)


def fetch_json(url: str, timeout: float = 5.0) -> Mapping[str, Any]:
    """The default fetcher: an HTTPS GET of the JWKS document."""
    if not url.startswith("https://") and not url.startswith("http://localhost"):
        raise ValueError(f"refusing to fetch keys over plain HTTP: {url}")
    with urllib.request.urlopen(url, timeout=timeout) as response:
        data = json.loads(response.read().decode("utf-8"))
    if not isinstance(data, Mapping):
        raise ValueError("the JWKS document is not a JSON object")
    return data


@dataclass(frozen=True)
class VerificationKey:
    """A public key of the issuer and the algorithm its JWK declares (None: not declared)."""

    key: Any
    algorithm: str | None


class JwksSource(Protocol):
    def key(self, kid: str | None) -> VerificationKey:
        """The key with `kid` (or the only key when the token names none)."""
        ...


def _parse_keys(document: Mapping[str, Any]) -> dict[str, VerificationKey]:
    keys: dict[str, VerificationKey] = {}
    raw = document.get("keys")
    if not isinstance(raw, list):
        raise ValueError("a JWKS document has a 'keys' list")
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or item.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(dict(item))
        except (PyJWKError, InvalidKeyError):
            continue  # a key type this installation cannot use; others may still work
        alg = item.get("alg")
        keys[str(item.get("kid", f"#{i}"))] = VerificationKey(
            key.key, alg if isinstance(alg, str) else None
        )
    return keys


def _pick(keys: Mapping[str, VerificationKey], kid: str | None) -> VerificationKey | None:
    if kid is None:
        return next(iter(keys.values())) if len(keys) == 1 else None
    return keys.get(kid)


class StaticJwks:
    """Keys from a JWKS file (or a mapping): for air-gapped setups and tests."""

    def __init__(self, source: Path | Mapping[str, Any]) -> None:
        document = (
            json.loads(source.read_text(encoding="utf-8")) if isinstance(source, Path) else source
        )
        self._keys = _parse_keys(document)

    def key(self, kid: str | None) -> VerificationKey:
        found = _pick(self._keys, kid)
        if found is None:
            raise AuthenticationError("unknown-key", f"the token's key id {kid!r} is not known")
        return found


class RemoteJwks:
    """The issuer's JWKS from a URL, cached for `ttl` seconds; thread-safe."""

    def __init__(
        self,
        url: str,
        fetcher: Fetcher = fetch_json,
        *,
        ttl: float = 300.0,
        min_refresh: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._fetcher = fetcher
        self._ttl = ttl
        self._min_refresh = min_refresh
        self._clock = clock
        self._keys: dict[str, VerificationKey] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str | None) -> VerificationKey:
        with self._lock:
            now = self._clock()
            if self._fetched_at is None or now - self._fetched_at >= self._ttl:
                self._refresh(now)
            found = _pick(self._keys, kid)
            stale = self._fetched_at is None or now - self._fetched_at >= self._min_refresh
            if found is None and stale:
                self._refresh(now)  # the issuer may have rotated its keys
                found = _pick(self._keys, kid)
            if found is None:
                raise AuthenticationError(
                    "unknown-key", f"the token's key id {kid!r} is not in the issuer's JWKS"
                )
            return found

    def _refresh(self, now: float) -> None:
        try:
            keys = _parse_keys(self._fetcher(self.url))
        except Exception as exc:  # any fetch problem: keep the keys we had, if any
            if self._keys:
                return
            raise AuthenticationError(
                "jwks-unavailable", f"cannot load the issuer's keys ({type(exc).__name__})"
            ) from None
        self._keys = keys
        self._fetched_at = now


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by dotted path (`realm_access.roles`); a key containing dots is tried whole first."""
    if path in claims:
        return claims[path]
    current: Any = claims
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


@dataclass(frozen=True)
class ClaimMapping:
    """Where the principal's fields are in the token (dotted paths into the claims).

    `role_map` translates the issuer's role names to the policy's (`{"ec-admin": "admin"}`);
    when it is given, roles it does not name are dropped. `default_tenant` serves
    single-tenant installations whose issuer sends no tenant claim. `attributes` copies further
    claims into `Principal.attributes` (name -> claim path) for `$principal.attributes.<name>`.
    """

    subject: str = "sub"
    tenant: str = "tenant"
    roles: str = "roles"
    participant_id: str = "participant_id"
    role_map: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    default_tenant: str | None = None
    attributes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def principal(self, claims: Mapping[str, Any], method: AuthMethod) -> Principal:
        subject = _claim(claims, self.subject)
        if not isinstance(subject, str) or not subject:
            raise AuthenticationError("missing-claim", f"the token has no '{self.subject}' claim")
        tenant = _claim(claims, self.tenant) or self.default_tenant
        if not isinstance(tenant, str) or not tenant:
            raise AuthenticationError("missing-claim", f"the token has no '{self.tenant}' claim")
        raw = _claim(claims, self.roles)
        names = raw.split() if isinstance(raw, str) else raw if isinstance(raw, list) else []
        roles = [str(r) for r in names]
        if self.role_map:
            roles = [self.role_map[r] for r in roles if r in self.role_map]
        participant = _claim(claims, self.participant_id)
        return Principal(
            subject=subject,
            tenant=tenant,
            roles=frozenset(roles),
            participant_id=str(participant) if participant is not None else None,
            method=method,
            attributes={n: _claim(claims, p) for n, p in self.attributes.items()},
        )


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    audience: str | Sequence[str]
    jwks: JwksSource
    algorithms: tuple[str, ...] = ("RS256", "PS256", "ES256")
    leeway: float = 30.0  # seconds of clock skew tolerated for exp / nbf / iat
    claims: ClaimMapping = field(default_factory=ClaimMapping)

    def __post_init__(self) -> None:
        unsafe = [a for a in self.algorithms if a not in ASYMMETRIC_ALGORITHMS]
        if unsafe:
            raise ValueError(
                f"OIDC tokens are verified with public keys; not allowed: {', '.join(unsafe)}"
            )


_REASONS: tuple[tuple[type[Exception], str, str], ...] = (
    (ExpiredSignatureError, "token-expired", "the token has expired"),
    (ImmatureSignatureError, "token-not-yet-valid", "the token is not valid yet"),
    (InvalidIssuedAtError, "token-not-yet-valid", "the token was issued in the future"),
    (InvalidIssuerError, "wrong-issuer", "the token comes from another issuer"),
    (InvalidAudienceError, "wrong-audience", "the token is not meant for this service"),
    (InvalidSignatureError, "bad-signature", "the token's signature does not verify"),
    (MissingRequiredClaimError, "missing-claim", "the token lacks a required claim"),
    (InvalidAlgorithmError, "algorithm-not-allowed", "the token's algorithm is not allowed"),
    (InvalidKeyError, "bad-signature", "the token's key does not fit its algorithm"),
    (DecodeError, "malformed-token", "the token is not a well-formed JWT"),
)


def verify_jwt(
    token: str,
    key: Any,
    *,
    algorithms: Sequence[str],
    issuer: str,
    audience: str | Sequence[str],
    leeway: float,
    required: Sequence[str] = ("exp", "iss", "aud", "sub"),
) -> dict[str, Any]:
    """PyJWT's decode with its exceptions translated into AuthenticationError reasons."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=list(algorithms),
            issuer=issuer,
            audience=audience if isinstance(audience, str) else list(audience),
            leeway=leeway,
            options={"require": list(required)},
        )
    except InvalidTokenError as exc:
        for kind, reason, message in _REASONS:
            if isinstance(exc, kind):
                detail = f": {exc}" if reason == "missing-claim" else ""
                raise AuthenticationError(reason, message + detail) from None
        raise AuthenticationError("invalid-token", "the token was refused") from None
    return claims


def unverified_header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except InvalidTokenError:
        raise AuthenticationError("malformed-token", "the token is not a well-formed JWT") from None
    return dict(header)


class OidcAuthenticator:
    """Turns a bearer JWT of the configured issuer into a Principal."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings

    def authenticate(self, token: str) -> Principal:
        return self.settings.claims.principal(self.verify(token), AuthMethod.OIDC)

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token of the issuer, verified (signature, iss, aud, exp, nbf)."""
        settings = self.settings
        header = unverified_header(token)
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in settings.algorithms:
            raise AuthenticationError(
                "algorithm-not-allowed",
                f"the token's algorithm {algorithm!r} is not allowed "
                f"(allowed: {', '.join(settings.algorithms)})",
            )
        kid = header.get("kid")
        key = settings.jwks.key(kid if isinstance(kid, str) else None)
        if key.algorithm is not None and key.algorithm != algorithm:
            raise AuthenticationError(
                "algorithm-not-allowed",
                f"key {kid!r} is for {key.algorithm}, the token says {algorithm}",
            )
        return verify_jwt(
            token,
            key.key,
            algorithms=[algorithm],
            issuer=settings.issuer,
            audience=settings.audience,
            leeway=settings.leeway,
        )
