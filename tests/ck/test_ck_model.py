"""The whole run: all errors at once, the immutable result, the shipped models and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from meshkit.apps.cli import app
from meshkit.ck import CkError, compile_model

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"

BROKEN = {
    "m/a.yaml": """
        classes:
          A:
            extends: Entity
            attributes:
              n: {type: int, default: x}
              d: decimal
          B: {extends: Nope}
    """,
    "m/b.yaml": """
        enums:
          E: {values: {a: {key: 1}, b: {key: 1}}}
        classes:
          C:
            extends: Entity
            indexes: [{attributes: [missing]}]
            atributes: {}
    """,
}


def test_all_errors_of_a_run_are_reported(ck: Any) -> None:
    ck.expect(
        BROKEN,
        ("m/a.yaml:5:31: error[invalid-default] classes.A.attributes.n.default:", "whole"),
        ("m/a.yaml:6:10: error[decimal-size] classes.A.attributes.d:", "precision"),
        ("m/a.yaml:7:16: error[unknown-reference] classes.B.extends:", "'Nope'"),
        ("m/b.yaml:2:38: error[duplicate-key-value] enums.E.values.b.key:", "key 1"),
        ("m/b.yaml:7:5: error[schema] classes.C.atributes:", "did you mean 'attributes'?"),
    )


def test_compile_model_raises_with_every_diagnostic(ck: Any) -> None:
    with pytest.raises(CkError) as raised:
        compile_model(ck.write(BROKEN))
    assert len(raised.value.diagnostics) == 5
    assert "5 errors in the construction kit" in str(raised.value)


def test_compiled_model_is_immutable(ck: Any) -> None:
    model = ck.compile(
        {
            "m/a.yaml": """
                classes:
                  A:
                    extends: Entity
                    metadata: {tags: [a]}
                    attributes:
                      tags: {type: list, items: string, default: [a]}
                      data: {type: json, default: {a: [1]}}
            """
        }
    )
    a = model.cls("m/A")
    attempts = [
        lambda: setattr(model, "root", "x"),
        lambda: setattr(a, "abstract", True),
        lambda: model.classes.__setitem__("m/X", a),  # type: ignore[index]
        lambda: a.attributes.pop("tags"),  # type: ignore[attr-defined]
        lambda: a.attributes["tags"].default.append("b"),
        lambda: a.attributes["data"].default.__setitem__("b", 1),
        lambda: a.metadata["tags"].append("b"),
        lambda: model.enum("system/EntityState").values.clear(),  # type: ignore[attr-defined]
        lambda: model.models["m"].dependencies.__setitem__("x", "1"),  # type: ignore[index]
    ]
    for attempt in attempts:
        with pytest.raises((TypeError, AttributeError, ValueError)):
            attempt()
    assert model.model_dump(mode="json")["classes"]["m/A"]["attributes"]["tags"]["default"] == ["a"]


def test_system_model_compiles() -> None:
    model = compile_model(MODELS / "system")
    assert model.root == "system"
    assert model.cls("Tenant").ancestors == ("system/NamedEntity", "system/Entity")


def test_energy_community_model_compiles() -> None:
    folder = MODELS / "energy_community"
    if not (folder / "model.yaml").is_file():
        pytest.skip("models/energy_community is not written yet")
    model = compile_model(folder)
    assert model.root == "energy_community" and "system" in model.models


def test_cli_validate_prints_located_errors_and_exits_1(ck: Any) -> None:
    folder = ck.write(BROKEN)
    result = CliRunner().invoke(app, ["ck", "validate", str(folder)])
    assert result.exit_code == 1
    output = result.output
    assert "Traceback" not in output
    assert "m/a.yaml:7:16: error" in output
    assert "classes.B.extends: unknown class 'Nope'" in output
    assert "m/b.yaml:7:5: error" in output
    assert "classes.C.atributes: unknown key 'atributes' (did you mean 'attributes'?)" in output
    assert "5 errors" in output


def test_cli_prints_the_error_code(ck: Any) -> None:
    folder = ck.write(BROKEN)
    result = CliRunner().invoke(app, ["ck", "validate", str(folder)])
    assert "m/a.yaml:7:16: error[unknown-reference] classes.B.extends:" in result.output


def test_cli_validate_ok(ck: Any) -> None:
    folder = ck.write({"m/a.yaml": "classes:\n  A: {extends: Entity}\n"})
    result = CliRunner().invoke(app, ["ck", "validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert "ok m 1.0.0: 1 classes" in result.output
