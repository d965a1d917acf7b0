"""Property test: random class hierarchies over 1-3 models compile to a consistent model.

Each example is a random tree of classes below one abstract root, spread over models that
depend on the models before them, with random attributes (some overridden with a legal
narrowing) and random associations. The compiled model must then be consistent: full attribute
sets inherited-first and without repeats, ancestors and descendants mirrored, both ends of every
association present on both classes and their subclasses, and collection roots shared.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshkit.ck import CompiledModel, check_model


@dataclass
class Cls:
    name: str
    model: int
    parent: int | None
    abstract: bool
    collection_off: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)

    def qid(self) -> str:
        return f"m{self.model}/{self.name}"


@dataclass
class World:
    models: int
    classes: list[Cls]
    associations: list[tuple[int, int, str, str]]  # source, target, multiplicity, inverse mult.


MULTIPLICITIES = ["0..1", "1", "0..*", "1..*"]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    models = draw(st.integers(1, 3))
    count = draw(st.integers(1, 8))
    classes = [Cls("Root", 0, None, True)]
    for k in range(1, count + 1):
        parent = draw(st.integers(0, k - 1))
        model = draw(st.integers(classes[parent].model, models - 1))
        abstract = draw(st.booleans())
        # collection: false only where it takes effect: abstract, right below the root
        off = abstract and parent == 0 and draw(st.booleans())
        classes.append(Cls(f"C{k}", model, parent, abstract, off))
    for k, cls in enumerate(classes):
        inherited = _inherited(classes, k)
        for j in range(draw(st.integers(0, 3))):
            if draw(st.booleans()):
                cls.attributes[f"a{k}_{j}"] = {"type": "int", "max": draw(st.integers(0, 100))}
            else:
                cls.attributes[f"a{k}_{j}"] = draw(st.sampled_from(["string", "bool", "date"]))
        for name, definition in inherited.items():
            if draw(st.integers(0, 3)) != 0:
                continue
            if isinstance(definition, dict) and "max" in definition:  # a tighter max
                cls.attributes[name] = {"max": definition["max"] - draw(st.integers(0, 5))}
            else:  # optional -> required
                cls.attributes[name] = {"required": True}
    associations = []
    for _ in range(draw(st.integers(0, 4))):
        source = draw(st.integers(0, count))
        # the source's model must depend on (or be) the target's model
        targets = [t for t in range(count + 1) if classes[t].model <= classes[source].model]
        target = draw(st.sampled_from(targets))
        multiplicity = draw(st.sampled_from(MULTIPLICITIES))
        inverse = draw(st.sampled_from(MULTIPLICITIES))
        associations.append((source, target, multiplicity, inverse))
    return World(models, classes, associations)


def _inherited(classes: list[Cls], k: int) -> dict[str, Any]:
    """The attributes class k inherits, with their effective definitions."""
    chain = []
    parent = classes[k].parent
    while parent is not None:
        chain.append(parent)
        parent = classes[parent].parent
    result: dict[str, Any] = {}
    for index in reversed(chain):
        for name, definition in classes[index].attributes.items():
            if name in result and isinstance(definition, dict) and isinstance(result[name], dict):
                result[name] = {**result[name], **definition}
            else:
                result[name] = definition
    return result


def _write(world: World, root: Path) -> Path:
    for m in range(world.models):
        manifest: dict[str, Any] = {"ck": 1, "name": f"m{m}", "version": "1.0.0"}
        if m:
            manifest["dependencies"] = {f"m{d}": ">=1" for d in range(m)}
        folder = root / f"m{m}"
        folder.mkdir()
        (folder / "model.yaml").write_text(yaml.safe_dump(manifest))
        classes: dict[str, Any] = {}
        for cls in world.classes:
            if cls.model != m:
                continue
            data: dict[str, Any] = {"abstract": cls.abstract}
            if cls.parent is not None:
                data["extends"] = world.classes[cls.parent].qid()
            if cls.collection_off:
                data["collection"] = False
            if cls.attributes:
                data["attributes"] = cls.attributes
            classes[cls.name] = data
        for i, (source, target, multiplicity, inverse) in enumerate(world.associations):
            src = world.classes[source]
            if src.model == m:
                classes[src.name].setdefault("associations", {})[f"r{i}"] = {
                    "target": world.classes[target].qid(),
                    "inverse": f"v{i}",
                    "multiplicity": multiplicity,
                    "inverse_multiplicity": inverse,
                }
        (folder / "classes.yaml").write_text(yaml.safe_dump({"classes": classes}, sort_keys=False))
    return root / f"m{world.models - 1}"


def _compile(world: World) -> CompiledModel:
    with tempfile.TemporaryDirectory() as tmp:
        model, problems = check_model(_write(world, Path(tmp)))
    assert not problems, "\n".join(str(p) for p in problems)
    assert model is not None
    return model


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_random_hierarchies_compile_consistently(world: World) -> None:
    model = _compile(world)
    by_qid = {c.qid(): c for c in world.classes}
    assert set(model.classes) == set(by_qid)

    for qid, cls in model.classes.items():
        # full attribute set: every inherited attribute exactly once, inherited first
        chain = [*reversed(cls.ancestors), qid]
        expected: list[str] = []
        for q in chain:
            expected += [n for n in by_qid[q].attributes if n not in expected]
        assert list(cls.attributes) == expected
        for ancestor in cls.ancestors:
            for name in model.classes[ancestor].attributes:
                assert name in cls.attributes
        # overrides narrowed what they inherit
        for name, definition in _inherited(world.classes, world.classes.index(by_qid[qid])).items():
            own = by_qid[qid].attributes.get(name)
            attr = cls.attributes[name]
            if isinstance(own, dict) and own.get("required"):
                assert attr.required and attr.declared_in == qid
            if isinstance(definition, dict) and "max" in definition:
                assert attr.constraints.max is not None
                assert attr.constraints.max <= definition["max"]

        # ancestors and descendants mirror each other
        for other in model.classes:
            assert (other in cls.ancestors) == (qid in model.classes[other].descendants)
        assert cls.extends == (cls.ancestors[0] if cls.ancestors else None)
        assert set(cls.subclasses) == {q for q, c in model.classes.items() if c.extends == qid}

        # collection roots: shared by every member, and a root roots itself
        root = cls.collection_root
        if root is not None:
            assert root == qid or root in cls.ancestors
            assert model.classes[root].collection_root == root

    # every association has both ends on both classes and all their subclasses
    assert len(model.associations) == len(world.associations)
    for assoc in model.associations.values():
        for q in (assoc.source, *model.classes[assoc.source].descendants):
            end = model.classes[q].ends[assoc.name]
            assert (end.association, end.other, end.side.value) == (
                assoc.qid,
                assoc.target,
                "source",
            )
            assert end.multiplicity == assoc.multiplicity
        for q in (assoc.target, *model.classes[assoc.target].descendants):
            end = model.classes[q].ends[assoc.inverse]
            assert (end.association, end.other, end.side.value) == (
                assoc.qid,
                assoc.source,
                "target",
            )
            assert end.multiplicity == assoc.inverse_multiplicity
    for root_cls in model.collection_roots():
        for member in model.members_of_collection(root_cls.qid):
            assert member.collection_root == root_cls.qid
