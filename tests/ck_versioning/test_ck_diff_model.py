"""diff_models beyond single rules: the manifest, dependencies, enum extensions, the data a
Change carries, ordering and JSON."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from ckv_support import BASE, D, Make, S, apply, compile_folder, write_model

from meshkit.ck import Attribute, CompiledModel, TypeRef
from meshkit.ck.diff import Action, Bump, Change, ElementKind, diff_models

DEP_ELEMENTS = {
    "enums": {"Fuel": {"extensible": True, "values": {"gas": {"key": 1}}}},
    "classes": {"Asset": {"extends": "system/Entity", "abstract": True}},
}
USER_ELEMENTS = {
    "enum_extensions": {"base/Fuel": {"values": {"wood": {"key": 10}}}},
    "classes": {"Plant": {"extends": "base/Asset"}},
}


def _library(tmp_path: Path) -> Path:
    """A library with base 1.0.0, 1.1.0 and 2.0.0."""
    library = tmp_path / "library"
    for version in ("1.0.0", "1.1.0", "2.0.0"):
        write_model(library / f"base-{version}", DEP_ELEMENTS, name="base", version=version)
    return library


def _user(tmp_path: Path, sub: str, elements: dict[str, object], deps: dict[str, str]) -> Path:
    return write_model(
        tmp_path / sub / "user", elements, name="user", dependencies={"system": ">=1", **deps}
    )


def test_no_changes(base_model: CompiledModel, make: Make) -> None:
    diff = diff_models(base_model, make(BASE, version="1.0.1"))
    assert diff.changes == ()
    assert diff.required_bump == "none"
    assert (diff.old_version, diff.new_version) == ("1.0.0", "1.0.1")


def test_manifest_description_and_label_are_patch(base_model: CompiledModel, make: Make) -> None:
    new = make(BASE, manifest={"description": "Energy community", "label": "EC"})
    changes = diff_models(base_model, new).changes
    assert {(c.kind, c.path, c.aspect, c.bump) for c in changes} == {
        (ElementKind.MODEL, "ec", "description", Bump.PATCH),
        (ElementKind.MODEL, "ec", "label", Bump.PATCH),
    }


def test_behaviours_package_is_minor(base_model: CompiledModel, make: Make) -> None:
    new = make(BASE, manifest={"behaviours": "ec_behaviours"})
    [change] = diff_models(base_model, new).changes
    assert (change.kind, change.aspect, change.bump) == (
        ElementKind.MODEL,
        "behaviours",
        Bump.MINOR,
    )


def test_dependency_version_and_range(tmp_path: Path) -> None:
    library = _library(tmp_path)
    old = compile_folder(_user(tmp_path, "a", USER_ELEMENTS, {"base": ">=1,<1.1"}), [library])
    same_major = compile_folder(_user(tmp_path, "b", USER_ELEMENTS, {"base": ">=1,<2"}), [library])
    next_major = compile_folder(_user(tmp_path, "c", USER_ELEMENTS, {"base": ">=2"}), [library])
    assert old.models["user"].resolved["base"] == "1.0.0"

    minor = {
        (c.kind, c.path, c.aspect, c.old, c.new, c.bump)
        for c in diff_models(old, same_major).changes
    }
    assert minor == {
        (ElementKind.DEPENDENCY, "base", "range", ">=1,<1.1", ">=1,<2", Bump.MINOR),
        (ElementKind.DEPENDENCY, "base", "version", "1.0.0", "1.1.0", Bump.MINOR),
    }
    major = diff_models(old, next_major)
    assert major.required_bump == "major"
    [version] = [c for c in major.changes if c.aspect == "version"]
    assert (version.old, version.new, version.bump) == ("1.0.0", "2.0.0", Bump.MAJOR)
    # the elements of a dependency are not the model's own: only its version is compared
    assert all(c.kind is ElementKind.DEPENDENCY for c in major.changes)


def test_dependency_added_and_removed(tmp_path: Path) -> None:
    library = _library(tmp_path)
    without = compile_folder(_user(tmp_path, "a", {}, {}), [library])
    with_base = compile_folder(_user(tmp_path, "b", {}, {"base": ">=1"}), [library])
    [added] = diff_models(without, with_base).changes
    assert (added.kind, added.action, added.path, added.bump) == (
        ElementKind.DEPENDENCY,
        Action.ADDED,
        "base",
        Bump.MINOR,
    )
    assert added.new == {"range": ">=1", "version": "2.0.0"}
    [removed] = diff_models(with_base, without).changes
    assert (removed.action, removed.bump) == (Action.REMOVED, Bump.MINOR)


def test_enum_extension_values_belong_to_the_extending_model(tmp_path: Path) -> None:
    library = _library(tmp_path)
    deps = {"base": ">=1,<2"}
    old = compile_folder(_user(tmp_path, "a", USER_ELEMENTS, deps), [library])
    more = apply(USER_ELEMENTS, [S("enum_extensions.base/Fuel.values.pellets", {"key": 11})])
    fewer = apply(USER_ELEMENTS, [D("enum_extensions")])
    with_more = compile_folder(_user(tmp_path, "b", more, deps), [library])
    with_fewer = compile_folder(_user(tmp_path, "c", fewer, deps), [library])
    [added] = diff_models(old, with_more).changes
    assert (added.kind, added.path, added.bump) == (
        ElementKind.ENUM_VALUE,
        "base/Fuel.pellets",
        Bump.MINOR,
    )
    [removed] = diff_models(old, with_fewer).changes
    assert (removed.path, removed.action, removed.bump) == (
        "base/Fuel.wood",
        Action.REMOVED,
        Bump.MAJOR,
    )


def test_changes_carry_structured_data(base_model: CompiledModel, make: Make) -> None:
    new = make(
        apply(
            BASE,
            [
                S("classes.Participant.attributes.share.max", 500),
                S("classes.Participant.attributes.phone", {"type": "string", "max_length": 20}),
                S("classes.Participant.attributes.name.type", "text"),
            ],
        )
    )
    by_path = {(c.path, c.aspect): c for c in diff_models(base_model, new).changes}
    bound = by_path["ec/Participant.share", "max"]
    assert (bound.owner, bound.member, bound.action) == ("ec/Participant", "share", Action.CHANGED)
    assert (str(bound.old), str(bound.new)) == ("1000", "500")
    added = by_path["ec/Participant.phone", None]
    assert isinstance(added.new, Attribute) and added.old is None
    assert added.new.constraints.max_length == 20
    type_change = by_path["ec/Participant.name", "type"]
    assert isinstance(type_change.old, TypeRef) and type_change.new.kind == "text"
    assert type_change.summary == "type: string -> text"


def test_series_code_names_class_series_and_code(base_model: CompiledModel, make: Make) -> None:
    new = make(apply(BASE, [S("classes.Participant.series.consumption.codes", ["c1"])]))
    [change] = diff_models(base_model, new).changes
    assert (change.owner, change.member, change.item) == ("ec/Participant", "consumption", "c2")


def test_changes_are_frozen_and_sorted(base_model: CompiledModel, make: Make) -> None:
    ops = [
        D("classes.Room"),
        D("classes.Site.associations"),
        S("classes.Participant.attributes.zeta", "string"),
        S("classes.Participant.attributes.alpha", "string"),
        S("enums.Kind.values.public", {"key": 3}),
        S("classes.Company.final", True),
    ]
    new = make(apply(BASE, ops))
    diff = diff_models(base_model, new)
    assert list(diff.changes) == sorted(diff.changes, key=lambda c: c.sort_key)
    assert [c.path for c in diff.changes] == [
        "ec/Company",
        "ec/Kind.public",
        "ec/Participant.alpha",
        "ec/Participant.zeta",
        "ec/Room",
        "ec/Site.rooms",
    ]
    assert diff_models(base_model, new) == diff  # deterministic
    with pytest.raises(dataclasses.FrozenInstanceError):
        diff.changes[0].bump = Bump.PATCH  # type: ignore[misc]
    assert isinstance(hash(diff.changes[0]), int)
    assert diff.with_bump(Bump.MAJOR) == tuple(c for c in diff.changes if c.bump is Bump.MAJOR)


def test_json_is_complete_and_serialisable(base_model: CompiledModel, make: Make) -> None:
    new = make(
        apply(BASE, [D("classes.Company"), S("classes.Participant.attributes.share.max", 10.5)]),
        version="2.0.0",
    )
    data = json.loads(json.dumps(diff_models(base_model, new).to_json()))
    assert (data["model"], data["old_version"], data["new_version"]) == ("ec", "1.0.0", "2.0.0")
    assert data["required_bump"] == "major"
    removed, bound = data["changes"]
    assert removed["kind"] == "class" and removed["action"] == "removed"
    assert removed["old"]["qid"] == "ec/Company" and "location" not in removed["old"]
    assert (bound["aspect"], bound["old"], bound["new"], bound["bump"]) == (
        "max",
        "1000",
        "10.5",
        "major",
    )
    assert bound["reason"]


def test_different_models_cannot_be_compared(base_model: CompiledModel, make: Make) -> None:
    other = make({}, name="other")
    with pytest.raises(ValueError, match="two different models"):
        diff_models(base_model, other)


def test_change_str_mentions_bump_and_path() -> None:
    change = Change(Bump.MAJOR, ElementKind.CLASS, Action.REMOVED, "ec/X", "ec/X")
    assert str(change).split() == ["major", "class", "ec/X:", "removed"]
