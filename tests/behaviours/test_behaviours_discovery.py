"""Discovery: entry points and dotted paths resolved once per model; every reference that
leads nowhere reported with the file:line of the construction kit that names it."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import bh_behaviours
import pytest
from bh_plugin import CommunityRules

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import (
    BehaviourRegistry,
    BehaviourResolutionError,
    Repository,
    create_engine,
)

HERE = Path(__file__).parent
BROKEN = HERE / "models" / "bh_broken"


@pytest.fixture(scope="module")
def broken_model() -> CompiledModel:
    return compile_model(BROKEN, library_paths=[HERE.parents[1] / "models"])


def _line_of(text: str) -> int:
    lines = (BROKEN / "elements.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def test_entry_points_and_dotted_paths_are_resolved(bh_model: CompiledModel) -> None:
    registry = BehaviourRegistry.for_model(bh_model)
    community = registry.of("bh_grid/Community").behaviours
    assert [b.name for b in community] == ["bh_behaviours:Recorder", "bh.community"]
    assert isinstance(community[0].behaviour, bh_behaviours.Recorder)  # dotted path
    assert isinstance(community[1].behaviour, CommunityRules)  # entry point of bh-plugin
    assert not community[1].ref.is_path
    local = registry.of("bh_grid/LocalCommunity").behaviours
    assert [b.name for b in local] == [*(b.name for b in community), "bh_behaviours:LocalRules"]
    assert registry.of("bh_grid/Meter").behaviours == ()


def test_one_instance_per_reference_shared_by_subclasses(bh_model: CompiledModel) -> None:
    registry = BehaviourRegistry.for_model(bh_model)
    parent = registry.of("bh_grid/Community").behaviours[0].behaviour
    assert registry.of("bh_grid/LocalCommunity").behaviours[0].behaviour is parent


def test_unresolvable_references_are_all_reported_with_file_and_line(
    broken_model: CompiledModel,
) -> None:
    with pytest.raises(BehaviourResolutionError) as caught:
        BehaviourRegistry.for_model(broken_model)
    problems = {p.reference: p for p in caught.value.problems}
    assert sorted(problems) == [
        "bh.nowhere",
        "bh_behaviours:Missing",
        "bh_behaviours:NOT_A_BEHAVIOUR",
        "bh_behaviours:UntypedCommand",
        "no_such_module.rules:Thing",
    ]
    for reference, problem in problems.items():
        assert problem.class_qid == "bh_broken/Thing"
        assert Path(problem.location.file).name == "elements.yaml"
        assert problem.location.line == _line_of(reference)
        assert f"elements.yaml:{problem.location.line}:" in str(caught.value)
    assert "has no 'Missing'" in problems["bh_behaviours:Missing"].reason
    assert "no module 'no_such_module.rules'" in problems["no_such_module.rules:Thing"].reason
    assert "known: bh.community" in problems["bh.nowhere"].reason
    assert "not a subclass or instance" in problems["bh_behaviours:NOT_A_BEHAVIOUR"].reason
    assert "'how' needs a type annotation" in problems["bh_behaviours:UntypedCommand"].reason


def test_a_repository_refuses_to_start_with_unresolvable_behaviours(
    broken_model: CompiledModel, tmp_path: Path
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with pytest.raises(BehaviourResolutionError, match=r"elements\.yaml:\d+:\d+: bh_broken/Thing"):
        Repository(engine, broken_model)
    Repository(engine, broken_model, behaviours=BehaviourRegistry.empty(broken_model))


def test_entry_points_are_read_from_importlib_metadata(
    bh_model: CompiledModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another package's entry point, as importlib.metadata reports it, replaces bh-plugin's."""
    replacement = metadata.EntryPoints(
        [
            metadata.EntryPoint(
                name="bh.community",
                value="bh_behaviours:LocalRules",
                group="meshkit.behaviours",
            )
        ]
    )
    monkeypatch.setattr(metadata, "entry_points", lambda **_: replacement)
    registry = BehaviourRegistry.for_model(bh_model)
    plugged = registry.of("bh_grid/Community").behaviours[1]
    assert isinstance(plugged.behaviour, bh_behaviours.LocalRules)
    monkeypatch.setattr(metadata, "entry_points", lambda **_: metadata.EntryPoints([]))
    with pytest.raises(BehaviourResolutionError, match=r"no entry point 'bh\.community'"):
        BehaviourRegistry.for_model(bh_model)


def test_an_entry_point_provided_twice_is_ambiguous(bh_model: CompiledModel) -> None:
    twice = metadata.EntryPoints(
        [
            metadata.EntryPoint("bh.community", "bh_plugin:CommunityRules", "meshkit.behaviours"),
            metadata.EntryPoint("bh.community", "bh_behaviours:Recorder", "meshkit.behaviours"),
        ]
    )
    with pytest.raises(BehaviourResolutionError, match="provided more than once"):
        BehaviourRegistry.for_model(bh_model, entry_points=twice)


def test_a_registry_built_for_another_model_is_refused(
    bh_model: CompiledModel, broken_model: CompiledModel, tmp_path: Path
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with pytest.raises(ValueError, match="another compiled model"):
        Repository(engine, bh_model, behaviours=BehaviourRegistry.empty(broken_model))
