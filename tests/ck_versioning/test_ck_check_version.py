"""check_version: the declared semver bump against the bump the changes need."""

from __future__ import annotations

import pytest
from ckv_support import BASE, D, Make, S, apply

from meshkit.ck import CompiledModel
from meshkit.ck.diff import (
    Action,
    Bump,
    Change,
    ElementKind,
    ModelDiff,
    check_version,
    declared_bump,
    next_version,
    version_problems,
)


def _change(bump: Bump, path: str) -> Change:
    return Change(bump, ElementKind.ATTRIBUTE, Action.CHANGED, path, "m/C", aspect="x")


def _diff(old: str, new: str, *bumps: Bump) -> ModelDiff:
    changes = tuple(_change(b, f"m/C.a{i}") for i, b in enumerate(bumps))
    return ModelDiff("m", old, new, changes)


@pytest.mark.parametrize(
    ("old", "new", "bumps", "ok"),
    [
        ("1.0.0", "1.0.0", (), True),  # nothing changed, nothing declared
        ("1.0.0", "1.0.1", (), True),  # a bump without changes is allowed
        ("1.0.0", "1.0.1", (Bump.PATCH,), True),
        ("1.0.0", "1.1.0", (Bump.PATCH, Bump.MINOR), True),
        ("1.0.0", "2.0.0", (Bump.MAJOR, Bump.MINOR), True),
        ("1.0.0", "2.0.0", (Bump.PATCH,), True),  # bigger than needed is fine
        ("1.0.0", "1.0.0", (Bump.PATCH,), False),  # changed but not bumped
        ("1.0.0", "1.0.1", (Bump.MINOR,), False),
        ("1.0.0", "1.1.0", (Bump.MAJOR,), False),
        ("1.4.2", "1.5.0", (Bump.MAJOR,), False),
        # 0.y.z: the minor step may break, a patch step may add
        ("0.3.0", "0.4.0", (Bump.MAJOR,), True),
        ("0.3.0", "0.3.1", (Bump.MINOR,), True),
        ("0.3.0", "0.3.1", (Bump.MAJOR,), False),
        ("0.3.0", "0.3.0", (Bump.PATCH,), False),
        ("0.3.0", "1.0.0", (Bump.MAJOR,), True),
    ],
)
def test_declared_against_required(old: str, new: str, bumps: tuple[Bump, ...], ok: bool) -> None:
    problems = version_problems(_diff(old, new, *bumps))
    assert (problems == []) is ok


def test_too_small_bump_lists_the_changes_that_need_more() -> None:
    diff = _diff("1.0.0", "1.1.0", Bump.MINOR, Bump.MAJOR, Bump.PATCH, Bump.MAJOR)
    [problem] = version_problems(diff)
    assert "1.0.0 -> 1.1.0 is a minor step" in problem.message
    assert "need a major step" in problem.message
    assert "2.0.0" in problem.message  # the version to use
    assert [c.path for c in problem.changes] == ["m/C.a1", "m/C.a3"]
    assert "major: attribute m/C.a1" in str(problem)


def test_unchanged_version_with_changes() -> None:
    [problem] = version_problems(_diff("1.2.3", "1.2.3", Bump.PATCH, Bump.MINOR))
    assert "did not change (1.2.3)" in problem.message
    assert "1.3.0" in problem.message
    assert len(problem.changes) == 2  # every change needs more than no bump


def test_version_going_down_is_an_error() -> None:
    [problem] = version_problems(_diff("1.2.0", "1.1.9"))
    assert "went down" in problem.message


def test_zero_major_message_explains_the_rule() -> None:
    [problem] = version_problems(_diff("0.2.0", "0.2.1", Bump.MAJOR))
    assert "0.x" in problem.message and "0.3.0" in problem.message


@pytest.mark.parametrize(
    ("old", "new", "bump"),
    [
        ("1.0.0", "1.0.0", Bump.NONE),
        ("1.0.0", "1.0.5", Bump.PATCH),
        ("1.0.0", "1.2.0", Bump.MINOR),
        ("1.9.9", "2.0.0", Bump.MAJOR),
        ("1.0.0", "0.9.0", None),
    ],
)
def test_declared_bump(old: str, new: str, bump: Bump | None) -> None:
    assert declared_bump(old, new) == bump


def test_next_version() -> None:
    assert [next_version("1.2.3", b) for b in Bump] == ["1.2.3", "1.2.4", "1.3.0", "2.0.0"]


def test_check_version_on_compiled_models(base_model: CompiledModel, make: Make) -> None:
    removal = apply(BASE, [D("classes.Company")])
    addition = apply(BASE, [S("classes.Participant.attributes.phone", "string")])
    [problem] = check_version(base_model, make(removal, version="1.1.0"))
    assert [(c.path, c.bump) for c in problem.changes] == [("ec/Company", Bump.MAJOR)]
    assert check_version(base_model, make(removal, version="2.0.0")) == []
    assert check_version(base_model, make(addition, version="1.1.0")) == []
    assert check_version(base_model, make(BASE)) == []  # same version, no changes
    [problem] = check_version(base_model, make(addition))
    assert "did not change" in problem.message
