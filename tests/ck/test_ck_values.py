"""Attribute types, constraints and literal values (defaults, allowed values, bounds)."""

from __future__ import annotations

from typing import Any


def test_type_and_value_rules(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                enums:
                  Col: {values: {red: {key: 1}, green: {key: 2}}}
                classes:
                  A:
                    extends: Entity
                    attributes:
                      d1: decimal
                      d2: {type: decimal, precision: 4, scale: 5}
                      s1: {type: string, precision: 3}
                      x1: {type: int, default: "a"}
                      x2: {type: int, min: 0, max: 5, default: 7}
                      x3: {type: enum, enum: Col, default: blue}
                      x4: {type: decimal, precision: 5, scale: 2, default: 1.234}
                      x5: {type: string, pattern: "([a-"}
                      x6: {type: int, min: 5, max: 1}
                      x7: {type: int, allowed: [1, "two"]}
                      x8: {type: date, min: "2020-01-01", default: "2019-01-01"}
                      x9: {type: string, min_length: 5, max_length: 2}
                      y1: {type: bool, max_length: 3}
            """
        },
        ("m/a.yaml:7:11: error[decimal-size] classes.A.attributes.d1:", "needs 'precision'"),
        ("m/a.yaml:8:48: error[decimal-size] classes.A.attributes.d2.scale:", "scale 5 is larger"),
        (
            "m/a.yaml:9:26: error[misplaced-key] classes.A.attributes.s1.precision:",
            "'precision' applies only to type decimal, not string",
        ),
        ("m/a.yaml:10:32: error[invalid-default] classes.A.attributes.x1.default:", "whole"),
        ("m/a.yaml:11:48: error[invalid-default] classes.A.attributes.x2.default:", "above"),
        (
            "m/a.yaml:12:44: error[invalid-default] classes.A.attributes.x3.default:",
            "'blue' is not a value of m/Col (red, green)",
        ),
        (
            "m/a.yaml:13:60: error[invalid-default] classes.A.attributes.x4.default:",
            "more than 2 decimal places",
        ),
        (
            "m/a.yaml:14:35: error[invalid-constraint] classes.A.attributes.x5.pattern:",
            "not a valid regular expression",
        ),
        ("m/a.yaml:15:28: error[invalid-constraint] classes.A.attributes.x6.min:", "min 5 is"),
        (
            "m/a.yaml:16:32: error[invalid-constraint] classes.A.attributes.x7.allowed:",
            "allowed value 2: 'two' is not a whole number",
        ),
        ("m/a.yaml:17:52: error[invalid-default] classes.A.attributes.x8.default:", "below"),
        (
            "m/a.yaml:18:38: error[invalid-constraint] classes.A.attributes.x9.min_length:",
            "min_length 5 is larger than max_length 2",
        ),
        (
            "m/a.yaml:19:36: error[invalid-constraint] classes.A.attributes.y1.max_length:",
            "not bool",
        ),
    )


def test_valid_values_compile(ck: Any) -> None:
    model = ck.compile(
        {
            "m/a.yaml": """
                records:
                  Geo: {attributes: {lat: {type: float, required: true}, lon: float}}
                classes:
                  A:
                    extends: Entity
                    attributes:
                      amount: {type: decimal, precision: 12, scale: 2, default: "10.50", min: 0}
                      at: {type: datetime, default: "2024-01-01T00:00:00Z"}
                      every: {type: duration, default: PT15M}
                      tags: {type: list, items: string, default: [a, b]}
                      geo: {type: record, record: Geo, default: {lat: 1.5}}
                      kind: {type: string, allowed: [a, b], default: a}
            """
        }
    )
    attrs = model.cls("m/A").attributes
    assert str(attrs["amount"].type) == "decimal(12,2)"
    assert attrs["tags"].default == ("a", "b")
    assert attrs["geo"].default["lat"] == 1.5
    assert attrs["kind"].constraints.allowed == ("a", "b")


def test_datetime_without_zone_and_record_default_missing_field(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                records:
                  Geo: {attributes: {lat: {type: float, required: true}}}
                classes:
                  A:
                    extends: Entity
                    attributes:
                      at: {type: datetime, default: "2024-01-01T00:00:00"}
                      geo: {type: record, record: Geo, default: {}}
            """
        },
        ("m/a.yaml:7:37: error[invalid-default] classes.A.attributes.at.default:", "time zone"),
        ("m/a.yaml:8:49: error[invalid-default] classes.A.attributes.geo.default:", "lat"),
    )
