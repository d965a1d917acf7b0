"""Errors of authentication and authorisation: stable codes a caller (HTTP, GraphQL) can map.

`AuthenticationError` means "we do not know who you are" (HTTP 401); `PermissionDenied` means
"we know, and you may not" (HTTP 403). Neither carries secrets: a reason says what was wrong
with a credential, never the credential itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from meshkit.ck.diagnostics import Diagnostic


class AuthenticationError(Exception):
    """A credential was presented and refused; `reason` is a stable code.

    Reasons: malformed-token, algorithm-not-allowed, unknown-key, bad-signature, token-expired,
    token-not-yet-valid, wrong-issuer, wrong-audience, missing-claim, jwks-unavailable,
    invalid-api-key, api-key-revoked, api-key-expired, invalid-credentials, account-locked,
    account-disabled, unsupported-scheme; sessions: session-expired, session-invalid, signed-out,
    signed-out-everywhere; OIDC sign-in: bad-state, bad-nonce, sign-in-expired,
    code-exchange-failed, sign-in-refused, issuer-unavailable.
    """

    status = 401

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(f"{message} [{reason}]")

    def as_dict(self) -> dict[str, Any]:
        return {"error": "unauthenticated", "reason": self.reason, "message": self.message}


class AccountLockedError(AuthenticationError):
    """Too many failed logins: the account refuses passwords until `retry_after` seconds pass."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            "account-locked",
            f"too many failed logins; try again in {retry_after} seconds",
        )


class PermissionDenied(Exception):
    """The principal may not do `operation` on `class_qid` (HTTP 403 / GraphQL FORBIDDEN).

    Codes: forbidden (no grant for the operation), attribute-hidden (a filter, order, aggregate
    or write names an attribute the principal may not see or change), outside-row-scope (a
    write would leave the rows the principal may write), unauthenticated (anonymous principal).
    """

    status = 403

    def __init__(
        self,
        class_qid: str,
        operation: str,
        message: str | None = None,
        *,
        code: str = "forbidden",
        attribute: str | None = None,
    ) -> None:
        self.code = code
        self.class_qid = class_qid
        self.operation = operation
        self.attribute = attribute
        self.message = message or f"not allowed to {operation} {class_qid}"
        super().__init__(f"{self.message} [{code}]")

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "error": "forbidden",
            "code": self.code,
            "class": self.class_qid,
            "operation": self.operation,
            "message": self.message,
        }
        if self.attribute is not None:
            result["attribute"] = self.attribute
        return result


class PolicyError(Exception):
    """A policy file cannot be compiled; carries every located problem (file:line:column)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(sorted(set(diagnostics)))
        count = len(self.diagnostics)
        lines = "\n".join(str(d) for d in self.diagnostics)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in the policy:\n{lines}")
