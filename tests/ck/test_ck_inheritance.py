"""Inheritance: cycles, final and abstract classes, overrides that may only narrow, `use`."""

from __future__ import annotations

from typing import Any

NARROW = "a subclass may only narrow an inherited attribute"


def test_inheritance_cycle_reports_each_member_once(ck: Any) -> None:
    found = ck.expect(
        {
            "m/a.yaml": """
                classes:
                  A: {extends: B, abstract: true}
                  B: {extends: C, abstract: true}
                  C: {extends: A, abstract: true}
                  D: {extends: A}
            """
        },
        ("m/a.yaml:2:16: error[inheritance-cycle] classes.A.extends:", "inheritance cycle"),
        ("m/a.yaml:3:16: error[inheritance-cycle] classes.B.extends:", "inheritance cycle"),
        ("m/a.yaml:4:16: error[inheritance-cycle] classes.C.extends:", "inheritance cycle"),
    )
    assert all("m/A -> m/B -> m/C -> m/A" in line for line in found)


def test_self_extension_is_a_cycle(ck: Any) -> None:
    ck.expect(
        {"m/a.yaml": "classes:\n  A: {extends: A, abstract: true}\n"},
        ("m/a.yaml:2:16: error[inheritance-cycle] classes.A.extends:", "m/A -> m/A"),
    )


def test_final_class_extended_abstract_final_and_concrete_root(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  A: {extends: Entity, final: true}
                  B: {extends: A}
                  C: {extends: Entity, abstract: true, final: true}
                  R: {description: a root that is not abstract}
                  S: {abstract: true}
            """
        },
        ("m/a.yaml:3:16: error[final-extended] classes.B.extends:", "m/A is final"),
        (
            "m/a.yaml:4:47: error[abstract-final] classes.C.final:",
            "both abstract and final",
        ),
        ("m/a.yaml:5:3: error[concrete-root] classes.R:", "roots must be abstract"),
    )


def test_unresolved_parent_is_not_also_a_concrete_root(ck: Any) -> None:
    ck.expect(
        {"m/a.yaml": "classes:\n  A: {extends: Nowhere}\n"},
        ("m/a.yaml:2:16: error[unknown-reference] classes.A.extends:", "unknown class"),
    )


BASE = """
classes:
  A:
    extends: Entity
    abstract: true
    attributes:
      s: {type: string, required: true, min_length: 2, max_length: 10, pattern: "^a"}
      n: {type: int, min: 0, max: 10, unit: kWh}
      c: {type: string, allowed: [x, y]}
      p: {type: string, sensitive: true}
      o: string
"""


def test_illegal_overrides(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": BASE,
            "m/b.yaml": """
                classes:
                  B:
                    extends: A
                    attributes:
                      s: {required: false, max_length: 20, min_length: 1, pattern: "^b"}
                      n: {min: -1, max: 11}
                      c: {allowed: [x, y, z]}
                      p: {sensitive: false}
                      o: int
            """,
        },
        ("m/b.yaml:5:21: error[illegal-override] classes.B.attributes.s.required:", "optional"),
        ("m/b.yaml:5:40: error[illegal-override] classes.B.attributes.s.max_length:", "10 to 20"),
        ("m/b.yaml:5:56: error[illegal-override] classes.B.attributes.s.min_length:", "2 to 1"),
        ("m/b.yaml:5:68: error[illegal-override] classes.B.attributes.s.pattern:", "pattern"),
        ("m/b.yaml:6:16: error[illegal-override] classes.B.attributes.n.min:", "widens min 0"),
        ("m/b.yaml:6:25: error[illegal-override] classes.B.attributes.n.max:", "widens max 10"),
        ("m/b.yaml:7:20: error[illegal-override] classes.B.attributes.c.allowed:", "allows"),
        ("m/b.yaml:8:22: error[illegal-override] classes.B.attributes.p.sensitive:", "sensitive"),
        (
            "m/b.yaml:9:10: error[illegal-override] classes.B.attributes.o.type:",
            "'o' overrides m/A.o but changes the type from string to int",
            NARROW,
        ),
    )


def test_unit_and_decimal_size_cannot_change(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  A:
                    extends: Entity
                    abstract: true
                    attributes:
                      n: {type: int, unit: kWh}
                      d: {type: decimal, precision: 10, scale: 2}
                  B:
                    extends: A
                    attributes:
                      n: {unit: MWh}
                      d: {precision: 12}
            """
        },
        ("m/a.yaml:11:17: error[illegal-override] classes.B.attributes.n.unit:", "kWh to MWh"),
        ("m/a.yaml:12:10: error[illegal-override] classes.B.attributes.d.type:", "decimal(10,2)"),
    )


def test_legal_narrowing_is_accepted_and_inherits_the_rest(ck: Any) -> None:
    model = ck.compile(
        {
            "m/a.yaml": BASE,
            "m/b.yaml": """
                classes:
                  B:
                    extends: A
                    attributes:
                      o: {required: true}
                      n: {max: 5}
                      s: {max_length: 8, min_length: 3}
                      c: {allowed: [x]}
                      p: {type: string, max_length: 34}
            """,
        }
    )
    b = model.cls("m/B")
    entity = list(model.cls("system/Entity").attributes)
    assert list(b.attributes) == [*entity, "s", "n", "c", "p", "o"]
    assert b.attributes["o"].required and b.attributes["o"].declared_in == "m/B"
    assert b.attributes["n"].constraints.max == 5 and b.attributes["n"].constraints.min == 0
    assert b.attributes["n"].unit == "kWh"  # inherited, not dropped
    assert b.attributes["s"].required and b.attributes["s"].constraints.pattern == "^a"
    assert b.attributes["c"].constraints.allowed == ("x",)
    assert b.attributes["p"].sensitive
    assert b.own_attributes == ("o", "n", "s", "c", "p")
    assert not model.cls("m/A").attributes["o"].required


def test_shared_attributes_via_use(ck: Any) -> None:
    model = ck.compile(
        {
            "m/a.yaml": """
                attributes:
                  Code: {type: string, max_length: 34, pattern: "^[A-Z]{2}"}
                  Iban: {use: Code, sensitive: true}
                classes:
                  A:
                    extends: Entity
                    attributes:
                      iban: {use: Iban, required: true}
            """
        }
    )
    iban = model.cls("m/A").attributes["iban"]
    assert iban.shared == "m/Iban" and iban.required and iban.sensitive
    assert iban.constraints.max_length == 34 and iban.type.kind.value == "string"
    assert set(model.shared_attributes) == {"m/Code", "m/Iban"}


def test_use_cannot_change_the_type_and_must_exist(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                attributes:
                  Iban: {type: string, max_length: 34}
                  Loop: {use: Loop}
                classes:
                  A:
                    extends: Entity
                    attributes:
                      bad: {use: Iban, type: int}
                      unk: {use: Ibn}
            """
        },
        ("m/a.yaml:3:15: error[use-cycle] attributes.Loop.use:", "uses itself"),
        (
            "m/a.yaml:8:30: error[illegal-override] classes.A.attributes.bad.type:",
            "cannot change the type of shared attribute m/Iban (string) to int",
        ),
        (
            "m/a.yaml:9:18: error[unknown-reference] classes.A.attributes.unk.use:",
            "unknown shared attribute 'Ibn'",
            "did you mean 'Iban'?",
        ),
    )


def test_override_of_a_broken_attribute_adds_no_noise(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  A:
                    extends: Entity
                    abstract: true
                    display: "{kind}"
                    attributes: {kind: {type: enum, enum: Kindd}}
                    indexes: [{attributes: [kind]}]
                  B: {extends: A, attributes: {kind: {required: true}}}
            """
        },
        ("m/a.yaml:6:43: error[unknown-reference] classes.A.attributes.kind.enum:", "Kindd"),
    )
