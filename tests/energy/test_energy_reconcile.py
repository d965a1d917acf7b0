"""EnergyCommunity.reconcile: the community's allocation against the operator's values, per
metering point, meter code and day; deviations beyond the tolerance become findings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from energy_world import (
    C1,
    C2,
    CONS_G01,
    DAY,
    EC,
    FIRST,
    G02,
    G03,
    GEN_G01,
    P01T,
    P1,
    QH,
    TENANT,
    VIENNA,
    build,
    write_operator,
)
from energy_world import readings as make_readings

from meshkit.adapters.readings import READINGS_SCHEMA
from meshkit.models.energy_community.behaviours.reconciliation import (
    ReconciliationSummary,
    Tolerance,
)
from meshkit.runtime import Repository
from meshkit.runtime.series import SeriesStore

CALCULATED = "energy_community/MeteringPoint.calculated"
MARCH = (datetime(2026, 3, 1, tzinfo=VIENNA), datetime(2026, 4, 1, tzinfo=VIENNA))
MEASURED = {
    (C1, CONS_G01): ["1.0", "2.0"],
    (C2, CONS_G01): ["0.5", "0"],
    (P1, GEN_G01): ["1.2", "3.0"],
}
#: C1's G.03 on DAY is 2.8 kWh (0.8 + 2.0), C2's G.02 0.4 kWh (dynamic model).
SECOND_QH = FIRST + QH


def call(repository: Repository, community: str, command: str, **arguments: Any) -> Any:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        return uow.call("EnergyCommunity", community, command, period=date(2026, 3, 1), **arguments)


def operator_sends(
    store: SeriesStore,
    changes: Mapping[tuple[str, str, datetime], str] | None = None,
    *,
    message_id: str = "DSO-1",
    without: tuple[str, str] | None = None,
) -> None:
    """The grid operator's community values: our calculation, with `changes` (point, code,
    start -> kWh) and without the (point, code) in `without`."""
    ours = store.read(CALCULATED, None, None, *MARCH, tenant=TENANT).filter(
        ~pl.col("code").is_in([CONS_G01, GEN_G01])
    )
    rows = []
    for key, code, start, value in ours.select("key", "code", "start", "value").iter_rows():
        point = key.split("/", 1)[1]
        if without == (point, code):
            continue
        utc = start.astimezone(UTC)
        changed = (changes or {}).get((point, code, utc))
        rows.append(
            {
                "metering_point": key,
                "meter_code": code,
                "start": utc,
                "end": utc + QH,
                "value": Decimal(changed) if changed is not None else value,
                "unit": "KWH",
                "quality": "L1",
            }
        )
    write_operator(store, pl.DataFrame(rows, schema=READINGS_SCHEMA), message_id=message_id)


@pytest.fixture
def community(repository: Repository, store: SeriesStore) -> str:
    world = build(repository)
    write_operator(store, make_readings(MEASURED), message_id="DSO-0")
    call(repository, world.community, "allocate")
    return world.community


def findings(repository: Repository) -> list[dict[str, Any]]:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        return uow.find("ReconciliationFinding", order_by=["meter_code"]).items


def test_a_deviation_above_the_tolerance_is_a_finding_and_one_below_is_not(
    repository: Repository, store: SeriesStore, community: str
) -> None:
    operator_sends(
        store,
        {
            (C1, G03, SECOND_QH): "1.8",  # 0.2 kWh less than ours: 7 % of 2.6, above both limits
            (C2, G02, FIRST): "0.41",  # 0.01 kWh more: below 0.05 kWh
        },
    )

    result: ReconciliationSummary = call(repository, community, "reconcile")

    assert (result.compared, result.within_tolerance, result.opened) == (8, 7, 1)
    assert result.outdated == 0 and result.days_without_operator_data == 0
    (finding,) = findings(repository)
    assert finding["metering_point_number"] == C1 and finding["meter_code"] == G03
    assert finding["day"] == DAY and finding["finding_state"] == "open"
    assert (finding["ours"], finding["theirs"]) == (Decimal("2.8"), Decimal("2.6"))
    assert finding["deviation"] == Decimal("0.2")
    assert finding["intervals"] == [
        {"start": SECOND_QH, "ours": Decimal("2"), "theirs": Decimal("1.8")}
    ]
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        point = uow.get("MeteringPoint", finding["metering_point"])
    assert point["metering_point_id"] == C1
    # The operator's value is not overwritten, nor ours.
    theirs = store.read("energy", f"{EC}/{C1}", G03, *MARCH, tenant=TENANT)
    assert theirs["value"].sum() == Decimal("2.6")


def test_the_relative_tolerance_and_missing_values(
    repository: Repository, store: SeriesStore, community: str
) -> None:
    operator_sends(store, {(C1, G03, SECOND_QH): "1.8"}, without=(P1, P01T))

    lenient = Tolerance(kwh=Decimal("0.05"), percent=Decimal("10"))
    result: ReconciliationSummary = call(repository, community, "reconcile", tolerance=lenient)

    # 0.2 kWh is under 10 % of 2.6; the producer's P.01T the operator did not send is a finding.
    assert result.opened == 1
    (finding,) = findings(repository)
    assert (finding["metering_point_number"], finding["meter_code"]) == (P1, P01T)
    assert (finding["ours"], finding["theirs"], finding["deviation"]) == (
        Decimal("1"),
        None,
        Decimal("1"),
    )
    # Both quarter hours are listed (P.01T is 0 in the first): the operator sent neither.
    assert finding["intervals"] == [
        {"start": FIRST, "ours": Decimal("0")},
        {"start": SECOND_QH, "ours": Decimal("1")},
    ]


def test_running_again_updates_reopens_and_resolves(
    repository: Repository, store: SeriesStore, community: str
) -> None:
    operator_sends(store, {(C1, G03, SECOND_QH): "1.8"})
    call(repository, community, "reconcile")
    again: ReconciliationSummary = call(repository, community, "reconcile")
    assert (again.opened, again.updated, again.resolved, again.open_findings) == (0, 0, 0, 1)
    (finding,) = findings(repository)

    # The operator acknowledges it; the grid operator sends another value: open again.
    with repository.unit_of_work(tenant=TENANT, actor="anna") as uow:
        uow.update(
            "ReconciliationFinding",
            finding["id"],
            {"finding_state": "acknowledged", "note": "asked the DSO"},
            finding["version"],
        )
    operator_sends(store, {(C1, G03, SECOND_QH): "1.5"}, message_id="DSO-2")
    updated: ReconciliationSummary = call(repository, community, "reconcile")
    assert updated.updated == 1
    (finding,) = findings(repository)
    assert finding["finding_state"] == "open" and finding["theirs"] == Decimal("2.3")
    assert finding["note"] == "asked the DSO"

    # The grid operator corrects its value: the finding is resolved, not deleted.
    operator_sends(store, {}, message_id="DSO-3")
    resolved: ReconciliationSummary = call(repository, community, "reconcile")
    assert (resolved.resolved, resolved.open_findings) == (1, 0)
    (finding,) = findings(repository)
    assert finding["finding_state"] == "resolved"


def test_a_day_the_operator_has_not_reported_yet_is_no_finding_and_an_outdated_one_is_told(
    repository: Repository, store: SeriesStore, community: str
) -> None:
    result: ReconciliationSummary = call(repository, community, "reconcile")
    assert (result.compared, result.opened, result.days_without_operator_data) == (0, 0, 1)

    operator_sends(store)
    write_operator(store, make_readings({(C2, CONS_G01): ["0.6"]}), message_id="DSO-9")
    result = call(repository, community, "reconcile")
    assert result.outdated == 1


def test_a_negative_tolerance_is_refused(repository: Repository, community: str) -> None:
    from meshkit.runtime import ValidationError

    with pytest.raises(ValidationError) as caught:
        call(repository, community, "reconcile", tolerance={"kwh": "-1"})
    assert caught.value.errors[0].path == ("tolerance",)
