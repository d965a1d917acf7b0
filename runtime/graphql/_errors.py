"""Errors as clients see them: structured, located, and never a stack trace.

A repository error becomes one GraphQL error at the field that failed, with
`extensions = {code, fieldErrors: [{code, path, message}], ...}`: `code` is the kind of failure
(INVALID, NOT_FOUND, CONFLICT, ERASE_REFUSED, UNKNOWN_ELEMENT), each field error names the
input field to blame by its GraphQL path (`["input", "address", "postalCode"]`). Anything else
a resolver raises is a bug: it is logged with its traceback under an incident id, and the client
gets `INTERNAL` with that id and nothing more.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from meshkit.runtime import ConflictError, FieldError, RepositoryError
from meshkit.runtime.auth import AuthenticationError, PermissionDenied

log = logging.getLogger("meshkit.graphql")

CODES = {
    "invalid": "INVALID",
    "not-found": "NOT_FOUND",
    "conflict": "CONFLICT",
    "erase-refused": "ERASE_REFUSED",
    "unknown-element": "UNKNOWN_ELEMENT",
}


def relocated(exc: RepositoryError, where: Callable[[FieldError], FieldError]) -> RepositoryError:
    """The same error with each field error moved (to GraphQL input paths, say)."""
    exc.errors = tuple(where(e) for e in exc.errors)
    return exc


def extensions_of(exc: RepositoryError) -> dict[str, Any]:
    extensions: dict[str, Any] = {"code": CODES.get(exc.code, exc.code.upper())}
    if isinstance(exc, ConflictError):
        extensions["expectedVersion"] = exc.expected
        extensions["actualVersion"] = exc.actual
    extensions["fieldErrors"] = [e.as_dict() for e in exc.errors]
    return extensions


def denied_extensions(exc: PermissionDenied) -> dict[str, Any]:
    """FORBIDDEN (UNAUTHENTICATED without a signed-in principal) with the policy's details."""
    code = "UNAUTHENTICATED" if exc.code == "unauthenticated" else "FORBIDDEN"
    return {**exc.as_dict(), "code": code, "reason": exc.code}


def present(errors: list[GraphQLError]) -> tuple[list[GraphQLError], bool]:
    """Errors made fit for the client, and whether one of them is an internal failure."""
    result = []
    internal = False
    for error in errors:
        original = error.original_error
        if isinstance(original, RepositoryError):
            result.append(
                GraphQLError(
                    original.message,
                    error.nodes,
                    path=error.path,
                    extensions=extensions_of(original),
                )
            )
        elif isinstance(original, PermissionDenied):
            result.append(
                GraphQLError(
                    original.message,
                    error.nodes,
                    path=error.path,
                    extensions=denied_extensions(original),
                )
            )
        elif isinstance(original, AuthenticationError):
            result.append(
                GraphQLError(
                    original.message,
                    error.nodes,
                    path=error.path,
                    extensions={"code": "UNAUTHENTICATED", "reason": original.reason},
                )
            )
        elif original is None or isinstance(original, GraphQLError) or error.path is None:
            result.append(error)
        else:
            internal = True
            incident = uuid.uuid4().hex[:12]
            log.error(
                "GraphQL resolver failed at %s (incident %s)",
                ".".join(str(p) for p in error.path),
                incident,
                exc_info=(type(original), original, original.__traceback__),
            )
            result.append(
                GraphQLError(
                    f"internal error (incident {incident}); nothing was changed",
                    error.nodes,
                    path=error.path,
                    extensions={"code": "INTERNAL", "incident": incident},
                )
            )
    return result, internal
