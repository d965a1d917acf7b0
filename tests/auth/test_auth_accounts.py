"""Local accounts: argon2 hashes, wrong passwords, lockout with backoff, rehash, session tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from meshkit.runtime import create_engine
from meshkit.runtime.auth import (
    AccountLockedError,
    AuthenticationError,
    AuthMethod,
    DuplicateAccount,
    LocalAccounts,
    PasswordPolicy,
    PasswordRejected,
    SessionTokens,
    create_auth_tables,
)
from meshkit.runtime.auth.store import auth_account

PASSWORD = "correct horse battery staple"
SECRET = b"s" * 16 + b"e" * 16


def reason(accounts: LocalAccounts, login: str, password: str, tenant: str = "t1") -> str:
    with pytest.raises(AuthenticationError) as error:
        accounts.authenticate(tenant, login, password)
    return error.value.reason


def test_accounts_login_lockout_and_rehash(database_url: str, fast_hasher: PasswordHasher) -> None:
    engine = create_engine(database_url)
    create_auth_tables(engine)
    now = [datetime(2025, 3, 1, 8, 0, tzinfo=UTC)]
    accounts = LocalAccounts(engine, hasher=fast_hasher, max_failures=3, clock=lambda: now[0])

    anna = accounts.create(
        "t1", "Anna", PASSWORD, email="Anna@Example.org", roles=["member"], participant_id="p-1"
    )
    with engine.connect() as connection:
        stored = connection.execute(sa.select(auth_account.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(DuplicateAccount):
        accounts.create("t1", "anna", PASSWORD + "!")
    accounts.create("t2", "anna", PASSWORD)  # user names are per tenant

    principal = accounts.authenticate("t1", "ANNA", PASSWORD)
    assert principal.subject == anna.id and principal.roles == {"member"}
    assert principal.participant_id == "p-1" and principal.tenant == "t1"
    assert accounts.authenticate("t1", "anna@example.org", PASSWORD).subject == anna.id
    assert reason(accounts, "anna", PASSWORD, tenant="t3") == "invalid-credentials"
    assert reason(accounts, "nobody", PASSWORD) == "invalid-credentials"

    # Wrong passwords: counted; the third locks for 30 s, the next failure for 60 s.
    assert reason(accounts, "anna", "wrong password 1") == "invalid-credentials"
    assert reason(accounts, "anna", "wrong password 2") == "invalid-credentials"
    assert reason(accounts, "anna", "wrong password 3") == "invalid-credentials"
    with pytest.raises(AccountLockedError) as locked:
        accounts.authenticate("t1", "anna", PASSWORD)  # even the right one, while locked
    assert locked.value.retry_after == 30 and locked.value.reason == "account-locked"
    now[0] += timedelta(seconds=31)
    assert reason(accounts, "anna", "wrong password 4") == "invalid-credentials"
    with pytest.raises(AccountLockedError) as locked:
        accounts.authenticate("t1", "anna", PASSWORD)
    assert locked.value.retry_after == 60
    now[0] += timedelta(seconds=61)
    assert accounts.authenticate("t1", "anna", PASSWORD).subject == anna.id
    account = accounts.get("t1", anna.id)
    assert account is not None and account.failed_logins == 0 and account.locked_until is None
    assert account.last_login_at == now[0]

    # Stronger parameters: the next login rehashes.
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    upgraded = LocalAccounts(engine, hasher=stronger, clock=lambda: now[0])
    upgraded.authenticate("t1", "anna", PASSWORD)
    with engine.connect() as connection:
        rehashed = connection.execute(
            sa.select(auth_account.c.password_hash).where(auth_account.c.id == anna.id)
        ).scalar_one()
    assert rehashed != stored and "m=2048,t=2" in rehashed
    assert not stronger.check_needs_rehash(rehashed)
    assert accounts.authenticate("t1", "anna", PASSWORD).subject == anna.id  # still verifies

    accounts.set_disabled("t1", anna.id)
    assert reason(accounts, "anna", PASSWORD) == "account-disabled"
    assert reason(accounts, "anna", "wrong password") == "invalid-credentials"  # no status leak
    accounts.set_disabled("t1", anna.id, False)
    accounts.set_password("t1", anna.id, "a new and long passphrase")
    assert reason(accounts, "anna", PASSWORD) == "invalid-credentials"
    engine.dispose()


def test_password_policy() -> None:
    policy = PasswordPolicy()
    assert policy.problems(PASSWORD) == []
    assert "use at least 12 characters" in policy.problems("short")
    assert "use at least 5 different characters" in policy.problems("aaaaaaaaaaaaaaaa")
    assert "this password is too common" in policy.problems("Energiegemeinschaft")
    assert policy.problems("anna-huber-2025!", username="anna")
    assert policy.problems("x" * 300)
    with pytest.raises(PasswordRejected) as rejected:
        policy.check("short")
    assert len(rejected.value.problems) == 1


def test_session_tokens(fast_hasher: PasswordHasher, tmp_path: object) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/auth.sqlite")
    create_auth_tables(engine)
    accounts = LocalAccounts(engine, hasher=fast_hasher)
    anna = accounts.create("t1", "anna", PASSWORD, roles=["staff"])
    sessions = SessionTokens(SECRET)
    session = accounts.login("t1", "anna", PASSWORD, sessions)
    principal = sessions.verify(session.token)
    assert principal.subject == anna.id and principal.roles == {"staff"}
    assert principal.method is AuthMethod.SESSION
    assert session.expires_at - datetime.now(UTC) <= timedelta(minutes=15)

    def refused(token: str, verifier: SessionTokens = sessions) -> str:
        with pytest.raises(AuthenticationError) as error:
            verifier.verify(token)
        return error.value.reason

    assert refused(session.token, SessionTokens(b"another secret of at least 32 bytes")) == (
        "bad-signature"
    )
    old = SessionTokens(SECRET, clock=lambda: datetime.now(UTC) - timedelta(hours=1))
    assert refused(old.issue(principal).token) == "token-expired"
    claims = jwt.decode(session.token, options={"verify_signature": False})
    assert refused(jwt.encode(claims, None, algorithm="none")) == "algorithm-not-allowed"
    with pytest.raises(ValueError, match="32 bytes"):
        SessionTokens(b"too short")
    engine.dispose()
