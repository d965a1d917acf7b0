"""Browser sessions: the HttpOnly cookie of POST /auth/login, CSRF on everything that may change
something, sliding and absolute expiry, and sign-outs every server process honours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auth_browser import PASSWORD, VIEWER, Clock, Server, add_accounts, server
from starlette.websockets import WebSocketDisconnect

from meshkit.ck import CompiledModel
from meshkit.runtime.auth import Policy


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts_db(database_url: str) -> str:
    add_accounts(database_url)
    return database_url


def viewer(browser: Server, csrf: str | None = None) -> tuple[int, dict[str, object]]:
    headers = {"X-CSRF-Token": csrf} if csrf is not None else {}
    response = browser.http.post("/graphql", json={"query": VIEWER}, headers=headers)
    return response.status_code, response.json()


def session_reason(browser: Server) -> str | None:
    """None while signed in by cookie, else why /auth/session refuses."""
    response = browser.http.get("/auth/session")
    return None if response.status_code == 200 else str(response.json()["reason"])


def test_cookie_login_and_csrf(
    accounts_db: str, ec_model: CompiledModel, ec_policy: Policy, clock: Clock
) -> None:
    with server(accounts_db, ec_model, ec_policy, clock) as browser:
        # A login form posted cross-site (no JSON type) never starts a session.
        forged = browser.http.post(
            "/auth/login",
            content='{"username": "anna", "password": "x", "session": "cookie"}',
            headers={"Content-Type": "text/plain"},
        )
        assert forged.status_code == 415 and "meshkit_session" not in browser.http.cookies

        response = browser.http.post(
            "/auth/login",
            json={"username": "Anna", "password": PASSWORD, "session": "cookie"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "token" not in body  # nothing for a script to steal
        assert (body["username"], body["tenant"], body["roles"]) == ("anna", "t1", ["member"])
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("meshkit_session="))
        csrf_cookie = next(c for c in cookies if c.startswith("meshkit_csrf="))
        assert "HttpOnly" in session and "SameSite=strict" in session and "Path=/" in session
        assert "Secure" not in session  # plain http on loopback (the demo) must keep working
        assert "HttpOnly" not in csrf_cookie and body["csrf_token"] in csrf_cookie
        csrf = body["csrf_token"]

        assert browser.http.get("/auth/session").json()["csrf_token"] == csrf
        # Safe methods need no token: a GET query.
        get = browser.http.get("/graphql", params={"query": VIEWER})
        assert get.status_code == 200 and get.json()["data"]["viewer"]["method"] == "session"
        # Anything else does: GraphQL over POST, the Excel upload, the sign-out.
        assert viewer(browser) == (
            403,
            {
                "error": "forbidden",
                "reason": "csrf-token-missing",
                "message": "a request signed in by cookie must send the X-CSRF-Token header",
            },
        )
        assert viewer(browser, "x" * 43)[1]["reason"] == "csrf-token-invalid"
        upload = browser.http.post("/import/xlsx", content=b"PK\x03\x04")
        assert upload.status_code == 403 and upload.json()["reason"] == "csrf-token-missing"
        assert browser.http.post("/auth/logout").status_code == 403
        status, answer = viewer(browser, csrf)
        assert status == 200, answer
        seen = answer["data"]["viewer"]  # type: ignore[index]
        assert (seen["tenant"], seen["roles"], seen["method"]) == ("t1", ["member"], "session")

        # Integrations with a bearer token are not affected (no ambient credential).
        token = browser.token("ada")
        bearer = browser.http.post(
            "/graphql",
            json={"query": VIEWER},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert bearer.status_code == 200 and bearer.json()["data"]["viewer"]["roles"] == ["admin"]

        # Signing in again in the same browser ends the session it had.
        first = browser.http.cookies["meshkit_session"]
        csrf = browser.login("ada")["csrf_token"]
        anna = browser.accounts.find("t1", "anna")
        assert anna is not None and browser.store.sessions("t1", anna.id) == []
        assert browser.http.cookies["meshkit_session"] != first

        assert browser.http.post("/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert "meshkit_session" not in browser.http.cookies  # the response deleted it
        assert session_reason(browser) == "unauthenticated"


def test_secure_cookies_over_https(
    accounts_db: str, ec_model: CompiledModel, ec_policy: Policy, clock: Clock
) -> None:
    with server(accounts_db, ec_model, ec_policy, clock, base_url="https://ec.example") as browser:
        response = browser.http.post(
            "/auth/login",
            json={"username": "anna", "password": PASSWORD, "session": "cookie"},
        )
        cookies = response.headers.get_list("set-cookie")
        assert all("Secure" in c for c in cookies) and len(cookies) == 2


def test_sessions_slide_until_idle_and_end_at_their_maximum_age(
    accounts_db: str, ec_model: CompiledModel, ec_policy: Policy, clock: Clock
) -> None:
    with server(
        accounts_db, ec_model, ec_policy, clock,
        idle=timedelta(minutes=30), max_age=timedelta(minutes=100),
    ) as browser:  # fmt: skip
        browser.login()
        for _ in range(3):  # used every 25 minutes: each use extends it
            clock.advance(minutes=25)
            assert session_reason(browser) is None
        clock.advance(minutes=31)  # unused for longer than the idle timeout
        assert session_reason(browser) == "session-expired"

        browser.login()
        for _ in range(3):
            clock.advance(minutes=25)
            assert session_reason(browser) is None
        clock.advance(minutes=26)  # busy, but 101 minutes old
        query = {"query": "{ participants { totalCount } }"}
        refused = browser.http.post("/graphql", json=query)
        # An ended session is no credential: the request is anonymous (the apps' pages load)
        # and the browser is told to forget the cookies.
        assert refused.status_code == 200
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert any(
            c.startswith("meshkit_session=") and "Max-Age=0" in c
            for c in refused.headers.get_list("set-cookie")
        )
        assert "meshkit_session" not in browser.http.cookies
        assert session_reason(browser) == "unauthenticated"


def test_a_sign_out_counts_in_every_server_process(
    accounts_db: str, ec_model: CompiledModel, ec_policy: Policy, clock: Clock
) -> None:
    with (
        server(accounts_db, ec_model, ec_policy, clock) as one,
        server(accounts_db, ec_model, ec_policy, clock) as two,
    ):
        csrf = one.login()["csrf_token"]
        two.http.cookies.set("meshkit_session", one.http.cookies["meshkit_session"])
        assert session_reason(two) is None  # the other process knows the session
        token = one.token()
        bearer = {"Authorization": f"Bearer {token}"}
        assert two.http.get("/auth/session", headers=bearer).status_code == 200

        assert one.http.post("/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert session_reason(two) == "signed-out"
        assert one.http.post("/auth/logout", headers=bearer).status_code == 204
        refused = two.http.post("/graphql", json={"query": VIEWER}, headers=bearer)
        assert refused.status_code == 401 and refused.json()["reason"] == "signed-out"


def test_sign_out_everywhere_and_disabling_an_account_end_every_session(
    accounts_db: str, ec_model: CompiledModel, ec_policy: Policy, clock: Clock
) -> None:
    with (
        server(accounts_db, ec_model, ec_policy, clock) as laptop,
        server(accounts_db, ec_model, ec_policy, clock) as phone,
    ):
        csrf = laptop.login()["csrf_token"]
        phone.login()
        token = phone.token()
        admin = laptop.token("ada")
        anna = laptop.accounts.find("t1", "anna")
        assert anna is not None and len(laptop.store.sessions("t1", anna.id)) == 3

        everywhere = laptop.http.post(
            "/auth/logout", json={"everywhere": True}, headers={"X-CSRF-Token": csrf}
        )
        assert everywhere.status_code == 204
        assert session_reason(phone) == "signed-out-everywhere"
        refused = phone.http.get("/auth/session", headers={"Authorization": f"Bearer {token}"})
        assert refused.json()["reason"] == "signed-out-everywhere"
        assert laptop.store.sessions("t1", anna.id) == []
        # Another user's sessions go on.
        other = laptop.http.get("/auth/session", headers={"Authorization": f"Bearer {admin}"})
        assert other.status_code == 200

        phone.login()
        token = phone.token()
        laptop.accounts.set_disabled("t1", anna.id)  # `meshkit auth user disable anna`
        assert session_reason(phone) == "account-disabled"
        refused = phone.http.get("/auth/session", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401 and refused.json()["reason"] == "account-disabled"
        login = phone.http.post(
            "/auth/login",
            json={"username": "anna", "password": PASSWORD, "session": "cookie"},
        )
        assert login.status_code == 401 and login.json()["reason"] == "account-disabled"


def test_a_cookie_websocket_must_come_from_the_servers_origin(
    accounts_db: str, ec_model: CompiledModel, ec_policy: Policy, clock: Clock
) -> None:
    with server(accounts_db, ec_model, ec_policy, clock) as browser:
        browser.login()
        protocol = ["graphql-transport-ws"]
        evil = {"Origin": "https://evil.example"}
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            browser.http.websocket_connect("/graphql", subprotocols=protocol, headers=evil),
        ):
            pass
        assert closed.value.code == 4403
        own = {"Origin": "http://testserver"}
        with browser.http.websocket_connect("/graphql", subprotocols=protocol, headers=own) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            assert ws.receive_json()["type"] == "connection_ack"
