"""Sign-in sessions kept in the database (`auth_session`), shared by every server process.

    store = SessionStore(engine, idle_timeout=timedelta(minutes=30), max_age=timedelta(hours=12))
    started = store.start(principal, account_id=account.id)   # started.cookie: "<id>.<secret>"
    active = store.resume(started.cookie)                     # each request of the browser
    store.end(active.id)                                      # sign-out; refused everywhere now
    store.end_all("t1", subject)                              # "sign out everywhere"

A browser holds the opaque cookie value; the table keeps only the SHA-256 of its 256-bit secret.
Every request reads the row, which is what lets a sign-out in one process count in all of them,
and what makes expiry sliding: a session unused for `idle_timeout` ends, and none outlives
`max_age` however busy. `last_seen_at` is written at most every `touch_interval`, so a busy
session costs one indexed read per request and one write per minute. A local account's session
also ends as soon as the account is disabled (checked by the same read).

The CSRF token of a session is HMAC-SHA256(cookie secret, "meshkit-csrf"): bound to the session,
computable only with the HttpOnly cookie, and needing no storage (docs/security.md, "CSRF").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meshkit.runtime.database import for_writing

from .errors import AuthenticationError
from .principal import AuthMethod, Principal
from .store import auth_account, auth_session

#: Why a session ended (`auth_session.end_reason`), also the AuthenticationError reason.
SIGNED_OUT = "signed-out"
SIGNED_OUT_EVERYWHERE = "signed-out-everywhere"
ACCOUNT_DISABLED = "account-disabled"
_MESSAGES = {
    SIGNED_OUT: "this session was signed out",
    SIGNED_OUT_EVERYWHERE: "every session of this user was signed out",
    ACCOUNT_DISABLED: "the account is disabled",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def csrf_token_of(secret: str) -> str:
    mac = hmac.new(secret.encode("ascii"), b"meshkit-csrf", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class ActiveSession:
    """A session that may be used now."""

    id: str
    principal: Principal
    expires_at: datetime  # the absolute end
    idle_expires_at: datetime  # the end if unused from now on (never after expires_at)
    csrf_token: str | None = None  # known when resumed from the cookie (it needs the secret)


@dataclass(frozen=True)
class StartedSession(ActiveSession):
    cookie: str = ""  # "<id>.<secret>": the only copy of the secret


class SessionStore:
    """Start, resume, check and end the sessions in `auth_session`."""

    def __init__(
        self,
        engine: Engine,
        *,
        idle_timeout: timedelta = timedelta(minutes=30),
        max_age: timedelta = timedelta(hours=12),
        touch_interval: timedelta = timedelta(minutes=1),
        clock: Callable[[], datetime] = _now,
    ) -> None:
        if idle_timeout <= timedelta(0) or max_age <= timedelta(0):
            raise ValueError("a session's idle timeout and maximum age must be positive")
        self.engine = engine
        self.idle_timeout = idle_timeout
        self.max_age = max_age
        self._touch_interval = min(touch_interval, idle_timeout / 2)
        self._clock = clock

    def start(
        self, principal: Principal, *, account_id: str | None = None, method: str = "password"
    ) -> StartedSession:
        """A new session for `principal` (a local account's when `account_id` is given)."""
        if principal.tenant is None:
            raise ValueError("a session belongs to a tenant")
        session_id = secrets.token_urlsafe(16)
        secret = secrets.token_urlsafe(32)
        now = self._clock()
        expires_at = now + self.max_age
        attributes = {k: v for k, v in principal.attributes.items() if k != "session_id"}
        row: dict[str, Any] = {
            "tenant": principal.tenant,
            "id": session_id,
            "secret_hash": _digest(secret),
            "subject": principal.subject,
            "account_id": account_id,
            "method": method,
            "roles": sorted(principal.roles),
            "participant_id": principal.participant_id,
            "attributes": attributes,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": expires_at,
            "ended_at": None,
            "end_reason": None,
        }
        with for_writing(self.engine).begin() as connection:
            # Keep the table small: a tenant's sessions that ended a day ago go with each start.
            connection.execute(
                auth_session.delete().where(
                    auth_session.c.tenant == principal.tenant,
                    auth_session.c.expires_at < now - timedelta(days=1),
                )
            )
            connection.execute(auth_session.insert().values(row))
        return StartedSession(
            id=session_id,
            principal=_principal(row, None),
            expires_at=expires_at,
            idle_expires_at=self._idle_end(row, now),
            csrf_token=csrf_token_of(secret),
            cookie=f"{session_id}.{secret}",
        )

    def resume(self, cookie: str) -> ActiveSession:
        """The session of a cookie value; AuthenticationError (reason session-*) if it ended."""
        session_id, _, secret = cookie.strip().partition(".")
        row = self._active_row(session_id)
        if not secret or not hmac.compare_digest(row["secret_hash"], _digest(secret)):
            raise AuthenticationError("session-invalid", "the session cookie is not valid")
        return self._active(row, csrf_token_of(secret))

    def check(self, session_id: str) -> ActiveSession:
        """The session `session_id` (from a session token's `sid`) if it may be used now."""
        return self._active(self._active_row(session_id), None)

    def end(self, session_id: str, reason: str = SIGNED_OUT) -> bool:
        """End one session; False if it had ended already (or never existed)."""
        with for_writing(self.engine).begin() as connection:
            result = connection.execute(
                auth_session.update()
                .where(auth_session.c.id == session_id, auth_session.c.ended_at.is_(None))
                .values(ended_at=self._clock(), end_reason=reason)
            )
        return bool(result.rowcount)

    def end_all(
        self,
        tenant: str,
        *,
        subject: str | None = None,
        account_id: str | None = None,
        reason: str = SIGNED_OUT_EVERYWHERE,
    ) -> int:
        """End every open session of a user (by subject, or a local account by its id)."""
        if (subject is None) == (account_id is None):
            raise ValueError("name the user by subject or by account id")
        condition = (
            auth_session.c.subject == subject
            if subject is not None
            else auth_session.c.account_id == account_id
        )
        with for_writing(self.engine).begin() as connection:
            result = connection.execute(
                auth_session.update()
                .where(
                    auth_session.c.tenant == tenant, condition, auth_session.c.ended_at.is_(None)
                )
                .values(ended_at=self._clock(), end_reason=reason)
            )
        return int(result.rowcount or 0)

    def sessions(self, tenant: str, subject: str) -> list[ActiveSession]:
        """The open sessions of a user, oldest first."""
        now = self._clock()
        query = (
            sa.select(auth_session)
            .where(
                auth_session.c.tenant == tenant,
                auth_session.c.subject == subject,
                auth_session.c.ended_at.is_(None),
                auth_session.c.expires_at > now,
            )
            .order_by(auth_session.c.created_at)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            ActiveSession(r["id"], _principal(r, None), r["expires_at"], self._idle_end(r, now))
            for r in rows
            if self._idle_end(r, now) > now
        ]

    # ------------------------------------------------------------------ rows
    def _active_row(self, session_id: str) -> Any:
        query = (
            sa.select(
                auth_session, auth_account.c.disabled, auth_account.c.roles.label("now_roles")
            )
            .select_from(
                auth_session.outerjoin(
                    auth_account,
                    sa.and_(
                        auth_account.c.tenant == auth_session.c.tenant,
                        auth_account.c.id == auth_session.c.account_id,
                    ),
                )
            )
            .where(auth_session.c.id == session_id)
        )
        row: Any
        with for_writing(self.engine).begin() as connection:
            row = connection.execute(query).mappings().first() if session_id else None
            if row is None:
                raise AuthenticationError("session-invalid", "the session is not known")
            if row["ended_at"] is not None:
                reason = row["end_reason"] or SIGNED_OUT
                raise AuthenticationError(reason, _MESSAGES.get(reason, "the session has ended"))
            now = self._clock()
            if row["account_id"] is not None and (row["disabled"] is None or row["disabled"]):
                connection.execute(
                    auth_session.update()
                    .where(auth_session.c.id == session_id)
                    .values(ended_at=now, end_reason=ACCOUNT_DISABLED)
                )
                raise AuthenticationError(ACCOUNT_DISABLED, _MESSAGES[ACCOUNT_DISABLED])
            if row["expires_at"] <= now:
                raise AuthenticationError(
                    "session-expired", "the session reached its maximum age; sign in again"
                )
            if self._idle_end(row, now) <= now:
                raise AuthenticationError(
                    "session-expired", "the session was unused for too long; sign in again"
                )
            if now - row["last_seen_at"] >= self._touch_interval:
                connection.execute(
                    auth_session.update()
                    .where(auth_session.c.tenant == row["tenant"], auth_session.c.id == session_id)
                    .values(last_seen_at=now)
                )
                row = {**row, "last_seen_at": now}
        return row

    def _active(self, row: Any, csrf_token: str | None) -> ActiveSession:
        now = self._clock()
        return ActiveSession(
            id=row["id"],
            principal=_principal(row, row.get("now_roles")),
            expires_at=row["expires_at"],
            idle_expires_at=self._idle_end(row, now),
            csrf_token=csrf_token,
        )

    def _idle_end(self, row: Any, now: datetime) -> datetime:
        idle: datetime = row["last_seen_at"] + self.idle_timeout
        expires: datetime = row["expires_at"]
        return idle if idle < expires else expires


def _principal(row: Any, account_roles: Any) -> Principal:
    """A local account's current roles (a role change counts at once), else the sign-in's."""
    roles = account_roles if isinstance(account_roles, list) else row["roles"]
    return Principal(
        subject=row["subject"],
        tenant=row["tenant"],
        roles=frozenset(roles),
        participant_id=row["participant_id"],
        method=AuthMethod.SESSION,
        attributes={**(row["attributes"] or {}), "session_id": row["id"]},
    )
