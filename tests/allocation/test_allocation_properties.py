"""Properties every allocation must have, checked on communities hypothesis makes up.

Each property is checked against exact fractions computed here, independently of the engine:
per community and quarter hour, energy is conserved, nobody receives more than it consumed,
shares and factors hold within the stated rounding, and the row order of the input is irrelevant.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import polars as pl
from allocation_frames import MILLI, QH, T0, Member, by_key, measurements, mp, participations
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshkit.adapters.readings import check_readings
from meshkit.models.energy_community.allocation import (
    CONSUMPTION,
    GENERATION,
    AllocationModel,
    MeterCode,
    allocate,
)

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHARE_WHOLE = 1_000_000  # share units in 100 %
WORST = {"L1": 1, "L2": 2, "L3": 3}


@dataclass
class Scenario:
    """A made-up community (or two) and its measurements, kept as plain Python for the oracle."""

    members: list[Member]
    values: dict[tuple[str, datetime], int | Decimal]
    quality: dict[tuple[str, datetime], str] | None
    named: bool

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        return (
            measurements(self.values, self.quality),
            participations(self.members, named=self.named),
        )

    def milli_wh(self, point: str, start: datetime) -> int:
        value = self.values[(point, start)]
        return int(value * MILLI) if isinstance(value, Decimal) else value * 1000


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    named = draw(st.booleans())
    two_communities = named and draw(st.booleans())
    consumers = [mp(f"C{i}") for i in range(draw(st.integers(0, 5)))]
    producers = [mp(f"P{i}") for i in range(draw(st.integers(0, 3)))]
    starts = [T0 + i * QH for i in range(draw(st.integers(1, 3)))]

    joined: dict[str, list[tuple[str, str, int]]] = defaultdict(list)  # community -> members
    for point, direction in [(c, CONSUMPTION) for c in consumers] + [
        (p, GENERATION) for p in producers
    ]:
        factor = draw(st.integers(1, 100))
        joined["A"].append((point, direction, factor))
        # A second community may take at most what the first leaves of the 100 %.
        if two_communities and factor < 100 and draw(st.booleans()):
            joined["B"].append((point, direction, draw(st.integers(1, 100 - factor))))

    members: list[Member] = []
    for community, rows in joined.items():
        weights = [draw(st.integers(0, 100)) for _ in rows]
        shared = draw(st.integers(0, SHARE_WHOLE))  # the community's total of static shares
        total_weight = sum(
            w for w, (_, d, _) in zip(weights, rows, strict=True) if d == CONSUMPTION
        )
        for weight, (point, direction, factor) in zip(weights, rows, strict=True):
            share = None
            if direction == CONSUMPTION:
                units = weight * shared // total_weight if total_weight else 0
                share = Decimal(units).scaleb(-4)  # percent with 4 decimals
            members.append(Member(point, direction, factor, share, community))

    in_kwh = draw(st.booleans())
    small_or_zero = st.one_of(st.just(0), st.integers(0, 30), st.integers(0, 200_000))
    values: dict[tuple[str, datetime], int | Decimal] = {}
    for point in consumers + producers:
        for start in starts:
            if draw(st.integers(0, 9)) == 0:
                continue  # a missing value
            amount = draw(small_or_zero)
            values[(point, start)] = Decimal(amount).scaleb(-6) if in_kwh else amount
    quality = None
    if draw(st.booleans()):
        quality = {key: draw(st.sampled_from(["L1", "L1", "L2", "L3"])) for key in values}
    return Scenario(members, values, quality, named)


@dataclass
class Interval:
    """One community's quarter hour as the engine returned it, values in integer mWh."""

    consumers: dict[str, dict[str, int]] = field(default_factory=dict)
    producers: dict[str, dict[str, int]] = field(default_factory=dict)
    quality: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def generation(self) -> int:
        return sum(p[MeterCode.GENERATION_COUNTED] for p in self.producers.values())

    @property
    def consumption(self) -> int:
        return sum(c[MeterCode.CONSUMPTION_COUNTED] for c in self.consumers.values())

    @property
    def covered(self) -> int:
        return sum(c[MeterCode.COVERED] for c in self.consumers.values())


def intervals(result: pl.DataFrame) -> dict[tuple[str, datetime], Interval]:
    found: dict[tuple[str, datetime], Interval] = defaultdict(Interval)
    for (community, point, start, code), row in by_key(result).items():
        interval = found[(community, start)]
        side = interval.producers if "P" in point[-3:] else interval.consumers
        side.setdefault(point, {})[code] = row.value
        interval.quality[(point, code)] = row.quality
    return found


def run(scenario: Scenario, model: AllocationModel) -> dict[tuple[str, datetime], Interval]:
    return intervals(allocate(*scenario.frames(), model))


def member(scenario: Scenario, community: str, point: str) -> Member:
    community = community or "A"  # an unnamed scenario has the one community "A"
    return next(m for m in scenario.members if (m.community, m.point) == (community, point))


models = st.sampled_from(list(AllocationModel))


@SETTINGS
@given(scenarios(), models)
def test_energy_is_conserved_per_interval(scenario: Scenario, model: AllocationModel) -> None:
    for interval in run(scenario, model).values():
        surplus = sum(p[MeterCode.SURPLUS] for p in interval.producers.values())
        assert interval.covered + surplus == interval.generation


@SETTINGS
@given(scenarios(), models)
def test_no_consumer_gets_more_than_it_consumed(scenario: Scenario, model: AllocationModel) -> None:
    for interval in run(scenario, model).values():
        for c in interval.consumers.values():
            assert c[MeterCode.COVERED] <= c[MeterCode.CONSUMPTION_COUNTED]
            assert c[MeterCode.COVERED] <= c[MeterCode.OFFERED]
            assert c[MeterCode.COVERED] == min(
                c[MeterCode.OFFERED], c[MeterCode.CONSUMPTION_COUNTED]
            )
        assert all(p[MeterCode.SURPLUS] >= 0 for p in interval.producers.values())


@SETTINGS
@given(scenarios())
def test_static_shares_are_respected(scenario: Scenario) -> None:
    for (community, _), interval in run(scenario, AllocationModel.STATIC).items():
        shares = {
            point: int(member(scenario, community, point).share * 10_000)  # type: ignore[operator]
            for point in interval.consumers
        }
        for point, c in interval.consumers.items():
            exact = Fraction(interval.generation * shares[point], SHARE_WHOLE)
            assert abs(c[MeterCode.OFFERED] - exact) < 1
        # Largest remainder: together they are offered floor(generation x Σshares), no more.
        offered = sum(c[MeterCode.OFFERED] for c in interval.consumers.values())
        assert offered == interval.generation * sum(shares.values()) // SHARE_WHOLE


@SETTINGS
@given(scenarios())
def test_dynamic_offers_follow_consumption(scenario: Scenario) -> None:
    for interval in run(scenario, AllocationModel.DYNAMIC).values():
        total = interval.consumption
        for c in interval.consumers.values():
            counted = c[MeterCode.CONSUMPTION_COUNTED]
            exact = Fraction(interval.generation * counted, total) if total else Fraction(0)
            assert abs(c[MeterCode.OFFERED] - exact) < 1
            if interval.generation >= total:
                assert c[MeterCode.COVERED] == counted  # enough for everyone
        offered = sum(c[MeterCode.OFFERED] for c in interval.consumers.values())
        assert offered == (interval.generation if total else 0)


@SETTINGS
@given(scenarios(), models)
def test_producers_share_the_surplus_by_generation(
    scenario: Scenario, model: AllocationModel
) -> None:
    for interval in run(scenario, model).values():
        surplus = interval.generation - interval.covered
        for p in interval.producers.values():
            counted = p[MeterCode.GENERATION_COUNTED]
            exact = Fraction(surplus * counted, interval.generation or 1)
            assert abs(p[MeterCode.SURPLUS] - exact) < 1


@SETTINGS
@given(scenarios(), models)
def test_factors_scale_the_measured_values(scenario: Scenario, model: AllocationModel) -> None:
    codes = [
        (MeterCode.CONSUMPTION, MeterCode.CONSUMPTION_COUNTED),
        (MeterCode.GENERATION, MeterCode.GENERATION_COUNTED),
    ]
    for (community, start), interval in run(scenario, model).items():
        for point, got in {**interval.consumers, **interval.producers}.items():
            measured, counted = next((got[a], got[b]) for a, b in codes if a in got)
            assert measured == scenario.milli_wh(point, start)
            exact = Fraction(measured * member(scenario, community, point).factor, 100)
            assert abs(counted - exact) <= Fraction(1, 2)
            if not any(isinstance(v, Decimal) for v in scenario.values.values()):
                assert counted == exact  # integer Wh x whole percent is a whole mWh


@SETTINGS
@given(scenarios(), models)
def test_every_measured_member_gets_its_rows_and_qualities(
    scenario: Scenario, model: AllocationModel
) -> None:
    result = allocate(*scenario.frames(), model)
    check_readings(result.drop("community") if scenario.named else result)
    expected = {
        (m.community if scenario.named else "", m.point, start, code)
        for m in scenario.members
        for (point, start) in scenario.values
        if point == m.point
        for code in (
            [
                MeterCode.CONSUMPTION,
                MeterCode.CONSUMPTION_COUNTED,
                MeterCode.OFFERED,
                MeterCode.COVERED,
            ]
            if m.direction == CONSUMPTION
            else [MeterCode.GENERATION, MeterCode.GENERATION_COUNTED, MeterCode.SURPLUS]
        )
    }
    rows = by_key(result)
    assert set(rows) == expected
    quality = scenario.quality or {}
    worst: dict[tuple[str, datetime], str] = {}
    for community, point, start, _ in rows:
        own = quality.get((point, start), "L1")
        if WORST[own] > WORST[worst.get((community, start), "L1")]:
            worst[(community, start)] = own
    for (community, point, start, code), row in rows.items():
        derived = code in (MeterCode.OFFERED, MeterCode.COVERED, MeterCode.SURPLUS)
        own = quality.get((point, start), "L1")
        assert row.quality == (worst.get((community, start), "L1") if derived else own)


@SETTINGS
@given(scenarios(), models, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(
    scenario: Scenario, model: AllocationModel, rnd: random.Random
) -> None:
    m, p = scenario.frames()
    seed = rnd.randrange(2**32)
    shuffled = allocate(
        m.sample(fraction=1.0, shuffle=True, seed=seed),
        p.sample(fraction=1.0, shuffle=True, seed=seed + 1),
        model,
    )
    # The engine sorts its output, so not even a sort is needed to compare.
    assert allocate(m, p, model).equals(shuffled)
