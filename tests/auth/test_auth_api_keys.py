"""API keys: shown once, stored as a salted HMAC, looked up by prefix, revocable, per tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from meshkit.runtime import create_engine
from meshkit.runtime.auth import ApiKeys, AuthenticationError, AuthMethod, create_auth_tables
from meshkit.runtime.auth.store import auth_api_key


def reason(keys: ApiKeys, key: str) -> str:
    with pytest.raises(AuthenticationError) as error:
        keys.verify(key)
    return error.value.reason


def test_api_keys_lifecycle(database_url: str) -> None:
    engine = create_engine(database_url)
    create_auth_tables(engine)
    now = [datetime(2025, 1, 1, 12, 0, tzinfo=UTC)]
    keys = ApiKeys(engine, pepper=b"server-pepper-0123456789abcdef", clock=lambda: now[0])

    new = keys.create("t1", "EDA gateway", roles=["integration"], scopes=["eda:write"])
    assert new.key.startswith("mk_" + new.info.prefix + "_") and len(new.key) > 50
    with engine.connect() as connection:
        stored = connection.execute(sa.select(auth_api_key)).mappings().one()
    assert new.key.split("_", 2)[2] not in str(dict(stored))  # the secret is not stored
    assert stored["secret_hash"] != new.key

    principal = keys.verify(new.key)
    assert principal.tenant == "t1" and principal.roles == {"integration"}
    assert principal.scopes == {"eda:write"} and principal.method is AuthMethod.API_KEY
    assert principal.subject == new.info.prefix
    assert keys.list_keys("t1")[0].last_used_at == now[0]

    # last_used is written at most once per touch interval, not on every request
    now[0] += timedelta(seconds=10)
    keys.verify(new.key)
    assert keys.list_keys("t1")[0].last_used_at == now[0] - timedelta(seconds=10)

    assert reason(keys, new.key[:-1] + ("A" if new.key[-1] != "A" else "B")) == "invalid-api-key"
    assert reason(keys, "mk_nosuchprefix1_" + "x" * 43) == "invalid-api-key"
    assert reason(keys, "garbage") == "invalid-api-key"
    # another pepper (a stolen table used elsewhere) verifies nothing
    assert reason(ApiKeys(engine, pepper=b"another-pepper"), new.key) == "invalid-api-key"

    assert keys.list_keys("t2") == []
    assert not keys.revoke("t2", new.info.id)  # another tenant cannot revoke it
    assert keys.revoke("t1", new.info.id)
    assert not keys.revoke("t1", new.info.id)
    assert reason(keys, new.key) == "api-key-revoked"

    expiring = keys.create("t2", "report", roles=["staff"], expires_at=now[0] + timedelta(hours=1))
    assert keys.verify(expiring.key).tenant == "t2"
    now[0] += timedelta(hours=2)
    assert reason(keys, expiring.key) == "api-key-expired"
    engine.dispose()
