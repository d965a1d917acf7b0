"""Demo steps: the community's own allocation of the month, and a billing preview from it.

Allocation (the pure engine in `meshkit.models.energy_community.allocation`) takes the measured
G.01 values the grid operator sent and the active participations, and computes G.01T, G.02,
G.03 and P.01T per quarter hour; it is compared value by value with what the DSO computed.
Billing (`meshkit.models.energy_community.billing`) turns the daily sums of G.03 (consumers) and
G.01T − P.01T (producers) into one draft document per member.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from meshkit.apps.demo.energy import EnergyReport
from meshkit.models.energy_community import billing
from meshkit.models.energy_community.allocation import (
    MARKET_TIME_ZONE,
    MeterCode,
    allocate,
    measurements_from_readings,
)
from meshkit.runtime import Entity, Repository, UnitOfWork

_ALL = 10_000
_KWH = pl.Decimal(18, 6)


@dataclass(frozen=True)
class CommunityData:
    """One community as the settlement needs it, read from the database."""

    entity: Entity
    participants: tuple[Entity, ...]
    points: dict[str, Entity]  # metering point entity id -> entity
    participations: tuple[Entity, ...]  # active ones
    tariffs: tuple[Entity, ...]

    @property
    def community_id(self) -> str:
        return str(self.entity["community_id"])


@dataclass(frozen=True)
class Totals:
    """kWh of the month for one community."""

    consumption: Decimal  # measured at the consumers (G.01)
    counted_consumption: Decimal  # × participation factor (G.01T)
    generation: Decimal  # measured at the producers (G.01)
    counted_generation: Decimal  # × participation factor (G.01T)
    community_share: Decimal  # received by the consumers from the community (G.03)
    surplus: Decimal  # left over, to the grid (P.01T)


@dataclass(frozen=True)
class Allocation:
    community: CommunityData
    result: pl.DataFrame  # readings rows with a leading community column
    totals: Totals
    compared: int  # values computed by both, compared with the DSO's
    differing: int  # of those, values that differ at all (the DSO rounds to Wh, we to mWh)
    beyond_rounding: int  # values that differ by more than 1 Wh: findings for the operator
    largest_difference: Decimal

    @property
    def conserved(self) -> bool:
        """Σ G.03 + Σ P.01T equals the generation counted for the community."""
        t = self.totals
        return t.community_share + t.surplus == t.counted_generation


def read_communities(repository: Repository, tenant: str) -> list[CommunityData]:
    with repository.unit_of_work(tenant=tenant, actor="meshkit-demo") as uow:
        points = {p["id"]: p for p in uow.find("MeteringPoint", first=_ALL).items}
        return [
            _community(uow, community, points)
            for community in uow.find("EnergyCommunity", order_by=["ec_number"], first=_ALL).items
        ]


def _community(uow: UnitOfWork, community: Entity, points: dict[str, Entity]) -> CommunityData:
    mine = {"attr": "community", "op": "eq", "value": community["id"]}
    participations = uow.find(
        "Participation",
        where={"and": [mine, {"attr": "status", "op": "eq", "value": "active"}]},
        first=_ALL,
    ).items
    return CommunityData(
        entity=community,
        participants=tuple(
            uow.find("Participant", where=mine, order_by=["member_number"], first=_ALL).items
        ),
        points={p["metering_point"]: points[p["metering_point"]] for p in participations},
        participations=tuple(participations),
        tariffs=tuple(uow.find("Tariff", where=mine, first=_ALL).items),
    )


# ====================================================================== allocation
def allocate_month(community: CommunityData, energy: EnergyReport) -> Allocation:
    """Allocate the community's month and compare each value with the DSO's."""
    readings = energy.readings[community.community_id]
    participations = pl.DataFrame(
        {
            "community": [community.community_id] * len(community.participations),
            "metering_point": [
                community.points[p["metering_point"]]["metering_point_id"]
                for p in community.participations
            ],
            "direction": [
                community.points[p["metering_point"]]["direction"] for p in community.participations
            ],
            "factor": [p["participation_factor"] for p in community.participations],
            "valid_from": [p["valid_from"] for p in community.participations],
            "valid_to": [p["valid_to"] for p in community.participations],
        },
        schema={
            "community": pl.String(),
            "metering_point": pl.String(),
            "direction": pl.String(),
            "factor": pl.Int64(),
            "valid_from": pl.Date(),
            "valid_to": pl.Date(),
        },
    )
    result = allocate(
        measurements_from_readings(readings),
        participations,
        str(community.entity["allocation_model"]),
        time_zone=str(community.entity["time_zone"] or MARKET_TIME_ZONE),
    )
    compared, differing, beyond, largest = _compare(result, readings)
    return Allocation(community, result, _totals(result), compared, differing, beyond, largest)


def _totals(result: pl.DataFrame) -> Totals:
    sums = dict(result.group_by("meter_code").agg(pl.col("value").cast(_KWH).sum()).iter_rows())

    def kwh(code: MeterCode) -> Decimal:
        return Decimal(sums.get(code.value) or 0)

    return Totals(
        consumption=kwh(MeterCode.CONSUMPTION),
        counted_consumption=kwh(MeterCode.CONSUMPTION_COUNTED),
        generation=kwh(MeterCode.GENERATION),
        counted_generation=kwh(MeterCode.GENERATION_COUNTED),
        community_share=kwh(MeterCode.COVERED),
        surplus=kwh(MeterCode.SURPLUS),
    )


def _compare(result: pl.DataFrame, dso: pl.DataFrame) -> tuple[int, int, int, Decimal]:
    """Values computed by both (G.01T, G.02, G.03, P.01T): how many, how many differ (at all,
    and by more than 1 Wh), and the largest difference."""
    keys = ["metering_point", "meter_code", "start"]
    ours = result.select(*keys, pl.col("value").alias("ours"))
    theirs = dso.select(*keys, pl.col("value").alias("theirs"))
    joined = ours.join(theirs, on=keys, how="inner").filter(
        ~pl.col("meter_code").is_in([MeterCode.CONSUMPTION.value, MeterCode.GENERATION.value])
    )
    difference = (pl.col("ours").cast(_KWH) - pl.col("theirs").cast(_KWH)).abs()
    summary = joined.select(
        pl.len().alias("compared"),
        (difference > 0).sum().alias("differing"),
        (difference > Decimal("0.001")).sum().alias("beyond"),
        difference.max().alias("largest"),
    ).row(0)
    return int(summary[0]), int(summary[1] or 0), int(summary[2] or 0), Decimal(summary[3] or 0)


# ====================================================================== billing
def bill_month(allocation: Allocation, month: date) -> billing.BillingRun:
    """A preview run: one draft invoice, credit note or statement per member."""
    community = allocation.community
    by_participant: dict[str, list[billing.MeteringPoint]] = defaultdict(list)
    for participation in community.participations:
        point = community.points[participation["metering_point"]]
        by_participant[participation["participant"]].append(
            billing.MeteringPoint(point["metering_point_id"], billing.Direction(point["direction"]))
        )
    participants = [
        _participant(p, tuple(sorted(by_participant[p["id"]], key=lambda m: m.id)))
        for p in community.participants
    ]
    return billing.bill(
        _issuer(community.entity),
        billing.Period(billing.SettlementInterval(community.entity["settlement_interval"]), month),
        participants,
        [_tariff(t) for t in community.tariffs],
        daily_values(allocation.result, str(community.entity["time_zone"])),
    )


def daily_values(result: pl.DataFrame, time_zone: str) -> list[billing.EnergyValue]:
    """The allocation's quarter hours summed per metering point, meter code and local day."""
    rank = {"L1": 1, "L2": 2, "L3": 3}
    daily = (
        result.with_columns(
            pl.col("start").dt.convert_time_zone(time_zone).dt.date().alias("day"),
            pl.col("quality").replace_strict(rank, default=3, return_dtype=pl.Int8).alias("q"),
        )
        .group_by("metering_point", "meter_code", "day")
        .agg(pl.col("value").cast(_KWH).sum().alias("kwh"), pl.col("q").max())
        .sort("metering_point", "meter_code", "day")
    )
    quality = {1: billing.Quality.L1, 2: billing.Quality.L2, 3: billing.Quality.L3}
    return [
        billing.EnergyValue(point, MeterCode(code), day, Decimal(kwh), quality[q])
        for point, code, day, kwh, q in daily.iter_rows()
    ]


def _address(record: dict[str, Any]) -> billing.Address:
    return billing.Address(
        street=record["street"],
        postal_code=record["postal_code"],
        city=record["city"],
        country=record.get("country") or "AT",
        house_number=record.get("house_number") or "",
        additional=record.get("additional") or "",
    )


def _bank(record: dict[str, Any] | None) -> billing.BankAccount | None:
    if not record:
        return None
    return billing.BankAccount(record["iban"], record["holder"], record.get("bic"))


def _issuer(community: Entity) -> billing.Community:
    return billing.Community(
        id=community["community_id"],
        name=community["name"],
        address=_address(community["address"]),
        tax_regime=billing.TaxRegime(community["vat_status"]),
        vat_id=community["vat_id"],
        bank_account=_bank(community["bank_account"]),
        creditor_id=community["sepa_creditor_id"],
        payment_term_days=community["payment_term_days"],
    )


def display_name(participant: Entity) -> str:
    if participant.get("company_name"):
        return str(participant["company_name"])
    title = f"{participant['title']} " if participant.get("title") else ""
    return f"{title}{participant['first_name']} {participant['last_name']}"


def _participant(
    participant: Entity, points: tuple[billing.MeteringPoint, ...]
) -> billing.Participant:
    mandate = participant.get("sepa_mandate")
    return billing.Participant(
        id=participant["member_number"],
        name=display_name(participant),
        address=_address(participant["address"]),
        metering_points=points,
        tax_regime=billing.TaxRegime(participant["tax_regime"]),
        vat_id=participant["vat_id"],
        bank_account=_bank(participant["bank_account"]),
        mandate=(
            billing.Mandate(mandate["reference"], mandate["signed_on"])
            if mandate and not mandate.get("revoked_on")
            else None
        ),
    )


def _tariff(tariff: Entity) -> billing.Tariff:
    return billing.Tariff(
        name=tariff["name"],
        valid_from=tariff["valid_from"],
        valid_to=tariff["valid_to"],
        consumption_price=tariff["consumption_price"],
        feed_in_price=tariff["feed_in_price"],
        membership_fee=tariff["membership_fee"],
        base_fee=tariff["base_fee"],
        metering_point_fee=tariff["metering_point_fee"],
        discount=tariff["discount"],
        free_kwh=tariff["free_kwh"],
        vat_rate=tariff["vat_rate"],
    )
