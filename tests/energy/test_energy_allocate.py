"""EnergyCommunity.allocate: measured values from the series store, participations from the
repository, the community's own calculation stored in `MeteringPoint.calculated`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import polars as pl
import pytest
from energy_world import (
    C1,
    C2,
    CONS_G01,
    CONS_G01T,
    EC,
    FIRST,
    G02,
    G03,
    GEN_G01,
    GEN_G01T,
    P01T,
    P1,
    QH,
    TENANT,
    VIENNA,
    build,
    readings,
    write_operator,
)

from meshkit.models.energy_community.behaviours.allocation import AllocationSummary
from meshkit.runtime import Repository, RepositoryError
from meshkit.runtime.series import SeriesStore

CALCULATED = "energy_community/MeteringPoint.calculated"
OPERATOR = "energy_community/MeteringPoint.energy"
MARCH = (datetime(2026, 3, 1, tzinfo=VIENNA), datetime(2026, 4, 1, tzinfo=VIENNA))
MEASURED = {
    (C1, CONS_G01): ["1.0", "2.0", "0.3"],
    (C2, CONS_G01): ["0.5", "0", "0.1"],
    (P1, GEN_G01): ["1.2", "3.0", "0"],
}


def allocate(repository: Repository, community: str, **arguments: object) -> AllocationSummary:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        result: AllocationSummary = uow.call(
            "EnergyCommunity", community, "allocate", period=date(2026, 3, 1), **arguments
        )
    return result


def stored(store: SeriesStore, series: str = CALCULATED) -> pl.DataFrame:
    return store.read(series, None, None, *MARCH, tenant=TENANT)


@pytest.mark.parametrize("allocation_model", ["dynamic", "static"])
def test_allocation_is_stored_beside_the_operators_values_and_conserves_energy(
    repository: Repository, store: SeriesStore, allocation_model: str
) -> None:
    world = build(repository, model=allocation_model, factors={C2: 50, P1: 80})
    write_operator(store, readings(MEASURED))

    result = allocate(repository, world.community)

    assert (result.model, result.metering_points, result.quarter_hours) == (allocation_model, 3, 3)
    assert result.inserted == 3 * 4 + 3 * 4 + 3 * 3 and result.conserved and result.stale == 0
    values = stored(store)
    assert set(values["key"]) == {f"{EC}/{C1}", f"{EC}/{C2}", f"{EC}/{P1}"}
    assert set(values["code"]) == {CONS_G01, CONS_G01T, G02, G03, GEN_G01, GEN_G01T, P01T}
    assert set(values["source"]) == {result.source}
    # Conservation on what the store holds: per quarter hour Σ G.03 + Σ P.01T = Σ G.01T (gen).
    sums = values.group_by("start", "code").agg(pl.col("value").sum())
    per_start = {(start, code): value for start, code, value in sums.iter_rows()}
    for i in range(3):
        start = (FIRST + i * QH).astimezone(VIENNA)
        counted = per_start[(start, GEN_G01T)]
        assert per_start[(start, G03)] + per_start.get((start, P01T), 0) == counted
    # G.01T applies the factors: C2 50 %, P1 80 %.
    c2 = values.filter((pl.col("key") == f"{EC}/{C2}") & (pl.col("code") == CONS_G01T))
    assert c2.sort("start")["value"].to_list() == [Decimal("0.25"), 0, Decimal("0.05")]
    # The operator's series holds only what the operator sent.
    assert stored(store, OPERATOR).height == 9


def test_running_again_is_idempotent_and_a_change_keeps_the_old_value_as_history(
    repository: Repository, store: SeriesStore
) -> None:
    world = build(repository)
    write_operator(store, readings(MEASURED))
    first = allocate(repository, world.community)

    again = allocate(repository, world.community)

    assert (again.inserted, again.replaced, again.unchanged) == (0, 0, first.inserted)
    before = stored(store).sort("key", "code", "start")
    assert before["revision"].max() == 1

    # The operator corrects C2's first quarter hour: the allocation changes, nothing is lost.
    write_operator(store, readings({(C2, CONS_G01): ["0.9"]}), message_id="MSG2")
    changed = allocate(repository, world.community)
    assert changed.replaced > 0 and changed.inserted == 0
    history = store.history(CALCULATED, f"{EC}/{C2}", G03, FIRST, tenant=TENANT)
    assert history["revision"].to_list() == [1, 2]
    assert history["source"].to_list() == [first.source, changed.source]

    # Back to the first value (a new message): the recomputation is stored again although the
    # value equals one stored before (every run has its own source, so it is no replay).
    write_operator(store, readings({(C2, CONS_G01): ["0.5"]}), message_id="MSG3")
    allocate(repository, world.community)
    after = stored(store).sort("key", "code", "start")
    assert after["value"].to_list() == before["value"].to_list()


def test_only_the_period_and_the_communitys_keys_are_read(
    repository: Repository, store: SeriesStore
) -> None:
    world = build(repository)
    write_operator(store, readings(MEASURED))
    # Another community's values of the same point, and a value in April.
    other = readings({(C1, CONS_G01): ["7"]}).with_columns(
        pl.col("metering_point").str.replace(EC, "RC999999")
    )
    write_operator(store, other, message_id="OTHER")
    april = readings({(C1, CONS_G01): ["5"]}, first=datetime(2026, 4, 1, tzinfo=VIENNA))
    write_operator(store, april, message_id="APRIL")

    result = allocate(repository, world.community, last_day=date(2026, 3, 10))

    assert result.totals.consumption == Decimal("3.9")
    assert (result.first_day, result.last_day) == (date(2026, 3, 1), date(2026, 3, 10))


def test_a_community_without_counting_participations_is_refused(
    repository: Repository, store: SeriesStore
) -> None:
    world = build(repository)
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        for p in uow.find("Participation").items:
            uow.update("Participation", p["id"], {"status": "requested"}, p["version"])
    with pytest.raises(RepositoryError) as caught:
        allocate(repository, world.community)
    assert caught.value.as_dict()["code"] == "no-participations"
    assert stored(store).is_empty()
