"""The classification rules of `diff_models`, one row per rule (docs/ck-versioning.md).

Each row changes BASE and lists EXACTLY the changes expected, as (bump, element kind, path,
aspect or action). `reverse=True` rows diff the other way round (changed -> BASE), which turns an
addition into a removal and a tightening into a widening.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from ckv_support import BASE, D, Make, Op, S, apply

from meshkit.ck import CompiledModel
from meshkit.ck.diff import Change, diff_models

P = "classes.Participant"
PA = "classes.Participant.attributes"
SERIES = "classes.Participant.series.consumption"
OWNER = "classes.Meter.associations.owner"
ROOMS = "classes.Site.associations.rooms"

Expected = tuple[str, str, str, str]


class Case(NamedTuple):
    id: str
    ops: list[Op]
    expected: set[Expected]
    reverse: bool = False


CASES = [
    # ------------------------------------------------------------------ major
    Case(
        "class removed",
        [D("classes.Company")],
        {("major", "class", "ec/Company", "removed")},
    ),
    Case(
        "attribute removed",
        [D(f"{PA}.note")],
        {("major", "attribute", "ec/Participant.note", "removed")},
    ),
    Case(
        "association removed",
        [D("classes.Meter.associations")],
        {("major", "association", "ec/Meter.owner", "removed")},
    ),
    Case(
        "enum value removed",
        [D("enums.Kind.values.company")],
        {("major", "enum value", "ec/Kind.company", "removed")},
    ),
    Case(
        "enum removed (with the attribute using it)",
        [D("enums.Kind"), D(f"{PA}.kind")],
        {
            ("major", "enum", "ec/Kind", "removed"),
            ("major", "attribute", "ec/Participant.kind", "removed"),
        },
    ),
    Case(
        "record removed (with the attribute using it)",
        [D("records.Address"), D(f"{PA}.address")],
        {
            ("major", "record", "ec/Address", "removed"),
            ("major", "attribute", "ec/Participant.address", "removed"),
        },
    ),
    Case(
        "record attribute removed",
        [D("records.Address.attributes.street")],
        {("major", "attribute", "ec/Address.street", "removed")},
    ),
    Case(
        "series removed",
        [D(f"{P}.series")],
        {("major", "series", "ec/Participant.consumption", "removed")},
    ),
    Case(
        "series code removed",
        [S(f"{SERIES}.codes", ["c1"])],
        {("major", "series code", "ec/Participant.consumption.c2", "removed")},
    ),
    Case(
        "series quality removed",
        [S(f"{SERIES}.qualities", ["L1"])],
        {("major", "series", "ec/Participant.consumption", "qualities")},
    ),
    Case(
        "series unit changed",
        [S(f"{SERIES}.unit", "MWh")],
        {("major", "series", "ec/Participant.consumption", "unit")},
    ),
    Case(
        "series interval changed",
        [S(f"{SERIES}.interval", "PT1H")],
        {("major", "series", "ec/Participant.consumption", "interval")},
    ),
    Case(
        "series value type changed",
        [S(f"{SERIES}.value_type", "float")],
        {("major", "series", "ec/Participant.consumption", "value_type")},
    ),
    Case(
        "shared attribute removed",
        [D("attributes.Iban"), S(f"{PA}.iban", "string")],
        {
            ("major", "shared attribute", "ec/Iban", "removed"),
            # the attribute no longer comes from the shared definition and loses its rules
            ("patch", "attribute", "ec/Participant.iban", "shared"),
            ("minor", "attribute", "ec/Participant.iban", "max_length"),
            ("minor", "attribute", "ec/Participant.iban", "pattern"),
            ("minor", "attribute", "ec/Participant.iban", "sensitive"),
        },
    ),
    Case(
        "type changed",
        [S(f"{PA}.name.type", "text")],
        {("major", "attribute", "ec/Participant.name", "type")},
    ),
    Case(
        "decimal precision shrinks",
        [S(f"{PA}.share.precision", 8)],
        {("major", "attribute", "ec/Participant.share", "type")},
    ),
    Case(
        "decimal scale shrinks",
        [S(f"{PA}.share.scale", 1)],
        {("major", "attribute", "ec/Participant.share", "type")},
    ),
    Case(
        "decimal integer digits shrink while the scale grows",
        [S(f"{PA}.share.scale", 4)],
        {("major", "attribute", "ec/Participant.share", "type")},
    ),
    Case(
        "enum target changed",
        [S("enums.Kind2", {"values": {"private": {"key": 1}}}), S(f"{PA}.kind.enum", "Kind2")],
        {
            ("minor", "enum", "ec/Kind2", "added"),
            ("major", "attribute", "ec/Participant.kind", "type"),
        },
    ),
    Case(
        "optional -> required",
        [S(f"{PA}.note.required", True)],
        {("major", "attribute", "ec/Participant.note", "required")},
    ),
    Case(
        "min tightened",
        [S(f"{PA}.share.min", 1)],
        {("major", "attribute", "ec/Participant.share", "min")},
    ),
    Case(
        "max tightened",
        [S(f"{PA}.share.max", 500)],
        {("major", "attribute", "ec/Participant.share", "max")},
    ),
    Case(
        "min added",
        [S(f"{PA}.energy.min", 0)],
        {("major", "attribute", "ec/Participant.energy", "min")},
    ),
    Case(
        "date min tightened",
        [S(f"{PA}.joined.min", "2010-01-01")],
        {("major", "attribute", "ec/Participant.joined", "min")},
    ),
    Case(
        "max_length tightened",
        [S(f"{PA}.name.max_length", 50)],
        {("major", "attribute", "ec/Participant.name", "max_length")},
    ),
    Case(
        "min_length tightened",
        [S(f"{PA}.note.min_length", 2)],
        {("major", "attribute", "ec/Participant.note", "min_length")},
    ),
    Case(
        "max_length added",
        [S(f"{PA}.note.max_length", 500)],
        {("major", "attribute", "ec/Participant.note", "max_length")},
    ),
    Case(
        "pattern changed (on a shared attribute: also where it is used)",
        [S("attributes.Iban.pattern", "^[A-Z]{2}")],
        {
            ("major", "shared attribute", "ec/Iban", "pattern"),
            ("major", "attribute", "ec/Participant.iban", "pattern"),
        },
    ),
    Case(
        "pattern added",
        [S(f"{PA}.note.pattern", "^x")],
        {("major", "attribute", "ec/Participant.note", "pattern")},
    ),
    Case(
        "allowed values narrowed",
        [S(f"{PA}.code.allowed", ["a"])],
        {("major", "attribute", "ec/Participant.code", "allowed")},
    ),
    Case(
        "allowed values introduced",
        [S(f"{PA}.note.allowed", ["x", "y"])],
        {("major", "attribute", "ec/Participant.note", "allowed")},
    ),
    Case(
        "new required attribute without default",
        [S(f"{PA}.vat", {"type": "string", "required": True})],
        {("major", "attribute", "ec/Participant.vat", "added")},
    ),
    Case(
        "new required record attribute without default",
        [S("records.Address.attributes.zip", {"type": "string", "required": True})],
        {("major", "attribute", "ec/Address.zip", "added")},
    ),
    Case(
        "rename = removal + addition",
        [D(f"{PA}.note"), S(f"{PA}.remark", {"type": "text", "min_length": 1})],
        {
            ("major", "attribute", "ec/Participant.note", "removed"),
            ("minor", "attribute", "ec/Participant.remark", "added"),
        },
    ),
    Case(
        "default removed from a required attribute",
        [D(f"{PA}.status.default")],
        {("major", "attribute", "ec/Participant.status", "default")},
    ),
    Case(
        "unit changed",
        [S(f"{PA}.energy.unit", "MWh")],
        {("major", "attribute", "ec/Participant.energy", "unit")},
    ),
    Case(
        "unit added",
        [S(f"{PA}.share.unit", "EUR")],
        {("major", "attribute", "ec/Participant.share", "unit")},
    ),
    Case(
        "computed added",
        [S(f"{PA}.note.computed", True)],
        {("major", "attribute", "ec/Participant.note", "computed")},
    ),
    Case(
        "sensitive added",
        [S(f"{PA}.note.sensitive", True)],
        {("major", "attribute", "ec/Participant.note", "sensitive")},
    ),
    Case(
        "base class changed (extends)",
        [S("classes.Company.extends", "system/Entity")],
        {
            ("major", "class", "ec/Company", "extends"),
            ("major", "class", "ec/Company", "collection"),
        },
    ),
    Case(
        "abstract added",
        [S("classes.Company.abstract", True)],
        {("major", "class", "ec/Company", "abstract")},
    ),
    Case(
        "final added",
        [S("classes.Company.final", True)],
        {("major", "class", "ec/Company", "final")},
    ),
    Case(
        "multiplicity 0..1 -> 1",
        [S(f"{OWNER}.multiplicity", "1")],
        {("major", "association", "ec/Meter.owner", "multiplicity")},
    ),
    Case(
        "multiplicity 0..* -> 0..1",
        [S(f"{ROOMS}.multiplicity", "0..1")],
        {("major", "association", "ec/Site.rooms", "multiplicity")},
    ),
    Case(
        "inverse multiplicity 0..1 -> 1",
        [S(f"{ROOMS}.inverse_multiplicity", "1")],
        {("major", "association", "ec/Site.rooms", "inverse_multiplicity")},
    ),
    Case(
        "composition -> reference",
        [S(f"{ROOMS}.kind", "reference")],
        {
            ("major", "association", "ec/Site.rooms", "kind"),
            ("major", "association", "ec/Site.rooms", "on_delete"),
        },
    ),
    Case(
        "association target changed",
        [S(f"{OWNER}.target", "Site")],
        {("major", "association", "ec/Meter.owner", "target")},
    ),
    Case(
        "association inverse renamed",
        [S(f"{OWNER}.inverse", "devices")],
        {("major", "association", "ec/Meter.owner", "inverse")},
    ),
    Case(
        "on_delete unset -> refuse",
        [S(f"{OWNER}.on_delete", "unset")],
        {("major", "association", "ec/Meter.owner", "on_delete")},
        reverse=True,
    ),
    Case(
        "new association with a required end on an existing class",
        [
            S(
                "classes.Room.associations.meter",
                {"target": "Meter", "inverse": "room", "multiplicity": "1"},
            )
        ],
        {("major", "association", "ec/Room.meter", "added")},
    ),
    Case(
        "new composition whose parts (an existing class) need an owner",
        [
            S(
                "classes.Site.associations.meters",
                {"target": "Meter", "inverse": "site", "kind": "composition"},
            )
        ],
        {("major", "association", "ec/Site.meters", "added")},
    ),
    Case(
        "new unique index",
        [S("classes.Meter.indexes", [{"attributes": ["number"], "unique": True}])],
        {("major", "index", "ec/Meter.uq_meter_number", "added")},
    ),
    Case(
        "plain index made unique (its generated name changes too)",
        [
            S(
                f"{P}.indexes",
                [
                    {"attributes": ["name"], "unique": True},
                    {"attributes": ["code"], "unique": True},
                ],
            )
        ],
        {
            ("major", "index", "ec/Participant.uq_participant_name", "unique"),
            ("patch", "index", "ec/Participant.uq_participant_name", "name"),
        },
    ),
    Case(
        "unique index now also counts archived entities (active_only removed)",
        [
            S(
                f"{P}.indexes",
                [{"attributes": ["name"]}, {"attributes": ["code"], "active_only": True}],
            )
        ],
        {("major", "index", "ec/Participant.uq_participant_code", "active_only")},
        reverse=True,
    ),
    Case(
        "enum key changed",
        [S("enums.Kind.values.company.key", 3)],
        {("major", "enum value", "ec/Kind.company", "key")},
    ),
    Case(
        "enum becomes flags",
        [S("enums.Kind.flags", True)],
        {("major", "enum", "ec/Kind", "flags")},
    ),
    Case(
        "enum no longer extensible",
        [S("enums.Kind.extensible", True)],
        {("major", "enum", "ec/Kind", "extensible")},
        reverse=True,
    ),
    # ------------------------------------------------------------------ minor
    Case(
        "new optional attribute",
        [S(f"{PA}.phone", "string")],
        {("minor", "attribute", "ec/Participant.phone", "added")},
    ),
    Case(
        "new required attribute with default",
        [S(f"{PA}.vat", {"type": "string", "required": True, "default": "none"})],
        {("minor", "attribute", "ec/Participant.vat", "added")},
    ),
    Case(
        "new class",
        [S("classes.Tariff", {"extends": "system/Entity", "attributes": {"x": "int"}})],
        {("minor", "class", "ec/Tariff", "added")},
    ),
    Case(
        "new class with a required association end (no instances exist yet)",
        [
            S(
                "classes.Tariff",
                {
                    "extends": "system/Entity",
                    "associations": {
                        "site": {"target": "Site", "inverse": "tariffs", "multiplicity": "1"}
                    },
                },
            )
        ],
        {
            ("minor", "class", "ec/Tariff", "added"),
            ("minor", "association", "ec/Tariff.site", "added"),
        },
    ),
    Case(
        "new enum value",
        [S("enums.Kind.values.public", {"key": 3})],
        {("minor", "enum value", "ec/Kind.public", "added")},
    ),
    Case(
        "new enum",
        [S("enums.Colour", {"values": {"red": {"key": 1}}})],
        {("minor", "enum", "ec/Colour", "added")},
    ),
    Case(
        "enum becomes extensible",
        [S("enums.Kind.extensible", True)],
        {("minor", "enum", "ec/Kind", "extensible")},
    ),
    Case(
        "new association with optional ends",
        [
            S(
                "classes.Room.associations.meter",
                {"target": "Meter", "inverse": "room", "multiplicity": "0..1"},
            )
        ],
        {("minor", "association", "ec/Room.meter", "added")},
    ),
    Case(
        "new record",
        [S("records.Contact", {"attributes": {"phone": "string"}})],
        {("minor", "record", "ec/Contact", "added")},
    ),
    Case(
        "new series",
        [S(f"{P}.series.production", {"unit": "kWh", "interval": "PT15M"})],
        {("minor", "series", "ec/Participant.production", "added")},
    ),
    Case(
        "new series code",
        [S(f"{SERIES}.codes", ["c1", "c2", "c3"])],
        {("minor", "series code", "ec/Participant.consumption.c3", "added")},
    ),
    Case(
        "new series quality",
        [S(f"{SERIES}.qualities", ["L1", "L2", "L3"])],
        {("minor", "series", "ec/Participant.consumption", "qualities")},
    ),
    Case(
        "new shared attribute",
        [S("attributes.Phone", {"type": "string"})],
        {("minor", "shared attribute", "ec/Phone", "added")},
    ),
    Case(
        "decimal widens",
        [S(f"{PA}.share.precision", 12)],
        {("minor", "attribute", "ec/Participant.share", "type")},
    ),
    Case(
        "decimal gains scale and keeps its integer digits",
        [S(f"{PA}.share.precision", 11), S(f"{PA}.share.scale", 3)],
        {("minor", "attribute", "ec/Participant.share", "type")},
    ),
    Case(
        "required -> optional",
        [S(f"{PA}.name.required", False)],
        {("minor", "attribute", "ec/Participant.name", "required")},
    ),
    Case(
        "max widened",
        [S(f"{PA}.share.max", 2000)],
        {("minor", "attribute", "ec/Participant.share", "max")},
    ),
    Case(
        "min removed",
        [D(f"{PA}.share.min")],
        {("minor", "attribute", "ec/Participant.share", "min")},
    ),
    Case(
        "max_length widened",
        [S(f"{PA}.name.max_length", 200)],
        {("minor", "attribute", "ec/Participant.name", "max_length")},
    ),
    Case(
        "pattern removed (shared attribute)",
        [D("attributes.Iban.pattern")],
        {
            ("minor", "shared attribute", "ec/Iban", "pattern"),
            ("minor", "attribute", "ec/Participant.iban", "pattern"),
        },
    ),
    Case(
        "allowed values widened",
        [S(f"{PA}.code.allowed", ["a", "b", "c"])],
        {("minor", "attribute", "ec/Participant.code", "allowed")},
    ),
    Case(
        "default added",
        [S(f"{PA}.note.default", "-")],
        {("minor", "attribute", "ec/Participant.note", "default")},
    ),
    Case(
        "default changed",
        [S(f"{PA}.kind.default", "company")],
        {("minor", "attribute", "ec/Participant.kind", "default")},
    ),
    Case(
        "default removed from an optional attribute",
        [D(f"{PA}.kind.default")],
        {("minor", "attribute", "ec/Participant.kind", "default")},
    ),
    Case(
        "computed removed",
        [D(f"{PA}.score.computed")],
        {("minor", "attribute", "ec/Participant.score", "computed")},
    ),
    Case(
        "sensitive removed (shared attribute)",
        [S("attributes.Iban.sensitive", False)],
        {
            ("minor", "shared attribute", "ec/Iban", "sensitive"),
            ("minor", "attribute", "ec/Participant.iban", "sensitive"),
        },
    ),
    Case(
        "looser multiplicity 0..1 -> 0..*",
        [S(f"{OWNER}.multiplicity", "0..*")],
        {("minor", "association", "ec/Meter.owner", "multiplicity")},
    ),
    Case(
        "looser multiplicity 1 -> 0..1",
        [S(f"{OWNER}.multiplicity", "1")],
        {("minor", "association", "ec/Meter.owner", "multiplicity")},
        reverse=True,
    ),
    Case(
        "on_delete refuse -> unset",
        [S(f"{OWNER}.on_delete", "unset")],
        {("minor", "association", "ec/Meter.owner", "on_delete")},
    ),
    Case(
        "new link attribute on an association",
        [S(f"{OWNER}.attributes", {"since": "date"})],
        {("minor", "attribute", "ec/Meter.owner.since", "added")},
    ),
    Case(
        "new non-unique index",
        [S("classes.Meter.indexes", [{"attributes": ["number"]}])],
        {("minor", "index", "ec/Meter.ix_meter_number", "added")},
    ),
    Case(
        "unique index removed",
        [S("classes.Meter.indexes", [{"attributes": ["number"], "unique": True}])],
        {("minor", "index", "ec/Meter.uq_meter_number", "removed")},
        reverse=True,
    ),
    Case(
        "unique index made plain",
        [S(f"{P}.indexes", [{"attributes": ["name"]}, {"attributes": ["code"]}])],
        {
            ("minor", "index", "ec/Participant.ix_participant_code", "unique"),
            ("patch", "index", "ec/Participant.ix_participant_code", "name"),
        },
    ),
    Case(
        "unique index only among active entities",
        [
            S(
                f"{P}.indexes",
                [{"attributes": ["name"]}, {"attributes": ["code"], "active_only": True}],
            )
        ],
        {("minor", "index", "ec/Participant.uq_participant_code", "active_only")},
    ),
    Case(
        "class removed -> added when reversed",
        [D("classes.Company")],
        {("minor", "class", "ec/Company", "added")},
        reverse=True,
    ),
    Case(
        "abstract removed",
        [S("classes.Company.abstract", True)],
        {("minor", "class", "ec/Company", "abstract")},
        reverse=True,
    ),
    Case(
        "final removed",
        [S("classes.Company.final", True)],
        {("minor", "class", "ec/Company", "final")},
        reverse=True,
    ),
    Case(
        "behaviours changed",
        [S(f"{P}.behaviours", ["ec.check_iban", "ec.notify"])],
        {("minor", "class", "ec/Participant", "behaviours")},
    ),
    # ------------------------------------------------------------------ patch
    Case(
        "class description",
        [S(f"{P}.description", "Someone taking part.")],
        {("patch", "class", "ec/Participant", "description")},
    ),
    Case(
        "class label",
        [S(f"{P}.label", {"en": "Member", "de": "Mitglied"})],
        {("patch", "class", "ec/Participant", "label")},
    ),
    Case(
        "class metadata",
        [S(f"{P}.metadata", {"icon": "user"})],
        {("patch", "class", "ec/Participant", "metadata")},
    ),
    Case(
        "attribute description, label and metadata",
        [
            S(f"{PA}.name.description", "Full name."),
            S(f"{PA}.name.label", "Name"),
            S(f"{PA}.name.metadata", {"ui": "wide"}),
        ],
        {
            ("patch", "attribute", "ec/Participant.name", "description"),
            ("patch", "attribute", "ec/Participant.name", "label"),
            ("patch", "attribute", "ec/Participant.name", "metadata"),
        },
    ),
    Case(
        "display rule (reported where declared, not in subclasses that inherit it)",
        [S(f"{P}.display", "{name} ({code})")],
        {("patch", "class", "ec/Participant", "display")},
    ),
    Case(
        "enum and enum value descriptions and labels",
        [
            S("enums.Kind.description", "What a participant is."),
            S("enums.Kind.values.company.label", "Firm"),
        ],
        {
            ("patch", "enum", "ec/Kind", "description"),
            ("patch", "enum value", "ec/Kind.company", "label"),
        },
    ),
    Case(
        "record and association descriptions",
        [
            S("records.Address.description", "A postal address."),
            S(f"{OWNER}.description", "Who owns the meter."),
        ],
        {
            ("patch", "record", "ec/Address", "description"),
            ("patch", "association", "ec/Meter.owner", "description"),
        },
    ),
    Case(
        "series description and code labels",
        [
            S(f"{SERIES}.description", "Quarter-hourly."),
            S(f"{SERIES}.codes", {"c1": "In", "c2": "Out"}),
        ],
        {
            ("patch", "series", "ec/Participant.consumption", "description"),
            ("patch", "series code", "ec/Participant.consumption.c1", "label"),
            ("patch", "series code", "ec/Participant.consumption.c2", "label"),
        },
    ),
    Case(
        "series interval written differently (same length)",
        [S(f"{SERIES}.interval", "PT900S")],
        {("patch", "series", "ec/Participant.consumption", "interval")},
    ),
    Case(
        "allowed values reordered",
        [S(f"{PA}.code.allowed", ["b", "a"])],
        {("patch", "attribute", "ec/Participant.code", "allowed")},
    ),
    Case(
        "non-unique index removed",
        [S("classes.Meter.indexes", [{"attributes": ["number"]}])],
        {("patch", "index", "ec/Meter.ix_meter_number", "removed")},
        reverse=True,
    ),
    Case(
        "index renamed",
        [
            S(
                f"{P}.indexes",
                [
                    {"name": "ix_name", "attributes": ["name"]},
                    BASE["classes"]["Participant"]["indexes"][1],
                ],
            )
        ],
        {("patch", "index", "ec/Participant.ix_name", "name")},
    ),
]


def _compact(changes: tuple[Change, ...]) -> set[Expected]:
    return {(c.bump.value, c.kind.value, c.path, c.aspect or c.action.value) for c in changes}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case: Case, base_model: CompiledModel, make: Make) -> None:
    changed = make(apply(BASE, case.ops))
    old, new = (changed, base_model) if case.reverse else (base_model, changed)
    diff = diff_models(old, new)
    assert _compact(diff.changes) == case.expected
    expected_bump = max(
        (b for b, *_ in case.expected), key=["none", "patch", "minor", "major"].index
    )
    assert diff.required_bump == expected_bump


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
