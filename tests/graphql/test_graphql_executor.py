"""RowExecutor answers exactly as graphql-core's executor does — data and errors — while it
reads attribute fields directly and coerces a field's arguments once per request, not per row."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    execute_sync,
    parse,
)

from meshkit.runtime.graphql import _executor
from meshkit.runtime.graphql._batches import Level, Row, attribute, reading
from meshkit.runtime.graphql._executor import RowExecutor


def _echo(row: Row, _info: Any, word: str | None = None, times: int = 1) -> str:
    return f"{row.entity['label']}:{word}" * times


ITEM = GraphQLObjectType(
    "Item",
    {
        "n": GraphQLField(GraphQLNonNull(GraphQLInt), resolve=attribute("n")),
        "label": GraphQLField(GraphQLString, resolve=attribute("label")),
        "count": GraphQLField(GraphQLInt, resolve=attribute("count")),
        "tags": GraphQLField(GraphQLList(GraphQLString), resolve=attribute("tags")),
        "echo": GraphQLField(
            GraphQLString,
            {"word": GraphQLArgument(GraphQLString), "times": GraphQLArgument(GraphQLInt)},
            resolve=reading(_echo, ("label",)),
        ),
    },
)
ENTITIES = [
    {"id": "1", "type": "t", "n": 1, "label": "one", "count": 10, "tags": ["a", "b"]},
    {"id": "2", "type": "t", "n": 2, "label": None, "count": "many", "tags": None},  # refused
    {"id": "3", "type": "t", "n": None, "label": "three", "count": 3, "tags": []},  # null n
]


def _items(_root: Any, _info: Any) -> list[Row]:
    level = Level()
    return [level.add(e) for e in ENTITIES]


SCHEMA = GraphQLSchema(
    GraphQLObjectType(
        "Query",
        {
            "items": GraphQLField(GraphQLList(ITEM), resolve=_items),
            "item": GraphQLField(ITEM, resolve=lambda r, i: _items(r, i)[0]),
        },
    )
)


def _both(query: str, variables: dict[str, Any] | None = None) -> tuple[Any, Any]:
    document = parse(query)
    plain = execute_sync(SCHEMA, document, variable_values=variables)
    rows = execute_sync(SCHEMA, document, variable_values=variables, executor_class=RowExecutor)
    return plain, rows


@pytest.mark.parametrize(
    "query",
    [
        "{ items { label tags } }",
        "{ items { n } }",  # a null for a non-null field: the item becomes null, one error
        "{ items { count } }",  # a value Int refuses: null and graphql-core's error
        '{ item { n label count tags } items { label echo(word: "hi") } }',
    ],
)
def test_answers_and_errors_are_graphql_cores(query: str) -> None:
    plain, rows = _both(query)
    assert rows.data == plain.data
    assert [e.formatted for e in rows.errors or ()] == [e.formatted for e in plain.errors or ()]


def test_arguments_are_coerced_once_per_field_node(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    coerce = _executor.get_argument_values

    def counted(field: Any, node: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(node.alias.value if node.alias else node.name.value)
        return coerce(field, node, *args, **kwargs)

    monkeypatch.setattr(_executor, "get_argument_values", counted)
    query = """query ($w: String, $t: Int) { items {
        a: echo(word: $w, times: $t)
        b: echo(word: "b")
        c: echo(times: "x")
    } }"""
    plain, rows = _both(query, {"w": "v", "t": 2})
    assert calls.count("a") == calls.count("b") == 1  # three rows, once per node
    assert calls.count("c") == 3  # a refused value is refused (and reported) on every row
    assert rows.data == plain.data
    assert rows.data is not None
    assert rows.data["items"][0] == {"a": "one:vone:v", "b": "one:b", "c": None}
    assert [e.formatted for e in rows.errors or ()] == [e.formatted for e in plain.errors or ()]
