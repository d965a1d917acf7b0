"""EnergyCommunity.data_status(day): whether the grid operator's measured data of a day is
complete, partial or missing per metering point — read-only, also a GraphQL query."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from energy_world import (
    C1,
    C2,
    CONS_G01,
    DAY,
    FIRST,
    GEN_G01,
    P1,
    QH,
    TENANT,
    VIENNA,
    build,
    readings,
    write_operator,
)

from meshkit.runtime import BehaviourError, Repository
from meshkit.runtime.series import SeriesStore


def _status(repository: Repository, community: str, **arguments: object) -> object:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        return uow.call("EnergyCommunity", community, "data_status", **arguments)


def test_complete_partial_and_missing_points_of_a_day(
    repository: Repository, store: SeriesStore
) -> None:
    world = build(repository)
    day_before = FIRST - timedelta(days=1)
    write_operator(
        store,
        readings(
            {
                (C1, CONS_G01): ["0.1"] * 96,  # the whole day
                (P1, GEN_G01): ["0.2"] * 40,  # part of it
                (P1, CONS_G01): ["0.0"] * 96,  # the producer's other channel does not count
            }
        ),
    )
    write_operator(store, readings({(C2, CONS_G01): ["0.3"] * 96}, first=day_before), "MSG0")

    status = _status(repository, world.community, day=DAY)
    assert (status.day, status.community) == (DAY, "RC100130")
    assert (status.expected_points, status.complete, status.partial, status.missing) == (3, 1, 1, 1)
    by_point = {p.metering_point: p for p in status.points}
    assert [p.metering_point for p in status.points] == [C2, P1, C1]  # missing, partial, complete
    assert (by_point[C1].status, by_point[C1].quarter_hours, by_point[C1].expected) == (
        "complete",
        96,
        96,
    )
    assert (by_point[P1].status, by_point[P1].quarter_hours) == ("partial", 40)
    assert (by_point[C2].status, by_point[C2].last_day) == ("missing", DAY - timedelta(days=1))
    assert by_point[C1].participant == world.participants["M1"]
    assert status.last_day == DAY

    # Nothing is written by a read-only command; a day without any data is all missing.
    later = _status(repository, world.community, day=DAY + timedelta(days=5), lookback_days=2)
    assert (later.missing, later.last_day) == (3, None)


def test_a_dst_day_expects_92_quarter_hours(repository: Repository, store: SeriesStore) -> None:
    world = build(repository)
    spring = date(2026, 3, 29)  # clocks go forward: 23 hours
    first = datetime(2026, 3, 29, tzinfo=VIENNA).astimezone(UTC)  # 23 hours of quarter hours
    write_operator(store, readings({(C1, CONS_G01): ["0.1"] * 92}, first=first))
    status = _status(repository, world.community, day=spring)
    point = next(p for p in status.points if p.metering_point == C1)
    assert (point.status, point.quarter_hours, point.expected) == ("complete", 92, 92)
    assert timedelta(hours=23) == QH * 92


def test_bad_arguments_are_refused(repository: Repository) -> None:
    world = build(repository)
    with pytest.raises(BehaviourError, match="lookback_days is 400"):
        _status(repository, world.community, day=DAY, lookback_days=400)
