"""Errors of behaviours: a refusal a behaviour raises on purpose, a behaviour that broke, and
references in the construction kit the runtime cannot resolve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from meshkit.ck.model import Location
from meshkit.runtime.errors import FieldError, PathItem, RepositoryError


class BehaviourError(RepositoryError):
    """Raised by a behaviour to refuse a change or a command; reaches the caller unchanged.

    `code` is stable for clients to branch on; `path` points at the field to blame (empty for
    the entity as a whole).
    """

    code = "behaviour"

    def __init__(
        self, message: str, *, code: str | None = None, path: Sequence[PathItem] = ()
    ) -> None:
        if code is not None:
            self.code = code
        self.path = tuple(path)
        super().__init__(message, [FieldError(self.code, self.path, message)])

    def _render(self) -> str:
        where = ".".join(str(p) for p in self.path)
        return f"{where}: {self.message}" if where else self.message


class BehaviourFailedError(RepositoryError):
    """A behaviour raised something unexpected; the change was rolled back.

    The original exception is the `__cause__`; `behaviour` names the reference that failed.
    """

    code = "behaviour-failed"

    def __init__(self, behaviour: str, hook: str, class_qid: str, cause: BaseException) -> None:
        self.behaviour = behaviour
        self.hook = hook
        self.class_qid = class_qid
        detail = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        super().__init__(
            f"behaviour '{behaviour}' failed in {hook} on {class_qid}: "
            f"{type(cause).__name__}{': ' + detail if detail else ''}; nothing was changed"
        )


@dataclass(frozen=True)
class UnresolvedBehaviour:
    """A behaviour reference of the construction kit that does not lead to a behaviour."""

    reference: str
    class_qid: str
    location: Location
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.class_qid}: behaviour '{self.reference}': {self.reason}"


class BehaviourResolutionError(Exception):
    """Some behaviour references of the model cannot be resolved; lists every one of them."""

    def __init__(self, problems: Sequence[UnresolvedBehaviour]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"{len(self.problems)} behaviour reference(s) of the model cannot be resolved:\n"
            f"{lines}\nInstall the package that provides them, or fix the reference in the "
            "construction kit."
        )


class CommandDefinitionError(TypeError):
    """A `@command` method cannot be described (a parameter without a type, *args, ...)."""
