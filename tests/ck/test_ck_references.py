"""References: unknown (with a suggestion), ambiguous, wrong kind, undeclared dependency."""

from __future__ import annotations

from typing import Any

TWO_BASES = {
    "x/model.yaml": "ck: 1\nname: x\nversion: 1.0.0\n",
    "x/a.yaml": "classes:\n  Base: {abstract: true}\n",
    "y/model.yaml": "ck: 1\nname: y\nversion: 1.0.0\n",
    "y/a.yaml": "classes:\n  Base: {abstract: true}\n",
}


def test_unknown_reference_suggests_the_close_name(ck: Any) -> None:
    ck.expect(
        {"m/a.yaml": "classes:\n  A: {extends: Entty}\n"},
        (
            "m/a.yaml:2:16: error[unknown-reference] classes.A.extends:",
            "unknown class 'Entty'",
            "did you mean 'system/Entity'?",
        ),
    )


def test_unknown_enum_in_own_model(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                enums:
                  Colour: {values: {red: {key: 1}}}
                classes:
                  A:
                    extends: Entity
                    attributes:
                      c: {type: enum, enum: Color}
            """
        },
        (
            "m/a.yaml:7:29: error[unknown-reference] classes.A.attributes.c.enum:",
            "unknown enum 'Color'",
            "did you mean 'Colour'?",
        ),
    )


def test_ambiguous_short_reference_across_two_dependencies(ck: Any) -> None:
    files = {
        **TWO_BASES,
        "m/model.yaml": ck.manifest("m", system=">=1", x=">=1", y=">=1"),
        "m/a.yaml": "classes:\n  A: {extends: Base}\n  B: {extends: x/Base}\n",
    }
    ck.expect(
        files,
        (
            "m/a.yaml:2:16: error[ambiguous-reference] classes.A.extends:",
            "'Base' is ambiguous",
            "x/Base or y/Base",
        ),
    )


def test_own_model_wins_over_dependencies(ck: Any) -> None:
    files = {
        **TWO_BASES,
        "m/model.yaml": ck.manifest("m", system=">=1", x=">=1", y=">=1"),
        "m/a.yaml": "classes:\n  Base: {abstract: true}\n  A: {extends: Base}\n",
    }
    assert ck.compile(files).cls("m/A").extends == "m/Base"


def test_wrong_kind_enum_used_as_class(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  A:
                    extends: EntityState
                  B:
                    extends: Entity
                    associations:
                      s: {target: system/EntityState, inverse: b}
            """
        },
        (
            "m/a.yaml:3:14: error[wrong-kind] classes.A.extends:",
            "'EntityState' is an enum, not a class",
        ),
        (
            "m/a.yaml:7:19: error[wrong-kind] classes.B.associations.s.target:",
            "'system/EntityState' is an enum, not a class",
        ),
    )


def test_undeclared_dependency(ck: Any) -> None:
    files = {**TWO_BASES, "m/a.yaml": "classes:\n  A: {extends: x/Base}\n"}
    ck.expect(
        files,
        (
            "m/a.yaml:2:16: error[undeclared-dependency] classes.A.extends:",
            "'x/Base' belongs to model 'x'",
            "does not list under dependencies",
        ),
    )


def test_duplicate_element_across_two_files(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": "classes:\n  A: {extends: Entity}\n",
            "m/b.yaml": "enums:\n  E: {values: {a: {key: 1}}}\n  A: {values: {a: {key: 1}}}\n",
        },
        (
            "m/b.yaml:3:3: error[duplicate-element] enums.A:",
            "'A' is already defined in this model",
            "class at m/a.yaml:2",
        ),
    )
