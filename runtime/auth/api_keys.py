"""API keys for machines (integrations, the EDA gateway, scripts).

A key looks like `mk_k3x9q2m7a1b4_<43 characters>`: `mk_`, a 12-character public prefix (the
lookup key, safe to log and show in lists), `_`, and 256 random bits. The full key is returned
once by `create`; the table keeps a per-key salt and HMAC-SHA256(pepper, salt || secret).

Why not argon2 here: argon2 exists to make *guessable* secrets (passwords) expensive to brute
force. A 256-bit random secret cannot be guessed, so a slow hash adds nothing but ~50 ms and
tens of MB of memory to every request a machine makes. The salt keeps equal secrets apart, the
pepper (a configured server secret, not in the database) makes a stolen table useless on its
own, and `hmac.compare_digest` keeps the comparison constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .errors import AuthenticationError
from .principal import AuthMethod, Principal
from .store import auth_api_key

KEY_PREFIX = "mk_"
_PREFIX_LENGTH = 12
_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class ApiKeyInfo:
    """An API key as listed: everything but the secret."""

    id: str
    tenant: str
    prefix: str
    name: str
    roles: frozenset[str]
    scopes: frozenset[str]
    participant_id: str | None
    created_at: datetime
    created_by: str | None
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class NewApiKey:
    """A freshly created key: `key` is shown to its owner once and never stored."""

    key: str
    info: ApiKeyInfo


def _now() -> datetime:
    return datetime.now(UTC)


class ApiKeys:
    """Create, verify, list and revoke API keys stored in `auth_api_key`."""

    def __init__(
        self,
        engine: Engine,
        *,
        pepper: bytes = b"",
        touch_interval: timedelta = timedelta(minutes=1),
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.engine = engine
        self._pepper = pepper
        self._touch_interval = touch_interval
        self._clock = clock

    def create(
        self,
        tenant: str,
        name: str,
        *,
        roles: Iterable[str],
        scopes: Iterable[str] = (),
        participant_id: str | None = None,
        expires_at: datetime | None = None,
        created_by: str | None = None,
    ) -> NewApiKey:
        if not tenant:
            raise ValueError("an API key belongs to a tenant")
        prefix = "".join(secrets.choice(_ALPHABET) for _ in range(_PREFIX_LENGTH))
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        row = {
            "tenant": tenant,
            "id": str(uuid.uuid4()),
            "prefix": prefix,
            "name": name,
            "salt": salt.hex(),
            "secret_hash": self._hash(salt, secret),
            "roles": sorted(set(roles)),
            "scopes": sorted(set(scopes)),
            "participant_id": participant_id,
            "created_at": self._clock(),
            "created_by": created_by,
            "expires_at": expires_at,
            "revoked_at": None,
            "last_used_at": None,
        }
        with self.engine.begin() as connection:
            connection.execute(auth_api_key.insert().values(row))
        return NewApiKey(f"{KEY_PREFIX}{prefix}_{secret}", _info(row))

    def verify(self, key: str) -> Principal:
        """The principal of a valid key; AuthenticationError otherwise (same reason for an
        unknown prefix and a wrong secret, so prefixes cannot be probed)."""
        prefix, secret = _split(key)
        with self.engine.begin() as connection:
            row = (
                connection.execute(sa.select(auth_api_key).where(auth_api_key.c.prefix == prefix))
                .mappings()
                .first()
            )
            expected = row["secret_hash"] if row else self._hash(b"\0" * 16, "")
            actual = self._hash(bytes.fromhex(row["salt"]) if row else b"\0" * 16, secret)
            if row is None or not hmac.compare_digest(expected, actual):
                raise AuthenticationError("invalid-api-key", "the API key is not valid")
            now = self._clock()
            if row["revoked_at"] is not None:
                raise AuthenticationError("api-key-revoked", "the API key has been revoked")
            if row["expires_at"] is not None and row["expires_at"] <= now:
                raise AuthenticationError("api-key-expired", "the API key has expired")
            last = row["last_used_at"]
            if last is None or now - last >= self._touch_interval:
                connection.execute(
                    auth_api_key.update()
                    .where(auth_api_key.c.tenant == row["tenant"], auth_api_key.c.id == row["id"])
                    .values(last_used_at=now)
                )
        return Principal(
            subject=prefix,
            tenant=row["tenant"],
            roles=frozenset(row["roles"]),
            participant_id=row["participant_id"],
            method=AuthMethod.API_KEY,
            scopes=frozenset(row["scopes"]),
            attributes={"api_key_id": row["id"], "api_key_name": row["name"]},
        )

    def revoke(self, tenant: str, key_id: str) -> bool:
        """Revoke a key of `tenant`; False if there is no such active key."""
        with self.engine.begin() as connection:
            result = connection.execute(
                auth_api_key.update()
                .where(
                    auth_api_key.c.tenant == tenant,
                    auth_api_key.c.id == key_id,
                    auth_api_key.c.revoked_at.is_(None),
                )
                .values(revoked_at=self._clock())
            )
        return bool(result.rowcount)

    def list_keys(self, tenant: str) -> list[ApiKeyInfo]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(auth_api_key)
                .where(auth_api_key.c.tenant == tenant)
                .order_by(auth_api_key.c.created_at, auth_api_key.c.id)
            ).mappings()
            return [_info(r) for r in rows]

    def _hash(self, salt: bytes, secret: str) -> str:
        return hmac.new(self._pepper, salt + secret.encode("utf-8"), hashlib.sha256).hexdigest()


def is_api_key(text: str) -> bool:
    return text.startswith(KEY_PREFIX)


def _split(key: str) -> tuple[str, str]:
    body = key.strip()
    cut = len(KEY_PREFIX) + _PREFIX_LENGTH
    if not body.startswith(KEY_PREFIX) or len(body) <= cut + 1 or body[cut] != "_":
        raise AuthenticationError("invalid-api-key", "the API key is not valid")
    return body[len(KEY_PREFIX) : cut], body[cut + 1 :]


def _info(row: Any) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row["id"],
        tenant=row["tenant"],
        prefix=row["prefix"],
        name=row["name"],
        roles=frozenset(row["roles"]),
        scopes=frozenset(row["scopes"]),
        participant_id=row["participant_id"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
    )
