"""Located errors: every problem a construction kit can have names file, line, column and path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in a construction kit.

    `path` is the element path inside the file (``classes.Participant.attributes.iban``);
    `code` is a stable, short identifier a test or a tool can match on.
    """

    file: str
    line: int
    column: int
    code: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        path = f" {self.path}:" if self.path else ""
        return f"{where}: error[{self.code}]{path} {self.message}"


@dataclass
class Diagnostics:
    """Collects every problem of a run, so a modeller sees all of them at once."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self.items:
            self.items.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for d in diagnostics:
            self.add(d)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(sorted(self.items))


class CkError(Exception):
    """Raised when a construction kit cannot be compiled; carries all its diagnostics."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(sorted(diagnostics))
        count = len(self.diagnostics)
        lines = "\n".join(str(d) for d in self.diagnostics)
        super().__init__(
            f"{count} error{'s' if count != 1 else ''} in the construction kit:\n{lines}"
        )
