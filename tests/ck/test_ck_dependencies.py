"""Choosing dependency versions: missing, unsatisfiable, conflicting, invalid ranges, cycles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CLASS = "classes:\n  A: {extends: system/Entity}\n"
#: The built-in system model's version (the library the tests compile against).
SYSTEM_VERSION = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "models" / "system" / "model.yaml").read_text()
)["version"]


def test_missing_dependency(ck: Any) -> None:
    ck.expect(
        {"m/model.yaml": ck.manifest("m", system=">=1", nope=">=1"), "m/a.yaml": CLASS},
        (
            "m/model.yaml:6:9: error[dependency-missing] dependencies.nope:",
            "depends on model 'nope', which is not on the library path",
        ),
    )


def test_range_no_version_satisfies(ck: Any) -> None:
    ck.expect(
        {"m/model.yaml": ck.manifest("m", system=">=2"), "m/a.yaml": CLASS},
        (
            "m/model.yaml:5:11: error[dependency-unsatisfied] dependencies.system:",
            f"no version of 'system' satisfies >=2 (available: {SYSTEM_VERSION})",
        ),
    )


def test_invalid_range_text(ck: Any) -> None:
    ck.expect(
        {"m/model.yaml": ck.manifest("m", system="one or two"), "m/a.yaml": CLASS},
        (
            "m/model.yaml:5:11: error[dependency-range] dependencies.system:",
            "'one or two' is not a version range",
        ),
    )


def _versions(ck: Any) -> dict[str, str]:
    entity = "enums:\n  Kind: {values: {a: {key: 1}}}\nclasses:\n  Entity: {abstract: true}\n"
    files = {}
    for folder, version in (("s1", "1.0.0"), ("s15", "1.5.0"), ("s2", "2.0.0")):
        files[f"{folder}/model.yaml"] = ck.manifest("system", version)
        files[f"{folder}/e.yaml"] = entity
    return files


def test_newest_satisfying_version_is_chosen(ck: Any) -> None:
    files = {
        **_versions(ck),
        "m/model.yaml": ck.manifest("m", system=">=1,<2"),
        "m/a.yaml": CLASS,
    }
    model = ck.compile(files, system=False)
    assert model.models["system"].version == "1.5.0"
    assert model.models["m"].resolved["system"] == "1.5.0"
    assert model.models["system"].path == "s15"


def test_an_older_version_is_chosen_when_the_newest_conflicts(ck: Any) -> None:
    # x 2.0 needs system >= 2, which m refuses; x 1.0 works with system 1.5.
    files = {
        **_versions(ck),
        "x2/model.yaml": ck.manifest("x", "2.0.0", system=">=2"),
        "x1/model.yaml": ck.manifest("x", "1.0.0", system=">=1"),
        "m/model.yaml": ck.manifest("m", system="<2", x=">=1"),
        "m/a.yaml": CLASS,
    }
    model = ck.compile(files, system=False)
    assert (model.models["x"].version, model.models["system"].version) == ("1.0.0", "1.5.0")


def test_conflicting_ranges_are_reported_at_both(ck: Any) -> None:
    files = {
        **_versions(ck),
        "m/model.yaml": ck.manifest("m", system=">=1.2", x=">=1"),
        "m/a.yaml": CLASS,
        "x/model.yaml": ck.manifest("x", system="<1.2"),
    }
    found = ck.check(files, system=False)
    assert len(found) == 2
    assert found[0].startswith(
        "m/model.yaml:5:11: error[dependency-unsatisfied] dependencies.system:"
    )
    assert "together with x needs <1.2" in found[0]
    assert found[1].startswith(
        "x/model.yaml:5:11: error[dependency-unsatisfied] dependencies.system:"
    )
    assert "together with m needs >=1.2" in found[1]


def test_dependency_cycle(ck: Any) -> None:
    ck.expect(
        {
            "m/model.yaml": ck.manifest("m", system=">=1", x=">=1"),
            "m/a.yaml": CLASS,
            "x/model.yaml": ck.manifest("x", m=">=1"),
        },
        (
            "m/model.yaml:6:3: error[dependency-cycle] dependencies.x:",
            "models depend on each other in a cycle: m -> x -> m",
        ),
    )


def test_a_broken_sibling_is_not_our_problem(ck: Any) -> None:
    # m2 starts with m's name; its broken manifest must not be reported for m.
    files = {"m/a.yaml": CLASS, "m2/model.yaml": "ck: [\n"}
    assert ck.check(files) == []


def test_a_missing_dependency_with_a_broken_manifest_shows_why(ck: Any) -> None:
    files = {
        "m/model.yaml": ck.manifest("m", system=">=1", x=">=1"),
        "m/a.yaml": CLASS,
        "x/model.yaml": "ck: 1\nname: x\n",
    }
    ck.expect(
        files,
        ("m/model.yaml:6:6: error[dependency-missing] dependencies.x:", "'x'"),
        ("x/model.yaml:1:1: error[schema]", "missing required key 'version'"),
    )
