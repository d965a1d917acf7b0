"""The matrix core: exact for any magnitude, and the same result however the columns are split."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from meshkit.models.energy_community.allocation import matrix
from meshkit.models.energy_community.allocation.matrix import Block, share_chunks, share_generation
from meshkit.models.energy_community.allocation.rounding import apportion


def hamilton(amount: int, weights: list[int], whole: int) -> list[int]:
    """Largest remainder in Python fractions: the oracle."""
    if whole == 0:
        return [0] * len(weights)
    quotas = [Fraction(amount * w, whole) for w in weights]
    parts = [q.numerator // q.denominator for q in quotas]
    left = amount * sum(weights) // whole - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


@pytest.mark.parametrize("scale", [1, 10**6, 10**9])
def test_apportion_matches_the_oracle_also_beyond_int64(scale: int) -> None:
    # With scale 10**9 the products pass 2**63: the wide integer path (float estimate, exact
    # residual) takes over; Python integers only beyond it (tests/energy, allocation scale).
    rng = np.random.default_rng(scale % 1000)
    weights = rng.integers(0, 1000, size=(7, 40), dtype=np.int64) * scale
    weights[3, 5] = 0
    amount = rng.integers(0, 10_000, size=40, dtype=np.int64) * scale
    amount[7] = 0
    whole = weights.sum(axis=0)
    whole[9] = 0  # no consumption: nothing offered
    got = apportion(amount, weights, whole)
    for column in range(40):
        expected = hamilton(
            int(amount[column]), [int(w) for w in weights[:, column]], int(whole[column])
        )
        assert got[:, column].tolist() == expected, column


def test_ties_go_to_the_first_rows() -> None:
    weights = np.ones((4, 1), dtype=np.int64)
    got = apportion(np.array([6], dtype=np.int64), weights, np.array([4], dtype=np.int64))
    assert got[:, 0].tolist() == [2, 2, 1, 1]


def community(rows: int, columns: int, seed: int) -> np.ndarray:  # type: ignore[type-arg]
    rng = np.random.default_rng(seed)
    return rng.integers(0, 5_000_000, size=(rows, columns), dtype=np.int64)


def test_threads_and_chunks_give_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matrix, "CHUNK", 7)
    counted = community(9, 50, seed=1)
    blocks = [Block(0, 3, 5), Block(5, 9, 9)]  # the second community has no producer
    one = share_generation(counted, blocks, workers=1)
    two = share_generation(counted, blocks, workers=2)
    for name in ("offered", "covered", "surplus", "worst_quality"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
    streamed = list(share_chunks(counted, blocks, workers=2))
    assert [chunk.start for chunk, _ in streamed] == list(range(0, 50, 7))
    covered = np.concatenate([part.covered for _, part in streamed], axis=1)
    assert np.array_equal(covered, one.covered)
    # Conservation per community and quarter hour: covered + surplus = generation.
    generation = counted[3:5].sum(axis=0)
    assert np.array_equal(one.covered[0:3].sum(axis=0) + one.surplus[3:5].sum(axis=0), generation)
    assert not one.covered[5:9].any() and not one.surplus[5:9].any()


def test_static_shares_offer_each_consumer_its_share_and_leave_the_rest() -> None:
    counted = np.array([[100_000], [1_000], [90_000]], dtype=np.int64)  # two consumers, a producer
    shares = np.array([[250_000], [250_000], [0]], dtype=np.int64)  # 25 % each
    shared = share_generation(counted, [Block(0, 2, 3)], static_shares=shares)
    assert shared.offered[:, 0].tolist() == [22_500, 22_500, 0]
    assert shared.covered[:, 0].tolist() == [22_500, 1_000, 0]
    assert shared.surplus[:, 0].tolist() == [0, 0, 90_000 - 23_500]
