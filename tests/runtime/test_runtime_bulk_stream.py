"""Bulk creates of a class without behaviours stream: each row is checked while the rows before
it are being stored. A problem anywhere must still create nothing, leave no audit row and no
event, and report exactly the problems the check-first path (a class with behaviours) reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from meshkit.ck import CompiledModel
from meshkit.ck.model import BehaviourRef, Location
from meshkit.runtime import Repository, ValidationError, create_engine
from meshkit.runtime.behaviours import Behaviour
from meshkit.runtime.behaviours.registry import BehaviourRegistry, BoundBehaviour, ClassBehaviours
from meshkit.runtime.storage.bulk import COPY_CHUNK

POINT = "rt_grid/MeteringPoint"
ROWS = 2 * COPY_CHUNK + 40  # the first chunks are stored before the last rows are checked


class _Quiet(Behaviour):
    """A behaviour that does nothing: its mere presence makes creates check every row first."""


@pytest.fixture
def checked_first(database_url: str, grid_model: CompiledModel) -> Iterator[Repository]:
    ref = BehaviourRef(
        reference="test:Quiet",
        is_path=True,
        declared_in="rt_grid",
        location=Location(file="test", line=1, column=1),
    )
    registry = BehaviourRegistry(
        grid_model,
        {
            qid: ClassBehaviours(qid, (BoundBehaviour(ref, _Quiet()),) if qid == POINT else (), {})
            for qid in grid_model.classes
        },
    )
    repository = Repository(create_engine(database_url), grid_model, behaviours=registry)
    yield repository
    repository.engine.dispose()


def _rows(tariff: str, community: str) -> list[dict[str, Any]]:
    return [
        {"number": f"AT{i:08d}", "kind": "consumption", "tariff": tariff, "community": community}
        for i in range(ROWS)
    ]


def _spoil(rows: list[dict[str, Any]], tariff: str, community: str) -> None:
    """Problems of every kind, early and late: after the first one nothing more is stored."""
    rows[3]["kind"] = "wind"  # not a value of the enum
    rows[COPY_CHUNK + 7]["community"] = "no-such-id"  # broken reference
    rows[COPY_CHUNK + 9]["tariff"] = community  # an entity of another class
    rows[ROWS - 2].pop("number")  # required
    rows[ROWS - 1]["community"] = tariff  # the same, on the other end
    rows[ROWS - 1]["readings"] = -1  # below the minimum, in the same row


def _tables(repo: Repository) -> tuple[sa.Table, sa.Table, sa.Table]:
    storage = repo.storage.of(POINT)
    return storage.table, repo.storage.audit, repo.events.outbox.table


def _count(repo: Repository, table: sa.Table) -> int:
    with repo.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _problems(repo: Repository, tenant: str) -> list[tuple[str, tuple[Any, ...], str]]:
    with repo.unit_of_work(tenant=tenant, actor="alice") as uow:
        tariff = uow.create("Tariff", {"name": "Basic", "price": "0.1234"})["id"]
        community = uow.create("Community", {"name": "C", "code": "C1"})["id"]
        rows = _rows(tariff, community)
        _spoil(rows, tariff, community)
        with pytest.raises(ValidationError) as raised:
            uow.create_many("MeteringPoint", rows)
        assert uow.count("MeteringPoint") == 0
        # The unit of work goes on, and a sound batch is stored.
        created = uow.create_many("MeteringPoint", _rows(tariff, community))
        assert uow.count("MeteringPoint") == ROWS
        assert uow.history(created[-1]["id"])[0].changes["number"]["after"] == f"AT{ROWS - 1:08d}"
    ids = {tariff: "<tariff>", community: "<community>"}
    return [(e.code, e.path, _named(e.message, ids)) for e in raised.value.errors]


def _named(message: str, ids: dict[str, str]) -> str:
    for entity_id, name in ids.items():
        message = message.replace(entity_id, name)
    return message


def test_a_streamed_create_reports_what_the_check_first_path_reports(
    repo: Repository, checked_first: Repository
) -> None:
    streamed = _problems(repo, "t1")
    first = _problems(checked_first, "t2")
    assert streamed == first
    assert [(code, path) for code, path, _ in streamed] == [
        ("enum", (3, "kind")),
        ("required", (ROWS - 2, "number")),
        ("min", (ROWS - 1, "readings")),
        ("broken-reference", (COPY_CHUNK + 7, "community")),
        ("broken-reference", (ROWS - 1, "community")),  # a tariff is no Community
        ("broken-reference", (COPY_CHUNK + 9, "tariff")),
    ]
    # Only the sound batch of each tenant left rows (both share the database): its entities,
    # one audit row and one event each, and those of the tariff and the community.
    points, audit, outbox = _tables(repo)
    assert _count(repo, points) == 2 * ROWS
    assert _count(repo, audit) == _count(repo, outbox) == 2 * (ROWS + 2)


def test_a_streamed_create_writes_what_it_returns(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        tariff = uow.create("Tariff", {"name": "Basic", "price": "0.1234"})["id"]
        community = uow.create("Community", {"name": "C", "code": "C1"})["id"]
        rows = _rows(tariff, community)
        for i, row in enumerate(rows):
            row["address"] = {"street": f"Gasse {i}", "zip": "1010"}  # a JSON column
            row["capacity"] = f"{i}.5"
        created = uow.create_many("MeteringPoint", rows)
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        stored = uow.find("MeteringPoint", order_by=["number"], first=ROWS).items
    assert stored == created
    assert stored[-1]["address"] == {"street": f"Gasse {ROWS - 1}", "zip": "1010"}
    events = [e for e in repo.events.read(after=0, limit=ROWS * 2) if e.class_qid == POINT]
    assert [e.entity_id for e in events] == [e["id"] for e in created]
    history = repo.history(created[5]["id"], tenant="t1")
    assert events[5].changed == tuple(sorted(history[0].changes))
    assert history[0].changes["capacity"] == {"before": None, "after": "5.500"}
