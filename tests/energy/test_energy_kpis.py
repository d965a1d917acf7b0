"""EnergyCommunity.kpis, checked against figures computed by hand (docs/allocation.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import polars as pl
import pytest
from energy_world import (
    C1,
    C2,
    CONS_G01,
    FIRST,
    GEN_G01,
    P1,
    TENANT,
    VIENNA,
    build,
    readings,
    write_operator,
)

from meshkit.models.energy_community.behaviours.kpis import KpiReport
from meshkit.runtime import Repository
from meshkit.runtime.behaviours import BehaviourError
from meshkit.runtime.series import SeriesStore

C3 = "AT0030000000000000000000000000C03"
MARCH = (datetime(2026, 3, 1, tzinfo=VIENNA), datetime(2026, 4, 1, tzinfo=VIENNA))


def kpis(repository: Repository, community: str, basis: str = "calculated") -> KpiReport:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        report: KpiReport = uow.call(
            "EnergyCommunity", community, "kpis", period=date(2026, 3, 1), basis=basis
        )
    return report


def test_key_figures_of_a_small_community(repository: Repository, store: SeriesStore) -> None:
    # Factors C1 100 %, C2 50 %, P1 80 %; dynamic model; two quarter hours:
    #   QH1: C1 1.0, C2 0.5 (counted 0.25), P1 1.2 (counted 0.96) -> G.03 0.768 / 0.192
    #   QH2: C1 2.0, C2 0,   P1 3.0 (counted 2.4)                 -> G.03 2.0, P.01T 0.4
    world = build(repository, factors={C2: 50, P1: 80})
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        # A member whose participation ended before March is not an active participant.
        m3 = uow.create(
            "NaturalPerson",
            {
                "community": world.community,
                "member_number": "M3",
                "first_name": "Max",
                "last_name": "Gruber",
                "address": {"street": "Weg", "postal_code": "2130", "city": "Mistelbach"},
                "joined_on": date(2026, 1, 1),
            },
        )
        point = uow.create(
            "MeteringPoint",
            {"metering_point_id": C3, "direction": "consumption", "grid_operator_id": "AT003000"},
        )
        uow.create(
            "Participation",
            {
                "metering_point": point["id"],
                "community": world.community,
                "participant": m3["id"],
                "valid_from": date(2026, 1, 1),
                "valid_to": date(2026, 2, 28),
                "status": "inactive",
            },
        )
    write_operator(
        store,
        readings(
            {
                (C1, CONS_G01): ["1.0", "2.0"],
                (C2, CONS_G01): ["0.5", "0"],
                (P1, GEN_G01): ["1.2", "3.0"],
            }
        ),
    )
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        uow.call("EnergyCommunity", world.community, "allocate", period=date(2026, 3, 1))

    report = kpis(repository, world.community)

    t = report.totals
    assert (t.consumption, t.counted_consumption) == (Decimal("3.5"), Decimal("3.25"))
    assert (t.generation, t.counted_generation) == (Decimal("4.2"), Decimal("3.36"))
    assert (t.shared, t.surplus, report.surplus) == (
        Decimal("2.96"),
        Decimal("0.4"),
        Decimal("0.4"),
    )
    assert report.self_consumption_rate == Decimal("88.10")  # 2.96 / 3.36
    assert report.self_sufficiency == Decimal("91.08")  # 2.96 / 3.25
    assert report.community_share == Decimal("84.57")  # 2.96 / 3.5
    assert report.surplus_rate == Decimal("11.90")  # 0.4 / 3.36
    assert report.active_participants == 2
    m1, m2 = report.members
    assert (m1.member_number, m1.name) == ("M1", "Anna Huber")
    assert (m1.consumption, m1.received, m1.generation) == (
        Decimal("3"),
        Decimal("2.768"),
        Decimal("0"),
    )
    assert m1.share_of_received == Decimal("93.51")  # 2.768 / 2.96
    assert m1.self_sufficiency == Decimal("92.27")  # 2.768 / 3.0
    assert m1.share_of_delivered == Decimal("0.00")
    assert (m2.counted_consumption, m2.received) == (Decimal("0.25"), Decimal("0.192"))
    assert m2.share_of_received == Decimal("6.49")
    assert m2.self_sufficiency == Decimal("76.80")  # 0.192 / 0.25
    assert (m2.counted_generation, m2.delivered) == (Decimal("3.36"), Decimal("2.96"))
    assert m2.share_of_delivered == Decimal("100.00")
    # Grid interaction: QH1 drew 1.25 − 0.96 = 0.29 kWh (1.16 kW), QH2 nothing.
    assert report.residual_draw == Decimal("0.29")
    assert report.peak_residual_kw == Decimal("4.64") / 4
    assert report.peak_residual_at == FIRST
    assert report.co2_factor is None and report.avoided_co2_kg is None

    # The grid operator's values give the same figures when they agree with ours.
    ours = store.read("calculated", None, None, *MARCH, tenant=TENANT).filter(
        ~pl.col("code").str.ends_with("G.01")
    )
    write_operator(
        store,
        ours.select(
            pl.col("key").alias("metering_point"),
            pl.col("code").alias("meter_code"),
            pl.col("start").dt.convert_time_zone("UTC"),
            pl.col("end").dt.convert_time_zone("UTC"),
            "value",
            pl.lit("KWH").alias("unit"),
            "quality",
        ),
        message_id="DSO-2",
    )
    operator = kpis(repository, world.community, "operator")
    assert operator.totals == report.totals and operator.members == report.members
    assert operator.basis == "operator"


def test_an_empty_period_has_no_rates(repository: Repository) -> None:
    world = build(repository)
    report = kpis(repository, world.community)
    assert report.totals.shared == 0 and report.self_consumption_rate is None
    assert report.self_sufficiency is None and report.active_participants == 2


def test_avoided_co2_uses_the_factor_given_and_refuses_a_negative_one(
    repository: Repository, store: SeriesStore
) -> None:
    world = build(repository)
    write_operator(
        store, readings({(C1, CONS_G01): ["1.0"], (C2, CONS_G01): ["0"], (P1, GEN_G01): ["0.6"]})
    )
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        uow.call("EnergyCommunity", world.community, "allocate", period=date(2026, 3, 1))
        report: KpiReport = uow.call(
            "EnergyCommunity", world.community, "kpis", period=date(2026, 3, 1), co2_factor="0.2"
        )
    assert report.totals.shared == Decimal("0.6")
    assert report.avoided_co2_kg == Decimal("0.120")
    assert report.residual_draw == Decimal("0.4")
    assert report.peak_residual_kw == Decimal("1.60")
    with (
        pytest.raises(BehaviourError) as refused,
        repository.unit_of_work(tenant=TENANT, actor="test") as uow,
    ):
        uow.call("EnergyCommunity", world.community, "kpis", period=date(2026, 3, 1), co2_factor=-1)
    assert refused.value.errors[0].path == ("co2_factor",)
