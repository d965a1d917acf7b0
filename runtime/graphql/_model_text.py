"""`modelText(language)`: the model's labels and descriptions in one language, for the apps.

The schema's own descriptions are English. The apps build their forms and lists from the schema
and show them in the user's language, so they ask for the construction kit's texts in that
language, keyed by GraphQL names: per type (class or record) its label and description and per
field (attribute, association end, `<end>Id`, series) the same; per enum its values. A text
missing in the language falls back to English; a label the model does not give at all is null
(the app shows the name). Only the source end of an association has its texts: they describe the
role from the source, not the way back. Metadata, no data: any signed-in caller may read it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
)

from meshkit.ck.model import ClassDef, CompiledModel, EndSide, RecordDef
from meshkit.runtime.auth import PermissionDenied
from meshkit.runtime.graphql._context import Info
from meshkit.runtime.graphql._names import TypeNames, camel, upper_snake

_LANGUAGE = re.compile(r"^[a-z]{2}$")

Text = dict[str, Any]  # name, label, description (and fields or values)


def model_text_field(
    model: CompiledModel, names: TypeNames, hidden: Collection[str] = ()
) -> GraphQLField:
    """The root field `modelText(language: String!): ModelText!`; `hidden` are attributes the
    schema leaves out of every type."""
    texts = ModelTexts(model, names, frozenset(hidden))

    def resolve(_root: Any, info: Info, language: str) -> Text:
        guard = info.context.guard
        if guard is not None and guard.principal.is_anonymous:
            raise PermissionDenied(
                "*",
                "read",
                "sign in: send Authorization: Bearer <token> or X-API-Key",
                code="unauthenticated",
            )
        if not _LANGUAGE.match(language):
            raise GraphQLError(
                f"modelText(language): {language!r} is not a two-letter language code "
                "such as en or de"
            )
        return texts.of(language)

    return GraphQLField(
        GraphQLNonNull(_schema_types()),
        {
            "language": GraphQLArgument(
                GraphQLNonNull(GraphQLString), description="A two-letter code: en, de ..."
            )
        },
        resolve=resolve,
        description=(
            "The model's labels and descriptions in one language, English where the model has "
            "no text in it: for the apps' forms and lists."
        ),
    )


class ModelTexts:
    """Every text of one compiled model in one language, computed once per language."""

    def __init__(self, model: CompiledModel, names: TypeNames, hidden: frozenset[str]) -> None:
        self.model = model
        self.names = names
        self.hidden = hidden
        self.languages = sorted(self._languages())
        self._cache: dict[str, Text] = {}

    def of(self, language: str) -> Text:
        if language not in self._cache:
            self._cache[language] = {
                "language": language,
                "languages": self.languages,
                "types": [
                    *(self._class(c, language) for c in self.model.classes.values()),
                    *(self._record(r, language) for r in self.model.records.values()),
                ],
                "enums": [
                    {
                        "name": self.names[enum.qid],
                        "label": enum.label_in(language),
                        "description": enum.description_in(language),
                        "values": [
                            {
                                "name": upper_snake(v.name),
                                "label": v.label_in(language),
                                "description": v.description_in(language),
                            }
                            for v in enum.values.values()
                        ],
                    }
                    for enum in self.model.enums.values()
                ],
            }
        return self._cache[language]

    def _class(self, cls: ClassDef, language: str) -> Text:
        fields = [
            _text(camel(a.name), a.label_in(language), a.description_in(language))
            for a in cls.attributes.values()
            if a.name not in self.hidden
        ]
        for end in cls.ends.values():
            if end.side is not EndSide.SOURCE:
                continue
            assoc = self.model.associations[end.association]
            label, description = assoc.label_in(language), assoc.description_in(language)
            fields.append(_text(camel(end.name), label, description))
            if not end.many and end.name + "_id" not in cls.attributes:
                fields.append(_text(camel(end.name) + "Id", label, description))
        fields.extend(
            _text(camel(s.name), s.label_in(language), s.description_in(language))
            for s in cls.series.values()
        )
        return {
            **_text(self.names[cls.qid], cls.label_in(language), cls.description_in(language)),
            "fields": [f for f in fields if f["label"] or f["description"]],
        }

    def _record(self, record: RecordDef, language: str) -> Text:
        fields = (
            _text(camel(a.name), a.label_in(language), a.description_in(language))
            for a in record.attributes.values()
        )
        return {
            **_text(
                self.names[record.qid], record.label_in(language), record.description_in(language)
            ),
            "fields": [f for f in fields if f["label"] or f["description"]],
        }

    def _languages(self) -> Iterator[str]:
        """Every language code some label or description of the model is written in."""
        seen: set[str] = set()
        elements: list[Any] = [
            *self.model.classes.values(),
            *self.model.records.values(),
            *self.model.enums.values(),
            *self.model.associations.values(),
        ]
        for element in elements:
            members = [
                *getattr(element, "attributes", {}).values(),
                *getattr(element, "series", {}).values(),
                *getattr(element, "values", {}).values(),
            ]
            for item in (element, *members):
                for code in (*item.label, *item.descriptions):
                    if code not in seen:
                        seen.add(code)
                        yield code


def _text(name: str, label: str | None, description: str | None) -> Text:
    return {"name": name, "label": label, "description": description}


def _schema_types() -> GraphQLObjectType:
    def texts(name: str, what: str, extra: dict[str, GraphQLField]) -> GraphQLObjectType:
        return GraphQLObjectType(
            name,
            {
                "name": GraphQLField(GraphQLNonNull(GraphQLString), resolve=_item("name")),
                "label": GraphQLField(
                    GraphQLString, resolve=_item("label"), description="Null: the model has none."
                ),
                "description": GraphQLField(GraphQLString, resolve=_item("description")),
                **extra,
            },
            description=what,
        )

    field = texts("ModelFieldText", "A field's texts (attribute, association end, series).", {})
    value = texts("ModelEnumValueText", "An enum value's texts; `name` as the schema has it.", {})
    type_ = texts(
        "ModelTypeText",
        "A class's or record's texts, by GraphQL type name, and those of its fields.",
        {"fields": GraphQLField(_list(field), resolve=_item("fields"))},
    )
    enum = texts(
        "ModelEnumText",
        "An enum's texts and those of its values.",
        {"values": GraphQLField(_list(value), resolve=_item("values"))},
    )
    return GraphQLObjectType(
        "ModelText",
        {
            "language": GraphQLField(GraphQLNonNull(GraphQLString), resolve=_item("language")),
            "languages": GraphQLField(
                _list(GraphQLString),
                resolve=_item("languages"),
                description="Every language the model has some text in.",
            ),
            "types": GraphQLField(_list(type_), resolve=_item("types")),
            "enums": GraphQLField(_list(enum), resolve=_item("enums")),
        },
        description="The model's labels and descriptions in one language.",
    )


def _list(of: Any) -> GraphQLNonNull[Any]:
    return GraphQLNonNull(GraphQLList(GraphQLNonNull(of)))


def _item(key: str) -> Any:
    def resolve(source: Text, _info: Info) -> Any:
        return source[key]

    return resolve
