"""YAML syntax and the JSON Schema: every problem is located at its key or value."""

from __future__ import annotations

from typing import Any


def test_yaml_syntax_error(ck: Any) -> None:
    ck.expect(
        {"m/a.yaml": "classes:\n  A: [\n"},
        ("m/a.yaml:3:1: error[yaml-syntax]", "invalid YAML", "node content"),
    )


def test_duplicate_yaml_key(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  A: {extends: Entity}
                  A: {extends: Entity, abstract: true}
            """
        },
        (
            "m/a.yaml:3:3: error[duplicate-key] classes.A:",
            "key 'A' appears twice",
            "first at line 2",
        ),
    )


def test_every_unknown_key_with_did_you_mean(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  A:
                    extends: Entity
                    atributes: {}
                    abstrct: true
                clases: {}
            """
        },
        ("m/a.yaml:4:5: error[schema] classes.A.atributes:", "did you mean 'attributes'?"),
        ("m/a.yaml:5:5: error[schema] classes.A.abstrct:", "did you mean 'abstract'?"),
        ("m/a.yaml:6:1: error[schema] clases:", "unknown key 'clases'", "'classes'"),
    )


def test_unknown_key_without_close_match_lists_allowed(ck: Any) -> None:
    ck.expect(
        {"m/a.yaml": "enums:\n  E: {values: {a: {key: 1}}, zzz: 1}\n"},
        ("m/a.yaml:2:30: error[schema] enums.E.zzz:", "unknown key 'zzz'", "allowed here"),
    )


def test_bad_names_point_at_the_key(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  Good:
                    extends: Entity
                    attributes:
                      fine: string
                      CamelAttr: string
                  lower: {extends: Entity}
            """
        },
        (
            "m/a.yaml:6:7: error[schema] classes.Good.attributes.CamelAttr:",
            "'CamelAttr' is not a valid name",
            "snake_case",
        ),
        (
            "m/a.yaml:7:3: error[schema] classes.lower:",
            "'lower' is not a valid name",
            "CamelCase",
        ),
    )


def test_missing_required_keys(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                enums:
                  E: {label: e}
                classes:
                  A:
                    extends: Entity
                    associations:
                      b: {target: A}
            """
        },
        ("m/a.yaml:2:6: error[schema] enums.E:", "missing required key 'values'"),
        (
            "m/a.yaml:7:10: error[schema] classes.A.associations.b:",
            "missing required key 'inverse'",
        ),
    )


def test_wrong_types(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  A:
                    extends: Entity
                    abstract: 3
                    indexes: {attributes: [x]}
                    attributes:
                      x: {type: strin}
            """
        },
        ("m/a.yaml:4:15: error[schema] classes.A.abstract:", "expected true or false, got '3'"),
        ("m/a.yaml:5:14: error[schema] classes.A.indexes:", "expected a list, got a mapping"),
        (
            "m/a.yaml:7:17: error[schema] classes.A.attributes.x.type:",
            "'strin' is not one of",
            "did you mean 'string'?",
        ),
    )


def test_bad_manifest(ck: Any) -> None:
    ck.expect(
        {"m/model.yaml": "ck: 2\nname: M\nversion: '1.0'\nfoo: 1\n"},
        ("m/model.yaml:1:5: error[schema] ck:", "must be 1, got 2"),
        ("m/model.yaml:2:7: error[schema] name:", "'M' is not valid", "snake_case"),
        ("m/model.yaml:3:10: error[schema] version:", "'1.0' is not valid"),
        ("m/model.yaml:4:1: error[schema] foo:", "unknown key 'foo'"),
    )


def test_schema_error_leaves_only_its_element_out(ck: Any) -> None:
    # B is broken; A in the same file is still checked, and C (extending B) adds no noise.
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  A: {extends: Entity, attributes: {x: {type: int, default: a}}}
                  B: {extends: Entity, abstract: yes please}
                  C: {extends: B}
            """
        },
        ("m/a.yaml:2:61: error[invalid-default] classes.A.attributes.x.default:", "not a whole"),
        ("m/a.yaml:3:34: error[schema] classes.B.abstract:", "expected true or false"),
    )


def test_an_unquoted_version_is_told_to_be_quoted(ck: Any) -> None:
    # YAML reads `version: 1.0` as a float; the message must say why "1.0" is not text.
    ck.expect(
        {"m/model.yaml": "ck: 1\nname: m\nversion: 1.0\n"},
        ("m/model.yaml:3:10: error[schema] version:", "expected a text", "put it in quotes"),
    )


def test_a_missing_folder_is_named_as_such(ck: Any, tmp_path: Any) -> None:
    from meshkit.ck import check_model

    model, problems = check_model(tmp_path / "nowhere")
    assert model is None
    assert [(p.code, p.message) for p in problems] == [("no-manifest", "no such folder")]
