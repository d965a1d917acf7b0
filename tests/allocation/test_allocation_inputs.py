"""Input the engine refuses, each with an error that says what, where and what to do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest
from allocation_frames import T0, Member, measurements, mp, participations

from meshkit.models.energy_community.allocation import (
    AllocationInputError,
    allocate,
    allocate_dynamic,
    allocate_static,
)

C1, C2, P1 = mp("C1"), mp("C2"), mp("P1")
GOOD_MEASUREMENTS = measurements({(C1, T0): 100, (C2, T0): 100, (P1, T0): 100})
GOOD_MEMBERS = [
    Member(C1, "consumption", share=40),
    Member(C2, "consumption", share=60),
    Member(P1, "generation"),
]
GOOD_PARTICIPATIONS = participations(GOOD_MEMBERS)


def refused(run: Callable[[], object], frame: str, *phrases: str) -> AllocationInputError:
    with pytest.raises(AllocationInputError) as caught:
        run()
    error = caught.value
    assert error.frame == frame
    for phrase in phrases:
        assert phrase in str(error), str(error)
    return error


def static_with(members: list[Member], *, named: bool = False) -> Callable[[], object]:
    return lambda: allocate_static(GOOD_MEASUREMENTS, participations(members, named=named))


def test_good_input_is_accepted() -> None:
    assert allocate_static(GOOD_MEASUREMENTS, GOOD_PARTICIPATIONS).height == 11


@pytest.mark.parametrize("factor", [0, 101, -5])
def test_factor_outside_1_to_100(factor: int) -> None:
    members = [Member(C1, "consumption", factor=factor, share=40), *GOOD_MEMBERS[1:]]
    error = refused(static_with(members), "participations", "whole percent from 1 to 100")
    assert error.rows == [0]
    assert error.examples == [{"metering_point": C1, "factor": factor}]


def test_static_shares_above_100_percent() -> None:
    members = [Member(C1, "consumption", share=Decimal("40.0001")), *GOOD_MEMBERS[1:]]
    refused(static_with(members), "participations", "more than 100 %", "100.0001")


def test_static_shares_above_100_percent_only_matter_for_the_static_model() -> None:
    members = [Member(C1, "consumption", share=90), *GOOD_MEMBERS[1:]]
    assert allocate_dynamic(GOOD_MEASUREMENTS, participations(members)).height == 11


def test_static_shares_that_never_overlap_in_time_may_each_be_large() -> None:
    members = [
        Member(C1, "consumption", share=80, valid_to=date(2026, 4, 30)),
        Member(C2, "consumption", share=80, valid_from=date(2026, 5, 1)),
        Member(P1, "generation"),
    ]
    assert allocate_static(GOOD_MEASUREMENTS, participations(members)).height == 7  # C2, P1


def test_static_model_needs_every_consumers_share() -> None:
    members = [Member(C1, "consumption"), *GOOD_MEMBERS[1:]]
    refused(static_with(members), "participations", "needs a static share", "dynamic model")


def test_a_share_with_more_than_four_decimals() -> None:
    frame = GOOD_PARTICIPATIONS.with_columns(pl.col("static_share").cast(pl.Decimal(9, 6)))
    frame = frame.with_columns(
        pl.when(pl.col("metering_point") == C1)
        .then(pl.lit(Decimal("40.000001")))
        .otherwise(pl.col("static_share"))
        .alias("static_share")
    )
    refused(lambda: allocate_static(GOOD_MEASUREMENTS, frame), "participations", "4 decimals")


def test_a_share_on_a_generation_point() -> None:
    members = [*GOOD_MEMBERS[:2], Member(P1, "generation", share=10)]
    refused(static_with(members), "participations", "consumers only")


def test_duplicate_participation_rows() -> None:
    error = refused(
        static_with([*GOOD_MEMBERS, GOOD_MEMBERS[2]]), "participations", "duplicate or overlapping"
    )
    assert error.rows == [2, 3]


def test_overlapping_periods_in_one_community() -> None:
    members = [
        Member(C1, "consumption", share=40, valid_to=date(2026, 5, 31)),
        Member(C1, "consumption", share=40, valid_from=date(2026, 5, 31)),
        *GOOD_MEMBERS[1:],
    ]
    error = refused(static_with(members), "participations", "overlapping", "2026-05-31")
    assert error.rows == [1]


def test_duplicate_measurements() -> None:
    m = pl.concat([GOOD_MEASUREMENTS, GOOD_MEASUREMENTS.head(1)])
    error = refused(
        lambda: allocate_static(m, GOOD_PARTICIPATIONS), "measurements", "more than one value"
    )
    assert error.rows == [0, 3]


@pytest.mark.parametrize(
    ("frame", "drop", "phrase"),
    [
        ("measurements", "value", "missing column(s) ['value']"),
        ("measurements", "start", "missing column(s) ['start']"),
        ("participations", "factor", "missing column(s) ['factor']"),
        ("participations", "valid_to", "missing column(s) ['valid_to']"),
    ],
)
def test_missing_columns(frame: str, drop: str, phrase: str) -> None:
    m, p = GOOD_MEASUREMENTS, GOOD_PARTICIPATIONS
    if frame == "measurements":
        m = m.drop(drop)
    else:
        p = p.drop(drop)
    refused(lambda: allocate_dynamic(m, p), frame, phrase)


def test_an_unknown_column_is_refused_not_ignored() -> None:
    p = GOOD_PARTICIPATIONS.rename({"static_share": "static_shares"})
    refused(lambda: allocate_static(GOOD_MEASUREMENTS, p), "participations", "static_shares")


def test_factors_across_communities_above_100_percent() -> None:
    members = [
        Member(C1, "consumption", factor=60, community="A"),
        Member(C1, "consumption", factor=41, community="B", valid_from=date(2026, 3, 1)),
    ]
    error = refused(
        lambda: allocate_dynamic(GOOD_MEASUREMENTS, participations(members, named=True)),
        "participations",
        "more than 100 %",
        "188",
    )
    assert error.examples[0]["factor_sum"] == 101
    assert error.examples[0]["communities"] == ["A", "B"]
    assert error.examples[0]["day"] == date(2026, 3, 1)


def test_factors_across_communities_in_turn_may_add_to_more_than_100() -> None:
    members = [
        Member(C1, "consumption", factor=60, community="A", valid_to=date(2026, 2, 28)),
        Member(C1, "consumption", factor=60, community="B", valid_from=date(2026, 3, 1)),
    ]
    result = allocate_dynamic(GOOD_MEASUREMENTS, participations(members, named=True))
    assert set(result["community"]) == {"B"}


def test_more_than_five_communities() -> None:
    members = [Member(C1, "consumption", factor=10, community=f"E{i}") for i in range(6)]
    refused(
        lambda: allocate_dynamic(GOOD_MEASUREMENTS, participations(members, named=True)),
        "participations",
        "more than 5 communities",
    )


def test_a_point_with_two_directions() -> None:
    members = [
        Member(C1, "consumption", factor=50, community="A"),
        Member(C1, "generation", factor=50, community="B"),
    ]
    refused(
        lambda: allocate_dynamic(GOOD_MEASUREMENTS, participations(members, named=True)),
        "participations",
        "both a consumption and a generation point",
    )


def test_an_unknown_direction() -> None:
    members = [Member(C1, "import"), Member(P1, "generation")]
    refused(static_with(members), "participations", "'direction' must be")


def test_valid_to_before_valid_from() -> None:
    members = [
        Member(C1, "consumption", share=40, valid_to=date(2025, 12, 31)),
        *GOOD_MEMBERS[1:],
    ]
    refused(static_with(members), "participations", "'valid_to' is before 'valid_from'")


def test_float_values_are_not_exact() -> None:
    m = GOOD_MEASUREMENTS.with_columns(pl.col("value").cast(pl.Float64))
    refused(lambda: allocate_static(m, GOOD_PARTICIPATIONS), "measurements", "Float64")


def test_negative_values() -> None:
    m = GOOD_MEASUREMENTS.with_columns(pl.col("value") - 200)
    refused(lambda: allocate_static(m, GOOD_PARTICIPATIONS), "measurements", "negative")


def test_values_finer_than_the_readings_scale() -> None:
    m = GOOD_MEASUREMENTS.with_columns(
        (pl.col("value").cast(pl.Decimal(20, 7)) / 1000 + Decimal("0.0000001")).alias("value")
    )
    refused(lambda: allocate_static(m, GOOD_PARTICIPATIONS), "measurements", "6 decimals")


def test_naive_start_times() -> None:
    m = GOOD_MEASUREMENTS.with_columns(pl.col("start").dt.replace_time_zone(None))
    refused(lambda: allocate_static(m, GOOD_PARTICIPATIONS), "measurements", "time-zone-aware")


def test_start_times_in_another_zone_are_converted_to_utc() -> None:
    m = GOOD_MEASUREMENTS.with_columns(pl.col("start").dt.convert_time_zone("Europe/Vienna"))
    result = allocate_static(m, GOOD_PARTICIPATIONS)
    assert set(result["start"]) == {T0}


def test_start_not_on_a_quarter_hour() -> None:
    m = GOOD_MEASUREMENTS.with_columns(pl.col("start") + timedelta(minutes=5))
    refused(lambda: allocate_static(m, GOOD_PARTICIPATIONS), "measurements", "quarter hour")


def test_unknown_quality() -> None:
    m = GOOD_MEASUREMENTS.with_columns(pl.lit("03").alias("quality"))
    refused(lambda: allocate_static(m, GOOD_PARTICIPATIONS), "measurements", "quality")


def test_an_unknown_model() -> None:
    refused(
        lambda: allocate(GOOD_MEASUREMENTS, GOOD_PARTICIPATIONS, "proportional"),
        "model",
        "'static', 'dynamic'",
    )


def test_the_message_names_rows_and_values() -> None:
    m = measurements({(C1, T0): 1, (C2, datetime(2026, 5, 1, 10, 7, tzinfo=UTC)): 1})
    error = refused(lambda: allocate_dynamic(m, GOOD_PARTICIPATIONS), "measurements")
    assert str(error).startswith("measurements: 'start' is not the start of a quarter hour")
    assert f"row 1: metering_point='{C2}'" in str(error)
    assert "aggregate or align them first" in str(error)
