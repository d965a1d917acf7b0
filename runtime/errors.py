"""Errors the runtime reports: values a caller can act on, never a raw driver exception.

Every error carries a stable `code`, a message, and — where fields are to blame — a list of
`FieldError`s with the attribute path, so an API layer can point at each field at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

PathItem = str | int


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: `path` leads from the input's top level to the field."""

    code: str
    path: tuple[PathItem, ...]
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "path": list(self.path), "message": self.message}

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path) or "(input)"
        return f"{where}: {self.message} [{self.code}]"


class RepositoryError(Exception):
    """Base of every error the repository raises on purpose."""

    code = "error"

    def __init__(self, message: str, errors: Iterable[FieldError] = ()) -> None:
        self.message = message
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.errors:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {e}" for e in self.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "errors": [e.as_dict() for e in self.errors],
        }


class ValidationError(RepositoryError):
    """The input does not fit the model; `errors` lists every problem found, not just the first."""

    code = "invalid"


class NotFoundError(RepositoryError):
    """No entity with that id (in this tenant, of that class)."""

    code = "not-found"

    def __init__(self, class_qid: str, entity_id: str) -> None:
        self.class_qid = class_qid
        self.entity_id = entity_id
        super().__init__(f"no {class_qid} with id '{entity_id}'")


class ConflictError(RepositoryError):
    """Optimistic locking: the entity changed since the caller read it."""

    code = "conflict"

    def __init__(self, class_qid: str, entity_id: str, expected: int, actual: int | None) -> None:
        self.expected = expected
        self.actual = actual
        now = f"it is at version {actual}" if actual is not None else "it no longer exists"
        super().__init__(
            f"{class_qid} '{entity_id}' was changed by someone else: you read version "
            f"{expected}, {now}; read it again and reapply your change"
        )


@dataclass(frozen=True)
class Reference:
    """An entity that points at another one, named in an EraseRefusedError."""

    class_qid: str
    entity_id: str
    association: str  # qualified id of the association through which it refers


class EraseRefusedError(RepositoryError):
    """Erasing would break references whose association says on_delete: refuse."""

    code = "erase-refused"

    def __init__(self, class_qid: str, entity_id: str, references: Sequence[Reference]) -> None:
        self.references = tuple(references)
        names = ", ".join(f"{r.class_qid} '{r.entity_id}' ({r.association})" for r in references)
        super().__init__(
            f"cannot erase {class_qid} '{entity_id}': it is still referenced by {names}; "
            "remove those references first (or archive it instead)",
            [
                FieldError("referenced", (r.association, r.entity_id), "refers to this entity")
                for r in references
            ],
        )


class UnknownElementError(RepositoryError):
    """The caller named a class, attribute or association end the model does not have."""

    code = "unknown-element"


@dataclass
class ErrorCollector:
    """Gathers field errors so that one input reports all of its problems at once."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, code: str, path: Sequence[PathItem], message: str) -> None:
        self.errors.append(FieldError(code, tuple(path), message))

    def raise_if_any(self, message: str) -> None:
        if self.errors:
            raise ValidationError(message, self.errors)
