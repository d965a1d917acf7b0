"""EnergyCommunity.assets: specific yield against history and peers, and outages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from energy_world import FIRST, GEN_G01, P1, QH, TENANT, build, readings, write_operator

from meshkit.models.energy_community.behaviours.assets import AssetReport
from meshkit.runtime import Repository
from meshkit.runtime.behaviours import BehaviourError
from meshkit.runtime.series import SeriesStore

P2 = "AT0030000000000000000000000000P02"
P3 = "AT0030000000000000000000000000P03"


def add_producer(repository: Repository, community: str, member: str, point: str) -> str:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        entity = uow.create(
            "MeteringPoint",
            {"metering_point_id": point, "direction": "generation", "grid_operator_id": "AT003000"},
        )
        uow.create(
            "Participation",
            {
                "metering_point": entity["id"],
                "community": community,
                "participant": member,
                "valid_from": date(2025, 1, 1),
                "status": "active",
            },
        )
        return str(entity["id"])


def add_unit(repository: Repository, point_id: str, kwp: str) -> None:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        uow.create(
            "GenerationUnit",
            {
                "name": f"PV {kwp} kWp",
                "technology": "pv",
                "peak_power": Decimal(kwp),
                "metering_point": point_id,
            },
        )


def assets(repository: Repository, community: str, **arguments: object) -> AssetReport:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        report: AssetReport = uow.call(
            "EnergyCommunity", community, "assets", period=date(2026, 3, 1), **arguments
        )
    return report


def test_specific_yield_history_peers_and_outages(
    repository: Repository, store: SeriesStore
) -> None:
    world = build(repository)
    add_unit(repository, world.points[P1], "10")
    add_unit(
        repository, add_producer(repository, world.community, world.participants["M1"], P2), "20"
    )
    add_unit(
        repository, add_producer(repository, world.community, world.participants["M1"], P3), "5"
    )
    # Eight quarter hours of 10 March: P1 1 kWh each, P2 2 kWh, P3 nothing for six of them.
    write_operator(
        store,
        readings(
            {
                (P1, GEN_G01): ["1"] * 8,
                (P2, GEN_G01): ["2"] * 8,
                (P3, GEN_G01): ["0"] * 6 + ["0.5", "0.5"],
            }
        ),
    )
    # A year before, P1 produced half as much.
    write_operator(
        store,
        readings({(P1, GEN_G01): ["0.5"] * 8}, first=FIRST - timedelta(days=365)),
        message_id="MSG-2025",
    )

    report = assets(repository, world.community)

    by_point = {a.metering_point: a for a in report.assets}
    assert set(by_point) == {P1, P2, P3}
    one, two, three = by_point[P1], by_point[P2], by_point[P3]
    assert (one.peak_power_kwp, one.generation, one.specific_yield) == (
        Decimal("10"),
        Decimal("8"),
        Decimal("0.80"),
    )
    assert one.specific_yield_last_year == Decimal("0.40")
    assert two.specific_yield_last_year is None  # no values a year before
    assert three.specific_yield == Decimal("0.20")
    # Peers: the same technology's other points. P1: median(0.80, 0.20) = 0.50 -> 160 %.
    assert (one.peer_median, one.relative_to_peers) == (Decimal("0.50"), Decimal("160.00"))
    assert (three.peer_median, three.relative_to_peers) == (Decimal("0.80"), Decimal("25.00"))
    # P3 produced nothing for six quarter hours while both peers did.
    (outage,) = report.outages
    assert (outage.metering_point, outage.day, outage.quarter_hours) == (P3, date(2026, 3, 10), 6)
    assert outage.first == FIRST and outage.last == FIRST + 5 * QH
    assert three.outage_quarter_hours == 6 and one.outage_quarter_hours == 0

    assert assets(repository, world.community, min_outage_quarter_hours=7).outages == ()


def test_a_point_without_units_has_no_specific_yield_and_bad_limits_are_refused(
    repository: Repository, store: SeriesStore
) -> None:
    world = build(repository)
    write_operator(store, readings({(P1, GEN_G01): ["1", "1"]}))
    (only,) = assets(repository, world.community).assets
    assert only.generation == Decimal("2") and only.peak_power_kwp is None
    assert only.specific_yield is None and only.peer_median is None
    with pytest.raises(BehaviourError) as refused:
        assets(repository, world.community, min_outage_quarter_hours=0)
    assert refused.value.errors[0].path == ("min_outage_quarter_hours",)
