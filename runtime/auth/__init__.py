"""Authentication, roles, permissions, row and column rules (see docs/security.md).

Authentication (framework-free): `OidcAuthenticator` (bearer JWTs of an OIDC issuer, JWKS),
`ApiKeys` (machines), `LocalAccounts` + `SessionTokens` (the embedded default), combined by
`Authenticator`; `meshkit.runtime.auth.starlette` plugs it into an ASGI app.

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
from meshkit.runtime.auth.policy import Grant, Policy, Role, policy_schema
from meshkit.runtime.auth.principal import ANONYMOUS, AuthMethod, Principal
from meshkit.runtime.auth.sessions import SessionToken, SessionTokens
from meshkit.runtime.auth.store import auth_account, auth_api_key, create_auth_tables

__all__ = [
    "ANONYMOUS",
    "Account",
    "AccountLockedError",
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
    "OidcSettings",
    "PasswordPolicy",
    "PasswordRejected",
    "PermissionDenied",
    "Policy",
    "PolicyError",
    "Principal",
    "RemoteJwks",
    "Role",
    "SecuredUnitOfWork",
    "SessionToken",
    "SessionTokens",
    "StaticJwks",
    "VerificationKey",
    "auth_account",
    "auth_api_key",
    "create_auth_tables",
    "policy_schema",
    "secured_unit_of_work",
]
