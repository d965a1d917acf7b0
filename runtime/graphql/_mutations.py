"""Mutation resolvers: every write goes through the request's unit of work.

Input objects arrive with CK names (each input field has an `out_name`), so they are passed to
the repository unchanged; the repository's field errors come back with their paths translated
to the GraphQL input (`("address", "postal_code")` -> `["input", "address", "postalCode"]`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from meshkit.ck.model import CompiledModel
from meshkit.runtime import Entity, FieldError, RepositoryError, UnitOfWork
from meshkit.runtime.auth import SecuredUnitOfWork
from meshkit.runtime.errors import PathItem
from meshkit.runtime.graphql._batches import Resolver, Row, context_of, rows_of
from meshkit.runtime.graphql._context import Info
from meshkit.runtime.graphql._errors import relocated
from meshkit.runtime.graphql._names import camel
from meshkit.runtime.graphql._reader import Navigation

Writer = UnitOfWork | SecuredUnitOfWork


def writer(info: Info) -> Writer:
    """The request's unit of work through the policy (the plain one in a trusted context)."""
    context = context_of(info)
    secured = context.secured
    return context.uow if secured is None else secured


def _create_all(uow: Writer, class_qid: str, rows: Sequence[Mapping[str, Any]]) -> list[Entity]:
    if isinstance(uow, UnitOfWork):
        return uow.create_many(class_qid, rows)
    created = []
    for i, values in enumerate(rows):  # one by one: each checked against the row rules
        try:
            created.append(uow.create(class_qid, values))
        except RepositoryError as exc:
            if len(rows) > 1:  # indexed like create_many's errors
                raise relocated(exc, _indexed(i)) from None
            raise
    return created


def _indexed(index: int) -> Any:
    def move(error: FieldError) -> FieldError:
        return FieldError(error.code, (index, *error.path), error.message)

    return move


class InputPaths:
    """Runtime input paths in GraphQL terms: camelCase, to-one ends as `<end>Id`."""

    def __init__(self, model: CompiledModel) -> None:
        self.model = model

    def of(
        self, class_qid: str, path: Sequence[PathItem], root: tuple[PathItem, ...]
    ) -> tuple[PathItem, ...]:
        cls = self.model.classes[class_qid]
        result: list[PathItem] = list(root)
        first = True
        for step in path:
            if isinstance(step, int):
                result.append(step)
                continue
            if first and step in cls.ends and not cls.ends[step].many:
                result.append(camel(step) + "Id")
            else:
                result.append(camel(step))
            first = False
        return tuple(result)

    def mover(self, class_qid: str, root: tuple[PathItem, ...]) -> Any:
        def move(error: FieldError) -> FieldError:
            return FieldError(error.code, self.of(class_qid, error.path, root), error.message)

        return move


class Compositions:
    """The parts a create input may carry: end name -> how to reach the parts."""

    def __init__(self, parts: Mapping[str, Mapping[str, Navigation]]) -> None:
        self.parts = parts  # class qid -> end -> navigation (REVERSE, composition)

    def of(self, class_qid: str) -> Mapping[str, Navigation]:
        return self.parts.get(class_qid, {})


def create(class_qid: str, paths: InputPaths, parts: Compositions) -> Resolver:
    def resolve(_root: Any, info: Info, input: Mapping[str, Any]) -> Row:
        uow = writer(info)
        if not parts.of(class_qid):
            try:
                return rows_of([uow.create(class_qid, input)])[0]
            except RepositoryError as exc:
                raise relocated(exc, paths.mover(class_qid, ("input",))) from None
        with context_of(info).uow.connection.begin_nested():  # the parts fail, the owner too
            entity = _create_tree(uow, class_qid, [input], ("input",), paths, parts, single=True)
        return rows_of(entity)[0]

    return resolve


def create_many(class_qid: str, paths: InputPaths, parts: Compositions) -> Resolver:
    def resolve(_root: Any, info: Info, inputs: Sequence[Mapping[str, Any]]) -> list[Row]:
        uow = writer(info)
        with context_of(info).uow.connection.begin_nested():
            entities = _create_tree(uow, class_qid, inputs, ("inputs",), paths, parts)
        return rows_of(entities)

    return resolve


def _create_tree(
    uow: Writer,
    class_qid: str,
    inputs: Sequence[Mapping[str, Any]],
    root: tuple[PathItem, ...],
    paths: InputPaths,
    parts: Compositions,
    *,
    single: bool = False,
) -> list[Entity]:
    """Create the entities, then each composition's parts in one batch per end."""
    ends = parts.of(class_qid)
    owners = [{k: v for k, v in values.items() if k not in ends} for values in inputs]
    if not owners:
        return []
    try:
        created = _create_all(uow, class_qid, owners)
    except RepositoryError as exc:
        indexed = len(owners) == 1 and not single  # the repository indexes only >1 rows
        move = paths.mover(class_qid, (*root, 0) if indexed else root)
        raise relocated(exc, move) from None
    for end, nav in ends.items():
        assert nav.fk is not None
        for i, (values, owner) in enumerate(zip(inputs, created, strict=True)):
            items = values.get(end) or []
            if not items:
                continue
            prefix = root if single else (*root, i)
            children = [{**item, nav.fk.end: owner["id"]} for item in items]
            _create_tree(uow, nav.other, children, (*prefix, camel(end)), paths, parts)
    return created


def update(class_qid: str, paths: InputPaths) -> Resolver:
    def resolve(
        _root: Any,
        info: Info,
        id: str,
        expected_version: int,
        input: Mapping[str, Any],
    ) -> Row:
        uow = writer(info)
        try:
            return rows_of([uow.update(class_qid, id, input, expected_version)])[0]
        except RepositoryError as exc:
            raise relocated(exc, paths.mover(class_qid, ("input",))) from None

    return resolve


def archive(class_qid: str) -> Resolver:
    def resolve(
        _root: Any,
        info: Info,
        id: str,
        expected_version: int | None = None,
    ) -> Row:
        return rows_of([writer(info).archive(class_qid, id, expected_version)])[0]

    return resolve


def erase(class_qid: str) -> Resolver:
    def resolve(
        _root: Any,
        info: Info,
        id: str,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        return {"erased_ids": writer(info).erase(class_qid, id, expected_version)}

    return resolve


def link(class_qid: str, end: str) -> Resolver:
    def resolve(
        _root: Any,
        info: Info,
        id: str,
        other_id: str,
        attributes: Mapping[str, Any] | None = None,
    ) -> Row:
        uow = writer(info)
        try:
            uow.link(class_qid, id, end, other_id, attributes or {})
        except RepositoryError as exc:
            raise relocated(exc, _link_path(end)) from None
        return rows_of([uow.get(class_qid, id)])[0]

    return resolve


def unlink(class_qid: str, end: str) -> Resolver:
    def resolve(
        _root: Any,
        info: Info,
        id: str,
        other_id: str,
    ) -> Row:
        uow = writer(info)
        uow.unlink(class_qid, id, end, other_id)
        return rows_of([uow.get(class_qid, id)])[0]

    return resolve


def _link_path(end: str) -> Any:
    def move(error: FieldError) -> FieldError:
        if error.path[:1] == (end,):
            return FieldError(error.code, ("otherId",), error.message)
        steps = [camel(p) if isinstance(p, str) else p for p in error.path]
        return FieldError(error.code, ("attributes", *steps), error.message)

    return move
