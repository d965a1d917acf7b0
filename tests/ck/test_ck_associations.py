"""Associations, indexes, display rules, behaviours, series and collection roots."""

from __future__ import annotations

from typing import Any

PARTIES = """
classes:
  Party:
    extends: Entity
    abstract: true
    associations:
      meters: {target: Meter, inverse: party, inverse_multiplicity: "0..1"}
  Person: {extends: Party}
  Meter:
    extends: Entity
    indexes: [{attributes: [party], unique: true}]
    associations:
      readings: {target: Reading, inverse: meter, kind: composition, multiplicity: "0..*"}
      peers:
        target: SmartMeter
        inverse: linked
        attributes: {since: {type: date, required: true}}
  SmartMeter: {extends: Meter}
  Reading: {extends: Entity}
"""


def test_both_ends_appear_on_both_classes_and_their_subclasses(ck: Any) -> None:
    model = ck.compile({"m/a.yaml": PARTIES})
    for qid in ("m/Party", "m/Person"):
        end = model.cls(qid).ends["meters"]
        assert (end.side.value, end.other, end.many) == ("source", "m/Meter", True)
    for qid in ("m/Meter", "m/SmartMeter"):
        end = model.cls(qid).ends["party"]
        assert (end.side.value, end.other, end.multiplicity.value) == ("target", "m/Party", "0..1")
    assert "linked" in model.cls("m/SmartMeter").ends and "linked" not in model.cls("m/Meter").ends
    readings = model.association("m/Meter.readings")
    assert readings.kind.value == "composition" and readings.on_delete.value == "cascade"
    assert readings.inverse_multiplicity.value == "1"
    peers = model.association("m/Meter.peers")
    assert peers.attributes["since"].required and peers.attributes["since"].declared_in == (
        "m/Meter.peers"
    )
    assert model.cls("m/Meter").indexes[0].name == "uq_meter_party"


def test_unquoted_multiplicity_one_is_read_as_text(ck: Any) -> None:
    model = ck.compile(
        {
            "m/a.yaml": """
classes:
  Meter:
    extends: Entity
    associations:
      site: {target: Site, inverse: meters, multiplicity: 1}
  Site: {extends: Entity}
"""
        }
    )
    assert model.association("m/Meter.site").multiplicity.value == "1"
    assert not model.cls("m/Meter").ends["site"].many


def test_association_rules(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  T:
                    extends: Entity
                    attributes: {members: string}
                  A:
                    extends: Entity
                    associations:
                      parts: {target: T, inverse: o, kind: composition, inverse_multiplicity: 0..*}
                      parts2: {target: T, inverse: owner2, kind: composition, on_delete: refuse}
                      refs: {target: T, inverse: refd, on_delete: unset, multiplicity: "1"}
                      links: {target: T, inverse: l, attributes: {bad: {type: enum, enum: Nope}}}
                      clash: {target: T, inverse: members}
                      again: {target: T, inverse: owner2}
                      me: {target: A, inverse: me}
            """
        },
        (
            "m/a.yaml:8:79: error[composition-owner] "
            "classes.A.associations.parts.inverse_multiplicity:",
            "one owner",
        ),
        (
            "m/a.yaml:9:63: error[misplaced-key] classes.A.associations.parts2.on_delete:",
            "on_delete applies to references",
        ),
        (
            "m/a.yaml:10:51: error[unset-required] classes.A.associations.refs.on_delete:",
            "without its required refs (multiplicity 1)",
        ),
        (
            "m/a.yaml:11:75: error[unknown-reference] "
            "classes.A.associations.links.attributes.bad.enum:",
            "unknown enum 'Nope'",
        ),
        (
            "m/a.yaml:12:26: error[name-collision] classes.A.associations.clash.inverse:",
            "'members' on m/T is both the attribute of m/T and the association end members",
        ),
        (
            "m/a.yaml:13:26: error[name-collision] classes.A.associations.again.inverse:",
            "'owner2' on m/T",
        ),
        (
            "m/a.yaml:14:32: error[name-collision] classes.A.associations.me.inverse:",
            "self-association needs an inverse name different from its role",
        ),
    )


def test_subclass_cannot_redeclare_an_inherited_role(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  T: {extends: Entity}
                  A:
                    extends: Entity
                    abstract: true
                    associations: {x: {target: T, inverse: a}}
                  B:
                    extends: A
                    associations: {x: {target: T, inverse: b}}
            """
        },
        ("m/a.yaml:9:20: error[name-collision] classes.B.associations.x:", "'x' on m/B"),
    )


def test_index_rules(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                records:
                  Addr: {attributes: {zip: string}}
                classes:
                  Base: {abstract: true, attributes: {name: string}}
                  A:
                    extends: Base
                    attributes: {addr: {type: record, record: Addr}}
                    indexes:
                      - {attributes: [nme]}
                      - {attributes: [addr]}
                      - {attributes: [name], active_only: true}
                      - {attributes: [name, name]}
            """
        },
        (
            "m/a.yaml:9:23: error[unknown-attribute] classes.A.indexes[0].attributes[0]:",
            "A has no attribute or to-one association 'nme'",
            "did you mean 'name'?",
        ),
        (
            "m/a.yaml:10:23: error[unindexable] classes.A.indexes[1].attributes[0]:",
            "'addr' is a record",
        ),
        (
            "m/a.yaml:11:43: error[active-only-state] classes.A.indexes[2].active_only:",
            "needs a 'state' attribute",
        ),
        (
            "m/a.yaml:12:22: error[duplicate-attribute] classes.A.indexes[3].attributes:",
            "names an attribute twice",
        ),
    )


def test_active_only_with_state_is_unique(ck: Any) -> None:
    model = ck.compile(
        {
            "m/a.yaml": """
                classes:
                  A:
                    extends: Entity
                    attributes: {code: string}
                    indexes: [{attributes: [code], active_only: true, name: uq_code}]
            """
        }
    )
    (index,) = model.cls("m/A").indexes
    assert (index.name, index.unique, index.active_only) == ("uq_code", True, True)


def test_display_rules(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                records:
                  Addr: {attributes: {zip: string}}
                classes:
                  A:
                    extends: Entity
                    display: "{addr.zip} {addr.zp} {nam} {code.x}"
                    attributes: {addr: {type: record, record: Addr}, name: string, code: string}
            """
        },
        (
            "m/a.yaml:6:14: error[unknown-attribute] classes.A.display:",
            "'addr.zp', but 'zp' is not an attribute (did you mean 'zip'?)",
        ),
        (
            "m/a.yaml:6:14: error[unknown-attribute] classes.A.display:",
            "'code.x', but 'code' is not a record",
        ),
        (
            "m/a.yaml:6:14: error[unknown-attribute] classes.A.display:",
            "'nam', but 'nam' is not an attribute (did you mean 'name'?)",
        ),
    )


def test_display_is_inherited(ck: Any) -> None:
    model = ck.compile({"m/a.yaml": "classes:\n  A: {extends: NamedEntity}\n"})
    assert model.cls("m/A").display == "{name}"


def test_behaviour_references(ck: Any) -> None:
    found = ck.expect(
        {
            "m/a.yaml": """
                classes:
                  A:
                    extends: Entity
                    behaviours: ["ok_name", "pkg.mod:obj", "bad name", "a:b:c"]
            """
        },
        ("m/a.yaml:4:44: error[behaviour-reference] classes.A.behaviours[2]:", "'bad name'"),
        ("m/a.yaml:4:56: error[behaviour-reference] classes.A.behaviours[3]:", "'a:b:c'"),
    )
    assert all("dotted path 'package.module:object'" in line for line in found)


def test_behaviours_compile(ck: Any) -> None:
    model = ck.compile(
        {"m/a.yaml": "classes:\n  A: {extends: Entity, behaviours: [ok_name, 'pkg.mod:obj']}\n"}
    )
    refs = model.cls("m/A").behaviours
    assert [(r.reference, r.is_path) for r in refs] == [("ok_name", False), ("pkg.mod:obj", True)]


def test_series(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  A:
                    extends: Entity
                    series:
                      ok: {unit: kWh, interval: PT15M, codes: {"1.8.0": Import}}
                      s1: {unit: kWh, interval: PT15M, codes: [a, a], qualities: [L1, L1]}
                      s2: {unit: kWh, interval: P1M}
            """
        },
        ("m/a.yaml:6:47: error[duplicate-value] classes.A.series.s1.codes:", "code a listed twice"),
        (
            "m/a.yaml:6:66: error[duplicate-value] classes.A.series.s1.qualities:",
            "quality L1 listed twice",
        ),
        (
            "m/a.yaml:7:33: error[invalid-interval] classes.A.series.s2.interval:",
            "'P1M' is not a fixed ISO 8601 duration",
        ),
    )


def test_series_compiles(ck: Any) -> None:
    model = ck.compile(
        {"m/a.yaml": "classes:\n  A: {extends: Entity, series: {x: {unit: kW, interval: PT15M}}}\n"}
    )
    assert model.cls("m/A").series["x"].interval_seconds == 900


def test_collection_roots(ck: Any) -> None:
    model = ck.compile(
        {
            "m/a.yaml": """
                classes:
                  Party: {extends: Entity, abstract: true}
                  Person: {extends: Party}
                  Org: {extends: Party}
                  Site: {extends: NamedEntity}
                  Plant: {extends: NamedEntity, abstract: true}
                  Pv: {extends: Plant}
            """
        }
    )
    roots = {q: c.collection_root for q, c in model.classes.items()}
    assert roots["system/Entity"] is None and roots["system/NamedEntity"] is None
    # NamedEntity opts out: each subclass below it starts its own collection
    assert roots["system/Tenant"] == "system/Tenant" and roots["m/Site"] == "m/Site"
    assert roots["m/Plant"] == roots["m/Pv"] == "m/Plant"
    # an abstract Party shares its collection with its subclasses
    assert roots["m/Party"] == roots["m/Person"] == roots["m/Org"] == "m/Party"
    assert {c.qid for c in model.members_of_collection("m/Party")} == {
        "m/Party",
        "m/Person",
        "m/Org",
    }


def test_collection_false_rules(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  R: {abstract: true, collection: false}
                  P: {extends: Entity, abstract: true}
                  Q: {extends: P, abstract: true, collection: false}
                  C: {extends: Entity, collection: false}
            """
        },
        ("m/a.yaml:2:35: error[collection-ignored] classes.R.collection:", "it is a root"),
        ("m/a.yaml:4:47: error[collection-ignored] classes.Q.collection:", "it is in m/P"),
        ("m/a.yaml:5:36: error[collection-concrete] classes.C.collection:", "only an abstract"),
    )
