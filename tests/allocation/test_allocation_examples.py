"""Hand-computed allocations (the worked examples of docs/allocation.md) and edge cases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
from allocation_frames import (
    QH,
    T0,
    Member,
    by_key,
    measurements,
    mp,
    participations,
    values_of,
)

from meshkit.adapters.readings import READINGS_SCHEMA, check_readings
from meshkit.models.energy_community.allocation import (
    AllocationModel,
    MeterCode,
    allocate,
    allocate_dynamic,
    allocate_static,
    measurements_from_readings,
)

C1, C2, C3, P1, P2 = mp("C1"), mp("C2"), mp("C3"), mp("P1"), mp("P2")
D = Decimal


def kwh(*values: str) -> list[Decimal]:
    return [D(v) for v in values]


# ---------------------------------------------------------------- worked example 1


def example_one() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two consumers and a producer in one quarter hour, with participation factors."""
    m = measurements({(C1, T0): 3000, (C2, T0): 800, (P1, T0): 2500})
    p = participations(
        [
            Member(C1, "consumption", factor=100, share=50),
            Member(C2, "consumption", factor=50, share=50),
            Member(P1, "generation", factor=80),
        ]
    )
    return m, p


def test_example_one_counted_values_apply_the_factors() -> None:
    result = allocate_static(*example_one())
    assert values_of(result, MeterCode.CONSUMPTION, [C1, C2]) == kwh("3", "0.8")
    assert values_of(result, MeterCode.CONSUMPTION_COUNTED, [C1, C2]) == kwh("3", "0.4")
    assert values_of(result, MeterCode.GENERATION, [P1]) == kwh("2.5")
    assert values_of(result, MeterCode.GENERATION_COUNTED, [P1]) == kwh("2")


def test_example_one_static() -> None:
    result = allocate_static(*example_one())
    assert values_of(result, MeterCode.OFFERED, [C1, C2]) == kwh("1", "1")
    # C2 can use only 0.4 of its 1.0; the rest is surplus, not passed on to C1.
    assert values_of(result, MeterCode.COVERED, [C1, C2]) == kwh("1", "0.4")
    assert values_of(result, MeterCode.SURPLUS, [P1]) == kwh("0.6")


def test_example_one_dynamic() -> None:
    result = allocate_dynamic(*example_one())
    # 2.0 x 3.0 / 3.4 = 1.7647058… and 2.0 x 0.4 / 3.4 = 0.2352941…; the leftover mWh goes to
    # the larger remainder (C1: .88 against .12).
    assert values_of(result, MeterCode.OFFERED, [C1, C2]) == kwh("1.764706", "0.235294")
    assert values_of(result, MeterCode.COVERED, [C1, C2]) == kwh("1.764706", "0.235294")
    assert values_of(result, MeterCode.SURPLUS, [P1]) == kwh("0")


def test_example_one_rows_are_readings_in_order() -> None:
    result = allocate(*example_one(), AllocationModel.STATIC)
    check_readings(result)
    assert result.select("metering_point", "meter_code").rows() == [
        (C1, "1-1:1.9.0 G.01"),
        (C1, "1-1:1.9.0 G.01T"),
        (C1, "1-1:2.9.0 G.02"),
        (C1, "1-1:2.9.0 G.03"),
        (C2, "1-1:1.9.0 G.01"),
        (C2, "1-1:1.9.0 G.01T"),
        (C2, "1-1:2.9.0 G.02"),
        (C2, "1-1:2.9.0 G.03"),
        (P1, "1-1:2.9.0 G.01"),
        (P1, "1-1:2.9.0 G.01T"),
        (P1, "1-1:2.9.0 P.01T"),
    ]
    assert set(result["end"]) == {T0 + QH}
    assert set(result["unit"]) == {"KWH"}
    assert set(result["quality"]) == {"L1"}


# ---------------------------------------------------------------- worked example 2


def example_two(shares: tuple[int, int] = (30, 50)) -> tuple[pl.DataFrame, pl.DataFrame]:
    """More generation than consumption, a consumer with zero consumption, two producers."""
    m = measurements({(C1, T0): 1, (C2, T0): 0, (P1, T0): 2, (P2, T0): 1})
    p = participations(
        [
            Member(C1, "consumption", share=shares[0]),
            Member(C2, "consumption", share=shares[1]),
            Member(P1, "generation"),
            Member(P2, "generation"),
        ]
    )
    return m, p


def test_example_two_dynamic_covers_everyone_and_splits_the_surplus() -> None:
    result = allocate_dynamic(*example_two())
    assert values_of(result, MeterCode.OFFERED, [C1, C2]) == kwh("0.003", "0")
    assert values_of(result, MeterCode.COVERED, [C1, C2]) == kwh("0.001", "0")
    # Surplus 2 Wh split 2:1 = 1.333… and 0.666… Wh; the leftover mWh goes to P2 (.67 > .33).
    assert values_of(result, MeterCode.SURPLUS, [P1, P2]) == kwh("0.001333", "0.000667")


def test_example_two_static_leaves_unshared_and_unused_generation_to_the_grid() -> None:
    result = allocate_static(*example_two())
    # 30 % and 50 % of 3 Wh; the other 20 % is offered to no one.
    assert values_of(result, MeterCode.OFFERED, [C1, C2]) == kwh("0.0009", "0.0015")
    assert values_of(result, MeterCode.COVERED, [C1, C2]) == kwh("0.0009", "0")
    # Surplus 3 − 0.9 = 2.1 Wh, split 2:1.
    assert values_of(result, MeterCode.SURPLUS, [P1, P2]) == kwh("0.0014", "0.0007")


# ---------------------------------------------------------------- rounding


def test_static_largest_remainder_gives_the_leftover_to_the_largest_remainder() -> None:
    m = measurements({(C1, T0): 1, (C2, T0): 1, (C3, T0): 1, (P1, T0): 1})
    p = participations(
        [
            Member(C1, "consumption", share=D("33.3333")),
            Member(C2, "consumption", share=D("33.3333")),
            Member(C3, "consumption", share=D("33.3334")),
            Member(P1, "generation"),
        ]
    )
    result = allocate_static(m, p)
    # Quotas 333.333, 333.333 and 333.334 mWh; shares total 100 %, so all 1000 mWh are offered.
    offered = values_of(result, MeterCode.OFFERED, [C1, C2, C3])
    assert offered == kwh("0.000333", "0.000333", "0.000334")
    assert values_of(result, MeterCode.SURPLUS, [P1]) == kwh("0")


def test_a_tie_goes_to_the_smaller_metering_point_id() -> None:
    m = measurements({(C2, T0): D("0.000001"), (C1, T0): D("0.000001"), (P1, T0): D("0.000001")})
    p = participations(
        [
            Member(C2, "consumption", share=50),
            Member(C1, "consumption", share=50),
            Member(P1, "generation"),
        ]
    )
    for model in AllocationModel:
        result = allocate(m, p, model)
        assert values_of(result, MeterCode.OFFERED, [C1, C2]) == kwh("0.000001", "0"), model


def test_counted_value_rounds_half_up_to_the_mwh() -> None:
    # 0.000005 kWh x 50 % = 2.5 mWh -> 3 mWh; 0.000003 x 50 % = 1.5 -> 2.
    m = measurements({(C1, T0): D("0.000005"), (C2, T0): D("0.000003")})
    p = participations([Member(C1, "consumption", factor=50), Member(C2, "consumption", factor=50)])
    result = allocate_dynamic(m, p)
    assert values_of(result, MeterCode.CONSUMPTION_COUNTED, [C1, C2]) == kwh("0.000003", "0.000002")


# ---------------------------------------------------------------- time


def test_dst_spring_day_has_92_quarter_hours() -> None:
    # 2026-03-29 in Vienna runs from 2026-03-28 23:00 to 2026-03-29 22:00 UTC: 23 hours.
    first = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    starts = [first + i * QH for i in range(100)]  # an hour either side of the day
    values = {(point, s): 100 for s in starts for point in (C1, P1)}
    day = date(2026, 3, 29)
    p = participations(
        [
            Member(C1, "consumption", share=100, valid_from=day, valid_to=day),
            Member(P1, "generation", valid_from=day, valid_to=day),
        ]
    )
    for model in AllocationModel:
        result = allocate(measurements(values), p, model)
        kept = result["start"].unique().sort()
        assert kept.len() == 92
        assert kept[0] == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
        assert kept[-1] == datetime(2026, 3, 29, 21, 45, tzinfo=UTC)
        per_code = result.group_by("metering_point", "meter_code").len()
        assert set(per_code["len"]) == {92}


def test_a_participation_day_is_a_day_in_vienna() -> None:
    # 2026-05-01 00:00 Vienna (CEST) is 2026-04-30 22:00 UTC.
    midnight = datetime(2026, 4, 30, 22, 0, tzinfo=UTC)
    values = {(C1, midnight - QH): 1, (C1, midnight): 1}
    p = participations([Member(C1, "consumption", valid_from=date(2026, 5, 1))])
    result = allocate_dynamic(measurements(values), p)
    assert set(result["start"]) == {midnight}


def test_a_factor_change_applies_from_its_day() -> None:
    before = datetime(2026, 5, 1, 21, 45, tzinfo=UTC)  # 23:45 Vienna, 1 May
    after = datetime(2026, 5, 1, 22, 0, tzinfo=UTC)  # 00:00 Vienna, 2 May
    values = {(C1, before): 1000, (C1, after): 1000}
    p = participations(
        [
            Member(C1, "consumption", factor=100, valid_to=date(2026, 5, 1)),
            Member(C1, "consumption", factor=25, valid_from=date(2026, 5, 2)),
        ]
    )
    result = allocate_dynamic(measurements(values), p)
    counted = result.filter(pl.col("meter_code") == MeterCode.CONSUMPTION_COUNTED)
    assert counted.select("start", "value").rows() == [(before, D(1)), (after, D("0.25"))]


# ---------------------------------------------------------------- edge cases


def test_empty_measurements_give_an_empty_readings_frame() -> None:
    m = measurements({})
    p = participations([Member(C1, "consumption", share=100), Member(P1, "generation")])
    for model in AllocationModel:
        result = allocate(m, p, model)
        assert result.is_empty()
        assert dict(result.schema) == READINGS_SCHEMA


def test_empty_participations_allocate_nothing() -> None:
    m = measurements({(C1, T0): 5, (P1, T0): 5})
    result = allocate_dynamic(m, participations([], named=True))
    assert result.is_empty()
    assert result.columns == ["community", *READINGS_SCHEMA]


def test_a_consumer_with_zero_consumption() -> None:
    m = measurements({(C1, T0): 0, (C2, T0): 400, (P1, T0): 1000})
    p = participations(
        [
            Member(C1, "consumption", share=50),
            Member(C2, "consumption", share=50),
            Member(P1, "generation"),
        ]
    )
    static = allocate_static(m, p)
    assert values_of(static, MeterCode.OFFERED, [C1, C2]) == kwh("0.5", "0.5")
    assert values_of(static, MeterCode.COVERED, [C1, C2]) == kwh("0", "0.4")
    assert values_of(static, MeterCode.SURPLUS, [P1]) == kwh("0.6")
    dynamic = allocate_dynamic(m, p)
    assert values_of(dynamic, MeterCode.OFFERED, [C1, C2]) == kwh("0", "1")
    assert values_of(dynamic, MeterCode.COVERED, [C1, C2]) == kwh("0", "0.4")
    assert values_of(dynamic, MeterCode.SURPLUS, [P1]) == kwh("0.6")


def test_nobody_consumes_so_everything_is_surplus() -> None:
    m = measurements({(C1, T0): 0, (P1, T0): 700})
    p = participations([Member(C1, "consumption", share=100), Member(P1, "generation")])
    for model in AllocationModel:
        result = allocate(m, p, model)
        assert values_of(result, MeterCode.COVERED, [C1]) == kwh("0")
        assert values_of(result, MeterCode.SURPLUS, [P1]) == kwh("0.7")


def test_no_generation_offers_nothing() -> None:
    m = measurements({(C1, T0): 300, (C2, T0): 0})
    p = participations([Member(C1, "consumption", share=60), Member(C2, "consumption", share=40)])
    for model in AllocationModel:
        result = allocate(m, p, model)
        assert values_of(result, MeterCode.OFFERED, [C1, C2]) == kwh("0", "0")
        assert values_of(result, MeterCode.COVERED, [C1, C2]) == kwh("0", "0")


def test_a_missing_measurement_gives_that_point_no_rows() -> None:
    later = T0 + QH
    m = measurements({(C1, T0): 100, (C2, T0): 100, (C1, later): 100, (P1, T0): 100})
    p = participations(
        [
            Member(C1, "consumption", share=50),
            Member(C2, "consumption", share=50),
            Member(P1, "generation"),
        ]
    )
    rows = by_key(allocate_static(m, p))
    assert ("", C2, later, MeterCode.COVERED) not in rows
    assert rows[("", C1, later, MeterCode.OFFERED)].value == 0  # no generation measured then


def test_points_without_a_participation_are_left_out() -> None:
    m = measurements({(C1, T0): 100, (mp("X9"), T0): 100})
    result = allocate_dynamic(m, participations([Member(C1, "consumption")]))
    assert set(result["metering_point"]) == {C1}


def test_derived_values_carry_the_worst_quality_of_their_interval() -> None:
    later = T0 + QH
    values = {(p, t): 100 for p in (C1, C2, P1) for t in (T0, later)}
    m = measurements(values, quality={(C2, T0): "L2", (P1, T0): "L3"})
    p = participations(
        [
            Member(C1, "consumption", share=50),
            Member(C2, "consumption", share=50),
            Member(P1, "generation"),
        ]
    )
    rows = by_key(allocate_static(m, p))
    assert rows[("", C1, T0, MeterCode.CONSUMPTION)].quality == "L1"
    assert rows[("", C2, T0, MeterCode.CONSUMPTION_COUNTED)].quality == "L2"
    assert rows[("", C1, T0, MeterCode.COVERED)].quality == "L3"
    assert rows[("", P1, T0, MeterCode.SURPLUS)].quality == "L3"
    assert rows[("", C1, later, MeterCode.COVERED)].quality == "L1"


def test_a_metering_point_in_two_communities() -> None:
    m = measurements({(C1, T0): 1000, (P1, T0): 1000, (P2, T0): 1000})
    p = participations(
        [
            Member(C1, "consumption", factor=60, community="A"),
            Member(C1, "consumption", factor=40, community="B"),
            Member(P1, "generation", community="A"),
            Member(P2, "generation", factor=10, community="B"),
        ],
        named=True,
    )
    result = allocate_dynamic(m, p)
    assert result.columns == ["community", *READINGS_SCHEMA]
    rows = by_key(result)
    assert rows[("A", C1, T0, MeterCode.CONSUMPTION_COUNTED)].value == 600_000
    assert rows[("B", C1, T0, MeterCode.CONSUMPTION_COUNTED)].value == 400_000
    assert rows[("A", C1, T0, MeterCode.COVERED)].value == 600_000
    assert rows[("A", P1, T0, MeterCode.SURPLUS)].value == 400_000
    assert rows[("B", C1, T0, MeterCode.COVERED)].value == 100_000
    assert rows[("B", P2, T0, MeterCode.SURPLUS)].value == 0


def test_measurements_from_a_readings_frame() -> None:
    def reading(point: str, code: str, value: str) -> dict[str, object]:
        return {
            "metering_point": point,
            "meter_code": code,
            "start": T0,
            "end": T0 + QH,
            "value": D(value),
            "unit": "KWH",
            "quality": "L1",
        }

    readings = pl.DataFrame(
        [
            reading(C1, "1-1:1.9.0 G.01", "0.75"),
            reading(C1, "1-1:2.9.0 G.03", "0.5"),  # the DSO's own result: not an input
            reading(P1, "1-1:2.9.0 G.01", "0.5"),
        ],
        schema=READINGS_SCHEMA,
    )
    m = measurements_from_readings(readings)
    assert m.height == 2
    result = allocate_dynamic(
        m, participations([Member(C1, "consumption"), Member(P1, "generation")])
    )
    assert values_of(result, MeterCode.COVERED, [C1]) == kwh("0.5")
