"""Named commands: methods of a behaviour a client can call on an entity, with typed
parameters and a typed result, described well enough for an API to expose them.

    class Allocation(Behaviour):
        @command
        def allocate(self, ctx: CommandContext, period: date, dry_run: bool = False) -> Report:
            '''Allocate the period's shared energy among the participants.'''

The first parameter after `self` is the `CommandContext`; every other parameter needs a type
annotation (`Annotated[date, "the month to allocate"]` adds a description). Arguments are
checked and converted with pydantic's lax rules, so `"2024-03-01"` becomes a `date`.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from meshkit.runtime.behaviours.errors import CommandDefinitionError
from meshkit.runtime.errors import ErrorCollector

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "__meshkit_command__"
_NO_DEFAULT: Any = inspect.Parameter.empty


@dataclass(frozen=True)
class _CommandOptions:
    name: str | None
    description: str | None
    read_only: bool = False
    own_transactions: bool = False


@overload
def command(fn: F, /) -> F: ...
@overload
def command(
    *,
    name: str | None = None,
    description: str | None = None,
    read_only: bool = False,
    own_transactions: bool = False,
) -> Callable[[F], F]: ...
def command(
    fn: F | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    read_only: bool = False,
    own_transactions: bool = False,
) -> F | Callable[[F], F]:
    """Mark a behaviour method as a command (named after the method unless `name` is given;
    described by its docstring unless `description` is given).

    A `read_only` command computes an answer and changes nothing: whatever it writes anyway is
    rolled back when it returns, and the GraphQL API offers it as a query too.

    A command with `own_transactions` commits work in transactions of its own besides the
    caller's unit of work (the EDA replay runs the processor's). A GraphQL mutation calling one
    begins its unit of work without taking SQLite's write lock, which those transactions need;
    every other mutation takes it when it begins (see docs/architecture.md)."""

    def mark(f: F) -> F:
        setattr(f, _MARK, _CommandOptions(name, description, read_only, own_transactions))
        return f

    return mark(fn) if fn is not None else mark


@dataclass(frozen=True)
class Parameter:
    name: str
    annotation: Any  # the Python type, e.g. `date` or `list[str]`
    required: bool
    adapter: TypeAdapter[Any] = field(repr=False, compare=False)
    default: Any = None
    description: str | None = None


@dataclass(frozen=True)
class CommandSpec:
    """What an API needs to expose a command: its name, parameters, result and description."""

    name: str
    description: str | None
    parameters: tuple[Parameter, ...]
    result: Any  # the return annotation; None when the command returns nothing
    behaviour: str  # the reference of the behaviour that provides it
    class_qid: str  # the class whose construction kit binds the behaviour
    method: str  # the Python method's name
    read_only: bool = False  # changes nothing: its writes are rolled back; a query too
    own_transactions: bool = False  # commits in transactions of its own, too (EDA replay)

    def bind(self, arguments: Mapping[str, Any], errors: ErrorCollector) -> dict[str, Any]:
        """The arguments checked and converted; each problem is added to `errors`."""
        known = {p.name: p for p in self.parameters}
        bound: dict[str, Any] = {}
        for key in arguments:
            if key not in known:
                names = ", ".join(known) or "none"
                errors.add(
                    "unknown-parameter",
                    (key,),
                    f"command '{self.name}' has no parameter '{key}' (parameters: {names})",
                )
        for parameter in self.parameters:
            if parameter.name not in arguments:
                if parameter.required:
                    errors.add("required", (parameter.name,), f"'{parameter.name}' is required")
                else:
                    bound[parameter.name] = parameter.default
                continue
            try:
                bound[parameter.name] = parameter.adapter.validate_python(arguments[parameter.name])
            except PydanticValidationError as exc:
                problem = exc.errors()[0]["msg"] if exc.errors() else str(exc)
                errors.add(
                    "type",
                    (parameter.name,),
                    f"expected {_type_name(parameter.annotation)}: {problem}",
                )
        return bound


def command_methods(behaviour: object) -> list[tuple[str, Callable[..., Any], _CommandOptions]]:
    """The methods of `behaviour` marked with @command: (attribute name, function, options)."""
    found = []
    for attribute in dir(type(behaviour)):
        function = inspect.getattr_static(type(behaviour), attribute, None)
        if isinstance(function, staticmethod | classmethod):
            continue
        options = getattr(function, _MARK, None)
        if isinstance(options, _CommandOptions) and callable(function):
            found.append((attribute, function, options))
    return found


def describe(
    function: Callable[..., Any],
    options: _CommandOptions,
    method: str,
    behaviour: str,
    class_qid: str,
) -> CommandSpec:
    """The spec of one command method; CommandDefinitionError when it cannot be described."""
    where = f"command '{method}' of behaviour '{behaviour}'"
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception as exc:  # an annotation that names something not importable
        raise CommandDefinitionError(f"{where}: cannot read its type annotations: {exc}") from exc
    signature = inspect.signature(function)
    given = list(signature.parameters.values())
    if len(given) < 2:
        raise CommandDefinitionError(f"{where}: it takes (self, ctx: CommandContext, ...)")
    parameters: list[Parameter] = []
    for p in given[2:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            raise CommandDefinitionError(f"{where}: parameter '{p.name}' must be named")
        if p.name not in hints:
            raise CommandDefinitionError(f"{where}: parameter '{p.name}' needs a type annotation")
        annotation, description = _unwrap(hints[p.name])
        try:
            # The full annotation, so constraints in Annotated (pydantic Field) are checked too.
            adapter: TypeAdapter[Any] = TypeAdapter(hints[p.name])
        except Exception as exc:
            raise CommandDefinitionError(
                f"{where}: parameter '{p.name}' has a type pydantic cannot check: {exc}"
            ) from exc
        parameters.append(
            Parameter(
                name=p.name,
                annotation=annotation,
                required=p.default is _NO_DEFAULT,
                default=None if p.default is _NO_DEFAULT else p.default,
                description=description,
                adapter=adapter,
            )
        )
    result = hints.get("return")
    doc = inspect.getdoc(function)
    return CommandSpec(
        name=options.name or method,
        description=options.description or (doc.split("\n\n")[0].strip() if doc else None),
        parameters=tuple(parameters),
        result=None if result is type(None) else result,
        behaviour=behaviour,
        class_qid=class_qid,
        method=method,
        read_only=options.read_only,
        own_transactions=options.own_transactions,
    )


def _unwrap(annotation: Any) -> tuple[Any, str | None]:
    """`Annotated[T, "description", ...]` → (T, "description"); anything else unchanged."""
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extras = typing.get_args(annotation)
        texts = [e for e in extras if isinstance(e, str)]
        return base, (texts[0] if texts else None)
    return annotation, None


def _type_name(annotation: Any) -> str:
    return annotation.__name__ if isinstance(annotation, type) else str(annotation)
