"""`meshkit auth user signout`: every session of an account ends, in every server process."""

from __future__ import annotations

import pytest
from auth_browser import PASSWORD, add_accounts, fast_hasher
from typer.testing import CliRunner

from meshkit.apps.cli import app
from meshkit.runtime import create_engine
from meshkit.runtime.auth import AuthenticationError, LocalAccounts, SessionStore


def test_signout_ends_every_session_of_the_account(database_url: str) -> None:
    add_accounts(database_url)
    engine = create_engine(database_url)
    try:
        store = SessionStore(engine)
        accounts = LocalAccounts(engine, hasher=fast_hasher())
        anna = accounts.authenticate("t1", "anna", PASSWORD)
        ada = accounts.authenticate("t1", "ada", PASSWORD)
        started = [store.start(anna, account_id=anna.subject) for _ in range(2)]
        other = store.start(ada, account_id=ada.subject)

        result = CliRunner().invoke(
            app, ["auth", "user", "signout", "ANNA", "-t", "t1", "--database-url", database_url]
        )
        assert result.exit_code == 0, result.output
        assert "signed out anna: 2 sessions ended" in result.output
        for session in started:
            with pytest.raises(AuthenticationError) as refused:
                store.resume(session.cookie)
            assert refused.value.reason == "signed-out-everywhere"
        assert store.resume(other.cookie).principal.roles == frozenset({"admin"})

        unknown = CliRunner().invoke(
            app, ["auth", "user", "signout", "anne", "-t", "t1", "--database-url", database_url]
        )
        assert unknown.exit_code == 1 and "did you mean 'anna'" in unknown.output
    finally:
        engine.dispose()
