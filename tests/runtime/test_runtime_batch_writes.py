"""UnitOfWork.update_many and link_many: the single forms' guarantees, a few statements a batch.

Each batch is checked against the same writes done one at a time with update / link on a twin
set of entities: the same stored values, versions, audit changes, events and hook calls. Then
the failures: every problem reported with its index, and nothing changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from runtime_grid import Grid

from meshkit.ck import CompiledModel
from meshkit.ck.model import BehaviourRef, Location
from meshkit.runtime import (
    ConflictError,
    FieldError,
    NotFoundError,
    Repository,
    UnitOfWork,
    ValidationError,
    create_engine,
)
from meshkit.runtime.behaviours import Behaviour, Change, LinkChange
from meshkit.runtime.behaviours.errors import BehaviourFailedError
from meshkit.runtime.behaviours.registry import BehaviourRegistry, BoundBehaviour, ClassBehaviours

POINT = "rt_grid/MeteringPoint"
COMMUNITY = "rt_grid/Community"
PERSON = "rt_grid/Person"
STAMPS = {"id", "created_at", "changed_at", "community", "tariff"}


@dataclass(frozen=True)
class Call:
    hook: str
    class_qid: str
    entity_id: str
    detail: Any


class Recorder(Behaviour):
    """Notes every hook; refuses readings of 13; computes meter_code; fails where told."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.fail: set[str] = set()

    def _note(self, hook: str, change: Change | LinkChange, detail: Any = None) -> None:
        self.calls.append(Call(hook, change.cls.qid, change.entity_id, detail))
        if hook in self.fail:
            raise RuntimeError(f"{hook} refuses")

    def validate(self, change: Change) -> Iterable[FieldError]:
        self._note("validate", change)
        assert change.after is not None
        if change.after.get("readings") == 13:
            yield FieldError("unlucky", ("readings",), "13 readings are refused")

    def compute(self, change: Change) -> Mapping[str, Any]:
        if change.cls.qid != POINT:
            return {}
        assert change.after is not None
        return {"meter_code": f"{change.after['number']}-{change.after.get('readings')}"}

    def before_update(self, change: Change) -> None:
        self._note("before_update", change, tuple(sorted(change.changed)))

    def after_update(self, change: Change) -> None:
        self._note("after_update", change, tuple(sorted(change.changed)))

    def before_link(self, change: LinkChange) -> None:
        self._note("before_link", change, (change.end, change.before, change.after))

    def after_link(self, change: LinkChange) -> None:
        self._note("after_link", change, (change.end, change.before, change.after))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def hooked(
    database_url: str, grid_model: CompiledModel, recorder: Recorder
) -> Iterator[Repository]:
    """A repository whose MeteringPoint, Community and Person classes run the recorder."""
    watched = {POINT, COMMUNITY, PERSON}
    ref = BehaviourRef(
        reference="test:Recorder",
        is_path=True,
        declared_in="rt_grid",
        location=Location(file="test", line=1, column=1),
    )
    registry = BehaviourRegistry(
        grid_model,
        {
            qid: ClassBehaviours(
                qid, (BoundBehaviour(ref, recorder),) if qid in watched else (), {}
            )
            for qid in grid_model.classes
        },
    )
    repository = Repository(create_engine(database_url), grid_model, behaviours=registry)
    repository.create_tables()
    yield repository
    repository.engine.dispose()


def _comparable(entity: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """An entity without what differs between twins (ids, stamps), its id replaced by a name."""
    return {k: v for k, v in entity.items() if k not in STAMPS} | {"id": names[entity["id"]]}


def _twins(uow: UnitOfWork) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Grid]:
    grid = Grid(uow)
    one = [grid.point(readings=i, capacity="1.5") for i in range(3)]
    two = [grid.point(readings=i, capacity="1.5") for i in range(3)]
    return one, two, grid


CHANGES: list[dict[str, Any]] = [
    {"readings": 10, "capacity": None},
    {"readings": 1},  # no change: the entity and its version stay as they were
    {"kind": "generation", "tags": ["a", "b"], "address": {"street": "Weg 1", "zip": "1010"}},
]


def test_update_many_stores_what_single_updates_store(
    hooked: Repository, recorder: Recorder
) -> None:
    with hooked.unit_of_work(tenant="t1", actor="alice") as uow:
        one, two, _ = _twins(uow)
    names = {e["id"]: f"p{i}" for i, e in enumerate(one)} | {
        e["id"]: f"p{i}" for i, e in enumerate(two)
    }
    recorder.calls.clear()
    with hooked.unit_of_work(tenant="t1", actor="bob") as uow:
        singles = [
            uow.update("MeteringPoint", e["id"], c, e["version"])
            for e, c in zip(one, CHANGES, strict=True)
        ]
    single_calls = list(recorder.calls)
    recorder.calls.clear()
    position = hooked.events.read(after=0)[-1].position
    with hooked.unit_of_work(tenant="t1", actor="bob") as uow:
        batch = uow.update_many(
            "MeteringPoint", [(e["id"], c, e["version"]) for e, c in zip(two, CHANGES, strict=True)]
        )
        stored = [uow.get("MeteringPoint", e["id"]) for e in two]
    assert batch == stored
    assert [b["version"] for b in batch] == [2, 1, 2]
    numbers = [e["number"] for e in two]
    expected_codes = [f"{numbers[0]}-10", two[1]["meter_code"], f"{numbers[2]}-2"]
    assert [b["meter_code"] for b in batch] == expected_codes  # computed as by `update`
    assert batch[0]["capacity"] is None and batch[2]["tags"] == ["a", "b"]

    def without_numbers(entity: Mapping[str, Any]) -> dict[str, Any]:
        return {
            k: v for k, v in _comparable(entity, names).items() if k not in {"number", "meter_code"}
        }

    assert [without_numbers(b) for b in batch] == [without_numbers(s) for s in singles]
    # Audit: the same changes; events: the same kinds and attributes; hooks: the same calls.
    for single, twin in zip(one, two, strict=True):
        a = [
            (e.operation, set(e.changes) - {"meter_code"})
            for e in hooked.history(single["id"], tenant="t1")
        ]
        b = [
            (e.operation, set(e.changes) - {"meter_code"})
            for e in hooked.history(twin["id"], tenant="t1")
        ]
        assert a == b
    assert hooked.history(two[0]["id"], tenant="t1")[-1].changes["readings"] == {
        "before": 0,
        "after": 10,
    }
    events = hooked.events.read(after=position)
    assert [(e.kind, e.entity_id, e.actor) for e in events] == [
        ("updated", two[0]["id"], "bob"),
        ("updated", two[2]["id"], "bob"),
    ]

    def calls(found: list[Call]) -> list[tuple[str, str, Any]]:
        return sorted((c.hook, names[c.entity_id], c.detail) for c in found)

    assert calls(recorder.calls) == calls(single_calls)
    assert {c.hook for c in recorder.calls} == {"validate", "before_update", "after_update"}


def test_update_many_reports_every_problem_with_its_index_and_changes_nothing(
    repo: Repository, grid_factory: type[Grid]
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        grid = grid_factory(uow)
        points = [grid.point(readings=1) for _ in range(4)]
    batch = [
        (points[0]["id"], {"readings": 2}, 1),  # fine
        (points[1]["id"], {"readings": -1, "nonsense": 1}, 1),
        (points[2]["id"], {"tariff": "no-such-tariff"}, 1),
        (points[3]["id"], {"readings": 3}, 1),
        (points[3]["id"], {"readings": 4}, 1),  # the same entity twice
    ]
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        with pytest.raises(ValidationError) as raised:
            uow.update_many("MeteringPoint", batch)
        paths = {(e.path, e.code) for e in raised.value.errors}
        assert {p[0][0] for p in paths} == {1, 2, 4}
        assert ((2, "tariff"), "broken-reference") in paths
        assert ((4,), "duplicate") in paths
        assert any(p[0][:2] == (1, "readings") for p in paths)
        assert any(p[0][:2] == (1, "nonsense") for p in paths)
        assert "cannot update 5 rt_grid/MeteringPoint" in str(raised.value)
        # The unit of work goes on; nothing of the batch was written.
        assert [uow.get("MeteringPoint", p["id"])["version"] for p in points] == [1, 1, 1, 1]

        with pytest.raises(NotFoundError) as missing:
            uow.update_many(
                "MeteringPoint",
                [(points[0]["id"], {"readings": -5}, 1), ("nope", {"readings": 1}, 1)],
            )
        assert [(e.path, e.code) for e in missing.value.errors][-1] == ((1,), "not-found")
        assert {e.path[0] for e in missing.value.errors} == {0, 1}  # all problems listed

        uow.update("MeteringPoint", points[0]["id"], {"readings": 7}, 1)
        uow.update("MeteringPoint", points[2]["id"], {"readings": 7}, 1)
        with pytest.raises(ConflictError) as stale:
            uow.update_many(
                "MeteringPoint",
                [(p["id"], {"readings": 9}, 1) for p in points],
            )
        assert (stale.value.expected, stale.value.actual) == (1, 2)
        assert [(e.path, e.code) for e in stale.value.errors] == [
            ((0,), "conflict"),
            ((2,), "conflict"),
        ]
        assert [uow.get("MeteringPoint", p["id"])["readings"] for p in points] == [7, 1, 7, 1]
        assert uow.update_many("MeteringPoint", []) == []


def test_update_many_refuses_a_write_that_raced_it(
    repo: Repository, grid_factory: type[Grid], monkeypatch: pytest.MonkeyPatch
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        grid = grid_factory(uow)
        points = [grid.point(readings=1) for _ in range(3)]
        uow.update("MeteringPoint", points[1]["id"], {"readings": 5}, 1)
    with repo.unit_of_work(tenant="t1", actor="bob") as uow:
        real = uow._entities
        reads: list[int] = []

        def stale_first_read(storage: Any, ids: Any) -> dict[str, dict[str, Any]]:
            # The batch reads version 1 of every point, as if the other write came after its
            # read; the check after the refused UPDATE reads the truth.
            reads.append(1)
            found = real(storage, ids)
            return {k: {**v, "version": 1} for k, v in found.items()} if len(reads) == 1 else found

        monkeypatch.setattr(uow, "_entities", stale_first_read)
        with pytest.raises(ConflictError) as raced:
            uow.update_many("MeteringPoint", [(p["id"], {"readings": 8}, 1) for p in points])
        monkeypatch.undo()
        assert [(e.path, e.code) for e in raced.value.errors] == [((1,), "conflict")]
        assert raced.value.actual == 2
        assert [uow.get("MeteringPoint", p["id"])["readings"] for p in points] == [1, 5, 1]
    assert [e.operation for e in repo.history(points[0]["id"], tenant="t1")] == ["create"]


def test_update_many_refused_by_a_hook_writes_nothing(
    hooked: Repository, recorder: Recorder
) -> None:
    with hooked.unit_of_work(tenant="t1", actor="alice") as uow:
        grid = Grid(uow)
        points = [grid.point(readings=1) for _ in range(3)]
    position = hooked.events.read(after=0)[-1].position
    with hooked.unit_of_work(tenant="t1", actor="bob") as uow:
        with pytest.raises(ValidationError) as raised:
            uow.update_many(
                "MeteringPoint", [(p["id"], {"readings": 13 - i}, 1) for i, p in enumerate(points)]
            )
        assert [(e.path, e.code) for e in raised.value.errors] == [((0, "readings"), "unlucky")]
        recorder.fail.add("after_update")
        with pytest.raises(BehaviourFailedError, match="after_update refuses; nothing was changed"):
            uow.update_many("MeteringPoint", [(p["id"], {"readings": 2}, 1) for p in points])
        assert [uow.get("MeteringPoint", p["id"])["version"] for p in points] == [1, 1, 1]
    assert hooked.events.read(after=position) == []


def test_link_many_makes_what_single_links_make(hooked: Repository, recorder: Recorder) -> None:
    with hooked.unit_of_work(tenant="t1", actor="alice") as uow:
        communities = [uow.create("Community", {"name": n, "code": n}) for n in ("A", "B")]
        people = [uow.create("Person", {"name": f"P{i}", "first_name": "X"}) for i in range(4)]
        uow.link(
            "Community",
            communities[0]["id"],
            "members",
            people[0]["id"],
            {"joined_on": "2024-01-01"},
        )
        uow.link(
            "Community",
            communities[1]["id"],
            "members",
            people[2]["id"],
            {"joined_on": "2024-01-01"},
        )
    names = {c["id"]: f"c{i}" for i, c in enumerate(communities)} | {
        p["id"]: f"p{i}" for i, p in enumerate(people)
    }
    recorder.calls.clear()
    position = hooked.events.read(after=0)[-1].position
    # Community A: the single form; community B: the batch, the same links by position.
    plan = [(0, {"joined_on": "2024-02-01", "share": "10"}), (1, {"joined_on": date(2024, 3, 1)})]
    with hooked.unit_of_work(tenant="t1", actor="bob") as uow:
        singles = [
            uow.link("Community", communities[0]["id"], "members", people[p]["id"], a)
            for p, a in plan
        ]
    single_calls, recorder.calls[:] = list(recorder.calls), []
    single_events = hooked.events.read(after=position)
    with hooked.unit_of_work(tenant="t1", actor="bob") as uow:
        batch = uow.link_many(
            "Community",
            "members",
            [(communities[1]["id"], people[p + 2]["id"], a) for p, a in plan],
        )
        stored = uow.links("Community", communities[1]["id"], "members")
    batch_events = hooked.events.read(after=single_events[-1].position)
    twin = {people[0]["id"]: people[2]["id"], people[1]["id"]: people[3]["id"]}
    assert batch == [{**s, "id": twin[s["id"]]} for s in singles]
    assert batch[0]["share"] == Decimal("10")
    as_stored = [{"share": None, **b} for b in batch]  # unset attributes read back as None
    assert sorted(stored, key=lambda s: s["id"]) == sorted(as_stored, key=lambda s: s["id"])

    def shape(events: list[Any]) -> list[tuple[Any, ...]]:
        return [(e.kind, e.changed, names[e.entity_id], names[e.related_id]) for e in events]

    assert [s[:2] for s in shape(batch_events)] == [s[:2] for s in shape(single_events)]
    assert [e.related_id for e in batch_events] == [people[2]["id"], people[3]["id"]]
    pair = {people[0]["id"]: "x0", people[2]["id"]: "x0", people[1]["id"]: "x1"}
    pair[people[3]["id"]] = "x1"

    def link_audit(community: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The link rows of the community's audit trail, the other end named by its pair."""
        return [
            {
                f"{k.split('[')[0]}[{pair[k[k.index('[') + 1 : -1]]}]": v
                for k, v in e.changes.items()
            }
            for e in hooked.history(community["id"], tenant="t1")
            if e.operation == "link"
        ]

    # The same audit rows, the earlier link's attributes as "before" in both.
    assert link_audit(communities[0]) == link_audit(communities[1])
    assert link_audit(communities[1])[-2]["members[x0]"]["before"] == {
        "joined_on": "2024-01-01",
        "share": None,
    }

    def calls(found: list[Call]) -> list[tuple[str, str, Any]]:
        to_pair = {"c0": "c", "c1": "c", "p0": "x0", "p2": "x0", "p1": "x1", "p3": "x1"}
        return sorted((c.hook, to_pair[names[c.entity_id]], repr(c.detail)) for c in found)

    assert calls(recorder.calls) == calls(single_calls)
    assert {(c.hook, c.class_qid) for c in recorder.calls} == {
        (h, q) for h in ("before_link", "after_link") for q in (COMMUNITY, PERSON)
    }


def test_link_many_reports_every_problem_with_its_index_and_links_nothing(
    repo: Repository,
) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        community = uow.create("Community", {"name": "A", "code": "A"})
        tariff = uow.create("Tariff", {"name": "T", "price": 1})
        people = [uow.create("Person", {"name": f"P{i}", "first_name": "X"}) for i in range(2)]
        c = community["id"]
        with pytest.raises(ValidationError) as raised:
            uow.link_many(
                "Community",
                "members",
                [
                    (c, people[0]["id"], {"joined_on": "2024-01-01"}),  # fine
                    (c, people[1]["id"], {"share": "x"}),  # joined_on missing, share bad
                    (c, "nobody", {"joined_on": "2024-01-01"}),
                    (c, tariff["id"], {"joined_on": "2024-01-01"}),  # not a Party
                    (c, people[0]["id"], {"joined_on": "2024-01-02"}),  # twice
                ],
            )
        found = {(e.path, e.code) for e in raised.value.errors}
        assert ((1, "joined_on"), "required") in found
        assert any(path == (1, "share") for path, _ in found)
        assert ((2, "members"), "broken-reference") in found
        assert ((3, "members"), "broken-reference") in found  # as `link` says it
        assert ((4,), "duplicate") in found
        assert {path[0] for path, _ in found} == {1, 2, 3, 4}
        with pytest.raises(NotFoundError) as missing:
            uow.link_many(
                "Community",
                "members",
                [("no-community", people[0]["id"], {"joined_on": "2024-01-01"})],
            )
        assert [(e.path, e.code) for e in missing.value.errors] == [((0,), "not-found")]
        assert uow.links("Community", c, "members") == []
        assert [e.operation for e in uow.history(c)] == ["create"]
        assert uow.link_many("Community", "members", []) == []
