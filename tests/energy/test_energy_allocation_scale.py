"""The largest-remainder apportionment at a large community's magnitudes (issue #6 Scale).

From a few thousand members on, a summer noon's Σ generation x Σ consumption in mWh passes
2**63; the apportionment then corrects a float64 estimate by its exact residual instead of
falling back to Python integers (some 17 times slower; bench/allocation.py). Both must agree with
the exact oracle to the last milliwatt-hour.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from meshkit.models.energy_community.allocation import rounding
from meshkit.models.energy_community.allocation.matrix import Block, share_generation
from meshkit.models.energy_community.allocation.rounding import apportion


def hamilton(amount: int, weights: list[int], whole: int) -> list[int]:
    """Largest remainder in Python fractions: the oracle (as tests/allocation)."""
    if whole == 0:
        return [0] * len(weights)
    quotas = [Fraction(amount * w, whole) for w in weights]
    parts = [q.numerator // q.denominator for q in quotas]
    left = amount * sum(weights) // whole - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def assert_oracle(amount: np.ndarray, weights: np.ndarray, whole: np.ndarray) -> None:  # type: ignore[type-arg]
    got = apportion(amount, weights, whole)
    for column in range(weights.shape[1]):
        expected = hamilton(
            int(amount[column]), [int(w) for w in weights[:, column]], int(whole[column])
        )
        assert got[:, column].tolist() == expected, column


@pytest.fixture
def no_python_integers(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("the Python-integer path ran")

    monkeypatch.setattr(rounding, "_apportion_exact", refuse)


@pytest.mark.usefixtures("no_python_integers")
def test_a_large_communitys_noon_is_exact_without_python_integers() -> None:
    # 9,000 consumers' counted consumption (up to 1 kWh a quarter hour, in mWh) sharing
    # 1,000 producers' 6 MWh: amount x Σ weights is about 2.6e19 > 2**63.
    rng = np.random.default_rng(6)
    weights = rng.integers(0, 1_000_000, size=(9_000, 6), dtype=np.int64)
    weights[:, 3] = 0  # nobody consumes: nothing offered
    weights[:, 5] = 777_777  # equal remainders everywhere: ties go to the first rows
    amount = rng.integers(5_000_000_000, 6_000_000_000, size=6, dtype=np.int64)
    whole = weights.sum(axis=0)
    assert int(amount.max()) * int(whole.max()) >= 2**63
    assert_oracle(amount, weights, whole)
    # Static shares below 100 %: the denominator is the whole, not Σ weights.
    assert_oracle(amount, weights, whole + 10**9)


@pytest.mark.usefixtures("no_python_integers")
def test_quotients_whose_float_estimate_is_off_by_one_are_corrected() -> None:
    # weight (W − 1) x amount (2W + 1) = 2(W − 1) x W + W − 1: the exact quotient's fraction
    # (W − 1) / W is closer to 1 than float64 resolves at 6e9, so the estimate is one too high
    # and the exact residual (−1) brings it back, with the remainder W − 1.
    whole = np.array([3_000_000_019, 2**40 + 15], dtype=np.int64)
    weight = whole - 1
    amount = 2 * whole + 1
    estimate = np.floor(weight.astype(np.float64) * (amount / whole))
    assert estimate[0] == 2 * weight[0] + 1  # what the correction is for
    wide = rounding._divmod_wide(weight[None, :], amount, whole)
    assert wide is not None
    quotient, remainder = wide
    assert quotient[0].tolist() == (2 * weight).tolist()
    assert remainder[0].tolist() == weight.tolist()
    weights = np.vstack([weight, np.ones(2, dtype=np.int64)])
    assert_oracle(amount, weights, whole)


def test_beyond_the_estimates_range_python_integers_still_take_over() -> None:
    # Quotients of 2**55 cannot be estimated within 1 in float64: the exact path runs.
    amount = np.array([2**55 + 3, 7], dtype=np.int64)
    weights = np.array([[3, 2**61], [4, 2**61 + 1], [0, 5]], dtype=np.int64)
    whole = weights.sum(axis=0)
    assert rounding._divmod_wide(weights, amount, whole) is None
    assert_oracle(amount, weights, whole)


def test_a_summer_week_of_ten_thousand_points_conserves_every_quarter_hour() -> None:
    # Synthetic-looking noon values at the 10,000-point scale through the whole matrix core.
    rng = np.random.default_rng(11)
    consumers, producers, quarters = 9_000, 1_000, 8
    counted = np.vstack(
        [
            rng.integers(0, 400_000, size=(consumers, quarters), dtype=np.int64),
            rng.integers(4_000_000, 8_000_000, size=(producers, quarters), dtype=np.int64),
        ]
    )
    shared = share_generation(counted, [Block(0, consumers, consumers + producers)], workers=1)
    generation = counted[consumers:].sum(axis=0)
    consumption = counted[:consumers].sum(axis=0)
    assert int(generation.max()) * int(consumption.max()) >= 2**63
    offered = shared.offered[:consumers]
    # Generation exceeds consumption: every consumer is offered at least its consumption...
    assert (offered >= counted[:consumers]).all()
    assert (offered.sum(axis=0) == generation).all()
    # ...covered exactly that, and the rest is the producers' surplus, to the mWh.
    assert (shared.covered[:consumers] == counted[:consumers]).all()
    assert (shared.surplus[consumers:].sum(axis=0) == generation - consumption).all()
