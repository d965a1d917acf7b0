"""Local accounts: the embedded default when no OIDC issuer is configured.

Passwords are hashed with argon2id (argon2-cffi's PasswordHasher; its defaults follow RFC 9106's
low-memory profile). A login whose hash was made with other parameters is rehashed on the spot,
so raising the cost reaches every active account without a reset. After `max_failures` failed
logins in a row an account is locked for `lockout` seconds, doubling with every further failure
up to `max_lockout`; while locked, passwords are not even checked (no guessing during a lock).
An unknown user costs the same hash verification as a wrong password, and both answer
`invalid-credentials`, so logins cannot probe which accounts exist.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from meshkit.runtime.database import for_writing

from .errors import AccountLockedError, AuthenticationError
from .principal import AuthMethod, Principal
from .session_store import ACCOUNT_DISABLED
from .sessions import SessionToken, SessionTokens
from .store import auth_account, auth_session

_COMMON = frozenset(
    {
        "password",
        "passwort",
        "123456789012",
        "qwertzuiop",
        "qwertyuiop",
        "letmein",
        "iloveyou",
        "energiegemeinschaft",
        "energycommunity",
    }
)


class PasswordRejected(ValueError):
    """A new password does not meet the policy; `problems` says every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class PasswordPolicy:
    """NIST SP 800-63B style: length over composition rules; no known-bad passwords."""

    min_length: int = 12
    max_length: int = 256  # argon2 takes any length; this only bounds the work per login
    min_distinct: int = 5
    common: frozenset[str] = field(default=_COMMON)

    def problems(self, password: str, *, username: str = "", email: str | None = None) -> list[str]:
        found: list[str] = []
        if len(password) < self.min_length:
            found.append(f"use at least {self.min_length} characters")
        if len(password) > self.max_length:
            found.append(f"use at most {self.max_length} characters")
        if len(set(password)) < self.min_distinct:
            found.append(f"use at least {self.min_distinct} different characters")
        lowered = password.casefold()
        if lowered in self.common:
            found.append("this password is too common")
        for name in (username, (email or "").split("@")[0]):
            if name and len(name) >= 3 and name.casefold() in lowered:
                found.append("do not use your user name or e-mail in the password")
                break
        return found

    def check(self, password: str, *, username: str = "", email: str | None = None) -> None:
        problems = self.problems(password, username=username, email=email)
        if problems:
            raise PasswordRejected(problems)


@dataclass(frozen=True)
class Account:
    id: str
    tenant: str
    username: str
    email: str | None
    roles: frozenset[str]
    participant_id: str | None
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None

    def principal(self) -> Principal:
        return Principal(
            subject=self.id,
            tenant=self.tenant,
            roles=self.roles,
            participant_id=self.participant_id,
            method=AuthMethod.SESSION,
            attributes={"username": self.username},
        )


class DuplicateAccount(ValueError):
    """The tenant already has an account with this user name or e-mail."""


def _now() -> datetime:
    return datetime.now(UTC)


def _fold(text: str) -> str:
    return text.strip().casefold()


class LocalAccounts:
    """Accounts in `auth_account`: create, log in, change passwords, disable."""

    def __init__(
        self,
        engine: Engine,
        *,
        hasher: PasswordHasher | None = None,
        policy: PasswordPolicy | None = None,
        max_failures: int = 5,
        lockout: timedelta = timedelta(seconds=30),
        max_lockout: timedelta = timedelta(minutes=15),
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.engine = engine
        self.hasher = hasher or PasswordHasher()
        self.policy = policy or PasswordPolicy()
        self.max_failures = max_failures
        self.lockout = lockout
        self.max_lockout = max_lockout
        self._clock = clock
        self._dummy_hash: str | None = None

    # ------------------------------------------------------------------ managing
    def create(
        self,
        tenant: str,
        username: str,
        password: str,
        *,
        email: str | None = None,
        roles: Iterable[str] = (),
        participant_id: str | None = None,
    ) -> Account:
        """A new account; PasswordRejected / DuplicateAccount when it cannot be."""
        if not tenant or not username.strip():
            raise ValueError("an account needs a tenant and a user name")
        self.policy.check(password, username=username, email=email)
        now = self._clock()
        row = {
            "tenant": tenant,
            "id": str(uuid.uuid4()),
            "username": _fold(username),
            "email": _fold(email) if email else None,
            "password_hash": self.hasher.hash(password),
            "roles": sorted(set(roles)),
            "participant_id": participant_id,
            "disabled": False,
            "failed_logins": 0,
            "locked_until": None,
            "last_login_at": None,
            "password_changed_at": now,
            "created_at": now,
        }
        try:
            with for_writing(self.engine).begin() as connection:
                connection.execute(auth_account.insert().values(row))
        except IntegrityError:
            raise DuplicateAccount(
                f"tenant '{tenant}' already has an account '{username}' or with this e-mail"
            ) from None
        return _account(row)

    def get(self, tenant: str, account_id: str) -> Account | None:
        with self.engine.connect() as connection:
            row = self._row(connection, tenant, id_=account_id)
        return None if row is None else _account(row)

    def find(self, tenant: str, login: str) -> Account | None:
        """The account of `tenant` with this user name or e-mail (case-insensitive), if any."""
        with self.engine.connect() as connection:
            row = self._row(connection, tenant, login=_fold(login))
        return None if row is None else _account(row)

    def accounts(self, tenant: str) -> list[Account]:
        """Every account of `tenant`, by user name."""
        query = (
            sa.select(auth_account)
            .where(auth_account.c.tenant == tenant)
            .order_by(auth_account.c.username)
        )
        with self.engine.connect() as connection:
            return [_account(row) for row in connection.execute(query).mappings()]

    def set_password(self, tenant: str, account_id: str, password: str) -> None:
        """Set a new password (checked against the policy) and clear a lock."""
        account = self.get(tenant, account_id)
        if account is None:
            raise KeyError(account_id)
        self.policy.check(password, username=account.username, email=account.email)
        self._update(
            tenant,
            account_id,
            password_hash=self.hasher.hash(password),
            password_changed_at=self._clock(),
            failed_logins=0,
            locked_until=None,
        )

    def set_disabled(self, tenant: str, account_id: str, disabled: bool = True) -> None:
        """Disable (or enable) an account; disabling ends its open sessions at once."""
        self._update(tenant, account_id, disabled=disabled)
        if disabled:
            with for_writing(self.engine).begin() as connection:
                connection.execute(
                    auth_session.update()
                    .where(
                        auth_session.c.tenant == tenant,
                        auth_session.c.account_id == account_id,
                        auth_session.c.ended_at.is_(None),
                    )
                    .values(ended_at=self._clock(), end_reason=ACCOUNT_DISABLED)
                )

    def set_roles(self, tenant: str, account_id: str, roles: Iterable[str]) -> None:
        self._update(tenant, account_id, roles=sorted(set(roles)))

    # ------------------------------------------------------------------ logging in
    def authenticate(self, tenant: str, login: str, password: str) -> Principal:
        """The principal of the account with this user name or e-mail and password."""
        key = _fold(login)
        refusal: AuthenticationError | None = None
        with for_writing(
            self.engine
        ).begin() as connection:  # a refused login still commits its count
            row = self._row(connection, tenant, login=key)
            now = self._clock()
            if row is None:
                self._burn(password)
                raise AuthenticationError("invalid-credentials", "wrong user name or password")
            locked = row["locked_until"]
            if locked is not None and locked > now:
                raise AccountLockedError(max(1, int((locked - now).total_seconds() + 0.999)))
            changes: dict[str, Any]
            try:
                self.hasher.verify(row["password_hash"], password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                failures = int(row["failed_logins"]) + 1
                changes = {"failed_logins": failures}
                if failures >= self.max_failures:
                    changes["locked_until"] = now + self._lock_time(failures)
                refusal = AuthenticationError("invalid-credentials", "wrong user name or password")
            else:
                if row["disabled"]:
                    raise AuthenticationError("account-disabled", "the account is disabled")
                changes = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
                if self.hasher.check_needs_rehash(row["password_hash"]):
                    changes["password_hash"] = self.hasher.hash(password)
            self._set(connection, row, **changes)
        if refusal is not None:
            raise refusal
        return _account({**row, **changes}).principal()

    def login(
        self, tenant: str, login: str, password: str, sessions: SessionTokens
    ) -> SessionToken:
        """Authenticate and issue a session token."""
        principal = self.authenticate(tenant, login, password)
        return sessions.issue(principal, account_id=principal.subject)

    def _lock_time(self, failures: int) -> timedelta:
        doublings = min(failures - self.max_failures, 20)
        lock: timedelta = self.lockout * (2**doublings)
        return lock if lock < self.max_lockout else self.max_lockout

    def _burn(self, password: str) -> None:
        """Spend the time of one verification, so unknown users answer as slowly as known ones."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("meshkit-no-such-account")
        with contextlib.suppress(VerificationError):
            self.hasher.verify(self._dummy_hash, password)

    # ------------------------------------------------------------------ rows
    @staticmethod
    def _row(
        connection: Connection, tenant: str, *, id_: str | None = None, login: str | None = None
    ) -> Any:
        condition = auth_account.c.tenant == tenant
        if id_ is not None:
            condition = sa.and_(condition, auth_account.c.id == id_)
        else:
            condition = sa.and_(
                condition, sa.or_(auth_account.c.username == login, auth_account.c.email == login)
            )
        return connection.execute(sa.select(auth_account).where(condition)).mappings().first()

    @staticmethod
    def _set(connection: Connection, row: Any, **values: Any) -> None:
        connection.execute(
            auth_account.update()
            .where(auth_account.c.tenant == row["tenant"], auth_account.c.id == row["id"])
            .values(**values)
        )

    def _update(self, tenant: str, account_id: str, **values: Any) -> None:
        with for_writing(self.engine).begin() as connection:
            result = connection.execute(
                auth_account.update()
                .where(auth_account.c.tenant == tenant, auth_account.c.id == account_id)
                .values(**values)
            )
        if not result.rowcount:
            raise KeyError(account_id)


def _account(row: Any) -> Account:
    return Account(
        id=row["id"],
        tenant=row["tenant"],
        username=row["username"],
        email=row["email"],
        roles=frozenset(row["roles"]),
        participant_id=row["participant_id"],
        disabled=bool(row["disabled"]),
        failed_logins=int(row["failed_logins"]),
        locked_until=row["locked_until"],
        last_login_at=row["last_login_at"],
    )
