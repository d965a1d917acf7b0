"""Behaviour commands as mutations: `<class><Command>(id, ...)` returns the command's result.

A command's parameters and result are Python annotations (runtime/behaviours/commands.py); they
become GraphQL types here:

| Python | GraphQL |
|---|---|
| str, int, float, bool | String, BigInt, Float, Boolean (int is 64-bit: BigInt) |
| Decimal, date, datetime, timedelta | Decimal, Date, DateTime, Duration |
| `X \\| None`, a default | nullable; otherwise non-null |
| list / tuple / Sequence of X | [X!] |
| Literal of strings, Enum | an enum (values UPPER_SNAKE, the Python value inside) |
| a dataclass | an object type named after it (an input type `<Name>Input` as a parameter) |
| anything else (dict, Any) | JSON |

The mutation checks `command:<name>` on the entity through the policy, then calls it in the
request's unit of work: a refusal comes back as a structured error, and nothing it wrote remains.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
)

from meshkit.runtime import FieldError, RepositoryError
from meshkit.runtime.behaviours.commands import CommandSpec
from meshkit.runtime.graphql._batches import Resolver, context_of
from meshkit.runtime.graphql._context import Info
from meshkit.runtime.graphql._errors import relocated
from meshkit.runtime.graphql._names import camel, pascal, upper_snake
from meshkit.runtime.graphql._scalars import (
    BigIntScalar,
    DateScalar,
    DateTimeScalar,
    DecimalScalar,
    DurationScalar,
    JSONScalar,
)

_SCALARS: Mapping[Any, Any] = {
    str: GraphQLString,
    int: BigIntScalar,
    float: GraphQLFloat,
    bool: GraphQLBoolean,
    Decimal: DecimalScalar,
    datetime: DateTimeScalar,  # before date: a datetime is a date
    date: DateScalar,
    timedelta: DurationScalar,
}


class CommandTypes:
    """GraphQL types for the Python types of commands, made once each and named without clashes
    with the model's types."""

    def __init__(self, taken: set[str]) -> None:
        self._taken = taken
        self._outputs: dict[Any, GraphQLOutputType] = {}
        self._inputs: dict[Any, GraphQLInputType] = {}
        self._enums: dict[Any, GraphQLEnumType] = {}

    # ------------------------------------------------------------------ naming
    def _name(self, wanted: str) -> str:
        """`wanted`, or `<wanted>Result`, `<wanted>Result2`... when a model type has the name."""
        name, n = wanted, 1
        while name in self._taken:
            name = f"{wanted}Result" + (str(n) if n > 1 else "")
            n += 1
        self._taken.add(name)
        return name

    # ------------------------------------------------------------------ outputs
    def output(self, annotation: Any) -> GraphQLOutputType:
        inner, optional = _unwrap_optional(annotation)
        made = self._output(inner)
        return made if optional else GraphQLNonNull(made)

    def _output(self, annotation: Any) -> Any:
        if annotation in _SCALARS:
            return _SCALARS[annotation]
        origin = typing.get_origin(annotation)
        if origin in (list, tuple, Sequence) or (
            isinstance(origin, type) and issubclass(origin, Sequence) and origin is not str
        ):
            return GraphQLList(self.output(_item_type(annotation)))
        if origin is Literal:
            return GraphQLString
        if _is_enum(annotation):
            return self._enum(annotation, None)
        if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
            if annotation not in self._outputs:
                self._outputs[annotation] = self._object(annotation)
            return self._outputs[annotation]
        return JSONScalar

    def _object(self, cls: type) -> GraphQLObjectType:
        hints = typing.get_type_hints(cls)
        name = self._name(cls.__name__)
        doc = (cls.__doc__ or "").strip()
        return GraphQLObjectType(
            name,
            lambda: {
                camel(f.name): GraphQLField(self.output(hints[f.name]), resolve=_attribute(f.name))
                for f in dataclasses.fields(cls)
                if not f.name.startswith("_")
            },
            description=None if doc.startswith(f"{cls.__name__}(") else doc or None,
        )

    # ------------------------------------------------------------------ inputs
    def input(self, annotation: Any, required: bool, owner: str) -> GraphQLInputType:
        inner, optional = _unwrap_optional(annotation)
        made = self._input(inner, owner)
        return GraphQLNonNull(made) if required and not optional else made

    def _input(self, annotation: Any, owner: str) -> Any:
        if annotation in _SCALARS:
            return _SCALARS[annotation]
        origin = typing.get_origin(annotation)
        if origin in (list, tuple, Sequence):
            return GraphQLList(self.input(_item_type(annotation), True, owner))
        if origin is Literal or _is_enum(annotation):
            return self._enum(annotation, owner)
        if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
            if annotation not in self._inputs:
                self._inputs[annotation] = self._input_object(annotation)
            return self._inputs[annotation]
        return JSONScalar

    def _input_object(self, cls: type) -> GraphQLInputObjectType:
        hints = typing.get_type_hints(cls)
        fields = dataclasses.fields(cls)
        doc = (cls.__doc__ or "").strip()
        return GraphQLInputObjectType(
            self._name(f"{cls.__name__}Input"),
            lambda: {
                camel(f.name): GraphQLInputField(
                    self.input(
                        hints[f.name],
                        f.default is dataclasses.MISSING
                        and f.default_factory is dataclasses.MISSING,
                        cls.__name__,
                    ),
                    out_name=f.name,
                )
                for f in fields
                if f.init and not f.name.startswith("_")
            },
            description=None if doc.startswith(f"{cls.__name__}(") else doc or None,
        )

    def _enum(self, annotation: Any, owner: str | None) -> GraphQLEnumType:
        """An Enum class once; a Literal per parameter (`owner`: class, command, parameter)."""
        key = annotation if _is_enum(annotation) else (owner, annotation)
        if key in self._enums:
            return self._enums[key]
        if _is_enum(annotation):
            values = {upper_snake(str(m.name)): GraphQLEnumValue(m.value) for m in annotation}
            name = self._name(annotation.__name__)
        else:
            choices = typing.get_args(annotation)
            values = {upper_snake(str(c)): GraphQLEnumValue(c) for c in choices}
            name = self._name(pascal(owner or "choice"))
        made = GraphQLEnumType(name, values)
        self._enums[key] = made
        return made


def command_field(
    class_qid: str, spec: CommandSpec, types_: CommandTypes, owner: str
) -> GraphQLField:
    """The mutation field of one command of one class (`owner`: the class's GraphQL name)."""
    arguments = {"id": GraphQLArgument(GraphQLNonNull(GraphQLID), description=f"The {owner}'s id.")}
    for parameter in spec.parameters:
        arguments[camel(parameter.name)] = GraphQLArgument(
            types_.input(
                parameter.annotation, parameter.required, f"{owner}_{spec.name}_{parameter.name}"
            ),
            out_name=parameter.name,
            description=parameter.description,
        )
    result = GraphQLNonNull(GraphQLBoolean) if spec.result is None else types_.output(spec.result)
    return GraphQLField(
        result,
        arguments,
        resolve=_resolver(class_qid, spec),
        description=spec.description,
    )


#: On a command's resolver: the command commits in transactions of its own (`CommandSpec`).
OWN_TRANSACTIONS = "meshkit_own_transactions"


def mutation_name(class_name: str, command: str) -> str:
    """`EnergyCommunity`, `mark_paid` -> `energyCommunityMarkPaid`."""
    return camel(class_name[:1].lower() + class_name[1:]) + pascal(command)


def _resolver(class_qid: str, spec: CommandSpec) -> Resolver:
    names = {p.name: camel(p.name) for p in spec.parameters}

    def resolve(_root: Any, info: Info, id: str, **arguments: Any) -> Any:
        context = context_of(info)
        secured = context.secured
        if secured is not None:
            secured.authorize_command(class_qid, id, spec.name)
        try:
            # Input objects arrive as dicts of Python names (out_name); binding the arguments
            # (pydantic) makes the command's dataclasses of them.
            result = context.uow.call(class_qid, id, spec.name, **arguments)
        except RepositoryError as exc:
            raise relocated(exc, _argument_path(names)) from None
        return True if spec.result is None else result

    setattr(resolve, OWN_TRANSACTIONS, spec.own_transactions)
    return resolve


def _argument_path(names: Mapping[str, str]) -> Any:
    def move(error: FieldError) -> FieldError:
        if error.path and isinstance(error.path[0], str) and error.path[0] in names:
            head = names[error.path[0]]
            rest = tuple(camel(p) if isinstance(p, str) else p for p in error.path[1:])
            return FieldError(error.code, (head, *rest), error.message)
        return error

    return move


def _attribute(name: str) -> Any:
    def resolve(source: Any, _info: Any) -> Any:
        if isinstance(source, Mapping):
            return source.get(name)
        value = getattr(source, name, None)
        if isinstance(value, Mapping) and not dataclasses.is_dataclass(value):
            return dict(value)
        return value

    return resolve


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(members) < len(typing.get_args(annotation))
        if len(members) == 1:
            return members[0], optional
        return Any, optional
    if origin is typing.Annotated:
        return _unwrap_optional(typing.get_args(annotation)[0])
    return annotation, False


def _item_type(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
    return args[0] if args else Any


def _is_enum(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, enum.Enum)


__all__ = ["CommandTypes", "command_field", "mutation_name"]
