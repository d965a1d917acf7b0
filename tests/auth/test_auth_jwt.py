"""Bearer JWTs: signed with a generated RSA key, JWKS served by an injected fetcher (no network)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jwt
import pytest
from auth_keys import AUDIENCE, ISSUER, KEY, OTHER_KEY, jwk_of

from meshkit.runtime.auth import (
    AuthenticationError,
    ClaimMapping,
    OidcAuthenticator,
    OidcSettings,
    RemoteJwks,
    StaticJwks,
)


class Issuer:
    """A JWKS endpoint that counts its fetches."""

    def __init__(self, *keys: dict[str, Any]) -> None:
        self.keys = list(keys)
        self.fetches = 0

    def __call__(self, url: str) -> Mapping[str, Any]:
        assert url == ISSUER + "/certs"
        self.fetches += 1
        return {"keys": self.keys}


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "alice",
        "tenant": "t1",
        "roles": ["member"],
        "participant_id": "p-1",
        "iat": now,
        "exp": now + 300,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def token(key: Any = KEY, kid: str = "k1", alg: str = "RS256", **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), key, algorithm=alg, headers={"kid": kid})


@pytest.fixture
def issuer() -> Issuer:
    return Issuer(jwk_of(KEY, "k1"))


@pytest.fixture
def oidc(issuer: Issuer) -> OidcAuthenticator:
    jwks = RemoteJwks(ISSUER + "/certs", issuer, ttl=300)
    return OidcAuthenticator(OidcSettings(issuer=ISSUER, audience=AUDIENCE, jwks=jwks))


def refused(oidc: OidcAuthenticator, text: str) -> str:
    with pytest.raises(AuthenticationError) as error:
        oidc.authenticate(text)
    assert error.value.message  # a clear reason in words, too
    return error.value.reason


def test_a_valid_token_becomes_a_principal(oidc: OidcAuthenticator, issuer: Issuer) -> None:
    principal = oidc.authenticate(token())
    assert (principal.subject, principal.tenant) == ("alice", "t1")
    assert principal.roles == {"member"} and principal.participant_id == "p-1"
    assert principal.actor == "oidc:alice"
    oidc.authenticate(token())
    assert issuer.fetches == 1  # cached


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "token-expired"),
        ({"nbf": int(time.time()) + 10 * 365 * 86400}, "token-not-yet-valid"),
        ({"iss": "https://evil.example.org"}, "wrong-issuer"),
        ({"aud": "another-service"}, "wrong-audience"),
        ({"exp": None}, "missing-claim"),
        ({"tenant": None}, "missing-claim"),
    ],
)
def test_claims_are_checked(
    oidc: OidcAuthenticator, overrides: dict[str, Any], reason: str
) -> None:
    assert refused(oidc, token(**overrides)) == reason


def test_leeway_tolerates_small_clock_skew(oidc: OidcAuthenticator) -> None:
    assert oidc.authenticate(token(exp=int(time.time()) - 10)).subject == "alice"


def test_a_token_signed_with_another_key_is_refused(oidc: OidcAuthenticator) -> None:
    assert refused(oidc, token(key=OTHER_KEY)) == "bad-signature"
    good = token()
    header, _payload, signature = good.split(".")
    tampered = jwt.utils.base64url_encode(
        json.dumps({**claims(), "roles": ["admin"]}).encode()
    ).decode()
    assert refused(oidc, f"{header}.{tampered}.{signature}") == "bad-signature"


def test_unknown_kid_refetches_once_then_refuses(oidc: OidcAuthenticator, issuer: Issuer) -> None:
    oidc.authenticate(token())
    assert refused(oidc, token(kid="k9")) == "unknown-key"
    assert issuer.fetches == 1  # within min_refresh: no second fetch, no fetch storm


def test_key_rotation_is_picked_up(issuer: Issuer) -> None:
    now = [0.0]
    jwks = RemoteJwks(ISSUER + "/certs", issuer, ttl=300, min_refresh=30, clock=lambda: now[0])
    oidc = OidcAuthenticator(OidcSettings(issuer=ISSUER, audience=AUDIENCE, jwks=jwks))
    oidc.authenticate(token())
    issuer.keys.append(jwk_of(OTHER_KEY, "k2"))
    now[0] = 60.0
    assert oidc.authenticate(token(key=OTHER_KEY, kid="k2")).subject == "alice"
    assert issuer.fetches == 2


def test_alg_none_and_hmac_confusion_are_refused(oidc: OidcAuthenticator) -> None:
    unsigned = jwt.encode(claims(), None, algorithm="none", headers={"kid": "k1"})
    assert refused(oidc, unsigned) == "algorithm-not-allowed"
    # HS256 "signed" with whatever the attacker guesses the verifier might use as a secret.
    forged = jwt.encode(
        claims(), "public-key-as-secret" * 2, algorithm="HS256", headers={"kid": "k1"}
    )
    assert refused(oidc, forged) == "algorithm-not-allowed"
    with pytest.raises(ValueError, match="HS256"):
        OidcSettings(
            issuer=ISSUER, audience=AUDIENCE, jwks=StaticJwks({"keys": []}), algorithms=("HS256",)
        )


def test_a_key_declared_for_another_algorithm_is_refused(issuer: Issuer) -> None:
    jwks = StaticJwks({"keys": [jwk_of(KEY, "k1", alg="RS512")]})
    oidc = OidcAuthenticator(OidcSettings(issuer=ISSUER, audience=AUDIENCE, jwks=jwks))
    assert refused(oidc, token()) == "algorithm-not-allowed"


def test_garbage_is_a_malformed_token(oidc: OidcAuthenticator) -> None:
    assert refused(oidc, "not-a-jwt") == "malformed-token"
    assert refused(oidc, "a.b.c") == "malformed-token"


def test_an_unreachable_jwks_is_reported() -> None:
    def down(url: str) -> Mapping[str, Any]:
        raise OSError("connection refused")

    oidc = OidcAuthenticator(
        OidcSettings(issuer=ISSUER, audience=AUDIENCE, jwks=RemoteJwks(ISSUER + "/certs", down))
    )
    assert refused(oidc, token()) == "jwks-unavailable"


def test_static_jwks_file_and_claim_mapping(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk_of(KEY, "k1", alg=None)]}))
    mapping = ClaimMapping(
        tenant="https://meshkit/tenant",
        roles="realm_access.roles",
        participant_id="ec.participant",
        role_map={"ec-member": "member", "ec-admin": "admin"},
        attributes={"community": "ec.community"},
    )
    oidc = OidcAuthenticator(
        OidcSettings(issuer=ISSUER, audience=AUDIENCE, jwks=StaticJwks(path), claims=mapping)
    )
    principal = oidc.authenticate(
        token(
            tenant=None,
            roles=None,
            participant_id=None,
            **{
                "https://meshkit/tenant": "t7",
                "realm_access": {"roles": ["ec-member", "offline_access"]},
                "ec": {"participant": "p-9", "community": "c-1"},
            },
        )
    )
    assert principal.tenant == "t7" and principal.roles == {"member"}
    assert principal.participant_id == "p-9" and principal.attributes["community"] == "c-1"
