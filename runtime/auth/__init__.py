"""Authentication, roles, permissions, row and column rules (see docs/security.md).

Authentication (framework-free): `OidcAuthenticator` (bearer JWTs of an OIDC issuer, JWKS),
`ApiKeys` (machines), `LocalAccounts` + `SessionTokens` (the embedded default), combined by
`Authenticator`; `SessionStore` keeps sign-ins in the database (browser cookies, shared
sign-out) and `OidcSignIn` signs the apps in at the issuer. `meshkit.runtime.auth.starlette`
plugs it into an ASGI app (cookies, CSRF), `meshkit.runtime.auth.routes` serves /auth/*.

Authorisation: `Policy` compiled from the model's `_policy/permissions.yaml`, and
`secured_unit_of_work` that applies it to the repository (tenant from the principal).
"""

from meshkit.runtime.auth.accounts import (
    Account,
    DuplicateAccount,
    LocalAccounts,
    PasswordPolicy,
    PasswordRejected,
)
from meshkit.runtime.auth.api_keys import ApiKeyInfo, ApiKeys, NewApiKey
from meshkit.runtime.auth.authenticator import Authenticator
from meshkit.runtime.auth.errors import (
    AccountLockedError,
    AuthenticationError,
    PermissionDenied,
    PolicyError,
)
from meshkit.runtime.auth.guard import SecuredUnitOfWork, secured_unit_of_work
from meshkit.runtime.auth.oidc import (
    ClaimMapping,
    OidcAuthenticator,
    OidcSettings,
    RemoteJwks,
    StaticJwks,
    VerificationKey,
)
from meshkit.runtime.auth.oidc_login import OidcClient, OidcSignIn
from meshkit.runtime.auth.policy import Grant, Policy, Role, policy_schema
from meshkit.runtime.auth.principal import ANONYMOUS, AuthMethod, Principal
from meshkit.runtime.auth.session_store import ActiveSession, SessionStore, StartedSession
from meshkit.runtime.auth.sessions import SessionToken, SessionTokens
from meshkit.runtime.auth.store import (
    auth_account,
    auth_api_key,
    auth_session,
    create_auth_tables,
)

__all__ = [
    "ANONYMOUS",
    "Account",
    "AccountLockedError",
    "ActiveSession",
    "ApiKeyInfo",
    "ApiKeys",
    "AuthMethod",
    "AuthenticationError",
    "Authenticator",
    "ClaimMapping",
    "DuplicateAccount",
    "Grant",
    "LocalAccounts",
    "NewApiKey",
    "OidcAuthenticator",
    "OidcClient",
    "OidcSettings",
    "OidcSignIn",
    "PasswordPolicy",
    "PasswordRejected",
    "PermissionDenied",
    "Policy",
    "PolicyError",
    "Principal",
    "RemoteJwks",
    "Role",
    "SecuredUnitOfWork",
    "SessionStore",
    "SessionToken",
    "SessionTokens",
    "StartedSession",
    "StaticJwks",
    "VerificationKey",
    "auth_account",
    "auth_api_key",
    "auth_session",
    "create_auth_tables",
    "policy_schema",
    "secured_unit_of_work",
]
