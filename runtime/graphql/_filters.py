"""GraphQL `filter` and `orderBy` arguments translated into the runtime's query dicts.

Input objects carry CK names already (each input field has an `out_name`), so translation is a
walk over the model: an attribute takes operators, a to-one end takes the other class's filter
(its paths get the end as prefix, `community.name`), a to-many end takes `some`/`every`/`none`
(behind to-one ends too: `community.participants`, its `where` about the participants).
Every predicate produced remembers the GraphQL input path it came from, so a problem the
runtime finds (`where.and.2.value`) is reported where the client wrote it (`filter.name.like`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from meshkit.ck.model import ClassDef, CompiledModel
from meshkit.runtime.errors import ErrorCollector, FieldError, PathItem, ValidationError
from meshkit.runtime.graphql._names import camel
from meshkit.runtime.query import Filter

GraphQLPath = tuple[PathItem, ...]
_COMBINATORS = ("and", "or")
_QUANTIFIERS = ("some", "every", "none")


class TranslatedFilter:
    """A runtime filter and, per predicate, the GraphQL path it was written at."""

    def __init__(self, where: Filter | None, origins: dict[int, GraphQLPath]) -> None:
        self.where = where
        self._origins = origins

    def locate(self, error: FieldError, root: GraphQLPath) -> FieldError:
        """The runtime's error at `where...` moved to the GraphQL path of its predicate."""
        path = error.path[1:]  # without "where"
        node: Any = self.where
        found = self._origins.get(id(node), root)
        i = 0
        while i < len(path) and isinstance(node, Mapping):
            step = path[i]
            if step in _COMBINATORS and i + 1 < len(path) and isinstance(path[i + 1], int):
                node = node[step][path[i + 1]]
                i += 2
            elif step in ("not", "where") and isinstance(node.get(step), Mapping):
                node = node[step]
                i += 1
            else:
                break
            found = self._origins.get(id(node), found)
        rest = [p for p in path[i:] if p not in ("attr", "op", "value")]
        return FieldError(error.code, (*found, *rest), error.message)


class FilterTranslator:
    def __init__(self, model: CompiledModel) -> None:
        self.model = model

    # ------------------------------------------------------------------ filter
    def where(
        self, class_qid: str, value: Mapping[str, Any] | None, root: GraphQLPath = ("filter",)
    ) -> TranslatedFilter:
        origins: dict[int, GraphQLPath] = {}
        if not value:
            return TranslatedFilter(None, origins)
        errors = ErrorCollector()
        parts = self._object(self.model.classes[class_qid], value, "", root, origins, errors)
        errors.raise_if_any("invalid filter")
        return TranslatedFilter(_all(parts), origins)

    def _object(
        self,
        cls: ClassDef,
        value: Mapping[str, Any],
        prefix: str,
        gpath: GraphQLPath,
        origins: dict[int, GraphQLPath],
        errors: ErrorCollector,
    ) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = []
        for key, item in value.items():
            if item is None:
                continue  # an operator given as null is not given
            here = (*gpath, camel(key))
            if key in _COMBINATORS:
                combined = [
                    _all(self._object(cls, v, prefix, (*here, i), origins, errors)) or _TRUE()
                    for i, v in enumerate(item)
                ]
                parts.append(_mark({key: combined}, here, origins))
            elif key == "not":
                inner = _all(self._object(cls, item, prefix, here, origins, errors)) or _TRUE()
                parts.append(_mark({"not": inner}, here, origins))
            elif key in cls.attributes:
                parts.extend(self._operators(prefix + key, item, here, origins))
            elif key.endswith("_id") and key[:-3] in cls.ends:
                parts.extend(self._operators(prefix + key[:-3], item, here, origins))
            elif key in cls.ends:
                end = cls.ends[key]
                other = self.model.classes[end.other]
                if not end.many:
                    parts.extend(
                        self._object(other, item, f"{prefix}{key}.", here, origins, errors)
                    )
                    continue
                for quantifier, inner_value in item.items():
                    if inner_value is None:
                        continue
                    qpath = (*here, quantifier)
                    nested = _all(self._object(other, inner_value, "", qpath, origins, errors))
                    spec: dict[str, Any] = {"attr": prefix + key, "op": quantifier}
                    if nested is not None:
                        spec["where"] = nested
                    parts.append(_mark(spec, qpath, origins))
        return parts

    @staticmethod
    def _operators(
        path: str,
        operators: Mapping[str, Any],
        gpath: GraphQLPath,
        origins: dict[int, GraphQLPath],
    ) -> list[dict[str, Any]]:
        parts = []
        for op, value in operators.items():
            if value is None:
                continue
            if op == "between":
                value = [value["from"], value["to"]]
            parts.append(
                _mark({"attr": path, "op": op, "value": value}, (*gpath, camel(op)), origins)
            )
        return parts

    # ------------------------------------------------------------------ order
    def order(self, class_qid: str, items: Sequence[Mapping[str, Any]] | None) -> list[str] | None:
        """`[{name: ASC}, {community: {name: DESC}}]` -> `["name", "-community.name"]`."""
        if not items:
            return None
        errors = ErrorCollector()
        result = []
        for i, item in enumerate(items):
            path = self._order_path(self.model.classes[class_qid], item, ("orderBy", i), errors)
            if path is not None:
                result.append(path)
        errors.raise_if_any("invalid orderBy")
        return result

    def _order_path(
        self, cls: ClassDef, item: Mapping[str, Any], gpath: GraphQLPath, errors: ErrorCollector
    ) -> str | None:
        given = {k: v for k, v in item.items() if v is not None}
        if len(given) != 1:
            errors.add("order", gpath, "name exactly one attribute per orderBy entry")
            return None
        ((key, value),) = given.items()
        if isinstance(value, Mapping):
            other = self.model.classes[cls.ends[key].other]
            inner = self._order_path(other, value, (*gpath, camel(key)), errors)
            if inner is None:
                return None
            descending = inner.startswith("-")
            return ("-" if descending else "") + f"{key}.{inner.lstrip('-')}"
        return ("-" if value == "desc" else "") + key


def locate_query_errors(
    exc: ValidationError, translated: TranslatedFilter | None
) -> ValidationError:
    """A runtime query error with paths in the GraphQL arguments' terms."""
    located = []
    for error in exc.errors:
        head = error.path[:1]
        if head == ("where",) and translated is not None:
            located.append(translated.locate(error, ("filter",)))
        elif head == ("order_by",):
            located.append(FieldError(error.code, ("orderBy", *error.path[1:2]), error.message))
        else:
            located.append(error)
    return ValidationError(exc.message, located)


def _mark(
    spec: dict[str, Any], gpath: GraphQLPath, origins: dict[int, GraphQLPath]
) -> dict[str, Any]:
    origins[id(spec)] = gpath
    return spec


def _TRUE() -> dict[str, Any]:
    return {"and": []}


def _all(parts: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"and": parts}
