"""GraphQL names for model elements: deterministic, idiomatic, and free of clashes.

- types are PascalCase: a class, record or enum keeps its CK name (`MeteringPoint`); when two
  elements of the library share a short name, every one of them is prefixed with its model's
  name (`EnergyCommunityTariff`, `BillingTariff`);
- fields and arguments are camelCase (`metering_point_id` -> `meteringPointId`);
- enum values are UPPER_SNAKE (`eeg_local` -> `EEG_LOCAL`);
- root fields are the type name with a lower-case first letter, singular for one entity and
  plural for a connection (`meteringPoint`, `meteringPoints`).
"""

from __future__ import annotations

import re
from collections import Counter

from meshkit.ck.model import ClassDef, CompiledModel, EnumDef, RecordDef

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_VALID = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")


class SchemaBuildError(Exception):
    """The model cannot be turned into a GraphQL schema (names that would collide, say)."""


def camel(name: str) -> str:
    """`metering_point_id` -> `meteringPointId` (names already in camelCase stay as they are)."""
    head, *rest = [p for p in name.split("_") if p] or [name]
    return head[:1].lower() + head[1:] + "".join(p[:1].upper() + p[1:] for p in rest)


def pascal(name: str) -> str:
    """`energy_community` -> `EnergyCommunity`; `MeteringPoint` stays."""
    return "".join(p[:1].upper() + p[1:] for p in name.split("_") if p)


def upper_snake(name: str) -> str:
    """`eeg_local` -> `EEG_LOCAL`; `halfYearly` -> `HALF_YEARLY`."""
    return _WORD_BOUNDARY.sub("_", name).upper()


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def plural(name: str) -> str:
    """English plural of the last word of a camelCase name, good enough for field names."""
    lower = name.lower()
    if lower.endswith("y") and lower[-2:-1] not in ("a", "e", "i", "o", "u"):
        return name[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return name + "es"
    return name + "s"


def check_name(name: str, what: str) -> str:
    if not _VALID.match(name) or name.startswith("__"):
        raise SchemaBuildError(f"{what}: '{name}' is not a valid GraphQL name")
    return name


class TypeNames:
    """The GraphQL type name of every class, record and enum of one compiled model."""

    def __init__(self, model: CompiledModel) -> None:
        elements: list[ClassDef | RecordDef | EnumDef] = [
            *model.classes.values(),
            *model.records.values(),
            *model.enums.values(),
        ]
        counts = Counter(pascal(e.name) for e in elements)
        self._names: dict[str, str] = {}
        taken: dict[str, str] = {}
        for element in elements:
            short = pascal(element.name)
            name = short if counts[short] == 1 else pascal(element.model) + short
            if name in taken:
                raise SchemaBuildError(
                    f"'{element.qid}' and '{taken[name]}' both map to the GraphQL type '{name}'; "
                    "rename one of them"
                )
            taken[name] = element.qid
            self._names[element.qid] = check_name(name, element.qid)

    def __getitem__(self, qid: str) -> str:
        return self._names[qid]

    def __contains__(self, name: object) -> bool:
        """Whether some class, record or enum is called `name` in GraphQL."""
        return name in self._names.values()


def field_names(names: dict[str, str], owner: str) -> dict[str, str]:
    """CK name -> GraphQL field name for one type's members; refuses two members on one name."""
    seen: dict[str, str] = {}
    for ck_name, gql_name in names.items():
        check_name(gql_name, f"{owner}.{ck_name}")
        if gql_name in seen:
            raise SchemaBuildError(
                f"{owner}: '{ck_name}' and '{seen[gql_name]}' both map to the GraphQL field "
                f"'{gql_name}'; rename one of them"
            )
        seen[gql_name] = ck_name
    return names
