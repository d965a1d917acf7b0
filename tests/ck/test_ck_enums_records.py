"""Enums (keys, flags, extensions) and records (extends, nesting, cycles)."""

from __future__ import annotations

from typing import Any


def test_enum_key_rules(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                enums:
                  E1: {values: {a: {key: 1}, b: {key: 1}}}
                  F: {flags: true, values: {a: {key: 1}, b: {key: 3}, c: {key: 0}, d: {key: 4}}}
            """
        },
        (
            "m/a.yaml:2:39: error[duplicate-key-value] enums.E1.values.b.key:",
            "key 1 is already used by 'a' in m/E1",
        ),
        ("m/a.yaml:3:51: error[flag-key] enums.F.values.b.key:", "key 3", "power of two"),
        ("m/a.yaml:3:64: error[flag-key] enums.F.values.c.key:", "key 0", "power of two"),
    )


def test_enum_extension_rules(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                enums:
                  X: {extensible: true, values: {a: {key: 1}}}
                enum_extensions:
                  EntityState: {values: {deleted: {key: 3}}}
                  X: {values: {b: {key: 1}, a: {key: 5}}}
                  Nope: {values: {a: {key: 1}}}
            """
        },
        (
            "m/a.yaml:4:3: error[not-extensible] enum_extensions.EntityState:",
            "system/EntityState is not extensible",
        ),
        (
            "m/a.yaml:5:25: error[duplicate-key-value] enum_extensions.X.values.b.key:",
            "key 1 is already used by 'a' in m/X",
        ),
        (
            "m/a.yaml:5:29: error[duplicate-value] enum_extensions.X.values.a:",
            "already has a value 'a'",
        ),
        ("m/a.yaml:6:3: error[unknown-reference] enum_extensions.Nope:", "unknown enum 'Nope'"),
    )


def test_extension_from_another_model_is_visible_in_the_compiled_enum(ck: Any) -> None:
    model = ck.compile(
        {
            "m/model.yaml": ck.manifest("m", system=">=1"),
            "m/a.yaml": "enums:\n  X: {extensible: true, values: {a: {key: 1}}}\n",
            "n/model.yaml": ck.manifest("n", system=">=1", m=">=1"),
            "n/b.yaml": """
                enum_extensions:
                  m/X: {values: {b: {key: 2, label: Bee}}}
                classes:
                  A:
                    extends: Entity
                    attributes: {x: {type: enum, enum: m/X, default: b}}
            """,
        },
        model="n",
    )
    enum = model.enum("m/X")
    assert list(enum.values) == ["a", "b"]
    assert enum.values["b"].model == "n" and enum.by_key(2).label == {"en": "Bee"}
    assert model.cls("n/A").attributes["x"].default == "b"


def test_records_extend_and_nest(ck: Any) -> None:
    model = ck.compile(
        {
            "m/a.yaml": """
                records:
                  Address: {attributes: {street: string, zip: {type: string, required: true}}}
                  Geo: {extends: Address, attributes: {lat: float}}
                  Site:
                    attributes:
                      at: {type: record, record: Geo}
                      others: {type: list, items: {type: record, record: Address}}
                classes:
                  A:
                    extends: Entity
                    display: "{site.at.zip}"
                    attributes: {site: {type: record, record: Site}}
            """
        }
    )
    geo = model.record("m/Geo")
    assert list(geo.attributes) == ["street", "zip", "lat"]
    assert geo.extends == "m/Address" and geo.ancestors == ("m/Address",)
    assert model.record("Site").attributes["others"].type.items.record == "m/Address"


def test_record_cycle(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                records:
                  R1: {attributes: {r: {type: record, record: R2}}}
                  R2: {attributes: {r: {type: list, items: {type: record, record: R1}}}}
                  Me: {attributes: {me: {type: record, record: Me}}}
                  Sub: {extends: Sub}
            """
        },
        ("m/a.yaml:2:3: error[record-cycle] records.R1:", "m/R1 -> m/R2 -> m/R1"),
        ("m/a.yaml:4:3: error[record-cycle] records.Me:", "m/Me -> m/Me"),
        ("m/a.yaml:5:18: error[inheritance-cycle] records.Sub.extends:", "m/Sub -> m/Sub"),
    )
